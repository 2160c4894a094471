"""A member's record in pictures (issue 19): attendance month by month, votes with and against the majority, and the
same by topic. Every figure comes from an aggregate or a bounded query (a fixed number however long the record):
the member page must not load a member's votes.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from app.core.timeutil import to_local
from app.extensions import db
from app.meetings.models import Attendance, AttendanceStatus, Meeting
from app.topics.models import Topic, agenda_item_topics
from app.votes.models import Motion, MotionStatus, Vote, VoteChoice

#: Months of attendance drawn, up to the member's latest meeting; and the meetings read to draw them (a bound on
#: the rows, far above what a body meets in that time).
MONTHS_SHOWN = 24
ATTENDANCE_ROWS = 200
TOPICS_SHOWN = 12


def final_choice_column(vote=Vote):
    """A vote's choice as corrected, as SQL: the maintained ``corrected_choice`` (the newest correction) or the
    choice given. A plain column of the row, so filters and counts read ``votes`` alone."""
    return func.coalesce(vote.corrected_choice, vote.choice)


def roll_calls_of(member_id: int):
    """This member's votes on closed roll calls; a consent agenda counts once, not once per item."""
    return (
        select(Vote)
        .join(Motion, Motion.id == Vote.motion_id)
        .where(Vote.member_id == member_id, Motion.status == MotionStatus.closed, Motion.consent_of_id.is_(None))
    )


def per_roll_call(member_id: int):
    """One row per roll call the member answered: its motion, its yes and no (as corrected), the member's choice."""
    others = aliased(Vote)
    final = final_choice_column(others)
    return (
        select(
            others.motion_id.label("motion_id"),
            func.sum(case((final == VoteChoice.yes.value, 1), else_=0)).label("yes"),
            func.sum(case((final == VoteChoice.no.value, 1), else_=0)).label("no"),
            func.max(case((others.member_id == member_id, final), else_=None)).label("choice"),
        )
        .where(others.motion_id.in_(roll_calls_of(member_id).with_only_columns(Vote.motion_id)))
        .group_by(others.motion_id)
        .subquery()
    )


def majority_sides(per_motion):
    """SQL conditions on a ``per_roll_call`` row: the member voted with the majority, and against it."""
    choice, yes, no = per_motion.c.choice, per_motion.c.yes, per_motion.c.no
    with_majority = or_(and_(choice == VoteChoice.yes.value, yes > no), and_(choice == VoteChoice.no.value, no > yes))
    against = or_(and_(choice == VoteChoice.yes.value, no > yes), and_(choice == VoteChoice.no.value, yes > no))
    return with_majority, against


@dataclass
class Month:
    first_day: date
    present: int = 0
    absent: int = 0
    excused: int = 0

    @property
    def marks(self) -> list[str]:
        """One entry a meeting, present first: "present", "excused", "absent"."""
        return ["present"] * self.present + ["excused"] * self.excused + ["absent"] * self.absent


@dataclass
class TopicRow:
    name: str
    votes: int
    with_majority: int
    against: int


@dataclass
class MemberCharts:
    member_id: int
    months: list[Month] = field(default_factory=list)
    with_majority: int = 0
    against: int = 0
    topics: list[TopicRow] = field(default_factory=list)

    @property
    def tallest(self) -> int:
        return max([1] + [len(m.marks) for m in self.months])

    @property
    def widest_topic(self) -> int:
        return max([1] + [t.with_majority + t.against for t in self.topics])


_PRESENT = {AttendanceStatus.present_in_person.value, AttendanceStatus.present_remote.value}


def attendance_months(member_id: int) -> list[Month]:
    """The member's attendance in each month (the city's time) of the last MONTHS_SHOWN up to their latest meeting,
    empty months included: one query of at most ATTENDANCE_ROWS narrow rows, newest first."""
    rows = db.session.execute(
        select(Meeting.start_at, Attendance.status)
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .where(Attendance.member_id == member_id)
        .order_by(Meeting.start_at.desc())
        .limit(ATTENDANCE_ROWS)
    ).all()
    if not rows:
        return []
    newest = to_local(rows[0][0]).date().replace(day=1)
    months: dict[date, Month] = {}
    day = newest
    for _n in range(MONTHS_SHOWN):
        months[day] = Month(day)
        day = (day - timedelta(days=1)).replace(day=1)
    for start_at, status in rows:
        month = months.get(to_local(start_at).date().replace(day=1))
        if month is None:
            continue
        status = getattr(status, "value", status)
        if status in _PRESENT:
            month.present += 1
        elif status == AttendanceStatus.excused.value:
            month.excused += 1
        else:
            month.absent += 1
    ordered = sorted(months.values(), key=lambda m: m.first_day)
    # Leading months before the member's first meeting in the window are left off.
    while ordered and not ordered[0].marks:
        ordered.pop(0)
    return ordered


def votes_by_topic(member_id: int) -> list[TopicRow]:
    """Roll calls on items tagged with each topic, and how many the member voted with and against the majority
    (one grouped query; the topics with the most roll calls first)."""
    per_motion = per_roll_call(member_id)
    with_majority, against = majority_sides(per_motion)
    rows = db.session.execute(
        select(
            Topic.name,
            func.count(),
            func.sum(case((with_majority, 1), else_=0)),
            func.sum(case((against, 1), else_=0)),
        )
        .select_from(per_motion)
        .join(Motion, Motion.id == per_motion.c.motion_id)
        .join(agenda_item_topics, agenda_item_topics.c.agenda_item_id == Motion.agenda_item_id)
        .join(Topic, Topic.id == agenda_item_topics.c.topic_id)
        .group_by(Topic.id, Topic.name)
        .order_by(func.count().desc(), Topic.name)
        .limit(TOPICS_SHOWN)
    ).all()
    return [TopicRow(name, int(n), int(w or 0), int(a or 0)) for name, n, w, a in rows]


def member_charts(member_id: int, record) -> MemberCharts:
    """The pictures of the member page; ``record`` is the page's ``VotingRecord`` (its majority counts reused)."""
    return MemberCharts(
        member_id=member_id,
        months=attendance_months(member_id),
        with_majority=record.with_majority,
        against=record.majority_votes - record.with_majority,
        topics=votes_by_topic(member_id),
    )
