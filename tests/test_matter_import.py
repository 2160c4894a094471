"""Importing matters and their histories from a Legistar-style export (issue 20): two CSV files in one upload,
a preview that saves nothing, then every row or none."""

import html
import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.bodies.models import Body
from app.core.audit import AuditEntry
from app.core.csv_import import MAX_BYTES, RowOutcome, bundle
from app.core.timeutil import local_to_utc, to_local
from app.matters import numbering
from app.matters.models import Matter, MatterAction, MatterActionKind, MatterStatus, MatterType
from app.matters.services import open_matter, record_action
from app.meetings import matter_imports
from app.meetings.models import Meeting, MeetingStatus

DOCS = Path(__file__).resolve().parent.parent / "docs"
SAMPLE_MATTERS = (DOCS / "sample-matters.csv").read_bytes()
SAMPLE_HISTORY = (DOCS / "sample-matter-history.csv").read_bytes()
COMMISSION = "City Commission"
MATTERS_HEADER = "File #,Type,Title,Status,Intro Date,In Control,Summary,Sponsors\n"
HISTORY_HEADER = "File #,Ver.,Date,Action By,Action,Result,Action Details\n"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def counts(db) -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Matter, MatterAction, AuditEntry))


def upload(client, *, matters: bytes | None = None, histories: bytes | None = None, names=("m.csv", "h.csv")):
    data = {}
    if matters is not None:
        data["matters"] = (io.BytesIO(matters), names[0])
    if histories is not None:
        data["histories"] = (io.BytesIO(histories), names[1])
    return client.post("/staff/import/matters", data=data, content_type="multipart/form-data")


def preview_page(client, **files):
    response = upload(client, **files)
    assert response.status_code == 302, text(response)
    location = response.headers["Location"]
    return location, client.get(location)


def pack(matters: str | None = None, histories: str | None = None) -> bytes:
    files = {}
    if matters is not None:
        files["matters"] = ("m.csv", matters.encode())
    if histories is not None:
        files["histories"] = ("h.csv", histories.encode())
    return bundle(files)


def at_local(*args) -> datetime:
    return local_to_utc(datetime(*args))


@pytest.fixture
def commission(create_body):
    return create_body(name=COMMISSION, seat_count=5)


@pytest.fixture
def meetings(commission, create_meeting):
    """Two past meetings of the commission: 2025-06-17 and 2025-07-08 at 5 p.m."""
    return {
        day: create_meeting(
            commission, kind="regular", title=f"Regular meeting {day}", start_at=at_local(2025, *day, 17, 0),
            status="adjourned",
        )
        for day in ((6, 17), (7, 8))
    }  # fmt: skip


def matter(db, number: str) -> Matter:
    return db.session.scalar(select(Matter).where(Matter.file_number == number))


def steps(db, found: Matter) -> list[MatterAction]:
    return list(
        db.session.scalars(
            select(MatterAction).where(MatterAction.matter_id == found.id).order_by(MatterAction.at, MatterAction.id)
        )
    )


# -- the sample files, through the pages ---------------------------------------------------------------------------


