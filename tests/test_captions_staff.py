"""The clerk's captions pages (issue 21): upload, refusal with the reason and nothing saved, correction, roles,
no 500 on huge ids, a missing CSRF token or a file over 50 MB."""

import io
import re

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.core.audit import AuditEntry
from app.video.captions import MAX_CAPTION_BYTES
from app.video.transcript_models import AttributionSource, CaptionTrack, TranscriptPassage
from tests.video_helpers import SRT, VTT, made_up_meeting


@pytest.fixture
def made_up(db, create_meeting, create_body, create_member):
    return made_up_meeting(db, create_meeting, create_body, create_member)


def page_url(made_up):
    return f"/staff/meetings/{made_up.meeting.id}/recordings/1/captions"


def post_file(client, made_up, data: bytes, name="captions.vtt", language="en"):
    return client.post(
        page_url(made_up),
        data={"file": (io.BytesIO(data), name), "language": language},
        content_type="multipart/form-data",
    )


def counts(db):
    return (
        db.session.scalar(select(func.count()).select_from(CaptionTrack)),
        db.session.scalar(select(func.count()).select_from(TranscriptPassage)),
    )


def test_the_clerk_uploads_captions_and_sees_the_passages(client, login_as, made_up, db):
    login_as(Role.clerk)
    detail = client.get(f"/staff/meetings/{made_up.meeting.id}").get_data(as_text=True)
    assert f"/staff/meetings/{made_up.meeting.id}/captions" in detail
    parts = client.get(f"/staff/meetings/{made_up.meeting.id}/captions").get_data(as_text=True)
    assert page_url(made_up) in parts
    response = post_file(client, made_up, VTT.read_bytes(), VTT.name)
    assert response.status_code == 302
    page = client.get(page_url(made_up)).get_data(as_text=True)
    assert "202 cues" in page and "Marisol Reyes" in page and "Correct the speaker" in page
    assert counts(db) == (1, 15)
    # Replacing it with the SRT version keeps one track.
    assert post_file(client, made_up, SRT.read_bytes(), SRT.name).status_code == 302
    assert counts(db) == (1, 15)


