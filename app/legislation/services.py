"""Resolutions (R11), their links to one another, and the agreements register with typed effects."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from app.core import audit
from app.core.errors import DomainError
from app.core.sequences import next_number
from app.core.text import clean_text
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.legislation import events
from app.legislation.digest import repin_if_changed
from app.legislation.models import (
    Agreement,
    AgreementDocument,
    AgreementEffect,
    AgreementStatus,
    EffectKind,
    LinkKind,
    Resolution,
    ResolutionCorrection,
    ResolutionLink,
    ResolutionStatus,
)
from app.meetings import accessibility
from app.meetings.models import AgendaItem, AgendaItemType

R, E, L = ResolutionStatus, EffectKind, LinkKind


def format_number(year: int, value: int) -> str:
    """Key West practice: resolution numbers are YY-NNN."""
    return f"{year % 100:02d}-{value:03d}"


# --- resolutions ---------------------------------------------------------------------------------------


def find_resolution(item: AgendaItem, *, with_relations: bool = False) -> Resolution | None:
    """The item's resolution; ``with_relations``: with its links and effects (and what they name) loaded, for a
    page that lists them."""
    query = select(Resolution).where(Resolution.agenda_item_id == item.id)
    if with_relations:
        query = query.options(
            joinedload(Resolution.item).joinedload(AgendaItem.meeting),
            selectinload(Resolution.links_out).joinedload(ResolutionLink.target),
            selectinload(Resolution.links_in).joinedload(ResolutionLink.source),
            # Not the effects' own joined load of their resolution: under populate_existing it would load this
            # resolution again and drop the collections loaded before it (the template then ran their queries).
            selectinload(Resolution.effects).options(
                joinedload(AgreementEffect.agreement), lazyload(AgreementEffect.resolution)
            ),
            selectinload(Resolution.corrections).joinedload(ResolutionCorrection.actor),
        ).execution_options(populate_existing=True)
    return db.session.scalar(query)


def resolution_for(item: AgendaItem, *, actor=None) -> Resolution:
    """The resolution drafted from a resolution-type item, created from the item on first use (after the meeting
    adjourned, that changes its record: pinned again)."""
    if item.item_type != AgendaItemType.resolution:
        raise DomainError(_("Only a resolution item carries a resolution."))
    resolution = find_resolution(item)
    if resolution is None:
        resolution = Resolution(
            agenda_item_id=item.id, item=item, title=item.title, text_md=item.body_md or "", status=R.draft
        )
        db.session.add(resolution)
        db.session.flush()
        repin_if_changed(item.meeting, actor=actor, reason="resolution drafted from its agenda item")
    return resolution


def _draft_fields(resolution: Resolution) -> dict:
    effective_on = resolution.effective_on
    return {
        "title": resolution.title,
        "text_md": resolution.text_md,
        "effective_on": effective_on.isoformat() if effective_on else None,
    }


def update_draft(resolution: Resolution, *, title: str, text_md: str, effective_on: date | None, actor) -> Resolution:
    """A draft may be edited, also after its meeting adjourned; the audit entry keeps the text before and after,
    and the meeting's record is pinned again if it changed."""
    if resolution.status != R.draft:
        raise DomainError(_("Only a draft can be edited; an adopted resolution is amended by another resolution."))
    title = clean_text(title or "")
    if not title:
        raise DomainError(_("Enter a title."), field="title")
    before = _draft_fields(resolution)
    resolution.title, resolution.text_md = title[:300], clean_text(text_md or "", multiline=True)
    resolution.effective_on = effective_on
    db.session.flush()
    audit.record(
        "resolution.edited",
        resolution,
        f"Draft resolution '{resolution.title}' edited",
        actor=actor,
        data={"before": before, "after": _draft_fields(resolution)},
    )
    repin_if_changed(resolution.item.meeting, actor=actor, reason="draft resolution edited")
    return resolution


def decide(item: AgendaItem, motion, *, actor) -> Resolution:
    """The vote on a resolution item closed: adopted with the next number of the year (R11), or failed."""
    resolution = resolution_for(item)
    if resolution.status == R.withdrawn:
        raise DomainError(_("This resolution was withdrawn."))
    day = to_local(motion.closed_at or utcnow()).date()
    resolution.motion_id = motion.id
    if motion.passed:
        if resolution.number is None:
            seq = next_number("resolution", day.year)
            resolution.number_year, resolution.number_seq = day.year, seq
            resolution.number = format_number(day.year, seq)
        resolution.status, resolution.adopted_on = R.adopted, day
        if resolution.effective_on is None or resolution.effective_on < day:
            resolution.effective_on = day
        for effect in resolution.effects:
            if effect.effective_on is None or effect.effective_on < resolution.effective_on:
                effect.effective_on = resolution.effective_on
    else:
        resolution.status = R.failed
        resolution.adopted_on = None
    db.session.flush()
    audit.record(
        "resolution.decided",
        resolution,
        f"Resolution '{resolution.title}' {resolution.status.value}"
        + (f" as No. {resolution.number}" if resolution.status == R.adopted else ""),
        actor=actor,
    )
    return resolution


