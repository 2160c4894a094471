"""A build of a meeting's agenda packet: requested by a clerk (or by the agenda's publication or amendment), built
by the worker (app/documents/packets.py), its progress committed as it goes, the PDF kept in the storage layer."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, str_enum
from app.core.enums import LabeledEnum
from app.core.timeutil import utcnow
from app.extensions import db

if TYPE_CHECKING:
    from app.meetings.models import Meeting


class PacketBuildStatus(LabeledEnum):
    queued = "queued", _l("Waiting for the worker")
    building = "building", _l("Being built")
    done = "done", _l("Built")
    failed = "failed", _l("Failed")


class PacketBuild(db.Model):
    __tablename__ = "packet_builds"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: RESTRICT: a meeting on the record is never deleted.
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="RESTRICT"), index=True)
    status: Mapped[PacketBuildStatus] = mapped_column(
        str_enum(PacketBuildStatus, "packet_build_status"), default=PacketBuildStatus.queued
    )
    #: Steps done of the steps there are (one per attachment read, one per part rendered, one to merge and store).
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    #: Why the build failed, for the clerk; names the attachment when one was the cause.
    error: Mapped[str | None] = mapped_column(Text)
    #: Attachments left out of a built packet (unreadable, password-protected) with the reason, and files that
    #: cannot go into a PDF (Word, Excel), listed in the packet with their address: [{"id", "name", "reason"}].
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: Hex SHA-256 of the agenda's contents, the attachments' SHA-256s, the letterhead and the templates' version:
    #: the packet's ETag, and how an unchanged agenda finds the packet already built.
    etag: Mapped[str] = mapped_column(String(64), index=True)
    #: The agenda it was built from was published: the public may have it (a draft agenda's packet is staff-only).
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The key of the PDF in the storage layer (app/core/storage.py), once built; cleared when a newer build of
    #: the same meeting replaces it (the file is removed then).
    stored_name: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer)
    #: Every part came tagged, so the packet claims PDF/UA-1; False when an attachment had no tags of its own.
    conforming: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The site's address when requested, for the links printed in the packet (a job has no request).
    base_url: Mapped[str] = mapped_column(String(300), default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    #: The worker's claim (a random token): only the claimant records progress; a stale claim is taken over.
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Bumped with every step: a build that stops moving for PACKET_STALE_SECONDS is retried by the tick.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    meeting: Mapped["Meeting"] = relationship("Meeting")

    @property
    def is_active(self) -> bool:
        return self.status in (PacketBuildStatus.queued, PacketBuildStatus.building)

    @property
    def percent(self) -> int:
        if self.status == PacketBuildStatus.done:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    def as_progress(self) -> dict:
        """What the staff page's progress bar reads (no private data: names of the city's own documents)."""
        return {
            "id": self.id,
            "status": self.status.value,
            "label": str(self.status.label),
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "finished": not self.is_active,
            "error": self.error,
            "problems": [str(p.get("name", "")) + ": " + str(p.get("reason", "")) for p in self.problems or []],
        }
