"""Captions to transcript (issue 21): passages attributed from the live log, merged, corrected by the clerk; the
public transcript page and its downloads; the site search finds what a resident said and links to that second."""

import io
import re

import pytest
import webvtt
from sqlalchemy import func, select

from app.core.audit import AuditEntry
from app.search.models import SearchDocument, SearchKind
from app.video import transcript as service
from app.video.transcript_models import AttributionSource, CaptionTrack, TranscriptPassage
from tests.video_helpers import MARISOL_PHRASE, MARISOL_SECOND, SRT, VTT, made_up_meeting


@pytest.fixture
def made_up(db, create_meeting, create_body, create_member):
    return made_up_meeting(db, create_meeting, create_body, create_member)


def upload(made_up, path=VTT, actor=None):
    track = service.upload_track(
        made_up.recording, filename=path.name, data=path.read_bytes(), language="en", actor=actor
    )
    return track


def who(made_up, passage) -> str:
    names = {s.id: key for key, s in made_up.speakers.items()}
    members = {m.id: key for key, m in made_up.members.items()}
    if passage.speaker_request_id:
        return names[passage.speaker_request_id]
    if passage.member_id:
        return members[passage.member_id]
    return "chair"


def item_key(made_up, passage):
    return next((k for k, i in made_up.items.items() if i.id == passage.item_id), None)


def test_passages_follow_the_log_and_merge_consecutive_cues(made_up, db):
    track = upload(made_up)
    db.session.commit()
    sequence = [(who(made_up, p), item_key(made_up, p)) for p in track.passages]
    assert sequence == [
        ("chair", None),  # before the meeting is called to order and before item A
        ("chair", "A"),
        ("marisol", "A"),
        ("chair", "A"),
        ("tomas", "A"),
        ("chair", "A"),
        ("ana", "A"),
        ("chair", "A"),
        ("chair", None),  # between item A finished (770 s) and item B taken up (780 s)
        ("chair", "B"),
        ("luis", "B"),
        ("harold", "B"),
        ("chair", "B"),
        ("ana", "B"),
        ("chair", None),  # after item B is finished
    ]
    assert track.cue_count == sum(len(p.cues) for p in track.passages)
    assert all(p.attribution == AttributionSource.log for p in track.passages)
    # Merged: one passage of many cues, its text the cues' words in order.
    marisol = next(p for p in track.passages if who(made_up, p) == "marisol")
    assert len(marisol.cues) > 20 and MARISOL_PHRASE in marisol.text
    assert marisol.text.startswith("Good evening, commissioners. My name is Marisol Reyes")


def test_a_cue_across_a_boundary_goes_where_most_of_it_falls(made_up, db):
    track = upload(made_up)

    def speaker_at(ms):
        passage = next(p for p in track.passages if any(c[0] == ms for c in p.cues))
        return who(made_up, passage)

    assert speaker_at(138_000) == "marisol"  # 138-143 s, called at 140: 3 s of 5 after the call
    assert speaker_at(317_000) == "marisol"  # 317-321 s, finished at 320: 3 s of 4 before
    assert speaker_at(321_000) == "chair"
    assert speaker_at(328_500) == "tomas"  # 328.5-333.5 s, called at 330: 3.5 s after
    assert speaker_at(947_000) == "luis"  # 947-950.8 s, Harold called at 950: 3 s before
    marisol = next(p for p in track.passages if who(made_up, p) == "marisol")
    assert (marisol.start_ms, marisol.end_ms) == (138_000, 321_000)


def test_the_srt_version_gives_the_same_transcript(made_up, db):
    from_vtt = [(who(made_up, p), p.start_ms, p.text) for p in upload(made_up).passages]
    db.session.flush()
    from_srt = [(who(made_up, p), p.start_ms, p.text) for p in upload(made_up, SRT).passages]
    assert from_srt == from_vtt


def test_without_a_log_everything_is_unattributed(db, create_meeting, create_body, create_member):
    made = made_up_meeting(db, create_meeting, create_body, create_member, log=False)
    track = upload(made)
    assert len(track.passages) == 1 and track.passages[0].speaker_request_id is None