def reopen(item: AgendaItem, *, actor) -> None:
    """A reconsideration passed: the question is open again. A number once given is kept, never reused."""
    resolution = find_resolution(item)
    if resolution is not None and resolution.status in (R.adopted, R.failed):
        resolution.status, resolution.adopted_on = R.draft, None
        db.session.flush()
        audit.record(
            "resolution.reopened",
            resolution,
            f"Resolution '{resolution.title}' reopened by reconsideration",
            actor=actor,
        )


def withdraw(resolution: Resolution, *, actor) -> Resolution:
    if resolution.status != R.draft:
        raise DomainError(_("Only a draft can be withdrawn."))
    resolution.status = R.withdrawn
    db.session.flush()
    audit.record("resolution.withdrawn", resolution, f"Resolution '{resolution.title}' withdrawn", actor=actor)
    repin_if_changed(resolution.item.meeting, actor=actor, reason="draft resolution withdrawn")
    return resolution


def add_link(source: Resolution, target: Resolution | None, kind: LinkKind, *, actor) -> ResolutionLink:
    if target is None:
        raise DomainError(_("Choose an adopted resolution."), field="target_id")
    if target.id == source.id:
        raise DomainError(_("A resolution cannot act on itself."), field="target_id")
    if target.status != R.adopted:
        raise DomainError(_("Only an adopted resolution can be superseded, amended or rescinded."), field="target_id")
    if any(link.to_id == target.id and link.kind == kind for link in source.links_out):
        raise DomainError(_("That link is already recorded."), field="target_id")
    link = ResolutionLink(source=source, target=target, kind=kind)
    db.session.add(link)
    db.session.flush()
    audit.record("resolution.linked", source, f"Resolution {source.id} {kind.value} {target.label}", actor=actor)
    return link


def add_effect(
    resolution: Resolution,
    *,
    kind: EffectKind,
    agreement: Agreement | None = None,
    category: str | None = None,
    effective_on: date | None = None,
    note: str = "",
    actor,
) -> AgreementEffect:
    """What the resolution does to an agreement, or to a category of future agreements (``prohibits``)."""
    if resolution.status not in (R.draft, R.adopted):
        raise DomainError(_("A failed or withdrawn resolution has no effect."))
    if kind == E.prohibits:
        category = clean_text(category or "")
        if not category:
            raise DomainError(_("Name the category of agreements prohibited."), field="category")
        agreement = None
    else:
        if agreement is None:
            raise DomainError(_("Choose the agreement."), field="agreement_id")
        category = None
    if effective_on and resolution.effective_on and effective_on < resolution.effective_on:
        raise DomainError(
            _(
                "An effect cannot start before the resolution takes effect (%(day)s).",
                day=resolution.effective_on.isoformat(),
            ),
            field="effective_on",
        )
    if resolution.status == R.adopted and effective_on is None:
        effective_on = resolution.effective_on
    if kind in (E.amends, E.suspends):
        standing = agreement_status(agreement, effective_on or to_local(utcnow()).date()).status
        if standing in (AgreementStatus.void, AgreementStatus.terminated):
            raise DomainError(
                _(
                    "This agreement is %(status)s: it can be reinstated, not amended or suspended.",
                    status=standing.label,
                ),
                field="kind",
            )
    effect = AgreementEffect(
        resolution=resolution,
        agreement=agreement,
        kind=kind,
        category=category[:120] if category else None,
        effective_on=effective_on,
        note=clean_text(note or "", multiline=True)[:2000],
    )
    db.session.add(effect)
    db.session.flush()
    audit.record(
        "agreement.effect",
        resolution,
        f"Resolution {resolution.id} {kind.value} {agreement.title if agreement else category}",
        actor=actor,
    )
    events.effect_recorded.send(effect, actor=actor)
    return effect


# --- the agreements register ----------------------------------------------------------------------------


_STATE_AFTER = {
    E.authorizes: AgreementStatus.active,
    E.ratifies: AgreementStatus.active,
    E.reinstates: AgreementStatus.active,
    E.suspends: AgreementStatus.suspended,
    E.terminates: AgreementStatus.terminated,
    E.voids: AgreementStatus.void,
}


def status_after(current: AgreementStatus, kind: EffectKind) -> AgreementStatus:
    """The standing an effect leaves: ``amends`` changes the terms, not the standing."""
    return _STATE_AFTER.get(kind, current)


