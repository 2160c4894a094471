"""Department intake: staff in a department draft an agenda item, it goes through the city's approval route, and
the clerk places the approved item on a meeting's agenda (through app.meetings.agenda.add_item, the one way in)."""