def test_the_sample_files_import_cleanly_into_the_demo_city(app, client, login_as, db):
    from app.demo import seed_demo

    seed_demo()
    db.session.commit()
    clerk = login_as(Role.clerk)
    before = counts(db)
    url, page = preview_page(client, matters=SAMPLE_MATTERS, histories=SAMPLE_HISTORY, names=("leg.csv", "hist.csv"))
    page_text = text(page)
    assert page.status_code == 200
    assert "Preview of leg.csv + hist.csv: nothing has been saved yet." in page_text
    assert "New: 11" in page_text and "Errors: 0" in page_text and "Check:" not in page_text
    assert "Matters: leg.csv" in page_text and "Histories: hist.csv" in page_text
    assert "Adds matter 25-1732" in page_text and "(Ordinance)" in page_text
    assert "Adds matter 2019-114" in page_text  # a historic number, kept as it is
    assert (
        "Step “Deferred” on matter 25-1732, 2025-06-17, at “Regular City Commission Meeting” of City Commission."
        in page_text
    )
    assert (
        "Step “Passed on first reading” on matter 25-1732, 2025-05-20: no meeting in Dais on that date; recorded "
        "without a meeting." in page_text
    )
    assert "Status: Adopted, as the file states." in page_text
    assert "Import 11 rows" in page_text
    assert counts(db) == before  # the preview ran every service, then rolled back

    result = client.post(url, data={})
    result_text = text(result)
    assert result.status_code == 200
    assert "leg.csv + hist.csv is imported: 11 rows." in result_text

    ordinance = matter(db, "25-1732")
    assert ordinance.matter_type == MatterType.ordinance and ordinance.status == MatterStatus.adopted
    assert ordinance.body_id == db.session.scalar(select(Body.id).where(Body.name == COMMISSION))
    assert "Sponsors: Rosalind Okafor; Everett Lindqvist" in ordinance.summary
    assert to_local(ordinance.created_at).date() == date(2025, 5, 6)
    history = steps(db, ordinance)
    assert [s.action for s in history] == [
        MatterActionKind.introduced,
        MatterActionKind.first_reading_passed,
        MatterActionKind.deferred,
        MatterActionKind.second_reading_adopted,
    ]  # in time order, though the file lists the newest first
    demo_meetings = {
        to_local(m.start_at).date(): m for m in db.session.scalars(select(Meeting).where(Meeting.id.in_(
            [s.meeting_id for s in history if s.meeting_id])))
    }  # fmt: skip
    assert set(demo_meetings) == {date(2025, 6, 17), date(2025, 7, 8)}
    assert history[1].meeting_id is None and "Imported from the city's archive" in history[1].note
    assert history[2].at == demo_meetings[date(2025, 6, 17)].start_at
    assert history[3].note == "Adopted on second reading as Ordinance No. 25-09."
    assert history[0].actor_id == clerk.id

    assert matter(db, "25-1755").status == MatterStatus.approved  # no status stated: the history's last
    assert matter(db, "25-1768").matter_type == MatterType.contract
    assert matter(db, "25-1768").status == MatterStatus.approved
    proclamation = matter(db, "2019-114")
    assert proclamation.status == MatterStatus.filed and proclamation.matter_type == MatterType.proclamation

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import.matters"))
    assert entry.data["new"] == 11 and entry.data["filename"] == "leg.csv + hist.csv"
    assert entry.data["files"]["matters"] == {"filename": "leg.csv", "rows": 4, "new": 4, "updated": 0, "unchanged": 0}
    assert entry.data["files"]["histories"]["rows"] == 7
    actions = list(db.session.scalars(select(AuditEntry.action)))
    assert actions.count("matter.import") == 4
    # The result page links each new matter to its page, which shows the history.
    assert f"/staff/matters/{ordinance.id}" in result_text
    staff_page = text(client.get(f"/staff/matters/{ordinance.id}"))
    assert "Adopted on second reading" in staff_page and "Passed on first reading" in staff_page

    # The token was used up; the same files again are refused: the numbers are on record.
    assert client.post(url, data={}).status_code == 302
    _url, page = preview_page(client, matters=SAMPLE_MATTERS, histories=SAMPLE_HISTORY)
    page_text = text(page)
    assert "Errors: 11" in page_text and "Matter 25-1732 is already on record." in page_text
    assert "Row 2 of the matters file, which adds this matter, has an error." in page_text
    # The histories alone again: every step is already on record.
    _url, page = preview_page(client, histories=SAMPLE_HISTORY)
    page_text = text(page)
    assert "Unchanged: 7" in page_text and "Errors: 0" in page_text
    assert "“Deferred” on 2025-06-17 is already on matter 25-1732's record." in page_text


