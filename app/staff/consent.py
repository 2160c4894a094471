"""The consent agenda (Key West practice): one motion and one roll call adopt every item left on it."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.decorators import editor_required
from app.core.actions import attempt
from app.core.forms import options
from app.core.loaders import get_or_404
from app.extensions import db
from app.meetings.models import AgendaItem, Meeting
from app.staff.motions import _member_options, bp
from app.votes import forms
from app.votes import motions as motion_service
from app.votes.models import Motion, MotionKind


def _consent_items(meeting: Meeting) -> list[AgendaItem]:
    sections = [s for s in meeting.body.agenda_sections if "consent" in s.lower()]
    return [i for i in meeting.active_items if i.section in sections]


def _consent_form(meeting: Meeting) -> forms.ConsentForm:
    form = forms.ConsentForm(prefix="consent")
    candidates = _consent_items(meeting)
    form.item_ids.choices = options((i.id, f"{i.label} {i.title}") for i in candidates)
    form.mover_id.choices = _member_options(meeting, "", present_only=True)
    form.seconder_id.choices = _member_options(meeting, _("No second yet"), present_only=True)
    if request.method == "GET":
        form.item_ids.data = [i.id for i in candidates]
    return form


def _consent_page(meeting: Meeting, form=None, status: int = 200):
    motions = db.session.scalars(
        select(Motion)
        .where(Motion.meeting_id == meeting.id, Motion.kind == MotionKind.adopt_consent_agenda)
        .order_by(Motion.id)
    ).all()
    return render_template(
        "votes/consent.html",
        meeting=meeting,
        form=form or _consent_form(meeting),
        motions=motions,
    ), status


@bp.route("/meetings/<id:meeting_id>/consent", methods=["GET", "POST"])
@editor_required
def consent(meeting_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    form = _consent_form(meeting)
    if request.method == "GET":
        return _consent_page(meeting, form)
    if not form.validate_on_submit():
        return _consent_page(meeting, form, 422)
    chosen = [i for i in _consent_items(meeting) if i.id in set(form.item_ids.data or [])]
    with attempt(form, fields={"consent_item_ids": "item_ids"}) as done:
        motion = motion_service.make_motion(
            meeting,
            kind=MotionKind.adopt_consent_agenda,
            text=form.text.data,
            consent_items=chosen,
            mover_id=form.mover_id.data,
            seconder_id=form.seconder_id.data,
            actor=current_user,
        )
    if not done:
        return _consent_page(meeting, form, 422)
    flash(_("Consent-agenda motion recorded."), "success")
    return redirect(url_for("votes.motion", motion_id=motion.id))
