"""Versions of a matter's text (issue 20). Every version is kept (``MatterVersion``, numbered 1, 2, 3... per matter,
never edited); a new one is made by the clerk on the staff matter page (the first is "introduced", later ones
"revised by staff") or by an amendment that passes at a meeting (app.votes.matter_actions: "amended" or
"substituted", tied to the motion and its meeting). Any two versions compare as a redline (app.core.redline).

The public list of versions, and so what the public compare page may show, is app.legislation.matter_history's
(a version made at a meeting that is not public yet is left out, like every other step there)."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.core import audit
from app.core.errors import DomainError
from app.core.redline import Redline, compare, paragraphs
from app.core.text import clean_text
from app.core.timeutil import utcnow
from app.extensions import db
from app.matters.models import Matter, MatterVersion, VersionSource

#: The longest text a version may hold (characters): a long ordinance is some 100,000.
MAX_TEXT = 200_000
MAX_NOTE = 2000


def versions_of(matter: Matter) -> list[MatterVersion]:
    """The matter's versions, oldest first, with their meeting and motion but without their texts (one query)."""
    return list(
        db.session.scalars(
            select(MatterVersion)
            .where(MatterVersion.matter_id == matter.id)
            .options(joinedload(MatterVersion.meeting), joinedload(MatterVersion.motion))
            .order_by(MatterVersion.number)
        )
    )


def latest_text(matter_id: int) -> str | None:
    """The text of the matter's latest version, or None before its first (one query)."""
    return db.session.scalar(
        select(MatterVersion.text)
        .where(MatterVersion.matter_id == matter_id)
        .order_by(MatterVersion.number.desc())
        .limit(1)
    )


def texts_of(versions) -> dict[int, str]:
    """The texts of ``versions`` (MatterVersion rows loaded without them), by version id, in one query."""
    ids = [v.id for v in versions if v is not None]
    if not ids:
        return {}
    return dict(db.session.execute(select(MatterVersion.id, MatterVersion.text).where(MatterVersion.id.in_(ids))).all())


def same_text(a: str | None, b: str | None) -> bool:
    """Two texts that differ only in spacing (what a redline does not show) are the same text."""
    return [" ".join(p.split()) for p in paragraphs(a or "")] == [" ".join(p.split()) for p in paragraphs(b or "")]


def clean_version_text(text: str | None) -> str:
    """The text as stored, or a DomainError on the field "text": empty, or longer than MAX_TEXT."""
    text = clean_text(text, multiline=True)
    if not text:
        raise DomainError(_("Enter the full text of the matter."), field="text")
    if len(text) > MAX_TEXT:
        raise DomainError(
            _("The text is too long (at most %(num)s characters).", num=f"{MAX_TEXT:,}"),
            field="text",
        )
    return text


def _lock(matter: Matter) -> None:
    """Serialise new versions of one matter: two saved at the same moment become consecutive numbers instead of
    one failing on UNIQUE(matter_id, number). PostgreSQL: a row lock until the commit; SQLite: the write lock."""
    db.session.execute(select(Matter.id).where(Matter.id == matter.id).with_for_update())