def test_the_upload_page_offers_both_files_and_their_samples(client, login_as):
    login_as(Role.clerk)
    page = text(client.get("/staff/import/matters"))
    assert "<code>File #</code> (required)" in page and "<code>Action By</code>" in page
    assert 'name="matters"' in page and 'name="histories"' in page
    assert client.get("/staff/import/matters/sample.csv").data == SAMPLE_MATTERS
    assert client.get("/staff/import/histories/sample.csv").data == SAMPLE_HISTORY
    assert "/staff/import/matters" in text(client.get("/staff/import/"))


# -- order, meetings and status ----------------------------------------------------------------------------------


def test_histories_are_recorded_in_time_order_with_their_meetings(commission, meetings, db, create_user):
    clerk = create_user(Role.clerk)
    data = pack(
        MATTERS_HEADER
        + "ORD-7,Ordinance,Parking,,03/01/2025,City Commission,,\n"
        + "RES-8,Resolution,Shade,Pending Review,,City Commission,,\n"
        + "RPT-9,Discussion Item,Audit,Approved,,,,\n"
        + "ORD-9,Ordinance,Signs,,,City Commission,,\n",
        HISTORY_HEADER
        + "RES-8,1,2025-07-08,City Commission,Adopted,Pass,\n"
        + "ORD-7,1,2025-06-17,City Commission,first reading,Pass,\n"
        + "ORD-7,1,2025-07-08,City Commission,Deferred,Pass,To August.\n"
        + "ORD-7,1,2025-07-08,,Referred to Planning Board,,\n"  # same day, after the deferral: the file's order
        + "RES-8,1,2025-06-17,City Commission,ADOPTED ,Fail,\n"
        + "RES-8,1,2025-06-20,City Commission,Tabled,Fail,\n"
        # Newest first, as Legistar lists a history: the two steps of July 8 are read bottom up.
        + "ORD-9,1,2025-07-08,City Commission,Adopted on second reading,Pass,\n"
        + "ORD-9,1,2025-07-08,City Commission,Continued,Pass,\n"
        + "ORD-9,1,2025-06-17,City Commission,Passed on first reading,Pass,\n",
    )
    report = matter_imports.preview(data, actor=clerk)
    assert report.ok, [(r.number, r.reason) for r in report.errors]
    assert counts(db)[0] == 0
    by_row = {(r.part, r.number): r for r in report.rows}
    assert by_row["matters", 3].warnings == [
        "The status “Pending Review” is not one Dais knows: the matter takes the status its history leaves, or "
        "Introduced."
    ]
    assert "Type “Discussion Item” is not one Dais knows: Other." in by_row["matters", 4].actions
    assert "“Adopted” with the result Fail: recorded as Failed." in by_row["histories", 6].actions
    assert by_row["histories", 7].outcome == RowOutcome.unchanged  # a failed motion to table changes nothing
    assert "Referred to Planning Board." in by_row["histories", 5].actions

    matter_imports.apply(data, actor=clerk, filename="x")
    ordinance = matter(db, "ORD-7")
    history = steps(db, ordinance)
    assert [(s.action, s.meeting_id) for s in history] == [
        (MatterActionKind.introduced, None),
        (MatterActionKind.first_reading_passed, meetings[6, 17].id),
        (MatterActionKind.deferred, meetings[7, 8].id),
        (MatterActionKind.referred, meetings[7, 8].id),  # no Action By: the matter's body
    ]
    assert history[3].referred_to == "Planning Board" and history[2].note == "To August."
    assert ordinance.status == MatterStatus.referred  # the latest step's
    resolution = matter(db, "RES-8")
    assert [s.action for s in steps(db, resolution)] == [MatterActionKind.failed, MatterActionKind.adopted]
    assert resolution.status == MatterStatus.adopted  # unknown status stated: the history's
    report_matter = matter(db, "RPT-9")
    assert report_matter.matter_type == MatterType.other and report_matter.status == MatterStatus.approved
    assert steps(db, report_matter) == []  # no intro date, no history: no step, the stated status
    newest_first = matter(db, "ORD-9")
    assert [s.action for s in steps(db, newest_first)] == [
        MatterActionKind.first_reading_passed,
        MatterActionKind.continued,
        MatterActionKind.second_reading_adopted,
    ]
    assert newest_first.status == MatterStatus.adopted


