"""An ordinance's readings on the clerk's matter page (issue 20; F.S. 166.041(3)(a)): where it stands, the notices
published (recorded, or withdrawn with a reason) and the day it states it takes effect."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.decorators import editor_required
from app.core.actions import attempt
from app.core.forms import options
from app.core.loaders import get_or_404
from app.extensions import db
from app.matters import second_reading
from app.matters import services as matters
from app.matters.forms import EffectiveForm, NoticeForm, WithdrawNoticeForm
from app.matters.models import Matter
from app.matters.notices import OrdinanceNotice, record_notice, withdraw_notice
from app.matters.readings import say_day
from app.staff.meetings import bp


def readings_panel(matter: Matter, *, notice_form=None, withdraw_form=None, effective_form=None) -> dict:
    """What the matter page's readings section needs (nothing for a matter that is not an ordinance)."""
    if not second_reading.is_ordinance(matter):
        return {"readings": None}
    plan = second_reading.schedule(matter)
    withdraw_form = withdraw_form or WithdrawNoticeForm(prefix="withdraw")
    withdraw_form.notice_id.choices = options(
        (str(n.id), f"{say_day(n.published_on)} · {n.where}") for n in plan.notices if n.in_force
    )
    if effective_form is None:
        effective_form = EffectiveForm(prefix="effective", formdata=None, effective_on=matter.effective_on)
    return {
        "readings": plan,
        "notice_form": notice_form or NoticeForm(prefix="notice"),
        "withdraw_form": withdraw_form,
        "effective_form": effective_form,
    }


def _back(matter: Matter):
    return redirect(url_for("meetings.matter", matter_id=matter.id, _anchor="readings"))


def _render(matter: Matter, **forms):
    from app.staff.matters import _page

    return _page(matter, 422, **forms)


@bp.route("/matters/<id:matter_id>/notices", methods=["POST"])
@editor_required
def record_matter_notice(matter_id: int):
    found = get_or_404(Matter, matter_id)
    form = NoticeForm(prefix="notice")
    if not form.validate_on_submit():
        return _render(found, notice_form=form)
    with attempt(form) as done:
        record_notice(
            found,
            published_on=form.published_on.data,
            medium=form.medium.data,
            where=form.where.data,
            proof=form.proof.data,
            actor=current_user,
        )
    if not done:
        return _render(found, notice_form=form)
    flash(_("Notice recorded on matter %(number)s.", number=found.file_number), "success")
    return _back(found)


@bp.route("/matters/<id:matter_id>/notices/withdraw", methods=["POST"])
@editor_required
def withdraw_matter_notice(matter_id: int):
    found = get_or_404(Matter, matter_id)
    form = WithdrawNoticeForm(prefix="withdraw")
    if not form.validate_on_submit():
        return _render(found, withdraw_form=form)
    notice_id = form.notice_id.data or ""
    notice = db.session.get(OrdinanceNotice, int(notice_id)) if notice_id.isdigit() and len(notice_id) < 10 else None
    if notice is None or notice.matter_id != found.id:
        form.notice_id.errors.append(_("Choose a notice of this matter."))
        return _render(found, withdraw_form=form)
    with attempt(form) as done:
        withdraw_notice(notice, reason=form.reason.data, actor=current_user)
    if not done:
        return _render(found, withdraw_form=form)
    flash(_("The notice no longer counts; it stays on the record with your reason."), "success")
    return _back(found)


@bp.route("/matters/<id:matter_id>/effective", methods=["POST"])
@editor_required
def set_matter_effective(matter_id: int):
    found = get_or_404(Matter, matter_id)
    form = EffectiveForm(prefix="effective")
    if not form.validate_on_submit() or not second_reading.is_ordinance(found):
        if not form.errors:
            form.effective_on.errors.append(_("Only an ordinance's effective date is kept here."))
        return _render(found, effective_form=form)
    with attempt(form) as done:
        matters.set_effective_on(found, form.effective_on.data, actor=current_user)
    if not done:
        return _render(found, effective_form=form)
    flash(_("Saved."), "success")
    return _back(found)
