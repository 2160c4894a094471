"""Imports every capability's models so Alembic, the shell and the tests see them all. Nothing else."""

from app.auth.models import LoginThrottle, Role, User  # noqa: F401
from app.bodies.models import Body, Member, Membership  # noqa: F401
from app.city.holidays import CityHoliday  # noqa: F401
from app.city.models import CityProfile, NoticeVersion, SetupToken  # noqa: F401
from app.core.audit import AuditEntry  # noqa: F401
from app.core.outbox import Mailing, OutboxMessage  # noqa: F401
from app.core.sequences import NumberSequence  # noqa: F401
from app.documents.packet_models import PacketBuild  # noqa: F401
from app.intake.models import IntakeSettings, RouteStep, Submission, SubmissionFile, SubmissionStep  # noqa: F401
from app.legislation.accessibility import AccessibleCopyRequest  # noqa: F401
from app.legislation.models import (  # noqa: F401
    Agreement,
    AgreementDocument,
    AgreementEffect,
    Resolution,
    ResolutionLink,
)
from app.matters.models import Matter, MatterAction, MatterRelation  # noqa: F401
from app.matters.notices import OrdinanceNotice  # noqa: F401
from app.meetings.models import (  # noqa: F401
    AgendaItem,
    Attachment,
    Attendance,
    Meeting,
    MeetingChange,
    MeetingLogEntry,
    Minutes,
    agenda_item_sponsors,
)
from app.meetings.schedule_models import AgendaTemplateItem, MeetingSchedule  # noqa: F401
from app.public_comment.models import (  # noqa: F401
    CommentPeriod,
    CommentPolicy,
    SpeakerRequest,
    TimeExtension,
    WrittenComment,
)
from app.search.models import SearchDocument  # noqa: F401  (with its full-text DDL: tsvector or FTS5)
from app.subscriptions.models import Alert, Follow, Subscription  # noqa: F401
from app.topics.models import Topic  # noqa: F401
from app.video.models import Recording  # noqa: F401
from app.video.transcript_models import CaptionTrack, TranscriptPassage  # noqa: F401
from app.votes.models import ConflictDisclosure, Motion, Vote, VoteCorrection, consent_motion_items  # noqa: F401
