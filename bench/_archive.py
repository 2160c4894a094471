"""A demo archive grown ``factor``-fold: past meetings of the demo's City Commission, with their items, roll calls,
corrections, attendance, sponsors and adopted resolutions, written with bulk INSERTs (SQLAlchemy Core, one
``executemany`` per table and chunk) on whichever database the instance uses.

Run in the instance's environment (``grow(env, factor)`` runs ``python -c`` like ``bench/_meeting.py``): the
demo has 5 meetings, 23 items, 4 motions, 28 votes, 2 resolutions; ``factor`` 100 adds 500 meetings (weekly,
going back from the demo's first), 2,500 items, 400 closed roll calls of 7 votes (2,800 votes, 1 in 20 corrected),
200 adopted resolutions, 2,800 attendance rows. Numbers are ``YY-NNN`` from 500 up in each year, so they never
meet the demo's; file numbers are ``A``-prefixed. Nothing goes through the services (no audit entries): this is
an archive of past meetings as an import would leave it, read by the public pages only.
"""

from bench._server import run_in_app

GROW = """
import json, time
from bench._archive import _grow
from wsgi import app

with app.app_context():
    started = time.monotonic()
    counts = _grow({factor})
    counts["seconds"] = round(time.monotonic() - started, 1)
    print("ARCHIVE " + json.dumps(counts))
"""


def grow(env: dict, factor: int) -> dict:
    """Add ``factor`` times the demo's archive to the instance's database; return what was added."""
    return run_in_app(GROW.format(factor=factor), env, "ARCHIVE", "growing the archive")