def test_replacing_a_track_replaces_its_passages_and_is_audited(made_up, db):
    first = upload(made_up)
    service.correct_passage(first.passages[2], f"m{made_up.members['luis'].id}", actor=None)
    db.session.commit()
    upload(made_up, SRT)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CaptionTrack)) == 1
    passages = db.session.scalars(select(TranscriptPassage)).all()
    assert all(p.attribution == AttributionSource.log for p in passages)
    indexed = select(func.count()).where(SearchDocument.kind == SearchKind.transcript)
    assert db.session.scalar(indexed) == len(passages) == 15
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-3:] == ["captions.uploaded", "transcript.corrected", "captions.replaced"]


def test_the_clerk_corrects_a_speaker(made_up, db, create_user):
    clerk = create_user("clerk")
    track = upload(made_up)
    chair = track.passages[3]  # the chair's "Thank you, Ms. Reyes"
    service.correct_passage(chair, f"s{made_up.speakers['tomas'].id}", actor=clerk)
    db.session.commit()
    assert chair.speaker_request_id == made_up.speakers["tomas"].id and chair.member_id is None
    assert chair.attribution == AttributionSource.staff and chair.corrected_by_id == clerk.id
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "transcript.corrected")).one()
    assert entry.data["before"] == {"speaker_request_id": None, "member_id": None}
    service.correct_passage(chair, "", actor=clerk)
    assert chair.speaker_request_id is None and chair.member_id is None


@pytest.mark.parametrize("choice", ["s999999", "m999999", "x1", "s", "chair"])
def test_a_speaker_not_of_this_meeting_is_refused(made_up, db, choice):
    from app.core.errors import DomainError

    track = upload(made_up)
    with pytest.raises(DomainError):
        service.correct_passage(track.passages[0], choice, actor=None)


# ---- the public page and downloads -------------------------------------------------------------------------------


def test_the_transcript_page_reads_like_a_document(client, made_up, db, count_queries):
    upload(made_up)
    db.session.commit()
    url = f"/meetings/{made_up.meeting.id}/transcript"
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h2" in html and "1.A Harbor dredging contract" in html and "2.A Resolution on the 287(g) agreement" in html
    headings = re.findall(r'<h3 class="transcript-speaker">([^<]+)', html)
    assert [h.strip() for h in headings[:4]] == [
        "Unattributed (the chair or staff)",
        "Unattributed (the chair or staff)",
        "Marisol Reyes",
        "Unattributed (the chair or staff)",
    ]
    assert "Tomás Ortega, for Old Town Neighbors" in html and "Ana Díaz" in html
    assert "attributed from the meeting log" in html
    assert f'href="/meetings/{made_up.meeting.id}/video?part=1&amp;t={MARISOL_SECOND}"' in html
    # Contact details never reach the page.
    assert "marisol@example.org" not in html and "555-0101" not in html
    # A fixed number of statements whatever the transcript's length: the same for one passage as for fifteen.
    service.upload_track(
        made_up.recording,
        filename="short.vtt",
        data=b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nGood evening.\n",
        language="en",
        actor=None,
    )
    db.session.commit()
    with count_queries() as fewer:
        assert client.get(url).get_data(as_text=True).count("transcript-passage") == 1
    assert len(statements) == len(fewer) <= 8, statements


def test_the_page_says_when_a_correction_was_made(client, made_up, db):
    track = upload(made_up)
    service.correct_passage(track.passages[3], f"s{made_up.speakers['tomas'].id}", actor=None)
    db.session.commit()
    html = client.get(f"/meetings/{made_up.meeting.id}/transcript").get_data(as_text=True)
    assert "attribution corrected by the clerk" in html


