"""Words shown for public comment's stored values."""

from flask_babel import lazy_gettext as _l

from app.public_comment.models import (
    SpeakerRequestParticipation,
    SpeakerRequestStatus,
    SpeakerRequestTimer,
    Stance,
)

R = SpeakerRequestStatus
T = SpeakerRequestTimer
P = SpeakerRequestParticipation

STANCE_LABELS = {Stance.support: _l("Support"), Stance.oppose: _l("Oppose"), Stance.neutral: _l("Neutral")}
PARTICIPATION_LABELS = {
    P.in_person: _l("In person, in the chamber"),
    P.remote: _l("Remotely, by video or phone"),
    P.written_only: _l("I will not speak; record my position only"),
}
STATUS_LABELS = {
    R.waiting: _l("Waiting"),
    R.checked_in: _l("Checked in"),
    R.called: _l("Speaking now"),
    R.spoke: _l("Spoke"),
    R.no_show: _l("No-show"),
    R.withdrawn: _l("Withdrawn"),
    R.ceded: _l("Ceded time"),
}
TIMER_LABELS = {T.idle: _l("Not started"), T.running: _l("Running"), T.paused: _l("Paused"), T.stopped: _l("Stopped")}


def stance_label(stance) -> str:
    return str(STANCE_LABELS[Stance(stance)])


def participation_label(value) -> str:
    return str(PARTICIPATION_LABELS[P(value)])


def status_label(value) -> str:
    return str(STATUS_LABELS[R(value)])


def timer_label(value) -> str:
    return str(TIMER_LABELS[T(value)])


# TEMPORARY (until templates stop receiving modules): what templates read through ``comment.``.
from app.public_comment.intake import DISCLAIMER_VERSION, disclaimer_paragraphs  # noqa: E402, F401