def test_a_stated_status_wins_over_the_history(commission, meetings, db):
    data = pack(
        MATTERS_HEADER + "R-1,Resolution,Shade,Withdrawn,,,,\n",
        HISTORY_HEADER + "R-1,1,2025-06-17,City Commission,Approved,Pass,\n",
    )
    report = matter_imports.apply(data, actor=None)
    assert "Status: Withdrawn, as the file states." in report.rows[0].actions
    assert matter(db, "R-1").status == MatterStatus.withdrawn
    assert db.session.scalar(select(AuditEntry.summary).where(AuditEntry.action == "matter.status")) == (
        "Matter R-1: status approved -> withdrawn after an import"
    )


def test_history_for_a_matter_already_in_dais_settles_its_status(commission, meetings, db, clock):
    opened = open_matter(title="Seawall", matter_type=MatterType.contract, body_id=commission.id, actor=None)
    record_action(opened, MatterActionKind.deferred, actor=None, at=clock.now)
    db.session.commit()
    history = HISTORY_HEADER + f"{opened.file_number.lower()},1,06/17/2025,City Commission,Approved,Pass,\n"
    report = matter_imports.apply(pack(histories=history), actor=None)
    assert report.rows[0].outcome == RowOutcome.new
    # The imported step is older than the deferral already on record: the status stays the deferral's.
    assert opened.status == MatterStatus.deferred
    assert [s.action for s in steps(db, opened)] == [
        MatterActionKind.approved,
        MatterActionKind.introduced,
        MatterActionKind.deferred,
    ]


def test_several_meetings_that_day_or_an_unknown_action_by_record_no_meeting(commission, meetings, create_meeting, db):
    create_meeting(
        commission, kind="special", title="Special", start_at=at_local(2025, 6, 17, 9, 0), status="adjourned"
    )
    cancelled = create_meeting(commission, title="Cancelled", start_at=at_local(2025, 7, 8, 9, 0), status="cancelled")
    data = pack(
        MATTERS_HEADER + "X-1,Report,Audit,,,,,\n",
        HISTORY_HEADER
        + "X-1,1,2025-06-17,City Commission,Placed on agenda,,\n"
        + "X-1,1,2025-07-08,City Commission,Approved,,\n"
        + "X-1,1,2025-07-09,City Clerk,Filed,,Sent to the archive.\n",
    )
    report = matter_imports.apply(data, actor=None)
    assert report.rows[1].warnings == [
        "City Commission has 2 meetings in Dais on that day: the step is linked to none of them."
    ]
    assert report.rows[3].warnings == [
        "No body is named “City Clerk”: the step is recorded without a meeting, the name in its note."
    ]
    found = steps(db, matter(db, "X-1"))
    assert [s.meeting_id for s in found] == [None, meetings[7, 8].id, None]  # a cancelled meeting is never chosen
    assert cancelled.status == MeetingStatus.cancelled
    assert found[2].note == (
        "Sent to the archive.\n\nImported from the city's archive (City Clerk); no meeting in Dais on that day."
    )


# -- refusals ----------------------------------------------------------------------------------------------------


def test_a_duplicate_file_number_is_refused_in_dais_and_within_the_file(commission, db):
    opened = open_matter(title="On record", matter_type=MatterType.other, body_id=None, actor=None)
    db.session.commit()
    data = pack(
        MATTERS_HEADER
        + f"{opened.file_number},Report,Again,,,,,\n"
        + "ab-1,Report,First,,,,,\n"
        + "AB-1,Report,Second,,,,,\n"
    )
    report = matter_imports.preview(data)
    assert [r.outcome for r in report.rows] == [RowOutcome.error, RowOutcome.new, RowOutcome.error]
    assert report.rows[0].column == "File #"
    assert report.rows[0].reason == f"Matter {opened.file_number} is already on record."
    assert report.rows[2].reason == "Row 3 has the same file number."


