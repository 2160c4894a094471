# ruff: noqa: C408  (rows read best as keyword arguments)
"""A large generated archive, written with bulk inserts: years of meetings, thousands of resolutions, tens of
thousands of votes and speakers. Used to prove that page and API query counts do not grow with the record."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from app.extensions import db
from app.legislation.models import AgreementEffect, Resolution
from app.matters.models import Matter
from app.meetings.models import AgendaItem, Attendance, Meeting, agenda_item_sponsors
from app.public_comment.models import CommentPeriod, SpeakerRequest
from app.votes.models import Motion, Vote


def build(
    body,
    members,
    *,
    years=3,
    meetings_per_year=24,
    items_per_meeting=30,
    speakers_per_item=5,
    first_year=2022,
    agreement=None,
) -> dict:
    """Fill the database; returns the counts written. Ids are assigned here so rows can refer to each other."""
    ids = {
        "meeting": 10_000,
        "item": 100_000,
        "motion": 100_000,
        "vote": 1_000_000,
        "period": 100_000,
        "speaker": 1_000_000,
        "resolution": 100_000,
        "attendance": 100_000,
    }
    rows = {
        name: []
        for name in (
            "meetings",
            "matters",
            "items",
            "sponsors",
            "resolutions",
            "motions",
            "votes",
            "attendance",
            "periods",
            "speakers",
            "effects",
        )
    }
    seq = 0
    for year in range(first_year, first_year + years):
        for n in range(meetings_per_year):
            ids["meeting"] += 1
            meeting_id = ids["meeting"]
            start = datetime(year, 1, 5, 22, 0, tzinfo=UTC) + timedelta(days=15 * n)
            rows["meetings"].append(
                dict(
                    id=meeting_id,
                    body_id=body.id,
                    kind="regular",
                    title=f"Regular meeting {year}-{n + 1}",
                    start_at=start,
                    location="City Hall",
                    status="adjourned",
                    first_published_at=start - timedelta(days=8),
                    agenda_published_at=start - timedelta(days=7),
                    sequence=0,
                    created_at=start,
                    updated_at=start,
                )
            )
            for member in members:
                ids["attendance"] += 1
                rows["attendance"].append(
                    dict(
                        id=ids["attendance"],
                        meeting_id=meeting_id,
                        member_id=member.id,
                        status="absent" if (n + member.id) % 9 == 0 else "present_in_person",
                        arrived_at=start,
                        recorded_at=start,
                    )
                )
            for k in range(items_per_meeting):
                ids["item"] += 1
                item_id = ids["item"]
                rows["matters"].append(
                    dict(
                        id=item_id,
                        file_number=f"F{item_id}",
                        matter_type="resolution",
                        title=f"Resolution on harbor lease {item_id}",
                        summary="",
                        status="adopted",
                        created_at=start,
                        updated_at=start,
                    )
                )
                rows["items"].append(
                    dict(
                        id=item_id,
                        matter_id=item_id,
                        meeting_id=meeting_id,
                        section="Resolutions",
                        position=k + 1,
                        label=f"R{k + 1}",
                        title=f"Resolution on harbor lease {item_id}",
                        body_md="",
                        item_type="resolution",
                        file_number=f"F{item_id}",
                        fiscal_impact="",
                        public_comment_required=True,
                        created_at=start,
                    )
                )
                rows["sponsors"].append(dict(agenda_item_id=item_id, member_id=members[k % len(members)].id))
                ids["motion"] += 1
                motion_id = ids["motion"]
                yes = len(members) - 1 - (k % 3)
                rows["motions"].append(
                    dict(
                        id=motion_id,
                        meeting_id=meeting_id,
                        agenda_item_id=item_id,
                        kind="main",
                        text=f"Move to adopt item {item_id}",
                        mover_id=members[1].id,
                        seconder_id=members[2].id,
                        previous_notice=False,
                        threshold_basis="members_present",
                        threshold_fraction="majority",
                        threshold_min_yes=0,
                        status="closed",
                        result="passed" if yes > len(members) // 2 else "failed",
                        roll_call_method="alphabetical_chair_last",
                        roll_call_order=[m.id for m in members],
                        seats_at_vote=len(members),
                        made_at=start,
                        opened_at=start,
                        closed_at=start + timedelta(hours=1),
                    )
                )
                for position, member in enumerate(members, start=1):
                    ids["vote"] += 1
                    rows["votes"].append(
                        dict(
                            id=ids["vote"],
                            motion_id=motion_id,
                            member_id=member.id,
                            position=position,
                            choice="yes" if position <= yes else "no",
                            remote=False,
                            recorded_at=start,
                        )
                    )
                seq += 1
                ids["resolution"] += 1
                adopted = yes > len(members) // 2
                rows["resolutions"].append(
                    dict(
                        id=ids["resolution"],
                        agenda_item_id=item_id,
                        title=f"Resolution on harbor lease {item_id}",
                        text_md=f"Authorizing the harbor lease number {item_id} with the marina operator.",
                        status="adopted" if adopted else "failed",
                        number=f"{year % 100:02d}-{seq:04d}" if adopted else None,
                        number_year=year if adopted else None,
                        number_seq=seq if adopted else None,
                        adopted_on=start.date() if adopted else None,
                        effective_on=start.date() if adopted else None,
                        motion_id=motion_id,
                        created_at=start,
                    )
                )
                if agreement is not None and k == 0:
                    rows["effects"].append(
                        dict(
                            resolution_id=ids["resolution"],
                            agreement_id=agreement.id,
                            kind="ratifies",
                            effective_on=start.date(),
                        )
                    )
                ids["period"] += 1
                rows["periods"].append(
                    dict(
                        id=ids["period"],
                        agenda_item_id=item_id,
                        last_position=speakers_per_item,
                        opened_at=start,
                        closed_at=start,
                    )
                )
                for s in range(speakers_per_item):
                    ids["speaker"] += 1
                    rows["speakers"].append(
                        dict(
                            id=ids["speaker"],
                            period_id=ids["period"],
                            agenda_item_id=item_id,
                            meeting_id=meeting_id,
                            queue_position=s + 1,
                            token_hash="0" * 64,
                            name=f"Resident {ids['speaker']}",
                            stance=("support", "oppose", "neutral")[s % 3],
                            participation="in_person",
                            email=f"resident{ids['speaker']}@private.example",
                            phone="305-555-0100",
                            disclaimer_version="PR-2025-1",
                            status="spoke",
                            allotted_seconds=180,
                            elapsed_seconds=150,
                            created_at=start,
                            updated_at=start,
                        )
                    )
        seq = 0
    for model, key in (
        (Meeting, "meetings"),
        (Matter, "matters"),
        (AgendaItem, "items"),
        (Motion, "motions"),
        (Vote, "votes"),
        (Resolution, "resolutions"),
        (Attendance, "attendance"),
        (CommentPeriod, "periods"),
        (SpeakerRequest, "speakers"),
        (AgreementEffect, "effects"),
    ):
        if rows[key]:
            db.session.execute(insert(model.__table__), rows[key])
    db.session.execute(insert(agenda_item_sponsors), rows["sponsors"])
    db.session.commit()
    return {key: len(value) for key, value in rows.items()}
