"""The public archive: meetings by list or month, members with their record, and how public comment works.

Every page reads a fixed number of queries: lists are paged in SQL and member statistics are aggregated in SQL.
"""

import calendar as month_grid
from dataclasses import dataclass
from datetime import date, timedelta

from flask import abort, render_template, request
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from app.bodies.models import Body, Member, Membership
from app.core.cache import public_page
from app.core.paging import page_of
from app.core.timeutil import local_bounds, to_local, utcnow
from app.extensions import db
from app.legislation.models import Resolution
from app.meetings.models import AgendaItem, Attendance, AttendanceStatus, Meeting, MeetingKind, agenda_item_sponsors
from app.portal import member_record
from app.portal.member_record import final_choice_column, roll_calls_of
from app.portal.records import choice_arg, int_arg, read_arg
from app.portal.views import bp
from app.public_comment import intake as comment_intake
from app.public_comment import policy as comment_policy
from app.votes.models import ConflictDisclosure, Motion, MotionResult, Vote, VoteChoice

MEETINGS_PER_PAGE = 25
VOTES_PER_PAGE = 20
#: The newest items a member sponsored, on their page; the resolution list filters by sponsor for the rest.
SPONSORED_SHOWN = 10
#: A week starting on Sunday, as US calendars do: only its weekday names are used.
SUNDAY_WEEK = [date(2023, 1, 1) + timedelta(days=n) for n in range(7)]


def _month_arg(errors: list[str]) -> date | None:
    raw = request.args.get("month", "").strip()
    if not raw:
        return None
    try:
        year, month = (int(part) for part in raw.split("-", 1))
        return date(year, month, 1) if 1900 <= year <= 2999 else None
    except ValueError:
        pass
    errors.append(_("“%(value)s” is not a month; use the form YYYY-MM.", value=raw[:20]))
    return None


@bp.route("/meetings")
@public_page("body", "kind", "year", "page", "month", per=60)
def meetings():
    """Every public meeting, newest first, or one month as a calendar; cancelled ones stay, marked."""
    errors: list[str] = []
    body_id = read_arg(errors, lambda: int_arg("body"))
    kind = read_arg(errors, lambda: choice_arg("kind", MeetingKind))
    year = read_arg(errors, lambda: int_arg("year", low=1900, high=2999))
    page = read_arg(errors, lambda: int_arg("page", high=100000)) or 1
    month = _month_arg(errors)

    query = select(Meeting).where(Meeting.is_public)
    if body_id:
        query = query.where(Meeting.body_id == body_id)
    if kind:
        query = query.where(Meeting.kind == kind)
    if year:
        start, end = local_bounds(date(year, 1, 1), date(year + 1, 1, 1))
        query = query.where(Meeting.start_at >= start, Meeting.start_at < end)
    bodies = db.session.scalars(select(Body).order_by(Body.name)).all()
    public = Meeting.is_public
    ends = [
        to_local(when).date()
        for when in db.session.execute(
            select(func.min(Meeting.start_at), func.max(Meeting.start_at)).where(public)
        ).one()
        if when is not None
    ]
    years = list(range(ends[-1].year, ends[0].year - 1, -1)) if ends else []
    context = {
        "bodies": bodies,
        "years": years,
        "kinds": list(MeetingKind),
        "body_id": body_id,
        "kind": kind,
        "year": year,
        "errors": errors,
        "month": month,
    }
    status = 400 if errors else 200

    if month is not None:
        after = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        start, end = local_bounds(month, after)
        found = db.session.scalars(
            query.where(Meeting.start_at >= start, Meeting.start_at < end).order_by(Meeting.start_at, Meeting.id)
        ).all()
        by_day: dict[int, list[Meeting]] = {}
        for meeting in found:
            by_day.setdefault(to_local(meeting.start_at).day, []).append(meeting)
        weeks = month_grid.Calendar(firstweekday=6).monthdayscalendar(month.year, month.month)
        # Previous and next stop at the archive's ends (the next month is always offered up to this month's),
        # so neither a reader nor a crawler pages through empty months for ever.
        previous = (month - timedelta(days=1)).replace(day=1)
        this_month = to_local(utcnow()).date().replace(day=1)
        last = max([this_month] + [d.replace(day=1) for d in ends[-1:]])
        return render_template(
            "portal/meetings_month.html",
            weeks=weeks,
            by_day=by_day,
            previous=previous if ends and previous >= ends[0].replace(day=1) else None,
            following=after if after <= last else None,
            count=len(found),
            weekdays=SUNDAY_WEEK,
            **context,
        ), status

    listed = page_of(
        query.options(lazyload(Meeting.stamped_rules)).order_by(Meeting.start_at.desc(), Meeting.id.desc()),
        page,
        MEETINGS_PER_PAGE,
    )
    this_month = to_local(utcnow()).date().replace(day=1)
    return render_template(
        "portal/meetings.html",
        rows=listed.items,
        total=listed.total,
        page=listed.page,
        pages=max(listed.pages, 1),
        this_month=this_month,
        **context,
    ), status