@pytest.mark.parametrize(
    "part, row, column, reason",
    [
        ("matters", ",Ordinance,No number,,,,,", "File #", "Give the file number."),
        ("matters", "Z-1,Ordinance,,,,,,", "Title", "Enter a title."),
        ("matters", "Z-1,Ordinance,T,,,Zoning Board,,", "Body", "No body is named “Zoning Board”. Bodies: "),
        ("matters", "Z-1,Ordinance,T,,2025-02-30,,,", "Intro Date", "“2025-02-30” is not a date on the calendar."),
        ("matters", "Z-1,Ordinance,T,,2027-01-05,,,", "Intro Date", "is in the future"),
        ("matters", "Z 1 #2,Ordinance,T,,,,,", "File #", "letters, digits, spaces and - / . _ only"),
        ("matters", "Z-" + "1" * 30 + ",Ordinance,T,,,,,", "File #", "at most 20 characters"),
        ("matters", "Z-1,Ordinance," + "T" * 301 + ",,,,,", "Title", "Use at most 300 characters."),
        ("matters", "Z-1,Ordinance,T,,,,,,extra", None, "This row has 9 cells but the header names 8 columns"),
        ("histories", ",1,2025-06-17,City Commission,Approved,,", "File #", "Give the file number."),
        ("histories", "NOPE-1,1,2025-06-17,City Commission,Approved,,", "File #", "No matter has the file number"),
        ("histories", "A-1,1,,City Commission,Approved,,", "Date", "Give the day of the step."),
        ("histories", "A-1,1,17.06.2025,City Commission,Approved,,", "Date", "use YYYY-MM-DD or MM/DD/YYYY"),
        ("histories", "A-1,1,2026-03-03,City Commission,Approved,,", "Date", "is in the future"),
        ("histories", "A-1,1,2025-06-17,City Commission,Noted,,", "Action", "“Noted” is not an action Dais knows."),
        ("histories", "A-1,1,2025-06-17,City Commission,Approved,Maybe,", "Result", "use Pass or Fail"),
    ],
)
def test_a_bad_row_is_reported_with_its_row_number_and_nothing_is_saved(
    client, login_as, commission, meetings, db, part, row, column, reason
):
    login_as(Role.clerk)
    good_matters = MATTERS_HEADER + "A-1,Ordinance,Parking,,2025-03-01,City Commission,,\n"
    good_history = HISTORY_HEADER + "A-1,1,2025-06-17,City Commission,Approved,Pass,\n"
    files = {
        "matters": (good_matters + (row + "\n" if part == "matters" else "")).encode(),
        "histories": (good_history + (row + "\n" if part == "histories" else "")).encode(),
    }
    before = counts(db)
    url, page = preview_page(client, **files)
    page_text = text(page)
    assert "Errors: 1" in page_text
    label = "Matters" if part == "matters" else "Histories"
    assert f"{label}, row 3" in page_text and reason in page_text
    if column:
        assert f"Column {column}:" in page_text
    assert "Import 3 rows" not in page_text and "<button" not in page_text.split("Errors: 1")[1]
    refused = client.post(url, data={})
    assert refused.status_code == 422 and "Nothing was imported: 1 row has an error." in text(refused)
    assert counts(db) == before


def test_an_unknown_action_lists_the_words_accepted(commission, db):
    report = matter_imports.preview(
        pack(MATTERS_HEADER + "A-1,Ordinance,T,,,,,\n", HISTORY_HEADER + "A-1,1,2025-06-17,,Rubber-stamped,,\n")
    )
    reason = report.rows[1].reason
    for word in ("approved", "adopted on second reading", "passed on first reading", "deferred", "referred to …"):
        assert word in reason


