"""An agreement's timeline as a picture (issue 19): signed, then each effect of an adopted resolution in
force (authorized, ratified, amended, suspended, terminated, declared void, reinstated) on a dated axis, with
its standing after each step.
Plain data for templates/charts/agreement_timeline.html, from what the agreement page already loaded."""

from dataclasses import dataclass
from datetime import date

from app.legislation.models import Agreement, AgreementStatus, Resolution
from app.legislation.services import in_force_effects, status_after

#: Width of the axis in the picture's own units (its viewBox is 320 wide).
AXIS_START, AXIS_END = 16, 304


@dataclass
class Step:
    number: int
    day: date
    #: "signed", or the effect's kind ("voids", ...).
    kind: str
    kind_label: str
    status_after: AgreementStatus
    resolution: Resolution | None = None
    note: str = ""
    signed_by: str = ""
    x: float = 0.0
    #: 0 on the axis's upper side, 1 below: a step too close to the one before moves to the other side.
    lane: int = 0


@dataclass
class AgreementTimeline:
    agreement_id: int
    steps: list[Step]
    first: date
    last: date

    @property
    def segments(self) -> list[tuple[float, float, str]]:
        """(from x, to x, status) between one step and the next."""
        return [(a.x, b.x, a.status_after.value) for a, b in zip(self.steps, self.steps[1:], strict=False)]


def agreement_timeline(agreement: Agreement) -> AgreementTimeline | None:
    """None when nothing is dated (not signed, no effect in force)."""
    steps: list[Step] = []
    if agreement.signed_on is not None:
        steps.append(
            Step(0, agreement.signed_on, "signed", "", AgreementStatus.active, signed_by=agreement.signed_by or "")
        )
    standing = AgreementStatus.active if steps else AgreementStatus.not_signed
    for effect in in_force_effects(agreement.effects, date.max):
        standing = status_after(standing, effect.kind)
        steps.append(
            Step(
                0,
                effect.effective_on,
                effect.kind.value,
                str(effect.kind.label),
                standing,
                resolution=effect.resolution,
                note=effect.note or "",
            )
        )
    if not steps:
        return None
    first, last = steps[0].day, max(s.day for s in steps)
    span = max(1, (last - first).days)
    for n, step in enumerate(steps, start=1):
        step.number = n
        step.x = round(AXIS_START + (AXIS_END - AXIS_START) * (step.day - first).days / span, 1)
        if n > 1 and step.x - steps[n - 2].x < 22:
            step.lane = 1 - steps[n - 2].lane
    return AgreementTimeline(agreement.id, steps, first, last)