# ---- members --------------------------------------------------------------------------------------------------


@dataclass
class VotingRecord:
    counts: dict
    with_majority: int
    majority_votes: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def majority_rate(self) -> int | None:
        return round(100 * self.with_majority / self.majority_votes) if self.majority_votes else None


def voting_record(member_id: int) -> VotingRecord:
    """How the member voted, and how often with the majority of those voting yes or no (one query).

    The majority is the side with more yes or no answers on that roll call, whatever the threshold; a roll call
    that tied has no majority and is left out of the rate.
    """
    per_motion = member_record.per_roll_call(member_id)
    choice, yes, no = per_motion.c.choice, per_motion.c.yes, per_motion.c.no
    with_majority, _against = member_record.majority_sides(per_motion)
    has_majority = and_(choice.in_([VoteChoice.yes.value, VoteChoice.no.value]), yes != no)
    rows = db.session.execute(
        select(
            choice,
            func.count(),
            func.sum(case((with_majority, 1), else_=0)),
            func.sum(case((has_majority, 1), else_=0)),
        ).group_by(choice)
    ).all()
    counts = {VoteChoice(choice): n for choice, n, _w, _h in rows if choice is not None}
    return VotingRecord(
        counts=counts,
        with_majority=sum(int(w or 0) for *_x, w, _h in rows),
        majority_votes=sum(int(h or 0) for *_x, h in rows),
    )


def attendance_record(member_id: int) -> tuple[dict, int | None]:
    """Attendance counts by status and the share of meetings attended in person or remotely (one query)."""
    rows = db.session.execute(
        select(Attendance.status, func.count()).where(Attendance.member_id == member_id).group_by(Attendance.status)
    ).all()
    counts = {AttendanceStatus(status): n for status, n in rows}
    total = sum(counts.values())
    present = counts.get(AttendanceStatus.present_in_person, 0) + counts.get(AttendanceStatus.present_remote, 0)
    return counts, (round(100 * present / total) if total else None)


