"""Bulk import (issue 15): members and terms, past meetings; preview first, then all rows or none."""

import csv
import html
import io
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.bodies import imports as member_imports
from app.bodies import people, services
from app.bodies.models import BodyKind, Member, Membership, TermBasis, TermEndReason
from app.core.audit import AuditEntry
from app.core.csv_import import MAX_BYTES, FileRefused, RowOutcome
from app.core.timeutil import to_local
from app.meetings import imports as meeting_imports
from app.meetings.models import Meeting, MeetingKind, MeetingStatus

DOCS = Path(__file__).resolve().parent.parent / "docs"
SAMPLE_MEMBERS = (DOCS / "sample-members.csv").read_bytes()
SAMPLE_MEETINGS = (DOCS / "sample-meetings.csv").read_bytes()
HARC = "Historic Architectural Review Commission"
MEMBER_HEADER = (
    "full_name,sort_name,pronouns,bio,contact_email,contact_phone,body,seat,title,basis,term_start,term_end,end_reason"
)


@pytest.fixture
def harc(create_body):
    """The five-seat commission of the sample files, seats "Seat 1".."Seat 5" since 2000."""
    return create_body(name=HARC, kind=BodyKind.commission, seat_count=5)


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _counts(db) -> tuple[int, ...]:
    return tuple(_count(db, m) for m in (Member, Membership, Meeting, AuditEntry))


