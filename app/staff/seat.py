"""A commissioner's seat (``/staff/meetings/<id>/seat``): a phone-first page to follow the meeting and act for
their own seat: vote when a roll call opens, ask to speak, move or second on the item before the body, and
disclose a conflict. Kept current by the live stream (static/js/seat.js refreshes ``?part=main``), every action a
plain form that comes back here.

Each action calls the same service as the clerk's pages, with ``for_self_only=True`` where the service takes it:
the service, not this page, refuses a vote for another seat. Clerks and viewers see the page read-only and are
pointed to the cockpit. Routes of the ``meetings`` blueprint.
"""

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import TextAreaField
from wtforms.validators import Length

from app.auth.decorators import staff_required, voter_required
from app.auth.models import Role
from app.bodies.models import Member
from app.core import live
from app.core.actions import attempt
from app.core.errors import DomainError
from app.core.forms import options
from app.core.loaders import get_or_404
from app.extensions import db
from app.meetings import attendance, floor
from app.meetings.models import AgendaItem, Meeting, MeetingStatus
from app.staff.meetings import bp
from app.votes import conflicts, forms, roll_call
from app.votes import motions as motion_service
from app.votes import rules as vote_rules
from app.votes.models import ConflictDisclosure, DisclosureBasis, Motion, MotionKind, MotionStatus, Vote, VoteChoice
from app.votes.reading import disclosure_for, outcome_of, projection_of


class SeatMotionForm(FlaskForm):
    text = TextAreaField(_l("Your motion, as you state it"), validators=[Length(max=20_000)])


@dataclass
class Seat:
    """Everything the seat page shows, read in a fixed number of queries whatever the size of the meeting."""

    meeting: Meeting
    #: The member this login votes for, when they hold a seat on the meeting's body; else None (read-only).
    member: Member | None
    running: bool
    present: bool
    item: AgendaItem | None
    open_vote: Motion | None
    own_vote: Vote | None
    projection: object | None
    pending: list[Motion]
    asked: bool
    requests: int
    disclosure: ConflictDisclosure | None
    #: The last roll call closed on the item before the body, with its result in words (the member sees how it
    #: ended without asking).
    last_result: tuple[Motion, str] | None = None

    @property
    def can_act(self) -> bool:
        return self.member is not None and self.running and self.present

    @property
    def can_vote(self) -> bool:
        return self.can_act and self.own_vote is not None and self.open_vote is not None

    @property
    def can_move(self) -> bool:
        return self.can_act and self.item is not None and self.open_vote is None and not self.pending


def _meeting(meeting_id: int) -> Meeting:
    meeting = get_or_404(Meeting, meeting_id, selectinload(Meeting.attendances), joinedload(Meeting.body))
    if not meeting.is_public:
        abort(404)
    return meeting


def seat_state(meeting: Meeting) -> Seat:
    running = meeting.status == MeetingStatus.in_progress
    member = None
    if current_user.member_id is not None and current_user.has_role(Role.commissioner):
        member = next((m.member for m in attendance.roll(meeting) if m.member_id == current_user.member_id), None)
    item = floor.current_item(meeting)
    open_vote = _open_vote(meeting)
    own_vote = next((v for v in open_vote.votes if v.member_id == member.id), None) if open_vote and member else None
    pending = (
        list(
            db.session.scalars(
                select(Motion)
                .where(Motion.agenda_item_id == item.id, Motion.status == MotionStatus.pending)
                .options(joinedload(Motion.mover), joinedload(Motion.seconder))
                .order_by(Motion.id)
            )
        )
        if item is not None
        else []
    )
    requests = floor.floor_requests(meeting) if running else []
    last = (
        db.session.scalar(
            select(Motion)
            .where(Motion.agenda_item_id == item.id, Motion.status == MotionStatus.closed)
            .options(selectinload(Motion.votes).selectinload(Vote.corrections))
            .order_by(Motion.closed_at.desc(), Motion.id.desc())
            .limit(1)
        )
        if item is not None and open_vote is None
        else None
    )
    return Seat(
        meeting=meeting,
        member=member,
        running=running,
        present=member is not None and attendance.is_present(meeting, member.id),
        item=item,
        open_vote=open_vote,
        own_vote=own_vote,
        projection=projection_of(open_vote) if open_vote is not None else None,
        pending=pending,
        asked=member is not None and member.id in requests,
        requests=len(requests),
        disclosure=disclosure_for(item, member.id) if item is not None and member is not None else None,
        last_result=(last, outcome_of(last).sentence()) if last is not None else None,
    )