BAD = {
    "out of order": b"WEBVTT\n\n00:00:05.000 --> 00:00:06.000\nB\n\n00:00:01.000 --> 00:00:02.000\nA\n",
    "overlap": b"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nA\n\n00:00:03.000 --> 00:00:05.000\nB\n",
    "not UTF-8": "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAño\n".encode("latin-1"),
    "SRT numbering": b"1\n00:00:01,000 --> 00:00:02,000\nA\n\n1\n00:00:03,000 --> 00:00:04,000\nB\n",
    "timestamp": b"WEBVTT\n\n00:00:01.000 --> soon\nA\n",
    "empty": b"",
}
SAYS = {
    "out of order": "The cues are out of order",
    "overlap": "Cues 1 and 2 overlap",
    "not UTF-8": "not UTF-8",
    "SRT numbering": "The SRT numbering is broken: cue 2 is numbered 1",
    "timestamp": "cannot be read",
    "empty": "The caption file is empty",
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_broken_file_is_refused_with_its_reason_and_nothing_is_saved(client, login_as, made_up, db, case):
    login_as(Role.clerk)
    post_file(client, made_up, VTT.read_bytes(), VTT.name)
    before = counts(db), db.session.scalar(select(func.count()).select_from(AuditEntry))
    name = "captions.srt" if case == "SRT numbering" else "captions.vtt"
    response = post_file(client, made_up, BAD[case], name, language="es")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert SAYS[case] in html.replace("&#34;", '"')
    assert 'aria-invalid="true"' in html
    assert '<option selected value="es">' in html  # the language chosen is kept
    assert (counts(db), db.session.scalar(select(func.count()).select_from(AuditEntry))) == before
    # The track uploaded before is untouched.
    assert db.session.scalar(select(CaptionTrack.language)) == "en"


def test_no_file_chosen(client, login_as, made_up, db):
    login_as(Role.clerk)
    response = client.post(page_url(made_up), data={"language": "en"}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose a caption file" in response.get_data(as_text=True)


def test_a_file_over_50_mb_gets_the_captions_page_with_the_reason(client, login_as, made_up, db):
    login_as(Role.clerk)
    response = post_file(client, made_up, b"WEBVTT\n\n" + b"x" * (MAX_CAPTION_BYTES + 100_000))
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "The caption file is larger than 50 MB. Nothing was saved." in html
    assert "Upload captions" in html  # the captions page, not the generic error page
    assert counts(db) == (0, 0)


def test_a_file_just_over_50_mb_is_refused_by_the_check(client, login_as, made_up, db):
    login_as(Role.clerk)
    response = post_file(client, made_up, b"WEBVTT\n\n" + b"x" * MAX_CAPTION_BYTES)
    assert response.status_code == 400
    assert "larger than 50 MB" in response.get_data(as_text=True)
    assert counts(db) == (0, 0)


class TestWithCsrf:
    @pytest.fixture
    def app_overrides(self):
        return {"WTF_CSRF_ENABLED": True}

    @pytest.fixture
    def login_as(self, client, create_user):
        from tests.conftest import PASSWORD

        def do(role):
            user = create_user(role)
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            data = {"email": user.email, "password": PASSWORD, "csrf_token": token}
            assert client.post("/login", data=data).status_code == 302
            return user

        return do

    def test_a_file_over_50_mb_is_explained_before_the_csrf_check_reads_it(self, client, login_as, made_up, db):
        login_as(Role.clerk)
        response = post_file(client, made_up, b"WEBVTT\n\n" + b"x" * (MAX_CAPTION_BYTES + 100_000))
        assert response.status_code == 413
        assert "larger than 50 MB" in response.get_data(as_text=True)

    def test_a_viewer_sending_too_much_gets_the_usual_413_page(self, client, login_as, made_up, db):
        login_as(Role.viewer)
        response = post_file(client, made_up, b"x" * (30 * 1024 * 1024))
        assert response.status_code == 413
        assert "larger than the limit" in response.get_data(as_text=True)

    def test_too_much_for_a_part_that_does_not_exist(self, client, login_as, made_up, db):
        login_as(Role.clerk)
        url = f"/staff/meetings/{made_up.meeting.id}/recordings/7/captions"
        response = client.post(url, data={"file": (io.BytesIO(b"x" * (60 * 1024 * 1024)), "a.vtt")})
        assert response.status_code == 413

    def test_missing_csrf_token_is_a_400_not_a_500(self, client, login_as, made_up, db):
        login_as(Role.clerk)
        assert post_file(client, made_up, VTT.read_bytes()).status_code == 400
        response = client.post(page_url(made_up) + "/passages/1", data={"speaker": ""})
        assert response.status_code == 400
        assert counts(db) == (0, 0)


def test_the_clerk_corrects_a_passage(client, login_as, made_up, db):
    login_as(Role.clerk)
    post_file(client, made_up, VTT.read_bytes(), VTT.name)
    passage = db.session.scalars(select(TranscriptPassage).order_by(TranscriptPassage.start_ms)).all()[3]
    response = client.post(
        f"{page_url(made_up)}/passages/{passage.id}", data={"speaker": f"s{made_up.speakers['tomas'].id}"}
    )
    assert response.status_code == 302 and response.location.endswith(f"#passage-{passage.id}")
    db.session.expire_all()
    passage = db.session.get(TranscriptPassage, passage.id)
    assert passage.speaker_request_id == made_up.speakers["tomas"].id
    assert passage.attribution == AttributionSource.staff
    page = client.get(page_url(made_up)).get_data(as_text=True)
    assert "attribution corrected by the clerk" in page
    # A speaker of another meeting, or nonsense, is refused and changes nothing.
    client.post(f"{page_url(made_up)}/passages/{passage.id}", data={"speaker": "s999999"})
    db.session.expire_all()
    assert db.session.get(TranscriptPassage, passage.id).speaker_request_id == made_up.speakers["tomas"].id


def test_a_passage_of_another_part_or_meeting_is_a_404(client, login_as, made_up, db):
    login_as(Role.clerk)
    post_file(client, made_up, VTT.read_bytes(), VTT.name)
    passage_id = db.session.scalar(select(TranscriptPassage.id))
    assert (
        client.post(f"/staff/meetings/{made_up.meeting.id}/recordings/2/captions/passages/{passage_id}").status_code
        == 404
    )


@pytest.mark.parametrize(
    "url",
    [
        "/staff/meetings/99999999999999/captions",
        "/staff/meetings/99999999999999/recordings/1/captions",
        "/staff/meetings/1/recordings/99999999999999/captions",
        "/staff/meetings/1/recordings/1/captions/passages/99999999999999",
        "/staff/meetings/2147483647/recordings/2147483647/captions",
    ],
)
def test_huge_ids_are_404s(client, login_as, url):
    login_as(Role.clerk)
    response = client.post(url) if url.endswith("9999") and "passages" in url else client.get(url)
    assert response.status_code == 404


@pytest.mark.parametrize(("role", "status"), [(Role.viewer, 403), (Role.commissioner, 403), (Role.admin, 200)])
def test_only_editors_reach_the_captions_pages(client, login_as, made_up, role, status):
    login_as(role)
    assert client.get(page_url(made_up)).status_code == status
    assert client.get(f"/staff/meetings/{made_up.meeting.id}/captions").status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client, made_up, db):
    response = post_file(client, made_up, VTT.read_bytes())
    assert response.status_code == 302 and "/login" in response.location
    assert counts(db) == (0, 0)


def test_the_page_shows_the_speakers_public_names_only(client, login_as, made_up, db):
    login_as(Role.clerk)
    post_file(client, made_up, VTT.read_bytes(), VTT.name)
    page = client.get(page_url(made_up)).get_data(as_text=True)
    assert re.search(r"<option[^>]*>Tomás Ortega \(Old Town Neighbors\)</option>", page)
    assert "marisol@example.org" not in page


@pytest.mark.parametrize(
    "data",
    [
        {"file": "not a file", "language": "en"},
        {"language": "klingon"},
        {"language": ["en", "es"], "file": ""},
    ],
)
def test_wrong_types_are_refused_not_500s(client, login_as, made_up, db, data):
    login_as(Role.clerk)
    response = client.post(page_url(made_up), data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert counts(db) == (0, 0)


def test_the_clerk_removes_the_captions(client, login_as, made_up, db):
    login_as(Role.clerk)
    post_file(client, made_up, VTT.read_bytes(), VTT.name)
    response = client.post(page_url(made_up) + "/remove")
    assert response.status_code == 302
    assert counts(db) == (0, 0)
    from app.search.models import SearchDocument, SearchKind

    assert not db.session.scalars(select(SearchDocument).where(SearchDocument.kind == SearchKind.transcript)).all()
    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "captions.removed"
    # Nothing left to remove: said in a message, not an error page.
    response = client.post(page_url(made_up) + "/remove", follow_redirects=True)
    assert "This part has no captions." in response.get_data(as_text=True)