def add_version(
    matter: Matter,
    text: str,
    *,
    actor,
    source: VersionSource | str,
    motion=None,
    note: str = "",
    at=None,
) -> MatterVersion:
    """Append the next version of the matter's text. Refused (DomainError on "text") when the text is empty, over
    ``MAX_TEXT`` characters, or the same as the latest version's (spacing aside). ``motion``: the amendment that
    made it (its meeting is recorded too); ``at``: when (the vote's close), else now. The version shows on the
    matter's public history in time order (app.legislation.matter_history)."""
    try:
        source = VersionSource(source)
    except ValueError:
        raise DomainError(_("Choose how this version came to be."), field="source") from None
    text = clean_version_text(text)
    note = clean_text(note, multiline=True)
    if len(note) > MAX_NOTE:
        raise DomainError(_("The note is too long (at most 2,000 characters)."), field="note")
    _lock(matter)
    latest = db.session.execute(
        select(MatterVersion.number, MatterVersion.text)
        .where(MatterVersion.matter_id == matter.id)
        .order_by(MatterVersion.number.desc())
        .limit(1)
    ).first()
    if latest is not None and same_text(latest.text, text):
        raise DomainError(
            _(
                "This text is the same as version %(number)d (changes of spacing alone make no new version).",
                number=latest.number,
            ),
            field="text",
        )
    number = (latest.number if latest is not None else 0) + 1
    version = MatterVersion(
        matter_id=matter.id,
        matter=matter,
        number=number,
        text=text,
        title=matter.title,
        source=source,
        note=note,
        created_at=at or utcnow(),
        actor_id=actor.id if actor is not None else None,
        motion_id=motion.id if motion is not None else None,
        meeting_id=motion.meeting_id if motion is not None else None,
    )
    db.session.add(version)
    matter.updated_at = version.created_at
    db.session.flush()
    audit.record(
        "matter.version",
        matter,
        f"Matter {matter.file_number}: version {number} ({source.value})",
        actor=actor,
        data={
            "number": number,
            "source": source.value,
            "motion_id": version.motion_id,
            "meeting_id": version.meeting_id,
            "characters": len(text),
            "note": note,
        },
    )
    return version


def add_by_staff(matter: Matter, text: str, *, note: str = "", actor) -> MatterVersion:
    """The clerk pastes the text on the staff matter page: the first version is "introduced", later ones "revised
    by staff"."""
    first = db.session.scalar(select(func.count(MatterVersion.id)).where(MatterVersion.matter_id == matter.id)) == 0
    source = VersionSource.introduced if first else VersionSource.revised
    return add_version(matter, text, actor=actor, source=source, note=note)


# --- comparing two versions --------------------------------------------------------------------------------


@dataclass
class Comparison:
    """What the compare page shows: the versions to choose from, the two compared (``old``, ``new``) with the
    redline, and ``error`` when a requested number was not one of them (the defaults are compared instead)."""

    versions: list[MatterVersion]
    old: MatterVersion | None = None
    new: MatterVersion | None = None
    redline: Redline | None = None
    error: str | None = None

    @property
    def status(self) -> int:
        return 422 if self.error else 200


def _number(value: str | None) -> int | None:
    """A version number typed in the address: digits only (at most 9), else None."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) <= 9 and value.isascii() else None


def compare_versions(versions: list[MatterVersion], old_arg: str | None, new_arg: str | None) -> Comparison:
    """Compare two of ``versions`` (rows without their texts, oldest first) by the numbers asked (``?from=&to=``).
    Missing "to": the latest version; missing "from": the version before "to" (so ``?to=3`` is "what version 3
    changed"). A number that is not one of them is an ``error`` (the page says so, 422) and the two latest versions
    are compared instead. Fewer than two versions: nothing to compare. The two texts are loaded in one query."""
    result = Comparison(versions=versions)
    if len(versions) < 2:
        return result
    by_number = {v.number: v for v in versions}
    wrong = []

    def pick(arg: str | None) -> MatterVersion | None:
        if arg is None or not arg.strip():
            return None
        found = by_number.get(_number(arg))
        if found is None:
            wrong.append(arg.strip()[:20])
        return found

    old, new = pick(old_arg), pick(new_arg)
    if wrong:
        result.error = _(
            "There is no version “%(number)s” of this matter: choose among the versions listed. "
            "The two latest versions are compared below.",
            number=wrong[0],
        )
        old, new = versions[-2], versions[-1]
    new = new or versions[-1]
    if old is None:
        earlier = [v for v in versions if v.number < new.number]
        old = earlier[-1] if earlier else new
    texts = texts_of([old, new])
    result.old, result.new = old, new
    result.redline = compare(texts.get(old.id, ""), texts.get(new.id, ""))
    return result