def _open_vote(meeting: Meeting) -> Motion | None:
    """The roll call open at this meeting (at most one), with its roll and each name."""
    return db.session.scalar(
        select(Motion)
        .where(Motion.meeting_id == meeting.id, Motion.status == MotionStatus.voting)
        .options(
            joinedload(Motion.item),
            selectinload(Motion.votes).joinedload(Vote.member),
            selectinload(Motion.votes).selectinload(Vote.corrections),
        )
        .limit(1)
    )


def _disclosure_form(state: Seat, formdata=None) -> forms.DisclosureForm:
    """The disclosure form of the item's motions page, for this seat only: the member already chosen."""
    form = forms.DisclosureForm(prefix="disclose", formdata=formdata)
    form.member_id.choices = options([(state.member.id, state.member.full_name)] if state.member else [])
    if state.member is not None:
        form.member_id.data = state.member.id
    return form


def _page(
    meeting: Meeting,
    status: int = 200,
    *,
    error: str | None = None,
    offer_disclosure: bool = False,
    motion_form: SeatMotionForm | None = None,
    disclosure_form: forms.DisclosureForm | None = None,
):
    """The seat page (or its main region alone, ``?part=main``); a refused action shows it again with the refusal
    and what was typed."""
    state = seat_state(meeting)
    version, payload = live.latest(meeting.id) or ("", "{}")
    template = "live/_seat_main.html" if request.args.get("part") == "main" else "live/seat.html"
    return render_template(
        template,
        meeting=meeting,
        s=state,
        editor=current_user.is_editor,
        version=version,
        payload=payload,
        labels={},  # live.js renders no [data-live-view] here: the region comes from the server
        error=error,
        offer_disclosure=offer_disclosure,
        motion_form=motion_form or _motion_form(state),
        disclosure_form=disclosure_form or _disclosure_form(state),
    ), status


def _motion_form(state: Seat) -> SeatMotionForm:
    form = SeatMotionForm(prefix="move", formdata=None)
    if state.item is not None:
        form.text.data = _("Move to adopt %(title)s", title=state.item.title)
    return form


@bp.route("/meetings/<id:meeting_id>/seat")
@staff_required
def seat_page(meeting_id: int):
    meeting = _meeting(meeting_id)
    if current_user.needs_member_link:
        return render_template("auth/member_link_needed.html"), 200
    return _page(meeting)


def _int(name: str) -> int | None:
    value = request.form.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def _status(exc: DomainError) -> int:
    if isinstance(exc, vote_rules.NotYours):
        abort(403)
    return 409 if isinstance(exc, vote_rules.MotionNotOpen) else 422


def _back(meeting: Meeting, anchor: str = "seat-main"):
    return redirect(url_for("meetings.seat_page", meeting_id=meeting.id) + f"#{anchor}")


def _motion_of(meeting: Meeting, motion_id: int | None) -> Motion:
    motion = db.session.get(Motion, motion_id) if motion_id else None
    if motion is None or motion.meeting_id != meeting.id:
        raise DomainError(_("That is not part of this meeting; reload the page."))
    return motion


