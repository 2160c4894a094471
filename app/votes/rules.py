"""Shared rules of motions: which kinds amend, target or are procedural, and who may act for a seat."""

from app.core.errors import DomainError
from app.votes.models import MotionKind

K = MotionKind

AMENDING = (K.amend, K.substitute)
#: Motions that need an earlier, closed motion as target.
TARGETING = (K.reconsider, K.rescind)
#: Procedural motions that take no action on the substance; they may be voted before public comment (R5).
PROCEDURAL = (K.table, K.take_from_table, K.postpone, K.refer)
#: Amendments stack main -> amendment -> amendment of the amendment; no third level (RONR 12:11).
MAX_DEPTH = 2


class NotYours(DomainError):
    """A commissioner acting for another member: the view answers 403."""


class MotionNotOpen(DomainError):
    """A vote recorded on a motion that is not open: the view answers 409."""


def require_self(actor, member_id: int | None, message: str) -> None:
    """A commissioner acts only for the seat their login is tied to (R1: every vote is the member's own)."""
    if actor is None or actor.member_id is None or actor.member_id != member_id:
        raise NotYours(message)
