"""Generated PDFs of the public record: a meeting's notice, agenda, minutes and votes, and each resolution.

Stable URLs; the ETag is known before the PDF is built (app/documents/cache.py), so a repeat request is a 304
without building anything; a PDF is built once per version and kept in the storage layer. What is not public
(a draft meeting, an unpublished agenda, unreleased minutes) is a 404, as on the pages.
"""

from flask import Response, abort, request

from app.documents import cache, public
from app.documents import meetings as kinds
from app.portal.views import bp


def _send(document: cache.Document | None) -> Response:
    if document is None:
        abort(404)
    if document.etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(cache.pdf_bytes(document), mimetype=cache.CONTENT_TYPE)
        response.headers.set("Content-Disposition", "inline", filename=document.filename)
    response.set_etag(document.etag)
    response.headers["Cache-Control"] = "no-cache"  # revalidated on every use: a change shows at once
    return response


@bp.route("/meetings/<id:meeting_id>/notice.pdf")
def notice_pdf(meeting_id: int):
    return _send(public.meeting_document(meeting_id, kinds.NOTICE))


@bp.route("/meetings/<id:meeting_id>/agenda.pdf")
def agenda_pdf(meeting_id: int):
    return _send(public.meeting_document(meeting_id, kinds.AGENDA))


@bp.route("/meetings/<id:meeting_id>/minutes.pdf")
def minutes_pdf(meeting_id: int):
    return _send(public.meeting_document(meeting_id, kinds.MINUTES))


@bp.route("/meetings/<id:meeting_id>/votes.pdf")
def votes_pdf(meeting_id: int):
    return _send(public.meeting_document(meeting_id, kinds.VOTES))


@bp.route("/resolutions/<id:resolution_id>.pdf")
def resolution_pdf(resolution_id: int):
    return _send(public.resolution_document(resolution_id))