def upload(client, kind: str, data: bytes, filename: str = "import.csv"):
    return client.post(
        f"/staff/import/{kind}",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def preview_page(client, kind: str, data: bytes, filename: str = "import.csv"):
    """Upload, follow to the preview; (preview URL, response)."""
    response = upload(client, kind, data, filename)
    assert response.status_code == 302, text(response)
    location = response.headers["Location"]
    return location, client.get(location)


def text(response) -> str:
    """The page as a reader sees it (entities such as &#39; decoded)."""
    return html.unescape(response.get_data(as_text=True))


def test_sample_members_import_after_a_preview_that_saves_nothing(client, login_as, harc, db):
    login_as(Role.clerk)
    before = _counts(db)
    url, page = preview_page(client, "members", SAMPLE_MEMBERS, "sample-members.csv")
    page_text = text(page)
    assert page.status_code == 200
    assert "Preview of sample-members.csv: nothing has been saved yet." in page_text
    assert "New: 5" in page_text and "Errors: 0" in page_text
    assert "Adds the member Corinne Lachapelle." in page_text
    assert "Adds a term: Seat 3, Historic Architectural Review Commission, from 2024-01-15 to 2028-01-14." in page_text
    assert "It ended on 2025-09-30: Resigned." in page_text
    assert "Import 5 rows" in page_text
    assert _counts(db) == before  # the preview ran every service, then rolled back

    result = client.post(url, data={})
    assert result.status_code == 200
    assert "sample-members.csv is imported: 5 rows." in text(result)
    terms = {t.member.full_name: t for t in db.session.scalars(select(Membership))}
    assert len(terms) == 5 and _count(db, Member) == 5
    assert terms["Corinne Lachapelle"].term_start_on == date(2024, 1, 15)  # typed MM/DD/YYYY
    assert terms["Corinne Lachapelle"].member.sort_name == "Lachapelle, Corinne"  # the service's default
    assert terms["Desmond Achterberg"].basis == TermBasis.acting and terms["Desmond Achterberg"].term_end_on is None
    ended = terms["Eulalia Fairweather"]
    assert (ended.term_end_on, ended.end_reason) == (date(2025, 9, 30), TermEndReason.resigned)
    assert terms["Adaeze Montgomery-Ruiz"].member.contact_email == "a.montgomery@harc.example"
    assert terms["Adaeze Montgomery-Ruiz"].title == "Chair"
    # Seat 5 is vacant today: its term ended.
    rows = services.roster_on(harc, date(2026, 3, 2))
    assert [r.vacant for r in rows] == [False, False, False, False, True]

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import.members"))
    assert entry.data["new"] == 5 and entry.data["rows"] == 5 and entry.data["filename"] == "sample-members.csv"
    actions = list(db.session.scalars(select(AuditEntry.action)))
    assert actions.count("member.create") == 5 and actions.count("term.add") == 5 and actions.count("term.end") == 1

    # The token was used up: the same import cannot run twice.
    again = client.post(url, data={})
    assert again.status_code == 302 and again.headers["Location"].endswith("/staff/import/members")
    assert _count(db, Member) == 5

    # The same file again: every row is already on record.
    _url, page = preview_page(client, "members", SAMPLE_MEMBERS)
    page_text = text(page)
    assert "Unchanged: 5" in page_text and "New: 0" in page_text
    assert "Corinne Lachapelle is already on record as given." in page_text


def test_sample_meetings_are_archive_records_never_a_notice(client, login_as, harc, db, clock):
    login_as(Role.clerk)
    url, page = preview_page(client, "meetings", SAMPLE_MEETINGS, "sample-meetings.csv")
    assert page.status_code == 200 and "New: 4" in text(page)
    assert _count(db, Meeting) == 0
    assert client.post(url, data={}).status_code == 200

    meetings = {m.title: m for m in db.session.scalars(select(Meeting))}
    assert len(meetings) == 4
    for m in meetings.values():
        assert m.status == MeetingStatus.adjourned and m.imported_at == clock.now
        assert m.first_published_at is None and not m.is_noticed and m.is_public  # no lead time is claimed
    workshop = meetings["Workshop on the design guidelines"]
    assert workshop.kind == MeetingKind.workshop and workshop.location == "Not recorded"
    assert to_local(workshop.start_at).replace(tzinfo=None) == datetime(2025, 3, 11, 17, 0)  # the default time
    special = meetings["Special meeting on 201 Duval Street"]
    assert to_local(special.start_at).hour == 9 and special.purpose.startswith("Consider the demolition")
    assert db.session.scalar(select(Meeting.id).where(Meeting.is_public, Meeting.id == special.id)) == special.id

    public = client.get(f"/meetings/{special.id}")
    assert public.status_code == 200
    page_text = text(public)
    assert "Imported from the city's archive; notice not recorded in Dais." in page_text
    assert "Notice first published" not in page_text
    assert client.get(f"/api/v1/meetings/{special.id}").status_code == 200
    assert client.get(f"/staff/meetings/{special.id}").status_code == 200
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import.meetings"))
    assert entry.data["new"] == 4
    assert _count(db, AuditEntry) >= 5  # one per meeting and one for the import

    _url, page = preview_page(client, "meetings", SAMPLE_MEETINGS)
    assert "Unchanged: 4" in text(page)


GOOD_MEMBER = "Ana Ledesma,,,,,,Historic Architectural Review Commission,Seat 1,,appointed,2020-01-01,2022-12-31,\n"


@pytest.mark.parametrize(
    "bad_row, column, reason",
    [
        (
            "Berta Quist,,,,,,Historic Architectural Review Commission,Seat 1,,,2022-06-01,,",
            "term_start",
            "Ana Ledesma holds the seat Seat 1 from 2020-01-01 to 2022-12-31; terms in one seat cannot overlap.",
        ),
        ("Berta Quist,,,,,,Zoning Board,Seat 1,,,2023-01-01,,", "body", "No body is named “Zoning Board”."),
        ("Berta Quist,,,,,,Historic Architectural Review Commission,Seat 9,,,2023-01-01,,", "seat", "has no seat"),
        (
            "Berta Quist,,,,,,Historic Architectural Review Commission,Seat 2,,,2025-02-30,,",
            "term_start",
            "“2025-02-30” is not a date on the calendar.",
        ),
        (
            "Berta Quist,,,,,,Historic Architectural Review Commission,Seat 2,,,15.01.2025,,",
            "term_start",
            "use YYYY-MM-DD or MM/DD/YYYY",
        ),
        ("B" * 121 + ",,,,,,,,,,,,", "full_name", "Use at most 120 characters."),
        ("Berta Quist,,,,not-an-email,,,,,,,,", "contact_email", "Enter a valid email address."),
        (
            "Berta Quist,,,,,,Historic Architectural Review Commission,Seat 2,,hereditary,2023-01-01,,",
            "basis",
            "“hereditary” is not one of: elected, appointed, acting.",
        ),
        (
            "Berta Quist,,,,,,Historic Architectural Review Commission,Seat 2,,,2023-01-01,,resigned",
            "term_end",
            "A term with an end reason needs the day it ended.",
        ),
        (",,,,,,,,,,,,resigned", "full_name", "Enter the member's full name."),
        ("Berta Quist,,,,,,,Seat 2,,,,,", "body", "Give the body of this term"),
        ("Berta Quist,x,y,z,,,,,,,,,,extra", None, "This row has 14 cells but the header names 13 columns"),
    ],
)
def test_one_bad_member_row_is_reported_and_nothing_is_saved(client, login_as, harc, db, bad_row, column, reason):
    login_as(Role.clerk)
    data = (MEMBER_HEADER + "\n" + GOOD_MEMBER + bad_row + "\n").encode()
    before = _counts(db)
    url, page = preview_page(client, "members", data)
    page_text = text(page)
    assert "Errors: 1" in page_text and "New: 1" in page_text
    assert "Row 3" in page_text and reason in page_text
    if column:
        assert f"Column {column}:" in page_text
    assert "Import 2 rows" not in page_text  # no button while a row has an error
    # Posting anyway (an old tab, a crafted request) saves nothing either.
    refused = client.post(url, data={})
    assert refused.status_code == 422
    assert "Nothing was imported: 1 row has an error." in text(refused)
    assert _counts(db) == before


@pytest.mark.parametrize(
    "bad_row, column, reason",
    [
        ("2025-05-01,,Historic Architectural Review Commission,retreat,Retreat,,", "kind", "“retreat” is not one of"),
        (
            "2026-04-01,,Historic Architectural Review Commission,regular,April,,",
            "date",
            "This meeting is in the future",
        ),
        ("2025-05-01,,Zoning Board,regular,May,,", "body", "No body is named “Zoning Board”."),
        ("2025-05-01,25:00,Historic Architectural Review Commission,regular,May,,", "time", "“25:00” is not a time"),
        ("May 1 2025,,Historic Architectural Review Commission,regular,May,,", "date", "is not a date"),
        (
            "0001-01-01,00:00,Historic Architectural Review Commission,regular,Y1,,",
            "date",
            "not a date on the calendar",
        ),
        ("12/31/9999,23:59,Historic Architectural Review Commission,regular,Y9999,,", "date", "not a date on the"),
        ("2025-05-01,,Historic Architectural Review Commission,regular,,,", "title", "Enter a title."),
        ("2025-05-01,,Historic Architectural Review Commission,regular," + "T" * 201 + ",,", "title", "at most 200"),
    ],
)
def test_one_bad_meeting_row_is_reported_and_nothing_is_saved(client, login_as, harc, db, bad_row, column, reason):
    login_as(Role.clerk)
    data = SAMPLE_MEETINGS + (bad_row + "\n").encode()
    before = _counts(db)
    url, page = preview_page(client, "meetings", data)
    page_text = text(page)
    assert "Errors: 1" in page_text and "New: 4" in page_text
    assert "Row 6" in page_text and f"Column {column}:" in page_text and reason in page_text
    assert client.post(url, data={}).status_code == 422
    assert _counts(db) == before


def test_a_future_meeting_is_refused_by_the_service_too(harc, db, clock):
    from datetime import timedelta

    with pytest.raises(Exception, match="in the future"):
        meeting_imports.record_past_meeting(
            body=harc,
            kind=MeetingKind.regular,
            title="Tomorrow",
            start_at=clock.now + timedelta(days=1),
            location="",
            purpose="",
            actor=None,
        )


def test_duplicate_rows_in_the_file_are_errors(client, login_as, harc, db):
    login_as(Role.clerk)
    row = "Ana Ledesma,,,,,,Historic Architectural Review Commission,Seat 1,,,2020-01-01,,\n"
    data = (MEMBER_HEADER + "\n" + row + row.replace("Ana Ledesma", "ANA  LEDESMA")).encode()
    _url, page = preview_page(client, "members", data)
    assert "This row repeats row 2." in text(page)

    meeting = "2025-05-06,17:00,Historic Architectural Review Commission,regular,May,,\n"
    data = SAMPLE_MEETINGS + (meeting + meeting.replace("17:00", "5:00 PM").replace("May", "Other")).encode()
    _url, page = preview_page(client, "meetings", data)
    assert "Row 6 has a meeting of this body at the same time." in text(page)


def test_a_meeting_already_on_record_at_that_time_is_unchanged_or_a_clash(harc, db):
    report = meeting_imports.preview(SAMPLE_MEETINGS)
    assert [r.outcome for r in report.rows] == [RowOutcome.new] * 4
    meeting_imports.apply(SAMPLE_MEETINGS, actor=None)
    db.session.commit()
    changed = SAMPLE_MEETINGS.replace(b"Regular meeting of January 2025", b"January regular meeting")
    report = meeting_imports.preview(changed)
    assert report.rows[0].outcome == RowOutcome.error
    assert (
        "Another meeting of Historic Architectural Review Commission is on record at that time" in report.rows[0].reason
    )
    assert [r.outcome for r in report.rows[1:]] == [RowOutcome.unchanged] * 3


def test_bom_semicolons_headers_and_windows_1252_are_read(client, login_as, harc, db):
    login_as(Role.clerk)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["Full Name", " Body ", "SEAT", "Term Start", "Basis", "Bio"])
    writer.writerow(["Inés Peña-Ñúñez", HARC, "seat 1", "2024-01-15", "Appointed", "Semicolons; commas, “quotes”"])
    content = buffer.getvalue()
    for data in (b"\xef\xbb\xbf" + content.encode("utf-8"), content.encode("cp1252")):
        _url, page = preview_page(client, "members", data)
        page_text = text(page)
        assert "Adds the member Inés Peña-Ñúñez." in page_text and "Errors: 0" in page_text
    report = member_imports.apply(b"\xef\xbb\xbf" + content.encode("utf-8"), actor=None)
    assert report.count(RowOutcome.new) == 1
    member = db.session.scalar(select(Member))
    assert member.full_name == "Inés Peña-Ñúñez" and member.bio == "Semicolons; commas, “quotes”"
    assert member.memberships[0].basis == TermBasis.appointed


