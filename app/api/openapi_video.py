"""The OpenAPI path and schemas of a meeting's video index (issue 21), kept beside ``app.api.openapi`` so that one
stays readable; ``openapi.document`` merges them."""

from app.api.openapi import DATETIME, ERRORS, INTEGER, STRING, URL, _array, _json, _nullable, _object, _path_id, _ref

SCHEMAS = {
    "RecordingPart": _object(
        {
            "part": INTEGER,
            "label": STRING,
            "url": URL,
            "provider": {"type": "string", "enum": ["youtube", "vimeo", "hls", "file"]},
            "zero_at": DATETIME,
            "duration_seconds": _nullable(INTEGER),
            "chapters_url": URL,
        }
    ),
    "VideoChapter": _object(
        {
            "kind": {"type": "string", "enum": ["item", "speaker", "motion", "vote"]},
            "id": INTEGER,
            "item_id": _nullable(INTEGER),
            "title": STRING,
            "start": DATETIME,
            "end": _nullable(DATETIME),
            "part": INTEGER,
            "second": INTEGER,
            "end_second": _nullable(INTEGER),
            "watch_url": URL,
            "direct_url": URL,
        }
    ),
    "VideoIndex": _object(
        {
            "meeting_id": INTEGER,
            "html_url": URL,
            "parts": _array(_ref("RecordingPart")),
            "chapters": _array(_ref("VideoChapter")),
        }
    ),
}

PATHS = {
    "/meetings/{meeting_id}/video-index": {
        "get": {
            "summary": "A meeting's recording parts and, from its live log, where each item, speaker, motion and "
            "vote plays (part and second). `id` is the agenda item's, speaker request's or motion's id by `kind`. "
            "Moments outside every part are left out; empty lists when no recording is attached.",
            "parameters": [_path_id("meeting_id")],
            "responses": {"200": _json(_ref("VideoIndex"), "The video index"), **ERRORS},
        }
    }
}
