"""What the public and the minutes read: speakers, published comments and tallies by position."""

from dataclasses import dataclass

from sqlalchemy import String, case, cast, func, literal, select, union_all

from app.core.timeutil import format_seconds
from app.extensions import db
from app.meetings.models import AgendaItem, Meeting
from app.public_comment.models import (
    SpeakerRequest,
    SpeakerRequestParticipation,
    SpeakerRequestStatus,
    Stance,
    WrittenComment,
    WrittenCommentStatus,
)
from app.public_comment.queue import queue

R = SpeakerRequestStatus
P = SpeakerRequestParticipation


@dataclass
class Tally:
    """Positions on one item by kind: speakers, written comments, and positions registered without speaking or
    writing ("position only", a speaker card with ``written_only`` participation: its own kind, never "written")."""

    spoken: dict
    written: dict
    position: dict
    #: Speakers heard (spoke), the seconds they spoke and the seconds they were given (the comment picture).
    heard: int = 0
    seconds_used: int = 0
    seconds_allotted: int = 0

    @classmethod
    def empty(cls) -> "Tally":
        return cls(_empty(), _empty(), _empty())

    @property
    def total(self) -> int:
        return sum(self.spoken.values()) + sum(self.written.values()) + sum(self.position.values())

    @property
    def position_total(self) -> int:
        return sum(self.position.values())

    @property
    def by_stance(self) -> dict:
        """Every kind together, per position (support / oppose / neutral)."""
        return {s: self.spoken[s] + self.written[s] + self.position[s] for s in Stance}


def _empty() -> dict:
    return dict.fromkeys(Stance, 0)


#: Requests that count in the tallies as heard or to be heard (not withdrawn, not a no-show).
COUNTED = (R.waiting, R.checked_in, R.called, R.spoke, R.ceded)


def tallies(meeting_id: int) -> dict[int, Tally]:
    """Support / oppose / neutral per item, by kind, in one grouped query; with the speakers heard and the time
    they spoke and were given.

    Written = published written comments; position only = cards that record a position without speaking;
    spoken = speaker cards still standing (not withdrawn, not a no-show). Withdrawn cards count nowhere.
    """
    spoke = SpeakerRequest.status == R.spoke
    cards = (
        select(
            SpeakerRequest.agenda_item_id,
            SpeakerRequest.stance,
            cast(SpeakerRequest.participation, String(40)),
            func.count(),
            func.sum(case((spoke, 1), else_=0)),
            func.sum(case((spoke, SpeakerRequest.elapsed_seconds), else_=0)),
            func.sum(case((spoke, SpeakerRequest.allotted_seconds), else_=0)),
        )
        .where(SpeakerRequest.meeting_id == meeting_id, SpeakerRequest.status.in_(COUNTED))
        .group_by(SpeakerRequest.agenda_item_id, SpeakerRequest.stance, SpeakerRequest.participation)
    )
    letters = (
        select(
            WrittenComment.agenda_item_id,
            WrittenComment.stance,
            literal("letter", String(40)),
            func.count(),
            literal(0),
            literal(0),
            literal(0),
        )
        .where(WrittenComment.meeting_id == meeting_id, WrittenComment.status == WrittenCommentStatus.published)
        .group_by(WrittenComment.agenda_item_id, WrittenComment.stance)
    )
    result: dict[int, Tally] = {}
    for item_id, stance, kind, count, heard, used, given in db.session.execute(union_all(cards, letters)):
        tally = result.setdefault(item_id, Tally.empty())
        tally.heard += int(heard or 0)
        tally.seconds_used += int(used or 0)
        tally.seconds_allotted += int(given or 0)
        if kind == "letter":
            bucket = tally.written
        elif kind == P.written_only.value:
            bucket = tally.position
        else:
            bucket = tally.spoken
        bucket[Stance(stance)] += count
    return result


def comment_summary(meeting: Meeting) -> dict[int, list[str]]:
    """For the draft minutes: per item, the comment period, who spoke and in what position, the tallies.

    Record text in the city's record language, like the rest of the minutes.
    """
    cards = db.session.scalars(
        select(SpeakerRequest)
        .where(SpeakerRequest.meeting_id == meeting.id, SpeakerRequest.status == R.spoke)
        .order_by(SpeakerRequest.agenda_item_id, SpeakerRequest.called_at, SpeakerRequest.queue_position)
    ).all()
    totals = tallies(meeting.id)
    result: dict[int, list[str]] = {}
    for item_id, tally in totals.items():
        spoke = [c for c in cards if c.agenda_item_id == item_id]
        lines = [
            f"Public comment: {len(spoke)} spoke, {format_seconds(sum(c.elapsed_seconds for c in spoke))} "
            f"in all. Positions, speakers and written: support {tally.spoken[Stance.support]} and "
            f"{tally.written[Stance.support]}, oppose {tally.spoken[Stance.oppose]} and "
            f"{tally.written[Stance.oppose]}, neutral {tally.spoken[Stance.neutral]} and "
            f"{tally.written[Stance.neutral]}."
        ]
        if tally.position_total:
            lines.append(
                f"Positions recorded without speaking or writing: support {tally.position[Stance.support]}, "
                f"oppose {tally.position[Stance.oppose]}, neutral {tally.position[Stance.neutral]}."
            )
        if spoke:
            lines.append(
                "Speakers: "
                + "; ".join(
                    f"{c.name}{f' for {c.group_name}' if c.group_name else ''} ({c.stance.value})" for c in spoke
                )
                + "."
            )
        result[item_id] = lines
    return result


def public_speakers(item: AgendaItem) -> list[SpeakerRequest]:
    """The speaker list as the public sees it, in registration order: name, group, position and status only.

    A withdrawn request stays in the list (residents are told it does), shown as withdrawn, without a number and
    not counted as waiting (see ``templates/public_comment/_parts.html``)."""
    return queue(item)


def published_comments(item: AgendaItem) -> list[WrittenComment]:
    return list(
        db.session.scalars(
            select(WrittenComment)
            .where(WrittenComment.agenda_item_id == item.id, WrittenComment.status == WrittenCommentStatus.published)
            .order_by(WrittenComment.created_at, WrittenComment.id)
        )
    )