def _vote(meeting: Meeting):
    # The seat named by the form (the page sends the member's own): the service refuses any other (403).
    member_id = _int("member_id") if "member_id" in request.form else current_user.member_id
    with attempt(flash_error=False) as done:
        motion = _motion_of(meeting, _int("motion_id"))
        try:
            choice = VoteChoice(request.form.get("own-choice", ""))
        except ValueError:
            raise DomainError(_("Choose yes, no or abstain.")) from None
        if choice not in (VoteChoice.yes, VoteChoice.no, VoteChoice.abstain):
            raise DomainError(_("Choose yes, no or abstain."))
        roll_call.record_vote(motion, member_id or 0, choice, actor=current_user, for_self_only=True)
    if done:
        flash(_("Your vote is recorded: %(choice)s.", choice=choice.label), "success")
        return _back(meeting, "seat-vote")
    abstaining = request.form.get("own-choice") == VoteChoice.abstain.value
    return _page(
        meeting,
        _status(done.error),
        error=done.error.message,
        offer_disclosure=abstaining and not isinstance(done.error, vote_rules.MotionNotOpen),
    )


def _ask(meeting: Meeting):
    with attempt(flash_error=False) as done:
        member = _seated(meeting)
        floor.request_floor(meeting, member.id, member.full_name, actor=current_user)
    if done:
        flash(_("Your request to speak is with the chair."), "success")
        return _back(meeting)
    return _page(meeting, _status(done.error), error=done.error.message)


def _seated(meeting: Meeting) -> Member:
    """The member this login acts for, holding a seat on this body at this meeting (else a clear refusal)."""
    member = next((m.member for m in attendance.roll(meeting) if m.member_id == current_user.member_id), None)
    if member is None:
        raise DomainError(_("You do not hold a seat on %(body)s at this meeting.", body=meeting.body.name))
    return member


def _move(meeting: Meeting):
    form = SeatMotionForm(prefix="move")
    with attempt(form) as done:
        item = floor.current_item(meeting)
        if item is None:
            raise DomainError(_("No item is before the body."))
        motion_service.make_motion(
            meeting,
            kind=MotionKind.main,
            text=(form.text.data or "")[:20_001],
            item=item,
            mover_id=current_user.member_id,
            actor=current_user,
            for_self_only=True,
        )
    if done:
        flash(_("Your motion is recorded; it waits for a second."), "success")
        return _back(meeting)
    return _page(meeting, _status(done.error), motion_form=form)


def _second(meeting: Meeting):
    with attempt(flash_error=False) as done:
        motion = _motion_of(meeting, _int("motion_id"))
        motion_service.second(motion, current_user.member_id, actor=current_user, for_self_only=True)
    if done:
        flash(_("Your second is recorded."), "success")
        return _back(meeting)
    return _page(meeting, _status(done.error), error=done.error.message)


def _disclose(meeting: Meeting):
    state = seat_state(meeting)
    form = _disclosure_form(state, formdata=request.form)
    item = state.item
    with attempt(form) as done:
        if item is None:
            raise DomainError(_("No item is before the body."))
        try:
            basis = DisclosureBasis(form.basis.data)
        except ValueError:
            raise DomainError(_("Choose the ground."), field="basis") from None
        conflicts.disclose_conflict(
            item,
            current_user.member_id,
            nature=form.nature.data or "",
            basis=basis,
            actor=current_user,
            for_self_only=True,
        )
    if done:
        flash(_("Conflict disclosure recorded. The Form 8B memorandum is due within 15 days."), "success")
        return _back(meeting)
    return _page(meeting, _status(done.error), disclosure_form=form, offer_disclosure=True)


ACTIONS = {"vote": _vote, "ask": _ask, "move": _move, "second": _second, "disclose": _disclose}


@bp.route("/meetings/<id:meeting_id>/seat/<action>", methods=["POST"])
@voter_required
def seat_action(meeting_id: int, action: str):
    """A commissioner acts for their own seat; clerks act from the cockpit."""
    meeting = _meeting(meeting_id)
    if action not in ACTIONS:
        abort(404)
    if current_user.needs_member_link:
        return render_template("auth/member_link_needed.html"), 403
    return ACTIONS[action](meeting)