def test_semicolons_a_bom_capitals_and_windows_1252_are_read(commission, meetings, db):
    matters = (
        "file #;TYPE;title;in control;intro date\n" + "CR-2025-01;Resolution;Año de Peña;city commission;6/1/2025\n"
    )
    history = "FILE #;Date;Action By;Action;Notes\ncr-2025-01;6/17/2025;City Commission;Approved;Aprobó “así”\n"
    for encode in (lambda s: s.encode("cp1252"), lambda s: b"\xef\xbb\xbf" + s.encode("utf-8")):
        data = bundle({"matters": ("m.csv", encode(matters)), "histories": ("h.csv", encode(history))})
        report = matter_imports.preview(data)
        assert report.ok and [r.outcome for r in report.rows] == [RowOutcome.new] * 2, report.errors
    matter_imports.apply(data, actor=None)
    found = matter(db, "CR-2025-01")
    assert found.title == "Año de Peña" and found.body_id == commission.id
    assert steps(db, found)[-1].note == "Aprobó “así”" and steps(db, found)[-1].meeting_id == meetings[6, 17].id


def test_a_refused_matters_row_names_itself_on_its_history_rows(commission, db):
    report = matter_imports.preview(
        pack(MATTERS_HEADER + "B-1,Ordinance,,,,,,\n", HISTORY_HEADER + "B-1,1,2025-06-17,,Approved,,\n")
    )
    assert report.rows[1].reason == "Row 2 of the matters file, which adds this matter, has an error."


# -- numbering ---------------------------------------------------------------------------------------------------


def test_imported_numbers_never_confuse_the_next_file_number(commission, db, clock):
    # The city's pattern is the default, "{yy}-{nnnn}"; the clock is in 2026.
    data = pack(MATTERS_HEADER + "26-0040,Report,Kept number,,,,,\n" + "ORD 1998-7,Ordinance,Historic,,,,,\n")
    matter_imports.apply(data, actor=None)
    assert matter(db, "ORD 1998-7") is not None
    fresh = open_matter(title="After the import", matter_type=MatterType.other, body_id=None, actor=None)
    assert fresh.file_number == "26-0041"
    # A number taken outside the sequence and not reserved (an old pattern, a direct insert) is skipped too.
    db.session.add(Matter(file_number="26-0042", matter_type=MatterType.other, title="Stray"))
    db.session.flush()
    assert numbering.next_file_number(2026) == "26-0043"
    assert numbering.parse_number("{yy}-{nnnn}", "2019-114", this_year=2026) is None
    assert numbering.parse_number("R-{yyyy}-{nnn}", "R-2019-1234", this_year=2026) == (2019, 1234)
    assert numbering.parse_number("{yy}-{nnnn}", "99-0001", this_year=2026) == (1999, 1)