@dataclass
class AgreementState:
    status: AgreementStatus
    since: date | None
    #: The effect that put the agreement in this state, or None (the signature, or nothing yet).
    effect: AgreementEffect | None


def in_force_effects(effects, on: date) -> list[AgreementEffect]:
    """Effects of adopted resolutions that have taken effect by ``on``, in date order."""
    return sorted(
        (
            e
            for e in effects
            if e.resolution.status == R.adopted and e.effective_on is not None and e.effective_on <= on
        ),
        key=lambda e: (e.effective_on, e.id),
    )


def agreement_status(agreement: Agreement, on: date) -> AgreementState:
    """The agreement's status on ``on``, computed from its signature and the effects in force that day."""
    state = AgreementState(AgreementStatus.not_signed, None, None)
    if agreement.signed_on is not None and agreement.signed_on <= on:
        state = AgreementState(AgreementStatus.active, agreement.signed_on, None)
    for effect in in_force_effects(agreement.effects, on):
        if effect.kind in _STATE_AFTER:
            state = AgreementState(_STATE_AFTER[effect.kind], effect.effective_on, effect)
    return state


def _lifted(resolution: Resolution, on: date) -> bool:
    """A resolution superseded or rescinded by one in force on ``on`` no longer prohibits anything."""
    return any(
        link.kind in (L.supersedes, L.rescinds) and (when := link.effective_on) is not None and when <= on
        for link in resolution.links_in
    )


def prohibitions(category: str | None, on: date) -> list[AgreementEffect]:
    """The ``prohibits`` effects in force on ``on`` for ``category`` (case-insensitive)."""
    category = clean_text(category or "")
    if not category:
        return []
    effects = db.session.scalars(
        select(AgreementEffect)
        .where(AgreementEffect.kind == E.prohibits, func.lower(AgreementEffect.category) == category.lower())
        .options(
            selectinload(AgreementEffect.resolution)
            .selectinload(Resolution.links_in)
            .selectinload(ResolutionLink.source)
        )
    ).all()
    return [e for e in in_force_effects(effects, on) if not _lifted(e.resolution, on)]


def categories() -> list[str]:
    """Known categories, for the clerk's suggestions."""
    rows = db.session.scalars(select(Agreement.category).distinct()).all()
    rows += db.session.scalars(
        select(AgreementEffect.category).where(AgreementEffect.category.is_not(None)).distinct()
    ).all()
    return sorted({r for r in rows if r}, key=str.lower)


def save_agreement(
    agreement: Agreement | None,
    *,
    title: str,
    counterparty: str,
    category: str,
    signed_on: date | None,
    signed_by: str,
    description_md: str,
    actor,
) -> Agreement:
    title, counterparty, category = clean_text(title or ""), clean_text(counterparty or ""), clean_text(category or "")
    for field, value, message in (
        ("title", title, _("Enter a title.")),
        ("counterparty", counterparty, _("Name the other party.")),
        ("category", category, _("Give a category, e.g. “287(g) agreement”.")),
    ):
        if not value:
            raise DomainError(message, field=field)
    if signed_on and signed_on > to_local(utcnow()).date():
        raise DomainError(_("The signing date cannot be in the future."), field="signed_on")
    created = agreement is None
    agreement = agreement or Agreement()
    agreement.title, agreement.counterparty, agreement.category = title[:300], counterparty[:200], category[:120]
    agreement.signed_on, agreement.signed_by = signed_on, clean_text(signed_by or "")[:200]
    agreement.description_md = clean_text(description_md or "", multiline=True)
    if created:
        db.session.add(agreement)
    db.session.flush()
    audit.record(
        "agreement.created" if created else "agreement.edited",
        agreement,
        f"Agreement '{agreement.title}' {'registered' if created else 'edited'}",
        actor=actor,
    )
    return agreement


def add_document(agreement: Agreement, *, filename: str, stream, actor) -> AgreementDocument:
    from app.core.uploads import validate_and_store
    from app.meetings.texts import stored_text

    stored = validate_and_store(filename, stream)
    document = AgreementDocument(
        agreement=agreement,
        original_filename=stored.original_filename,
        stored_name=stored.stored_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        text_content=stored_text(stored),
    )
    accessibility.check_stored(document)  # R14: what the file lacks, shown to the clerk and the public
    db.session.add(document)
    db.session.flush()
    audit.record("agreement.document", agreement, f"Document '{stored.original_filename}' added", actor=actor)
    return document


def prohibited_items(items, on: date) -> dict[int, list[AgreementEffect]]:
    """Agenda items whose agreement category is prohibited on ``on``: item id -> the prohibiting effects."""
    flagged = {}
    for item in items:
        found = prohibitions(item.agreement_category, on) if item.agreement_category else []
        if found:
            flagged[item.id] = found
    return flagged