def test_an_existing_member_is_updated_with_the_cells_given_and_keeps_the_rest(client, login_as, harc, db):
    login_as(Role.clerk)
    people.create_member(
        people.MemberInput(full_name="Bertram Oyelaran", pronouns="he/him", contact_phone="305-555-0100"), actor=None
    )
    db.session.commit()
    data = (MEMBER_HEADER + "\nBertram Oyelaran,,,Retired building inspector.,,,,,,,,,\n").encode()
    url, page = preview_page(client, "members", data)
    page_text = text(page)
    assert "Updated: 1" in page_text and "Updates Bertram Oyelaran: bio." in page_text
    assert client.post(url, data={}).status_code == 200
    member = db.session.scalar(select(Member))
    db.session.refresh(member)
    assert (member.bio, member.pronouns, member.contact_phone) == (
        "Retired building inspector.",
        "he/him",
        "305-555-0100",
    )


def test_apply_runs_the_rows_again_and_refuses_what_changed_since_the_preview(client, login_as, harc, db):
    login_as(Role.clerk)
    url, page = preview_page(client, "members", SAMPLE_MEMBERS)
    assert "Import 5 rows" in text(page)
    # Meanwhile someone else gives Seat 1 to another person.
    other = people.create_member(people.MemberInput(full_name="Zelda Quarrie"), actor=None)
    people.add_term(harc, other, people.TermInput(seat_id=harc.seats[0].id, term_start_on=date(2022, 1, 1)), actor=None)
    db.session.commit()
    before = _counts(db)
    response = client.post(url, data={})
    page_text = text(response)
    assert response.status_code == 422
    assert "Zelda Quarrie holds the seat Seat 1" in page_text and "Row 2" in page_text
    assert _counts(db) == before


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "This file is not CSV text."),
        (b"PK\x03\x04" + bytes(200), "This file is not CSV text."),
        (b"", "The file is empty."),
        (b"full_name\n" + b"x" * MAX_BYTES, "The file is larger than 2 MB"),
        (b"full_name\n" + b"".join(b"Member %d\n" % n for n in range(5001)), "more than 5,000 rows"),
        (b"nombre,body\nAna,X\n", "Unknown column “nombre”."),
        (b"body,seat\nX,Y\n", "The column “full_name” is required."),
        (b"full_name,Full Name\nA,B\n", "The column “full_name” appears twice."),
        (b'full_name,bio\nA,"never closed\n', "The file cannot be read as CSV"),
        (b"\n\n", "The file has no header row."),
        (b"full_name,bio\n,\n", "The file has no rows to import."),
        (b"full_name\n\x81\x8d\x8f\x90\x9d\n", "not CSV text in UTF-8 or Windows-1252"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_message(client, login_as, harc, db, data, message):
    login_as(Role.clerk)
    before = _counts(db)
    response = upload(client, "members", data, "members.csv")
    assert response.status_code == 422
    assert message in text(response)
    assert _counts(db) == before


def test_wrong_types_in_the_form_are_refused_without_a_500(client, login_as, harc):
    login_as(Role.clerk)
    response = client.post("/staff/import/members", data={"file": "full_name\nAna\n"})
    assert response.status_code == 422 and "Choose a CSV file to upload." in text(response)
    assert client.post("/staff/import/members", data={}).status_code == 422
    assert client.get("/staff/import/votes").status_code == 404
    assert client.get("/staff/import/members/not-a-token").status_code == 302
    assert client.get("/staff/import/members/" + "x" * 200).status_code == 302


def test_a_token_works_only_in_its_own_session_for_its_kind_and_its_file(client, app, login_as, harc, db):
    login_as(Role.clerk)
    url, _page = preview_page(client, "members", SAMPLE_MEMBERS)
    token = url.rsplit("/", 1)[1]
    # Another kind: refused.
    assert client.post(f"/staff/import/meetings/{token}", data={}).status_code == 302
    # Another signed-in clerk does not have it in their session.
    other = app.test_client()
    from app.auth import services as auth_services
    from tests.conftest import login

    user = auth_services.create_user(
        email="other@city.example", display_name="Other", password="correct-horse-battery", role=Role.clerk, actor=None
    )
    db.session.commit()
    assert login(other, user.email).status_code == 302
    assert other.post(url, data={}).status_code == 302
    # The stored file altered on the server: its digest no longer matches.
    stored = Path(app.config["UPLOAD_DIR"]) / "imports" / token
    stored.write_bytes(SAMPLE_MEMBERS.replace(b"Seat 2", b"Seat 3"))
    response = client.post(url, data={})
    assert response.status_code == 302
    assert _count(db, Member) == 0


def test_the_sample_file_is_offered_with_the_columns(client, login_as):
    login_as(Role.clerk)
    page = client.get("/staff/import/members").get_data(as_text=True)
    assert "/staff/import/members/sample.csv" in page and "<code>term_start</code>" in page
    sample = client.get("/staff/import/members/sample.csv")
    assert sample.status_code == 200 and sample.data == SAMPLE_MEMBERS
    assert client.get("/staff/import/meetings/sample.csv").data == SAMPLE_MEETINGS


def test_anonymous_is_sent_to_sign_in_and_a_commissioner_is_refused(client, login_as):
    response = client.get("/staff/import/members")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    login_as(Role.commissioner)
    assert client.get("/staff/import/members").status_code == 403
    assert upload(client, "members", SAMPLE_MEMBERS).status_code == 403


def test_file_refused_is_raised_by_the_service_for_a_binary_file(db):
    with pytest.raises(FileRefused):
        member_imports.preview(b"\x00\x01\x02")


def test_a_refused_row_leaves_nothing_behind_for_the_rows_after_it(harc, db):
    data = (
        MEMBER_HEADER
        + "\nAna Ledesma,,,,,,Historic Architectural Review Commission,Seat 1,,,2020-01-01,,"
        + "\nBerta Quist,,,,,,Historic Architectural Review Commission,Seat 1,,,2021-01-01,,"  # overlaps: refused
        + "\nBerta Quist,,,,,,Historic Architectural Review Commission,Seat 2,,,2021-01-01,,\n"
    ).encode()
    report = member_imports.preview(data, actor=None)
    assert [r.outcome for r in report.rows] == [RowOutcome.new, RowOutcome.error, RowOutcome.new]
    assert (
        report.rows[2].actions[0] == "Adds the member Berta Quist."
    )  # row 3's Berta is new: row 2's went with its savepoint
    assert _count(db, Member) == 0
