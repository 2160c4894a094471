"""The city's approval route and intake deadline: read, edited by the clerk or an administrator, snapshotted."""

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.auth.models import Role, User
from app.core import audit
from app.core.errors import DomainError
from app.core.text import clean_text
from app.core.timeutil import to_local
from app.extensions import db
from app.intake.models import DEFAULT_CLOSE_DAYS, IntakeSettings, RouteStep

MAX_STEPS = 10


def settings() -> IntakeSettings:
    row = db.session.scalar(select(IntakeSettings).order_by(IntakeSettings.id).limit(1))
    if row is None:
        row = IntakeSettings(close_days=DEFAULT_CLOSE_DAYS)
        db.session.add(row)
        db.session.flush()
    return row


def close_days() -> int:
    row = db.session.scalar(select(IntakeSettings).order_by(IntakeSettings.id).limit(1))
    return row.close_days if row is not None else DEFAULT_CLOSE_DAYS


def closing_date(meeting, days: int | None = None) -> date:
    """The last day a submission for ``meeting`` is on time: the meeting's local date less the closing days."""
    return to_local(meeting.start_at).date() - timedelta(days=close_days() if days is None else days)


def steps() -> list[RouteStep]:
    return list(db.session.scalars(select(RouteStep).order_by(RouteStep.position)))


def snapshot() -> list[dict]:
    return [
        {"name": s.name, "approver_ids": list(s.approver_ids or []), "same_department": bool(s.same_department)}
        for s in steps()
    ]


def eligible_approvers() -> list[User]:
    """Who may be named on a step: active staff who may act (not viewers)."""
    return list(
        db.session.scalars(
            select(User).where(User.active.is_(True), User.role != Role.viewer).order_by(User.display_name)
        )
    )


def save_route(rows: list[dict], *, close_days: int, actor) -> None:
    """Replace the route with ``rows`` ({"name", "approver_ids", "same_department"}); blank names are dropped.
    Submissions already in review keep the route they were submitted with."""
    if not 0 <= int(close_days) <= 90:
        raise DomainError(_("The agenda closes between 0 and 90 days before the meeting."), field="close_days")
    allowed = {u.id for u in eligible_approvers()}
    cleaned = []
    for row in rows:
        name = clean_text(row.get("name") or "")[:120]
        if not name:
            continue
        ids = sorted({int(i) for i in row.get("approver_ids") or []})
        if not ids:
            raise DomainError(_("Name at least one approver for the step “%(step)s”.", step=name), field="route")
        if not set(ids) <= allowed:
            raise DomainError(_("Choose approvers among the active staff."), field="route")
        cleaned.append({"name": name, "approver_ids": ids, "same_department": bool(row.get("same_department"))})
    if not cleaned:
        raise DomainError(_("The route needs at least one step."), field="route")
    if len(cleaned) > MAX_STEPS:
        raise DomainError(_("A route has at most %(n)d steps.", n=MAX_STEPS), field="route")
    before = snapshot()
    row = settings()
    old_days = row.close_days
    row.close_days = int(close_days)
    db.session.execute(delete(RouteStep))
    for position, step in enumerate(cleaned, start=1):
        db.session.add(RouteStep(position=position, **step))
    db.session.flush()
    audit.record(
        "intake.route",
        row,
        f"Approval route set: {' → '.join(s['name'] for s in cleaned)}; agenda closes {row.close_days} days before",
        actor=actor,
        data={"before": before, "after": cleaned, "close_days": [old_days, row.close_days]},
    )
