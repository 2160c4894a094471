"""Mailing the alerts (app/subscriptions/alerts.py): one message per subscriber and batch, in their language.

* Instant: a job after the change commits (``send_instant_job``) gathers every alert not yet mailed of the
  subscribers who chose "as it happens" into one mailing: what one transaction produced (an agenda's items, a
  vote and its resolution) is one message per subscriber. Every worker's tick does the same, so an alert whose
  job was lost is mailed at the next tick.
* Daily: at the first tick after DIGEST_HOUR (city time) each day, one digest per subscriber who chose "one
  message a day", with every alert recorded before that hour and not yet mailed.

Each line names what changed and links (absolute URL) to it; the text is composed at delivery from the record as
it then stands (app/core/outbox.py renderers), with the manage link and the one-click unsubscribe headers.
"""

from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.core import jobs, outbox
from app.core.outbox import MailingKind
from app.core.timeutil import city_zone, utcnow
from app.core.web import format_local
from app.extensions import db
from app.legislation.models import AgreementEffect, ResolutionStatus
from app.meetings.models import AgendaItem
from app.subscriptions.models import Alert, AlertKind, Digest, Subscription
from app.subscriptions.services import describe, footer, one_click
from app.votes.models import Motion


def _claim(kind: MailingKind, digest: Digest, *, before: datetime | None = None) -> int:
    """Put every unmailed alert of live subscribers with ``digest`` (recorded before ``before``) in one new
    mailing; returns how many subscribers it goes to (0: no mailing)."""
    subscribers = select(Subscription.id).where(
        Subscription.digest == digest,
        Subscription.confirmed_at.is_not(None),
        Subscription.unsubscribed_at.is_(None),
    )
    waiting = select(Alert.id).where(Alert.mailing_id.is_(None), Alert.subscription_id.in_(subscribers))
    if before is not None:
        waiting = waiting.where(Alert.created_at < before)
    ids = list(db.session.scalars(waiting.order_by(Alert.id)))
    if not ids:
        return 0
    title = "Follow alerts" if kind == MailingKind.follow_alert else "Daily digest"
    mailing = outbox.send_to_many(kind, title=f"{title}, {format_local(utcnow())}", topic="alerts")
    db.session.execute(
        update(Alert)
        .where(Alert.id.in_(ids), Alert.mailing_id.is_(None))
        .values(mailing_id=mailing.id)
        .execution_options(synchronize_session=False)
    )
    mailing.total = db.session.scalar(
        select(func.count(func.distinct(Alert.subscription_id))).where(Alert.mailing_id == mailing.id)
    )
    db.session.flush()
    return mailing.total


def send_instant() -> int:
    return _claim(MailingKind.follow_alert, Digest.instant)


def send_instant_job() -> None:
    """The job a change that recorded alerts starts once it commits."""
    send_instant()
    db.session.commit()


def digest_cutoff(now: datetime | None = None) -> datetime:
    """The latest DIGEST_HOUR (city time) at or before ``now``: a daily digest has what was recorded before it."""
    local = (now or utcnow()).astimezone(city_zone())
    cutoff = local.replace(hour=current_app.config["DIGEST_HOUR"], minute=0, second=0, microsecond=0)
    if cutoff > local:
        cutoff -= timedelta(days=1)
    return cutoff


def send_daily(now: datetime | None = None) -> int:
    return _claim(MailingKind.follow_digest, Digest.daily, before=digest_cutoff(now))


@jobs.on_tick
def tick() -> None:
    """Every tick of every worker: mail the instant alerts a lost job left, and the day's digests once due."""
    send_instant()
    send_daily()
    db.session.commit()


@outbox.audience(MailingKind.follow_alert)
@outbox.audience(MailingKind.follow_digest)
def _audience(mailing):
    return (
        select(Subscription.email, Subscription.locale, Subscription.id)
        .where(Subscription.id.in_(select(Alert.subscription_id).where(Alert.mailing_id == mailing.id)))
        .order_by(Subscription.id)
    )


# --- composing ----------------------------------------------------------------------------------------------


def _item_lines(item: AgendaItem) -> list[str]:
    meeting = item.meeting
    return [
        _("New on the agenda of %(body)s, %(when)s:", body=meeting.body.name, when=format_local(meeting.start_at)),
        f"  {item.label} {item.title}".rstrip() if item.label else f"  {item.title}",
        "  " + url_for("portal.item", meeting_id=meeting.id, item_id=item.id, _external=True),
    ]