def test_downloads_parse_back_with_voice_tags(client, made_up, db):
    upload(made_up)
    db.session.commit()
    meeting_id = made_up.meeting.id
    response = client.get(f"/meetings/{meeting_id}/transcript.vtt?part=1")
    assert response.status_code == 200 and response.mimetype == "text/vtt"
    assert "attachment" in response.headers["Content-Disposition"]
    cues = webvtt.from_buffer(io.StringIO(response.get_data(as_text=True))).captions
    original = webvtt.from_buffer(io.StringIO(VTT.read_text())).captions
    assert [(c.start, c.end, c.text) for c in cues] == [(c.start, c.end, c.text) for c in original]
    voiced = {c.voice for c in cues if c.voice}
    assert voiced == {"Marisol Reyes", "Tomás Ortega, for Old Town Neighbors", "Ana Díaz", "Luis Soto", "Harold Pinder"}
    said = next(c for c in cues if MARISOL_PHRASE in c.text)
    assert said.voice == "Marisol Reyes"
    text = client.get(f"/meetings/{meeting_id}/transcript.txt")
    assert text.status_code == 200 and text.mimetype == "text/plain"
    body = text.get_data(as_text=True)
    assert (
        "Marisol Reyes (attributed from the meeting log)" in body and "[00:02:18] Good evening, commissioners" in body
    )
    assert client.get(f"/meetings/{meeting_id}/transcript.vtt?part=2").status_code == 404
    assert client.get(f"/meetings/{meeting_id}/transcript.vtt?part=99999999999999").status_code == 404


def test_a_meeting_without_captions_and_a_private_meeting(client, made_up, db, create_meeting):
    response = client.get(f"/meetings/{made_up.meeting.id}/transcript")
    assert response.status_code == 200 and "No transcript" in response.get_data(as_text=True)
    assert client.get(f"/meetings/{made_up.meeting.id}/transcript.txt").status_code == 404
    draft = create_meeting()
    assert client.get(f"/meetings/{draft.id}/transcript").status_code == 404
    assert client.get("/meetings/99999999999999/transcript").status_code == 404


# ---- search ------------------------------------------------------------------------------------------------------


def test_search_finds_what_a_resident_said_and_links_to_that_second(client, made_up, db):
    upload(made_up)
    db.session.commit()
    docs = db.session.scalars(select(SearchDocument).where(SearchDocument.kind == SearchKind.transcript)).all()
    assert len(docs) == 15
    response = client.get("/search", query_string={"q": f'"{MARISOL_PHRASE}"'})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("Transcript passage") >= 1
    assert f'href="/meetings/{made_up.meeting.id}/video?part=1&amp;t={MARISOL_SECOND}"' in html
    assert "Marisol Reyes, 0:02:18" in html
    api = client.get("/api/v1/search", query_string={"q": "Fleming Key"}).get_json()
    urls = [hit["html_url"] for hit in api["data"]]
    assert any(u.endswith(f"/meetings/{made_up.meeting.id}/video?part=1&t={MARISOL_SECOND}") for u in urls), api


def test_search_follows_corrections_and_replacements(client, made_up, db):
    track = upload(made_up)
    db.session.commit()
    marisol = next(p for p in track.passages if p.speaker_request_id == made_up.speakers["marisol"].id)
    service.correct_passage(marisol, f"s{made_up.speakers['harold'].id}", actor=None)
    db.session.commit()
    html = client.get("/search", query_string={"q": "Fleming Key"}).get_data(as_text=True)
    assert "Harold Pinder, 0:02:18" in html
    # A speaker card's name changing renames the passages it spoke.
    made_up.speakers["harold"].name = "Harold P. Pinder"
    db.session.commit()
    html = client.get("/search", query_string={"q": "Fleming Key"}).get_data(as_text=True)
    assert "Harold P. Pinder, 0:02:18" in html
    db.session.delete(db.session.get(CaptionTrack, track.id))
    db.session.commit()
    assert db.session.scalar(select(func.count()).where(SearchDocument.kind == SearchKind.transcript)) == 0


def test_search_never_sees_contact_details(client, made_up, db):
    upload(made_up)
    db.session.commit()
    for private in ("marisol@example.org", "305-555-0101"):
        html = client.get("/search", query_string={"q": private, "kind": "transcript"}).get_data(as_text=True)
        assert "Marisol Reyes" not in html


