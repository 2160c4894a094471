"""One search over the whole record: meetings, items, attachments, minutes, resolutions, agreements, speakers."""