def _vote_lines(motion: Motion) -> list[str]:
    item = motion.item
    meeting = motion.meeting
    counts: dict[str, int] = {}
    how = []
    for vote in motion.votes:
        choice = vote.corrected_choice or vote.choice
        if choice is None:
            continue
        counts[choice.value] = counts.get(choice.value, 0) + 1
        how.append(f"{vote.member.full_name}: {choice.label}")
    result = _("passed") if motion.passed else _("failed")
    title = item.title if item is not None else motion.text
    lines = [
        _("Vote at %(body)s, %(when)s:", body=meeting.body.name, when=format_local(meeting.start_at)),
        "  " + _("%(title)s: %(result)s", title=title, result=result),
        "  " + _("%(yes)d yes, %(no)d no", yes=counts.get("yes", 0), no=counts.get("no", 0)),
    ]
    if how:
        lines.append("  " + _("How each member voted:") + " " + "; ".join(how))
    resolution = item.resolution if item is not None else None
    if resolution is not None and resolution.status == ResolutionStatus.adopted:
        lines.append("  " + _("Resolution %(number)s adopted.", number=resolution.number or ""))
        lines.append("  " + url_for("portal.resolution", resolution_id=resolution.id, _external=True))
    elif item is not None:
        lines.append("  " + url_for("portal.item", meeting_id=meeting.id, item_id=item.id, _external=True))
    else:
        lines.append("  " + url_for("portal.meeting", meeting_id=meeting.id, _external=True))
    return lines


def _effect_lines(effect: AgreementEffect) -> list[str]:
    resolution = effect.resolution
    what = effect.agreement.title if effect.agreement is not None else effect.category
    lines = [
        _("Resolution %(label)s: %(effect)s %(what)s", label=resolution.label, effect=effect.kind.label, what=what),
        "  " + _("Status of the resolution: %(status)s", status=resolution.status.label),
    ]
    if effect.agreement is not None:
        lines.append("  " + url_for("portal.agreement", agreement_id=effect.agreement.id, _external=True))
    else:
        lines.append("  " + url_for("portal.resolution", resolution_id=resolution.id, _external=True))
    return lines


_MODELS = {AlertKind.item: AgendaItem, AlertKind.vote: Motion, AlertKind.effect: AgreementEffect}
_LINES = {AlertKind.item: _item_lines, AlertKind.vote: _vote_lines, AlertKind.effect: _effect_lines}


def alert_lines(alert: Alert) -> list[str]:
    """The lines of one alert (what changed, and its link), with why it was sent."""
    record = db.session.get(_MODELS[alert.kind], alert.ref_id)
    if record is None:
        return []
    lines = _LINES[alert.kind](record)
    if alert.follow is not None:
        lines.append("  " + _("(You follow: %(what)s)", what=describe(alert.follow)))
    return lines


def _compose(mailing, messages) -> dict:
    wanted = [m.ref_id for m in messages if m.ref_id is not None]
    found = {s.id: s for s in db.session.scalars(select(Subscription).where(Subscription.id.in_(wanted)))}
    by_subscriber: dict[int, list[Alert]] = {}
    for alert in db.session.scalars(
        select(Alert).where(Alert.mailing_id == mailing.id, Alert.subscription_id.in_(wanted)).order_by(Alert.id)
    ):
        by_subscriber.setdefault(alert.subscription_id, []).append(alert)
    daily = mailing.kind == MailingKind.follow_digest
    composed = {}
    for message in messages:
        subscription = found.get(message.ref_id)
        alerts = by_subscriber.get(message.ref_id, [])
        if subscription is None or not subscription.is_active or not alerts:
            composed[message.id] = None  # left since: not sent
            continue
        with force_locale(message.locale):
            lines = [_("Your daily digest:") if daily else _("What you follow has changed:")]
            for alert in alerts:
                lines += ["", *alert_lines(alert)]
            lines += footer(subscription)
            subject = (
                ngettext("Your daily digest: %(num)d change", "Your daily digest: %(num)d changes", len(alerts))
                if daily
                else ngettext("%(num)d change in what you follow", "%(num)d changes in what you follow", len(alerts))
            )
        composed[message.id] = outbox.Composed(subject, "\n".join(lines), one_click(subscription))
    return composed


outbox.renderer(MailingKind.follow_alert)(_compose)
outbox.renderer(MailingKind.follow_digest)(_compose)