def _grow(factor: int) -> dict:  # noqa: PLR0915 (one flat recipe reads best)
    from datetime import timedelta

    from sqlalchemy import func, insert, inspect, select

    from app.bodies.models import Body
    from app.extensions import db
    from app.legislation.models import Resolution
    from app.meetings.models import AgendaItem, Attendance, Meeting, agenda_item_sponsors
    from app.votes.models import Motion, Vote, VoteCorrection

    first_motion = db.session.scalar(select(Motion).where(Motion.status == "closed").order_by(Motion.id))
    body = db.session.get(Body, first_motion.meeting.body_id)
    first_day = db.session.scalar(select(func.min(Meeting.start_at)).where(Meeting.body_id == body.id))
    members = list(first_motion.roll_call_order)  # the demo's seated commission, in its roll-call order
    # A maintained current-choice column, when the schema has one (the benchmark also runs on older code).
    vote_columns = {c["name"] for c in inspect(db.engine).get_columns("votes")}
    has_corrected = "corrected_choice" in vote_columns

    def next_id(model) -> int:
        return (db.session.scalar(select(func.max(model.id))) or 0) + 1

    meeting_id, item_id, motion_id = next_id(Meeting), next_id(AgendaItem), next_id(Motion)
    vote_id, resolution_id = next_id(Vote), next_id(Resolution)
    meetings, items, sponsors, motions, votes, corrections, attendances, resolutions = ([] for _ in range(8))
    seq_by_year: dict[int, int] = {}
    count = 5 * factor
    for n in range(count):
        start = first_day - timedelta(days=7 * (n + 1))
        published = start - timedelta(days=10)
        meetings.append(
            {
                "id": meeting_id,
                "body_id": body.id,
                "kind": "regular",
                "title": "Regular City Commission Meeting",
                "start_at": start,
                "end_at": start + timedelta(hours=3),
                "location": "City Hall, 1300 White Street",
                "status": "adjourned",
                "first_published_at": published,
                "agenda_published_at": published,
                "sequence": 1,
                "created_at": published,
                "updated_at": start + timedelta(hours=3),
            }
        )
        sections = [
            ("Call to Order", "ministerial", "Call to order"),
            ("Consent Agenda", "ministerial", "Approval of the consent agenda"),
            ("Resolutions", "resolution", f"Resolution on the archive's matter {n}"),
            ("Reports", "report", "City Manager's report"),
            ("Adjournment", "ministerial", "Adjournment"),
        ]
        item_ids = []
        for position, (section, kind, title) in enumerate(sections, start=1):
            ministerial = kind == "ministerial"
            items.append(
                {
                    "id": item_id,
                    "meeting_id": meeting_id,
                    "section": section,
                    "position": position,
                    "label": f"{position}.A",
                    "title": title,
                    "body_md": f"**Background.** Item {position} of the archive's meeting {n}.\n\n- one\n- two",
                    "item_type": kind,
                    "file_number": f"A{item_id:07d}",
                    "fiscal_impact": "",
                    "public_comment_required": not ministerial,
                    "comment_exemption": "ministerial" if ministerial else None,
                    "created_at": published,
                }
            )
            item_ids.append(item_id)
            item_id += 1
        resolution_item = item_ids[2]
        sponsors.append({"agenda_item_id": resolution_item, "member_id": members[n % len(members)]})
        for member in members:
            attendances.append(
                {
                    "meeting_id": meeting_id,
                    "member_id": member,
                    "status": "present_in_person",
                    "arrived_at": start,
                    "recorded_at": start,
                }
            )
        if n % 5 != 4:  # four meetings in five decide their resolution by a roll call
            opened, closed = start + timedelta(hours=1), start + timedelta(hours=1, minutes=5)
            motions.append(
                {
                    "id": motion_id,
                    "meeting_id": meeting_id,
                    "agenda_item_id": resolution_item,
                    "kind": "main",
                    "text": f"Move to adopt the resolution on the archive's matter {n}.",
                    "mover_id": members[0],
                    "seconder_id": members[1],
                    "previous_notice": False,
                    "threshold_basis": first_motion.threshold_basis.value,
                    "threshold_fraction": first_motion.threshold_fraction.value,
                    "threshold_min_yes": 0,
                    "status": "closed",
                    "result": "passed",
                    "roll_call_method": first_motion.roll_call_method,
                    "roll_call_order": members,
                    "seats_at_vote": len(members),
                    "made_at": opened,
                    "opened_at": opened,
                    "closed_at": closed,
                }
            )
            for position, member in enumerate(members, start=1):
                choice = "no" if (n + position) % 6 == 0 else "yes"
                vote = {
                    "id": vote_id,
                    "motion_id": motion_id,
                    "member_id": member,
                    "position": position,
                    "choice": choice,
                    "remote": False,
                    "recorded_at": opened,
                }
                corrected = None
                if vote_id % 20 == 0:  # one vote in twenty corrected afterwards (yes <-> no: the result holds)
                    corrected = "no" if choice == "yes" else "yes"
                    corrections.append(
                        {
                            "vote_id": vote_id,
                            "old_choice": choice,
                            "new_choice": corrected,
                            "reason": "The clerk misheard the answer.",
                            "corrected_at": closed + timedelta(days=1),
                        }
                    )
                if has_corrected:
                    vote["corrected_choice"] = corrected
                votes.append(vote)
                vote_id += 1
            if n % 5 in (0, 2):  # two in five adopt one
                year = start.year
                seq_by_year[year] = seq_by_year.get(year, 499) + 1
                resolutions.append(
                    {
                        "id": resolution_id,
                        "agenda_item_id": resolution_item,
                        "title": f"Resolution on the archive's matter {n}",
                        "text_md": f"**Whereas** the archive grows;\n\n**Now, therefore**, matter {n} is resolved.",
                        "status": "adopted",
                        "number": f"{year % 100:02d}-{seq_by_year[year]:03d}",
                        "number_year": year,
                        "number_seq": seq_by_year[year],
                        "adopted_on": start.date(),
                        "effective_on": start.date(),
                        "motion_id": motion_id,
                        "created_at": published,
                    }
                )
                resolution_id += 1
            motion_id += 1
        meeting_id += 1

    def bulk(table, rows, size=2000):
        for at in range(0, len(rows), size):
            db.session.execute(insert(table), rows[at : at + size])

    bulk(Meeting.__table__, meetings)
    try:  # every item is a matter's appearance (issue 20); older code has no matters table
        from app.matters.models import Matter
        from app.meetings.matter_link import bulk_matter_rows

        first_matter = (db.session.scalar(select(func.max(Matter.id))) or 0) + 1
        bulk(Matter.__table__, bulk_matter_rows(items, first_id=first_matter))
    except ImportError:
        pass
    bulk(AgendaItem.__table__, items)
    bulk(agenda_item_sponsors, sponsors)
    bulk(Attendance.__table__, attendances)
    bulk(Motion.__table__, motions)
    bulk(Vote.__table__, votes)
    bulk(VoteCorrection.__table__, corrections)
    bulk(Resolution.__table__, resolutions)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        for table in ("meetings", "agenda_items", "motions", "votes", "vote_corrections", "resolutions", "attendances"):
            sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"  # noqa: S608 (fixed names)
            db.session.execute(db.text(sql))
        db.session.commit()
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    else:
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
    return {
        "meetings": len(meetings),
        "items": len(items),
        "motions": len(motions),
        "votes": len(votes),
        "corrections": len(corrections),
        "resolutions": len(resolutions),
        "attendances": len(attendances),
    }
