"""Department intake pages: my submissions, a submission with its history, the approver's inbox, the clerk's
ready-to-place list and the approval route. Services in app.intake own the rules, the audit and the mail."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.auth.decorators import editor_required, login_gate, permission_required
from app.auth.models import Role
from app.auth.permissions import Permission
from app.core.actions import attempt
from app.core.forms import options
from app.core.loaders import get_or_404
from app.core.uploads import send_download
from app.core.web import local_datetime
from app.extensions import db
from app.intake import access, routes, workflow
from app.intake.forms import PlaceForm, RouteForm, StepForm, SubmissionForm
from app.intake.models import Submission, SubmissionFile, SubmissionState, SubmissionStep
from app.meetings.models import AgendaItemType, Meeting, MeetingStatus

bp = Blueprint("intake", __name__, url_prefix="/intake")
bp.before_request(login_gate())
intake_required = permission_required(Permission.intake)
S = SubmissionState


def _load(submission_id: int) -> Submission:
    submission = get_or_404(
        Submission,
        submission_id,
        selectinload(Submission.steps).joinedload(SubmissionStep.actor),
        selectinload(Submission.files),
    )
    if not access.can_see(current_user, submission):
        abort(404)
    return submission


def _waiting_on(submissions) -> dict[int, list[str]]:
    """Who can act on each submission's current step (names), in one query."""
    ids = {i for s in submissions if s.state == S.in_review for i in s.route[s.current_step].get("approver_ids", [])}
    users = workflow.users_by_id(ids)
    return {
        s.id: [users[i].display_name for i in access.step_approvers(s, s.current_step, users)]
        for s in submissions
        if s.state == S.in_review
    }


def _visible_query():
    query = select(Submission).order_by(Submission.id.desc()).limit(200)
    if access.sees_everything(current_user):
        return query
    mine = Submission.submitter_id == current_user.id
    if current_user.role == Role.department and current_user.department:
        return query.where(or_(mine, Submission.department == current_user.department))
    return query.where(mine)


@bp.route("/")
@intake_required
def mine():
    submissions = list(db.session.scalars(_visible_query()))
    return render_template(
        "intake/list.html", submissions=submissions, waiting=_waiting_on(submissions), heading=_("Submissions")
    )


@bp.route("/inbox")
@intake_required
def inbox():
    candidates = db.session.scalars(
        select(Submission).where(Submission.state == S.in_review).order_by(Submission.submitted_at).limit(500)
    )
    submissions = [s for s in candidates if access.can_act(current_user, s)]
    return render_template(
        "intake/list.html", submissions=submissions, waiting=_waiting_on(submissions), heading=_("Waiting on me")
    )


def _submission_form(submission=None) -> SubmissionForm:
    form = SubmissionForm(obj=submission)
    meetings = workflow.upcoming_meetings()
    form.meeting_id.choices = options(
        [("", _("Choose a meeting"))] + [(m.id, f"{m.body.name}: {m.title} ({m.start_at:%Y-%m-%d})") for m in meetings]
    )
    if request.method == "GET" and submission is not None:
        form.item_type.data = submission.item_type.value
    return form, meetings


def _fields(form) -> dict:
    return {
        "item_type": form.item_type.data,
        "title": form.title.data,
        "summary_md": form.summary_md.data,
        "fiscal_impact": form.fiscal_impact.data,
        "recommended_action": form.recommended_action.data,
        "meeting_id": form.meeting_id.data,
    }


def _upload(form):
    file = form.file.data
    return file if file is not None and getattr(file, "filename", "") else None


def _deadlines(meetings) -> dict[int, object]:
    days = routes.close_days()
    return {m.id: routes.closing_date(m, days) for m in meetings}


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<id:submission_id>/edit", methods=["GET", "POST"])
@intake_required
def edit(submission_id: int | None = None):
    submission = _load(submission_id) if submission_id else None
    if submission is not None and not access.can_edit(current_user, submission):
        abort(403)
    form, meetings = _submission_form(submission)
    if form.validate_on_submit():
        then_submit = request.form.get("then") == "submit"
        with attempt(form) as done:
            saved = workflow.save_draft(submission, actor=current_user, upload=_upload(form), **_fields(form))
            if then_submit:
                workflow.submit(saved, actor=current_user)
        if done:
            flash(_("Submitted for approval.") if then_submit else _("Draft saved."), "success")
            return redirect(url_for("intake.detail", submission_id=saved.id))
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "intake/form.html",
            form=form,
            submission=submission,
            deadlines=_deadlines(meetings),
            close_days=routes.close_days(),
        ),
        status,
    )


@bp.route("/<id:submission_id>")
@intake_required
def detail(submission_id: int):
    submission = _load(submission_id)
    place_form = None
    if submission.state == S.approved and current_user.is_editor:
        place_form = _place_form(submission)
    return _detail(submission, StepForm(), place_form)