# -- the files as a whole ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "files, field, message",
    [
        ({"matters": b"PK\x03\x04" + bytes(200)}, "matters", "Matters: This file is not CSV text."),
        ({"histories": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"}, "histories", "Histories: This file is not CSV text."),
        ({"matters": b""}, "matters", "Matters: The file is empty."),
        ({"matters": b"File #,Title\n" + b"x" * MAX_BYTES}, "matters", "The file is larger than 2 MB"),
        ({"matters": b"File #,Titulo\nA,B\n"}, "matters", "Unknown column “Titulo”."),
        ({"histories": b"File #,Date\nA,2025-01-01\n"}, "histories", "Histories: The column “action” is required."),
        ({"matters": b"Title\nA\n"}, "matters", "The column “file_number” is required."),
        ({"matters": b"File #,In Control,Body,Title\nA,B,C,D\n"}, "matters", "The column “body” appears twice."),
        ({"matters": MATTERS_HEADER.encode()}, "matters", "The file has no rows to import."),
        ({}, "matters", "Choose a CSV file to upload."),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_on_its_field(client, login_as, db, files, field, message):
    login_as(Role.clerk)
    before = counts(db)
    response = upload(client, **files)
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert re.search(rf'<p class="error" id="{field}-error">[^<]*{re.escape(message)}', page)
    assert counts(db) == before


def test_garbage_never_gives_a_500(client, login_as, db):
    login_as(Role.clerk)
    response = client.post("/staff/import/matters", data={"matters": "File #,Title\nA,B\n", "histories": "x"})
    assert response.status_code == 422 and "Choose a CSV file to upload." in text(response)
    assert client.get("/staff/import/histories").status_code == 404  # a file of the matters import, not a kind
    assert client.get("/staff/import/matters/not-a-token").status_code == 302
    assert client.post("/staff/import/matters/" + "x" * 200, data={}).status_code == 302
    with pytest.raises(Exception, match="not CSV"):
        matter_imports.preview(b"File #,Title\nA,B\n")  # not a bundle the upload page made


def test_a_token_of_another_kind_is_refused(client, login_as, commission, db):
    login_as(Role.clerk)
    url, _page = preview_page(client, matters=(MATTERS_HEADER + "A-1,Report,T,,,,,\n").encode())
    token = url.rsplit("/", 1)[1]
    assert client.post(f"/staff/import/meetings/{token}", data={}).status_code == 302
    assert client.post(f"/staff/import/members/{token}", data={}).status_code == 302
    assert counts(db)[0] == 0


def test_the_forms_need_their_csrf_token(app, client, login_as, commission, db):
    login_as(Role.clerk)
    url, page = preview_page(client, matters=(MATTERS_HEADER + "A-1,Report,T,,,,,\n").encode())
    app.config["WTF_CSRF_ENABLED"] = True  # the app fixture puts the config back after the test
    assert upload(client, matters=SAMPLE_MATTERS).status_code == 400
    assert client.post(url, data={}).status_code == 400
    assert counts(db)[0] == 0
    page = text(client.get(url))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    assert client.post(url, data={"csrf_token": token}).status_code == 200
    assert matter(db, "A-1") is not None


def test_only_clerks_and_administrators_import(client, login_as):
    response = client.get("/staff/import/matters")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    login_as(Role.commissioner)
    assert client.get("/staff/import/matters").status_code == 403
    assert upload(client, matters=SAMPLE_MATTERS).status_code == 403
    assert client.get("/staff/import/histories/sample.csv").status_code == 403


def test_an_imported_step_keeps_its_day_in_the_city_zone(commission, db):
    """A step without a meeting is put at the start of its local day, so it shows on that day."""
    matter_imports.apply(
        pack(MATTERS_HEADER + "D-1,Report,T,,,,,\n", HISTORY_HEADER + "D-1,1,2025-11-02,,Filed,,\n"), actor=None
    )
    step = steps(db, matter(db, "D-1"))[0]
    assert to_local(step.at).date() == date(2025, 11, 2) and step.at == datetime(2025, 11, 2, 4, 0, tzinfo=UTC)


def test_an_imported_matter_is_public_by_its_steps(commission, meetings, create_meeting, client, db):
    """A matter from the archive has no agenda item in Dais: its page, the API list and its record show its steps;
    a matter on a draft agenda only stays private."""
    from app.meetings import agenda
    from app.meetings.models import AgendaItemType

    data = pack(
        MATTERS_HEADER + "ORD-7,Ordinance,Parking on Duval Street,,03/01/2025,City Commission,,\n",
        HISTORY_HEADER + "ORD-7,1,2025-06-17,City Commission,first reading,Pass,\n",
    )
    matter_imports.apply(data, actor=None)
    draft = agenda.add_item(
        create_meeting(commission, kind="regular"), section=commission.agenda_sections[0], title="Not yet public",
        body_md="", item_type=AgendaItemType.report, actor=None,
    )  # fmt: skip
    db.session.commit()
    page = client.get("/matters/ORD-7")
    assert page.status_code == 200
    html = text(page)
    assert "Parking on Duval Street" in html and "Passed on first reading" in html and "Regular meeting" in html
    listed = client.get("/api/v1/matters").get_json()
    numbers = [m["file_number"] for m in listed["data"]] if "data" in listed else [m["file_number"] for m in listed]
    assert "ORD-7" in numbers and draft.file_number not in numbers
    assert client.get(f"/matters/{draft.file_number}").status_code == 404