def votes_page(votes_query, page: int) -> tuple[list, int, int, int]:
    """One page of the member's votes, newest roll call first: (votes, total, page, pages) in two queries.

    The order and the page are taken on the narrow rows (vote, motion, closing time) and only the page's rows are
    joined to what they show, so the joins cost the same however long the member's record is.
    """
    narrow = votes_query.with_only_columns(
        Vote.id.label("vote_id"), Motion.closed_at.label("closed_at"), Motion.id.label("motion_id")
    )
    total = db.session.scalar(select(func.count()).select_from(narrow.subquery()))
    pages = max(1, -(-total // VOTES_PER_PAGE))
    page = min(max(page, 1), pages)  # a stale link past the end shows the last page
    shown = (
        narrow.order_by(Motion.closed_at.desc(), Motion.id.desc())
        .limit(VOTES_PER_PAGE)
        .offset((page - 1) * VOTES_PER_PAGE)
        .subquery()
    )
    cast = db.session.scalars(
        select(Vote)
        .join(shown, shown.c.vote_id == Vote.id)
        .options(
            # What a row shows and no more: the member is the page's own, the mover and the body are not shown.
            lazyload(Vote.member),
            joinedload(Vote.motion).options(
                lazyload(Motion.mover),
                lazyload(Motion.seconder),
                joinedload(Motion.item),
                joinedload(Motion.meeting).options(lazyload(Meeting.body), lazyload(Meeting.stamped_rules)),
            ),
        )
        .order_by(shown.c.closed_at.desc(), shown.c.motion_id.desc())
    ).all()
    return cast, total, page, pages


def sponsored_items(member_id: int) -> tuple[list, int]:
    """The newest items the member sponsored and how many in all, in one query: the order, the limit and the
    count (a window over the same narrow rows) before the shown items are joined to their meeting and resolution."""
    narrow = (
        select(
            AgendaItem.id.label("item_id"),
            Meeting.start_at.label("start_at"),
            func.count().over().label("total"),
        )
        .join(agenda_item_sponsors, agenda_item_sponsors.c.agenda_item_id == AgendaItem.id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(agenda_item_sponsors.c.member_id == member_id, Meeting.agenda_published_at.is_not(None))
        .order_by(Meeting.start_at.desc(), AgendaItem.id.desc())
        .limit(SPONSORED_SHOWN)
        .subquery()
    )
    rows = db.session.execute(
        select(AgendaItem, narrow.c.total)
        .join(narrow, narrow.c.item_id == AgendaItem.id)
        .options(
            joinedload(AgendaItem.resolution).lazyload(Resolution.item),
            joinedload(AgendaItem.meeting).options(lazyload(Meeting.body), lazyload(Meeting.stamped_rules)),
        )
        .order_by(narrow.c.start_at.desc(), AgendaItem.id.desc())
    ).all()
    return [item for item, _n in rows], (rows[0][1] if rows else 0)


@bp.route("/members")
@public_page()
def members():
    rows = db.session.scalars(
        select(Member).options(selectinload(Member.memberships).joinedload(Membership.body)).order_by(Member.sort_name)
    ).all()
    today = to_local(utcnow()).date()
    return render_template("portal/members.html", rows=rows, today=today)


@bp.route("/members/<id:member_id>")
@public_page("vote", "year", "page")
def member(member_id: int):
    errors: list[str] = []
    choice = read_arg(errors, lambda: choice_arg("vote", VoteChoice))
    year = read_arg(errors, lambda: int_arg("year", low=1900, high=2999))
    page = read_arg(errors, lambda: int_arg("page", high=100000)) or 1
    person = (
        db.session.scalars(
            select(Member)
            .where(Member.id == member_id)
            .options(joinedload(Member.memberships).joinedload(Membership.body))
        )
        .unique()
        .first()
    )
    if person is None:
        abort(404)
    today = to_local(utcnow()).date()

    votes_query = roll_calls_of(person.id)
    if choice:
        votes_query = votes_query.where(final_choice_column() == choice.value)
    if year:
        start, end = local_bounds(date(year, 1, 1), date(year + 1, 1, 1))
        votes_query = votes_query.where(Motion.closed_at >= start, Motion.closed_at < end)
    cast, total, page, pages = votes_page(votes_query, page)

    sponsored, sponsored_total = sponsored_items(person.id)
    disclosures = db.session.scalars(
        select(ConflictDisclosure)
        .where(ConflictDisclosure.member_id == person.id)
        .options(selectinload(ConflictDisclosure.item).joinedload(AgendaItem.meeting))
        .order_by(ConflictDisclosure.stated_at.desc())
    ).all()
    attendance_counts, attendance_rate = attendance_record(person.id)
    record = voting_record(person.id)
    return render_template(
        "portal/member.html",
        member=person,
        today=today,
        record=record,
        member_charts=member_record.member_charts(person.id, record),
        cast=cast,
        total=total,
        page=page,
        pages=pages,
        choice=choice,
        year=year,
        choices=list(VoteChoice),
        errors=errors,
        sponsored=sponsored,
        sponsored_total=sponsored_total,
        disclosures=disclosures,
        attendance_counts=attendance_counts,
        attendance_rate=attendance_rate,
        MotionResult=MotionResult,
    ), 400 if errors else 200


# ---- how public comment works ---------------------------------------------------------------------------------


@bp.route("/public-comment")
@public_page(per=60)
def comment_guide():
    """The rules in force for each body, read from its current comment policy (R6), in plain words."""
    today = to_local(utcnow()).date()
    bodies = db.session.scalars(select(Body).order_by(Body.name)).all()
    guides = [
        (body, comment_policy.policy_in_force(body, today) or comment_policy.default_policy(body)) for body in bodies
    ]
    upcoming = db.session.scalars(
        select(Meeting)
        .where(Meeting.agenda_published_at.is_not(None), Meeting.start_at >= utcnow(), Meeting.status != "cancelled")
        .order_by(Meeting.start_at)
        .limit(5)
    ).all()
    return render_template(
        "portal/comment_guide.html", guides=guides, upcoming=upcoming, records_notice=comment_intake.records_notice()
    )
