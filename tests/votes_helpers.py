"""A seven-seat commission in session, with the roll taken and comment held on the resolution."""

from app.meetings import attendance, lifecycle
from app.public_comment import queue as speaker_queue

NAMES = [
    "Marisol Quintana",
    "Everett Lindqvist",
    "Rosalind Okafor",
    "Tobias Vandermeer",
    "Celestine Arbuckle",
    "Hollis Prendergast",
    "Ines Baptiste",
]


def make_commission(create_body, create_member, **body_settings):
    body = create_body(name="City Commission", seat_count=7, **body_settings)
    members = [
        create_member(body, full_name=n, seat_number=i, is_chair=i == 0, title="Mayor" if i == 0 else "Commissioner")
        for i, n in enumerate(NAMES)
    ]
    return body, members


def start(meeting, clock, db):
    clock.now = meeting.start_at
    lifecycle.start_meeting(meeting, actor=None)
    db.session.commit()


def roll_call(meeting, members, **by_first_name):
    statuses = {m.id: by_first_name.get(m.full_name.split()[0], "present_in_person") for m in members}
    return attendance.take_roll(meeting, statuses, actor=None)


def hold_comment(item):
    speaker_queue.open_period(item, actor=None)
    speaker_queue.close_period(item, actor=None)


def items(meeting):
    by_title = {i.title: i for i in meeting.items}
    return (
        by_title["General public comment"],
        by_title["Resolution on the 287(g) agreement"],
        by_title["Approval of minutes"],
    )
