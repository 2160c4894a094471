"""The "you are next" mail: one to the speaker first in line on an item once the speaker before them is called.

Written to the outbox in the transaction of the call (app/core/outbox.py), so a call that is refused or rolled back
sends nothing; at most one per request (``next_notified_at``). The message is composed at delivery
(``_compose_next``), in the language the resident registered in, with their private link; by then a resident who
withdrew, or was called already, is skipped.
"""

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.city.services import city_name
from app.core import outbox
from app.core.outbox import MailingKind
from app.core.timeutil import utcnow
from app.extensions import db
from app.public_comment.models import SpeakerRequest, SpeakerRequestParticipation, SpeakerRequestStatus
from app.public_comment.registration import mail_token

R = SpeakerRequestStatus
#: Still to be called: waiting, or checked in at the chamber.
WAITING = (R.waiting, R.checked_in)


def first_in_line(item_id: int) -> SpeakerRequest | None:
    """The request that will be called next on the item: the first waiting or checked-in speaker in queue order."""
    return db.session.scalar(
        select(SpeakerRequest)
        .where(
            SpeakerRequest.agenda_item_id == item_id,
            SpeakerRequest.queue_position.is_not(None),
            SpeakerRequest.status.in_(WAITING),
        )
        .order_by(SpeakerRequest.queue_position)
        .limit(1)
    )


def notify_next(item_id: int, *, actor=None) -> SpeakerRequest | None:
    """Queue "you are next" for whoever is now first in line on the item, if they gave an email and were not told
    before. Returns the request mailed, or None.

    The mark is taken with one UPDATE ... WHERE next_notified_at IS NULL, so two calls at once cannot both mail."""
    speaker = first_in_line(item_id)
    if speaker is None or not speaker.speaks or not speaker.email or speaker.next_notified_at is not None:
        return None
    now = utcnow()
    taken = db.session.execute(
        update(SpeakerRequest)
        .where(SpeakerRequest.id == speaker.id, SpeakerRequest.next_notified_at.is_(None))
        .values(next_notified_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        return None
    set_committed_value(speaker, "next_notified_at", now)
    outbox.send(
        MailingKind.speaker_next,
        speaker.email,
        None,
        None,
        ref_id=speaker.id,
        locale=speaker.locale or current_app.config["BABEL_DEFAULT_LOCALE"],
        topic=f"meeting:{speaker.meeting_id}",
        title=f"You are next: {speaker.name}",
        sensitive=True,
        actor=actor,
    )
    return speaker


def alert_text(speaker: SpeakerRequest) -> str:
    """What the resident is told when they are next, in person or remotely (the private page and the mail)."""
    if speaker.participation == SpeakerRequestParticipation.remote:
        return _("You are next. Please be ready: the clerk will call your name and unmute you.")
    return _("You are next. Please come to the podium.")


@outbox.renderer(MailingKind.speaker_next)
def _compose_next(mailing, messages) -> dict:
    ids = [m.ref_id for m in messages if m.ref_id is not None]
    found = {
        r.id: r
        for r in db.session.scalars(
            select(SpeakerRequest)
            .where(SpeakerRequest.id.in_(ids))
            .options(joinedload(SpeakerRequest.item), joinedload(SpeakerRequest.meeting))
        )
    }
    composed = {}
    for message in messages:
        speaker = found.get(message.ref_id)
        if speaker is None or speaker.status not in WAITING:
            composed[message.id] = None  # withdrew, or was called, before the message went out: not sent
            continue
        link = url_for("portal.speaker_request", request_id=speaker.id, token=mail_token(speaker), _external=True)
        with force_locale(message.locale):
            body = "\n".join(
                [
                    _("Hello %(name)s,", name=speaker.name),
                    "",
                    alert_text(speaker),
                    "",
                    _("Meeting: %(title)s", title=speaker.meeting.title),
                    _("Item: %(item)s", item=f"{speaker.item.label} {speaker.item.title}"),
                    "",
                    _("Your private link shows your place as it changes:"),
                    link,
                    "",
                    _("If you cannot speak after all, withdraw there so that the next speaker is called."),
                    _("Keep this link private: anyone who has it can change your request."),
                    "",
                    city_name(message.locale),
                ]
            )
            subject = _("You are next to speak: %(title)s", title=speaker.meeting.title)
        composed[message.id] = outbox.Composed(subject, body)
    return composed
