"""Words shown for the stored values of motions and votes."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.votes.models import (
    DisclosureBasis,
    MotionKind,
    MotionStatus,
    VoteChoice,
)

K, S, C = MotionKind, MotionStatus, VoteChoice

KIND_LABELS = {
    K.main: _l("Main motion"),
    K.amend: _l("Amendment"),
    K.substitute: _l("Substitute motion"),
    K.adopt_consent_agenda: _l("Adopt the consent agenda"),
    K.table: _l("Lay on the table"),
    K.take_from_table: _l("Take from the table"),
    K.postpone: _l("Postpone"),
    K.refer: _l("Refer"),
    K.reconsider: _l("Reconsider"),
    K.rescind: _l("Rescind"),
}
STATUS_LABELS = {
    S.pending: _l("Pending"),
    S.died: _l("Died for lack of a second"),
    S.withdrawn: _l("Withdrawn"),
    S.voting: _l("Vote open"),
    S.closed: _l("Vote closed"),
}
CHOICE_LABELS = {
    C.yes: _l("Yes"),
    C.no: _l("No"),
    C.abstain: _l("Abstain (conflict disclosed)"),
    C.absent: _l("Absent"),
    C.excused: _l("Excused"),
}
BASIS_CHOICES = {
    DisclosureBasis.own: _l("Special private gain or loss to the member (F.S. 112.3143(3)(a))"),
    DisclosureBasis.principal: _l("Gain or loss to a principal by whom the member is retained"),
    DisclosureBasis.relative: _l("Gain or loss to a relative"),
    DisclosureBasis.business_associate: _l("Gain or loss to a business associate"),
    DisclosureBasis.quasi_judicial: _l("Quasi-judicial proceeding (F.S. 286.012)"),
}

ORDER_LABELS = {
    "alphabetical_chair_last": _l("Roll called alphabetically, the chair last."),
    "seat_order": _l("Roll called by seat."),
    "rotating": _l("Roll called alphabetically from a rotating first name, the chair last."),
}

#: Motions that need an amendment target.


def kind_label(kind) -> str:
    return str(KIND_LABELS[K(kind)])


def choice_label(choice) -> str:
    return str(CHOICE_LABELS[C(choice)]) if choice else _("Not yet answered")