def _detail(submission, step_form, place_form, status=200, error=None):
    return (
        render_template(
            "intake/detail.html",
            error=error,
            submission=submission,
            waiting=_waiting_on([submission]).get(submission.id, []),
            can_act=access.can_act(current_user, submission),
            can_edit=access.can_edit(current_user, submission),
            step_form=step_form,
            place_form=place_form,
            closes=routes.closing_date(submission.meeting) if submission.meeting else None,
        ),
        status,
    )


@bp.route("/<id:submission_id>/submit", methods=["POST"])
@intake_required
def submit(submission_id: int):
    submission = _load(submission_id)
    form = StepForm()
    if form.validate_on_submit():
        with attempt() as done:
            workflow.submit(submission, actor=current_user)
        if done:
            flash(_("Submitted for approval."), "success")
    return redirect(url_for("intake.detail", submission_id=submission.id))


@bp.route("/<id:submission_id>/<any(approve, return, reject):action>", methods=["POST"])
@intake_required
def act(submission_id: int, action: str):
    submission = _load(submission_id)
    form = StepForm()
    if not form.validate_on_submit():
        return _detail(submission, form, None, 422)
    with attempt(form) as done:
        if action == "approve":
            workflow.approve(submission, actor=current_user, comment=form.comment.data, version=form.version.data)
        else:
            workflow.send_back(
                submission,
                actor=current_user,
                comment=form.comment.data,
                reject=action == "reject",
                version=form.version.data,
            )
    if done:
        flash(_("Recorded."), "success")
        return redirect(url_for("intake.detail", submission_id=submission.id))
    sent_version = str(form.version.data or "")
    db.session.refresh(submission)
    conflict = submission.state != S.in_review or sent_version not in ("", str(submission.version))
    form.version.data = submission.version
    can_act = access.can_act(current_user, submission)
    error = None if can_act else done.error.message  # shown on the form when it is there, above otherwise
    return _detail(submission, form, None, 409 if conflict else 422, error=error)


@bp.route("/files/<id:file_id>")
@intake_required
def file(file_id: int):
    row = get_or_404(SubmissionFile, file_id)
    _load(row.submission_id)
    return send_download(row.stored_name, row.original_filename)


# -- The clerk: ready to place, and the route ---------------------------------------------------------------------


@bp.route("/ready")
@editor_required
def ready():
    submissions = list(
        db.session.scalars(select(Submission).where(Submission.state == S.approved).order_by(Submission.meeting_id))
    )
    return render_template("intake/ready.html", submissions=submissions)


def _draft_agendas():
    return [m for m in workflow.upcoming_meetings() if m.status != MeetingStatus.cancelled]


def _place_form(submission) -> PlaceForm:
    form = PlaceForm()
    choices = []
    for m in _draft_agendas():
        for n, section in enumerate(m.body.agenda_sections, start=1):
            choices.append((f"{m.id}:{section}", f"{m.title} ({local_datetime(m.start_at)}) — {n}. {section}"))
    form.target.choices = options(choices)
    if submission.item_type != AgendaItemType.ordinance:
        del form.reading
    if request.method == "GET":
        form.version.data = submission.version
        preferred = [c for c in choices if c[0].startswith(f"{submission.meeting_id}:")]
        if preferred:
            form.target.data = preferred[0][0]
    return form


@bp.route("/<id:submission_id>/place", methods=["POST"])
@editor_required
def place(submission_id: int):
    submission = _load(submission_id)
    form = _place_form(submission)
    if form.validate_on_submit():
        meeting_id, _sep, section = form.target.data.partition(":")
        meeting = db.session.get(Meeting, int(meeting_id))
        with attempt(form) as done:
            item = workflow.place(
                submission,
                meeting=meeting,
                section=section,
                actor=current_user,
                version=form.version.data,
                reading=form.reading.data if "reading" in form else "",
            )
        if done:
            flash(_("Placed on the agenda as item %(label)s.", label=item.label), "success")
            return redirect(url_for("meetings.edit_item", item_id=item.id))
    return _detail(submission, StepForm(), form, 422)


@bp.route("/route", methods=["GET", "POST"])
@editor_required
def route():
    form = RouteForm(close_days=routes.close_days())
    steps = routes.steps()
    rows = [{"name": s.name, "approver_ids": s.approver_ids, "same_department": s.same_department} for s in steps]
    if request.method == "POST":
        rows = [
            {
                "name": request.form.get(f"name_{n}", "")[:120],
                "approver_ids": [int(i) for i in request.form.getlist(f"approvers_{n}") if i.isdigit() and len(i) < 10],
                "same_department": bool(request.form.get(f"same_{n}")),
            }
            for n in range(routes.MAX_STEPS)
        ]
    if form.validate_on_submit():
        with attempt(form, fields={"route": "close_days"}) as done:
            routes.save_route(rows, close_days=form.close_days.data, actor=current_user)
        if done:
            flash(_("Approval route saved."), "success")
            return redirect(url_for("intake.route"))
    rows = (rows + [{"name": "", "approver_ids": [], "same_department": False}] * routes.MAX_STEPS)[: routes.MAX_STEPS]
    return (
        render_template("intake/route.html", form=form, rows=rows, users=routes.eligible_approvers()),
        422 if request.method == "POST" else 200,
    )
