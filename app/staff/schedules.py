"""A body's regular schedule and the meetings it gives, the city's holidays, and the body's agenda template.
Routes of the ``bodies`` blueprint; the services are app/meetings/schedules.py, agenda_template.py and
app/city/holidays.py."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.auth.decorators import editor_required
from app.bodies.models import Body
from app.city import holidays
from app.core.actions import attempt
from app.core.errors import DomainError
from app.core.forms import options
from app.core.loaders import get_or_404
from app.core.timeutil import to_local, utcnow
from app.meetings import agenda_template, schedules
from app.meetings.models import AgendaItemType, MeetingKind
from app.meetings.schedule_forms import (
    HolidayForm,
    PlanForm,
    ScheduleRuleForm,
    StandardHolidaysForm,
    TemplateItemForm,
)
from app.meetings.schedule_models import AgendaTemplateItem, HolidayPolicy, MeetingSchedule, ScheduleRepeat
from app.staff.bodies import bp


def _this_year() -> int:
    return to_local(utcnow()).year


def _rule_input(form: ScheduleRuleForm) -> schedules.RuleInput:
    return schedules.RuleInput(
        repeat=ScheduleRepeat(form.repeat.data),
        weekday=form.weekday.data,
        ordinals=list(form.ordinals.data or []),
        interval=form.interval.data or 1,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        start_time=form.start_time.data,
        kind=MeetingKind(form.kind.data),
        title=form.title.data,
        location=form.location.data,
        holiday_policy=HolidayPolicy(form.holiday_policy.data),
    )


@bp.route("/<id:body_id>/schedule", methods=["GET", "POST"])
@editor_required
def schedule(body_id: int):
    body = get_or_404(Body, body_id)
    form = ScheduleRuleForm()
    if request.method == "GET":
        form.starts_on.data = to_local(utcnow()).date()
        form.ordinals.data = [1, 3]
    if form.validate_on_submit():
        with attempt(form) as done:
            schedules.add_rule(body, _rule_input(form), actor=current_user)
        if done:
            flash(_("Rule added to the schedule of %(body)s.", body=body.name), "success")
            return redirect(url_for("bodies.schedule", body_id=body.id))
    plan_form = _plan_defaults(PlanForm(meta={"csrf": False}, formdata=None))
    return render_template(
        "bodies/schedule.html", body=body, form=form, rules=schedules.rules_of(body), plan_form=plan_form
    ), (422 if form.errors else 200)


@bp.route("/<id:body_id>/schedule/<id:rule_id>/remove", methods=["POST"])
@editor_required
def schedule_remove(body_id: int, rule_id: int):
    rule = get_or_404(MeetingSchedule, rule_id)
    if rule.body_id != body_id:
        abort(404)
    with attempt() as done:
        schedules.remove_rule(rule, actor=current_user)
    if done:
        flash(_("Rule removed. Meetings already made from it stay."), "success")
    return redirect(url_for("bodies.schedule", body_id=body_id))


def _plan_defaults(form: PlanForm) -> PlanForm:
    form.mode.data, form.count.data, form.year.data = schedules.MODE_NEXT, 6, _this_year() + 1
    return form


def _window(form: PlanForm) -> dict:
    mode = form.mode.data if form.mode.data in (schedules.MODE_NEXT, schedules.MODE_YEAR) else schedules.MODE_NEXT
    return {"mode": mode, "count": form.count.data, "year": form.year.data}


def _fresh_plan(body: Body, form: PlanForm):
    try:
        return schedules.plan(body, **_window(form))
    except DomainError:
        return None


@bp.route("/<id:body_id>/schedule/plan", methods=["GET", "POST"])
@editor_required
def schedule_plan(body_id: int):
    """GET: the preview of what the schedule gives. POST: make those meetings (the same plan, made again)."""
    body = get_or_404(Body, body_id)
    creating = request.method == "POST"
    form = PlanForm() if creating else PlanForm(request.args, meta={"csrf": False})
    rows, made = None, None
    asked = form.validate_on_submit() if creating else ("mode" in request.args and form.validate())
    if not creating and "mode" not in request.args:
        _plan_defaults(form)
    if asked:
        with attempt(form) as done:
            if creating:
                expected = form.expected.data.split(",") if form.expected.data else None
                made = schedules.create_planned(body, actor=current_user, expected=expected, **_window(form))
            else:
                rows = schedules.plan(body, **_window(form))
        if done and creating:
            flash(
                ngettext(
                    "%(num)d draft meeting scheduled. Publish each notice in time.",
                    "%(num)d draft meetings scheduled. Publish each notice in time.",
                    len(made),
                )
                if made
                else _("Nothing new to schedule: every date already has its meeting."),
                "success",
            )
            window = {k: v for k, v in _window(form).items() if v is not None}
            return redirect(url_for("bodies.schedule_plan", body_id=body.id, **window))
        if creating and not done:
            rows = _fresh_plan(body, form)  # refused: show the dates as they are now
    to_create = [r for r in rows if r.creates] if rows else []
    expected = ",".join(r.start_at.isoformat() for r in to_create)
    return render_template(
        "bodies/schedule_plan.html", body=body, form=form, rows=rows, to_create=len(to_create), expected=expected
    ), (422 if form.errors else 200)


@bp.route("/holidays", methods=["GET", "POST"])
@editor_required
def holidays_page():
    year = request.args.get("year", type=int) or _this_year()
    if not holidays.FIRST_YEAR <= year <= holidays.LAST_YEAR:
        year = _this_year()
    form = HolidayForm()
    standard = StandardHolidaysForm(formdata=None)
    standard.year.data = year
    if form.validate_on_submit():
        with attempt(form) as done:
            holiday = holidays.add_holiday(form.on.data, form.name.data, actor=current_user)
        if done:
            flash(_("Holiday added."), "success")
            return redirect(url_for("bodies.holidays_page", year=holiday.on.year))
    return render_template(
        "bodies/holidays.html",
        form=form,
        standard=standard,
        year=year,
        rows=holidays.holidays_of_year(year),
        offered=holidays.standard_holidays(year),
    ), (422 if form.errors else 200)


@bp.route("/holidays/standard", methods=["POST"])
@editor_required
def holidays_standard():
    form = StandardHolidaysForm()
    year = _this_year()
    if form.validate_on_submit():
        with attempt() as done:
            added = holidays.add_standard_holidays(form.year.data, actor=current_user)
        if done:
            year = form.year.data
            flash(
                ngettext("%(num)d holiday added.", "%(num)d holidays added.", len(added))
                if added
                else _("Every one of them is already on the list."),
                "success",
            )
    else:
        flash(_("Enter a year."), "error")
    return redirect(url_for("bodies.holidays_page", year=year))


@bp.route("/holidays/<id:holiday_id>/remove", methods=["POST"])
@editor_required
def holidays_remove(holiday_id: int):
    holiday = get_or_404(holidays.CityHoliday, holiday_id)
    year = holiday.on.year
    with attempt() as done:
        holidays.remove_holiday(holiday, actor=current_user)
    if done:
        flash(_("Holiday removed."), "success")
    return redirect(url_for("bodies.holidays_page", year=year))


def _template_form(body: Body) -> TemplateItemForm:
    form = TemplateItemForm()
    form.section.choices = options((s, s) for s in body.agenda_sections)
    return form


@bp.route("/<id:body_id>/agenda-template", methods=["GET", "POST"])
@editor_required
def agenda_template_page(body_id: int):
    body = get_or_404(Body, body_id)
    form = _template_form(body)
    if form.validate_on_submit():
        with attempt(form) as done:
            agenda_template.add_template_item(
                body,
                section=form.section.data,
                title=form.title.data,
                item_type=AgendaItemType(form.item_type.data),
                meeting_kind=MeetingKind(form.meeting_kind.data) if form.meeting_kind.data else None,
                actor=current_user,
            )
        if done:
            flash(_("Standing item added. New meetings start with it; existing ones are unchanged."), "success")
            return redirect(url_for("bodies.agenda_template_page", body_id=body.id))
    items = agenda_template.template_items(body)
    return render_template("bodies/agenda_template.html", body=body, form=form, items=items), (
        422 if form.errors else 200
    )


def _template_item(body_id: int, item_id: int) -> tuple[Body, AgendaTemplateItem]:
    item = get_or_404(AgendaTemplateItem, item_id)
    if item.body_id != body_id:
        abort(404)
    return get_or_404(Body, body_id), item


@bp.route("/<id:body_id>/agenda-template/<id:item_id>/remove", methods=["POST"])
@editor_required
def agenda_template_remove(body_id: int, item_id: int):
    body, item = _template_item(body_id, item_id)
    with attempt() as done:
        agenda_template.remove_template_item(item, body, actor=current_user)
    if done:
        flash(_("Standing item removed. Existing meetings keep theirs."), "success")
    return redirect(url_for("bodies.agenda_template_page", body_id=body_id))


@bp.route("/<id:body_id>/agenda-template/<id:item_id>/move", methods=["POST"])
@editor_required
def agenda_template_move(body_id: int, item_id: int):
    body, item = _template_item(body_id, item_id)
    with attempt() as done:
        agenda_template.move_template_item(item, body, direction=request.form.get("direction", ""), actor=current_user)
    if done:
        flash(_("Standing item moved."), "success")
    return redirect(url_for("bodies.agenda_template_page", body_id=body_id))