def test_a_second_part_is_read_on_its_own_clock(client, made_up, db):
    from datetime import timedelta

    from app.video.models import Recording
    from tests.video_helpers import ZERO_AT

    upload(made_up)
    # The stream broke: part 2 starts 900 s into the meeting's video time line (Luis has the floor, then Harold).
    part2 = Recording(
        meeting_id=made_up.meeting.id,
        part=2,
        url="https://city.example/p2.mp4",
        zero_at=ZERO_AT + timedelta(seconds=900),
    )
    db.session.add(part2)
    db.session.flush()
    data = (
        b"WEBVTT\n\n00:00:10.000 --> 00:00:15.000\nWhat does the report say?\n\n"
        b"00:01:00.000 --> 00:01:05.000\nPlease vote no on the agreement.\n"
    )
    track = service.upload_track(part2, filename="part2.vtt", data=data, language="en", actor=None)
    db.session.commit()
    assert [who(made_up, p) for p in track.passages] == ["luis", "harold"]
    html = client.get(f"/meetings/{made_up.meeting.id}/transcript").get_data(as_text=True)
    assert "Part 2:" in html
    assert f'href="/meetings/{made_up.meeting.id}/video?part=2&amp;t=60"' in html
    vtt = client.get(f"/meetings/{made_up.meeting.id}/transcript.vtt?part=2").get_data(as_text=True)
    cues = webvtt.from_buffer(io.StringIO(vtt)).captions
    assert [(c.start, c.voice) for c in cues] == [("00:00:10.000", "Luis Soto"), ("00:01:00.000", "Harold Pinder")]


def test_a_tie_goes_to_the_earlier_stretch_and_a_motion_ends_a_members_floor():
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    from app.meetings.models import LogKind
    from app.video import attribution
    from app.video.captions import Cue

    zero = datetime(2026, 1, 1, tzinfo=UTC)

    def entry(second, kind, **ids):
        fields = {"item_id": None, "speaker_request_id": None, "member_id": None} | ids
        return SimpleNamespace(at=zero + timedelta(seconds=second), kind=kind, **fields)

    log = [
        entry(0, LogKind.item_opened, item_id=1),
        entry(10, LogKind.floor_granted, member_id=7),
        entry(20, LogKind.motion_made, item_id=1),
        entry(30, LogKind.speaker_called, speaker_request_id=5, item_id=1),
    ]
    cues = [
        Cue(1, 8_000, 12_000, "tie across the grant"),  # 2 s each side: the earlier stretch (the chair)
        Cue(2, 12_000, 19_000, "the member"),
        Cue(3, 19_500, 25_000, "after the motion"),  # the motion gives the floor back to the chair
        Cue(4, 28_000, 40_000, "the resident"),
    ]
    passages = attribution.attribute(cues, attribution.stretches(log, zero))
    holders = [(p.holder.member_id, p.holder.speaker_request_id, [c[2] for c in p.cues]) for p in passages]
    assert holders == [
        (None, None, ["tie across the grant"]),
        (7, None, ["the member"]),
        (None, None, ["after the motion"]),
        (None, 5, ["the resident"]),
    ]
    assert all(p.item_id == 1 for p in passages)


def test_the_meeting_and_video_pages_link_to_the_transcript_once_there_are_captions(made_up, db, client):
    meeting_id = made_up.meeting.id
    db.session.commit()
    link = f'href="/meetings/{meeting_id}/transcript"'
    assert link not in client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert link not in client.get(f"/meetings/{meeting_id}/video").get_data(as_text=True)
    upload(made_up)
    db.session.commit()
    meeting_page = client.get(f"/meetings/{meeting_id}?after=upload").get_data(as_text=True)
    assert f"{link}>Read the transcript</a>" in meeting_page
    video_page = client.get(f"/meetings/{meeting_id}/video?part=1").get_data(as_text=True)
    assert f"{link}>Read the transcript, with each speaker named</a>" in video_page


def test_removing_a_part_removes_its_captions_from_the_page_and_the_search(made_up, db):
    from app.video import services as video

    upload(made_up)
    db.session.commit()
    assert db.session.scalar(
        select(func.count()).select_from(SearchDocument).where(SearchDocument.kind == SearchKind.transcript)
    )
    video.remove_recording(made_up.recording, actor=None)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CaptionTrack)) == 0
    assert db.session.scalar(select(func.count()).select_from(TranscriptPassage)) == 0
    assert not db.session.scalar(
        select(func.count()).select_from(SearchDocument).where(SearchDocument.kind == SearchKind.transcript)
    )
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"captions.removed", "recording.remove"} <= actions
