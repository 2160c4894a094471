"""Motions and roll calls at the meeting: the clerk records them; a commissioner moves, seconds, discloses and
votes only for their own seat, and only while the roll call is open."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.auth.decorators import acting_required, editor_required, login_gate, staff_required, voter_required
from app.auth.forms import EmptyForm
from app.core.actions import attempt
from app.core.errors import DomainError
from app.core.forms import options
from app.core.loaders import get_or_404
from app.core.redline import compare
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.legislation import services as legislation
from app.matters import versions as matter_versions
from app.meetings import attendance
from app.meetings.models import AgendaItem, Meeting
from app.votes import charts as vote_charts
from app.votes import conflicts, corrections, forms, roll_call
from app.votes import motions as motion_service
from app.votes import reading as vote_record
from app.votes import rules as vote_rules
from app.votes.models import ConflictDisclosure, DisclosureBasis, Motion, MotionKind, MotionStatus, Vote, VoteChoice

bp = Blueprint("votes", __name__, url_prefix="/staff")
bp.before_request(login_gate())


def _is_editor() -> bool:
    return current_user.is_editor


def _member_link_missing(status: int = 200):
    """A commissioner whose login has no member yet is told so, instead of getting forms with nothing to choose."""
    if current_user.needs_member_link:
        return render_template("auth/member_link_needed.html"), status
    return None


def _member_options(meeting: Meeting, blank: str | None = None, *, present_only: bool = False):
    """The members of the roll as choices; ``present_only`` for moving and seconding, which only a member present
    can do (an excused or absent member is not offered)."""
    pairs = [(m.member_id, m.member.full_name) for m in attendance.roll(meeting)]
    if present_only:
        pairs = [(i, n) for i, n in pairs if attendance.is_present(meeting, i)]
    if not _is_editor():  # a commissioner acts only as themselves
        pairs = [(i, n) for i, n in pairs if i == current_user.member_id]
    return options(([("", blank)] if blank is not None else []) + pairs)


def _respond_error(exc: DomainError):
    if isinstance(exc, vote_rules.NotYours):
        abort(403)
    return 409 if isinstance(exc, vote_rules.MotionNotOpen) else 422


# --- the item's motions and disclosures ------------------------------------------------------------------


def _motion_form(item: AgendaItem, motions) -> forms.MotionForm:
    form = forms.MotionForm(prefix="motion")
    form.mover_id.choices = _member_options(item.meeting, "", present_only=True)
    form.seconder_id.choices = _member_options(item.meeting, _("No second yet"), present_only=True)
    form.parent_id.choices = options(
        [("", _("None"))]
        + [(m.id, f"{m.kind.label}: {m.text[:80]}") for m in motions if m.status == MotionStatus.pending]
    )
    form.target_id.choices = options(
        [("", _("None"))] + [(m.id, f"{m.kind.label}: {m.text[:80]}") for m in motions if m.is_closed]
    )
    if request.method == "GET" and not _is_editor():
        form.mover_id.data = current_user.member_id
    if form.matter_text.name not in request.form:  # offered with the matter's latest text, to amend in place
        form.matter_text.data = matter_versions.latest_text(item.matter_id) or ""
    return form


def _disclosure_form(item: AgendaItem) -> forms.DisclosureForm:
    form = forms.DisclosureForm(prefix="disclose")
    if _is_editor():
        form.member_id.choices = _member_options(item.meeting, "")
    else:  # a commissioner discloses only for their own seat: their name, already chosen
        form.member_id.choices = _member_options(item.meeting)
        if request.method == "GET":
            form.member_id.data = current_user.member_id
    return form


def _item_page(item: AgendaItem, status: int = 200, **overrides):
    motions = vote_record.motions_for_item(item)
    today = to_local(utcnow()).date()
    context = {
        "item": item,
        "meeting": item.meeting,
        "motions": motions,
        "quorum": attendance.quorum(item.meeting),
        "comment_held": vote_record.comment_held(item),
        "is_editor": _is_editor(),
        "disclosures": db.session.scalars(
            select(ConflictDisclosure)
            .where(ConflictDisclosure.agenda_item_id == item.id)
            .order_by(ConflictDisclosure.id)
        ).all(),
        "prohibited": legislation.prohibitions(item.agreement_category, today) if item.agreement_category else [],
        "resolution": legislation.find_resolution(item),
        "motion_form": overrides.pop("motion_form", None) or _motion_form(item, motions),
        "disclosure_form": overrides.pop("disclosure_form", None) or _disclosure_form(item),
    }
    return render_template("votes/item.html", **context), status


@bp.route("/items/<id:item_id>/motions")
@staff_required
def item_motions(item_id: int):
    item = get_or_404(AgendaItem, item_id)
    if (missing := _member_link_missing()) is not None:
        return missing
    return _item_page(item)


@bp.route("/items/<id:item_id>/motions", methods=["POST"])
@acting_required
def make_motion(item_id: int):
    item = get_or_404(AgendaItem, item_id)
    if (missing := _member_link_missing(403)) is not None:
        return missing
    motions = vote_record.motions_for_item(item)
    form = _motion_form(item, motions)
    if not form.validate_on_submit():
        return _item_page(item, 422, motion_form=form)
    by_id = {m.id: m for m in motions}
    with attempt(form) as done:
        motion = motion_service.make_motion(
            item.meeting,
            item=item,
            kind=MotionKind(form.kind.data),
            text=form.text.data,
            mover_id=form.mover_id.data,
            seconder_id=form.seconder_id.data,
            parent=by_id.get(form.parent_id.data),
            target=by_id.get(form.target_id.data),
            amended_text=form.amended_text.data,
            matter_text=form.matter_text.data,
            postponed_to=form.postponed_to.data,
            referred_to=form.referred_to.data,
            previous_notice=form.previous_notice.data,
            actor=current_user,
            for_self_only=not _is_editor(),
        )
    if not done:
        status = _respond_error(done.error)
        return _item_page(item, status, motion_form=form)
    flash(_("Motion recorded."), "success")
    return redirect(url_for("votes.motion", motion_id=motion.id))


@bp.route("/items/<id:item_id>/disclosures", methods=["POST"])
@acting_required
def disclose(item_id: int):
    item = get_or_404(AgendaItem, item_id)
    if (missing := _member_link_missing(403)) is not None:
        return missing
    form = _disclosure_form(item)
    if not form.validate_on_submit():
        return _item_page(item, 422, disclosure_form=form)
    with attempt(form) as done:
        conflicts.disclose_conflict(
            item,
            form.member_id.data,
            nature=form.nature.data,
            basis=DisclosureBasis(form.basis.data),
            actor=current_user,
            for_self_only=not _is_editor(),
        )
    if not done:
        status = _respond_error(done.error)
        return _item_page(item, status, disclosure_form=form)
    flash(_("Conflict disclosure recorded. The Form 8B memorandum is due within 15 days."), "success")
    return redirect(url_for("votes.item_motions", item_id=item.id) + "#disclosures")


# --- one motion --------------------------------------------------------------------------------------------


def _motion_page(motion: Motion, status: int = 200, **overrides):
    # Everything the page shows of the motion, loaded (again, after a refused change) here rather than by the template.
    motion = db.session.scalar(
        select(Motion)
        .where(Motion.id == motion.id)
        .options(
            joinedload(Motion.item),
            joinedload(Motion.parent),
            selectinload(Motion.amendments),
            selectinload(Motion.consent_items),
            *vote_record.ROLL,
        )
        .execution_options(populate_existing=True)
    )
    meeting = motion.meeting
    second_form = overrides.pop("second_form", None) or forms.SecondForm(prefix="second")
    second_form.seconder_id.choices = _member_options(meeting, "", present_only=True)
    threshold_form = overrides.pop("threshold_form", None)
    if threshold_form is None:  # not a refused threshold form being shown back: show the motion's rule
        threshold_form = forms.ThresholdForm(prefix="threshold", formdata=None)
        threshold_form.basis.data = motion.threshold_basis.value
        threshold_form.fraction.data = motion.threshold_fraction.value
        threshold_form.min_yes.data = motion.threshold_min_yes
    vote_form = overrides.pop("vote_form", None) or forms.VoteForm(prefix="vote")
    vote_form.member_id.choices = options((v.member_id, v.member.full_name) for v in motion.votes)
    own_vote = next((v for v in motion.votes if v.member_id == current_user.member_id), None)
    context = {
        "matter_change": _matter_change(motion),
        "motion": motion,
        "meeting": meeting,
        "item": motion.item,
        "quorum": attendance.quorum(meeting),
        "is_editor": _is_editor(),
        "own_vote": own_vote,
        "threshold_words": vote_record.threshold_words(motion),
        "roll_call_words": vote_record.roll_call_words(motion.roll_call_method),
        "outcome": vote_record.outcome_of(motion) if motion.votes and motion.is_closed else None,
        "seat_chart": vote_charts.seat_charts([motion]).get(motion.id),
        "projection": vote_record.projection_of(motion) if motion.votes and not motion.is_closed else None,
        "present": {v.member_id: attendance.is_present(meeting, v.member_id) for v in motion.votes},
        "second_form": second_form,
        "threshold_form": threshold_form,
        "vote_form": vote_form,
        "own_vote_form": overrides.pop("own_vote_form", None) or forms.OwnVoteForm(prefix="own"),
        "correction_form": overrides.pop("correction_form", None) or forms.CorrectionForm(prefix="correct"),
        "correction_vote_id": overrides.pop("correction_vote_id", None),
        "action_form": EmptyForm(),
        "error": overrides.pop("error", None),
        "not_voted": overrides.pop("not_voted", []),
        "fanned": db.session.scalars(
            select(Motion).where(Motion.consent_of_id == motion.id).options(joinedload(Motion.item))
        ).all()
        if motion.kind == MotionKind.adopt_consent_agenda
        else [],
    }
    return render_template("votes/motion.html", **context), status


def _matter_change(motion: Motion):
    """Before the vote on an amendment carrying a text of the matter: the redline from the text it changes (the
    matter's latest version, or the text the amendment it amends proposes) to its own."""
    if motion.kind not in vote_rules.AMENDING or motion.item is None or motion.is_closed or not motion.matter_text:
        return None
    parent = motion.parent
    base = parent.matter_text if parent is not None and parent.kind in vote_rules.AMENDING else None
    return compare(base or matter_versions.latest_text(motion.item.matter_id) or "", motion.matter_text)


@bp.route("/motions/<id:motion_id>")
@staff_required
def motion(motion_id: int):
    motion = get_or_404(Motion, motion_id)
    if (missing := _member_link_missing()) is not None:
        return missing
    return _motion_page(motion)


def _back(motion: Motion, anchor: str = ""):
    return redirect(url_for("votes.motion", motion_id=motion.id) + anchor)


@bp.route("/motions/<id:motion_id>/second", methods=["POST"])
@acting_required
def second(motion_id: int):
    motion = get_or_404(Motion, motion_id)
    if (missing := _member_link_missing(403)) is not None:
        return missing
    form = forms.SecondForm(prefix="second")
    form.seconder_id.choices = _member_options(motion.meeting, "", present_only=True)
    if not form.validate_on_submit():
        return _motion_page(motion, 422, second_form=form)
    with attempt(form) as done:
        motion_service.second(motion, form.seconder_id.data, actor=current_user, for_self_only=not _is_editor())
    if not done:
        status = _respond_error(done.error)
        return _motion_page(motion, status, second_form=form)
    flash(_("Second recorded."), "success")
    return _back(motion)


ACTIONS = {
    "died": (motion_service.declare_died, lambda: _("Recorded: the motion died for lack of a second.")),
    "withdraw": (motion_service.withdraw, lambda: _("Motion withdrawn.")),
    "open": (roll_call.open_vote, lambda: _("Roll call open. Call the names in the order shown.")),
    "close": (roll_call.close_vote, lambda: _("Vote closed.")),
}


@bp.route("/motions/<id:motion_id>/<action>", methods=["POST"])
@editor_required
def motion_action(motion_id: int, action: str):
    motion = get_or_404(Motion, motion_id)
    if action not in ACTIONS:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service, message = ACTIONS[action]
    with attempt(flash_error=False) as done:
        result = service(motion, actor=current_user)
    if not done:
        not_voted = done.error.votes if isinstance(done.error, roll_call.MembersNotVoted) else []
        return _motion_page(motion, _respond_error(done.error), error=done.error.message, not_voted=not_voted)
    flash(result.sentence() if action == "close" else message(), "success")
    return _back(motion)


@bp.route("/motions/<id:motion_id>/threshold", methods=["POST"])
@editor_required
def threshold(motion_id: int):
    motion = get_or_404(Motion, motion_id)
    form = forms.ThresholdForm(prefix="threshold")
    if not form.validate_on_submit():
        return _motion_page(motion, 422, threshold_form=form)
    basis, fraction, min_yes = form.rule()
    with attempt(form) as done:
        motion_service.set_threshold(motion, basis=basis, fraction=fraction, min_yes=min_yes, actor=current_user)
    if not done:
        return _motion_page(motion, 422, threshold_form=form)
    flash(_("Threshold set: %(rule)s.", rule=vote_record.threshold_words(motion)), "success")
    return _back(motion)


@bp.route("/motions/<id:motion_id>/votes", methods=["POST"])
@editor_required
def record_vote(motion_id: int):
    """The clerk records any member's answer as the roll is called."""
    motion = get_or_404(Motion, motion_id)
    if not motion.is_open:
        return _motion_page(motion, 409, error=_("This vote is not open; nothing was recorded."))
    form = forms.VoteForm(prefix="vote")
    form.member_id.choices = options((v.member_id, v.member.full_name) for v in motion.votes)
    if not form.validate_on_submit():
        return _motion_page(motion, 422, vote_form=form)
    with attempt(form) as done:
        vote = roll_call.record_vote(motion, form.member_id.data, VoteChoice(form.choice.data), actor=current_user)
    if not done:
        return _motion_page(motion, _respond_error(done.error), vote_form=form, error=done.error.message)
    flash(_("%(name)s: %(choice)s.", name=vote.member.full_name, choice=vote.choice.label), "success")
    return _back(motion, "#roll")


@bp.route("/motions/<id:motion_id>/my-vote", methods=["POST"])
@voter_required
def my_vote(motion_id: int):
    """A commissioner records their own vote, only for themselves and only while the motion is open."""
    motion = get_or_404(Motion, motion_id)
    if (missing := _member_link_missing(403)) is not None:
        return missing
    form = forms.OwnVoteForm(prefix="own")
    posted_member = request.form.get("member_id")
    if posted_member not in (None, "", str(current_user.member_id)):
        abort(403)
    if current_user.member_id is None or current_user.member_id not in {v.member_id for v in motion.votes}:
        abort(403)
    if not motion.is_open:
        return _motion_page(motion, 409, error=_("This vote is not open; nothing was recorded."))
    if not form.validate_on_submit():
        return _motion_page(motion, 422, own_vote_form=form)
    with attempt(form) as done:
        roll_call.record_vote(
            motion, current_user.member_id, VoteChoice(form.choice.data), actor=current_user, for_self_only=True
        )
    if not done:
        return _motion_page(motion, _respond_error(done.error), own_vote_form=form, error=done.error.message)
    flash(_("Your vote is recorded: %(choice)s.", choice=VoteChoice(form.choice.data).label), "success")
    return _back(motion, "#roll")


@bp.route("/votes/<id:vote_id>/correct", methods=["POST"])
@editor_required
def correct(vote_id: int):
    vote = get_or_404(Vote, vote_id)
    form = forms.CorrectionForm(prefix="correct")
    if not form.validate_on_submit():
        return _motion_page(vote.motion, 422, correction_form=form, correction_vote_id=vote.id)
    with attempt(form) as done:
        corrections.correct_vote(vote, VoteChoice(form.choice.data), form.reason.data, actor=current_user)
    if not done:
        return _motion_page(vote.motion, 422, correction_form=form, correction_vote_id=vote.id)
    flash(_("Correction recorded and shown with the vote."), "success")
    return _back(vote.motion, "#roll")


# The consent agenda and the Form 8B register add their routes to this blueprint.
import app.staff.consent  # noqa: E402,F401
import app.staff.disclosures  # noqa: E402,F401
