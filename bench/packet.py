"""Benchmark: a 300-page agenda packet with 40 attachments, built by the worker. Issue 18: under 60 s, and under
twice the size of its parts.

    .venv/bin/python -m bench.packet                      # needs Redis (REDIS_URL, default redis://127.0.0.1:6379/0)
    .venv/bin/python -m bench.packet --items 20 --keep

A fresh instance (bench/_server.py: migrated SQLite in a temp dir, local storage) with the job queue on Redis
under a queue of its own. In this process: a body, a noticed regular meeting, ``--items`` agenda items and 40
attachments through the services (so each is checked and stored as an upload is), the agenda published, and the
packet requested as the clerk's button does; the request's commit puts the build on the queue. Then
``flask worker --burst`` (RQ's worker, a process of its own, exactly as production runs it) takes the job and
builds the packet; the script times the worker process from start to exit and reads the build's own start and end
times, its steps and the PDF from the database and the storage.

The attachments are a city's usual mix: 14 text PDFs of 10 pages (typed, untagged), 10 tagged PDFs (WeasyPrint,
5-7 pages: reports exported by an office suite), 8 scanned PDFs of 8 pages (one JPEG per page, untagged), 4
photos (JPEG) and 4 drawings (PNG). Parts: the attachments as uploaded, plus the cover, the agenda and the staff
reports as rendered alone (rendered again here, after the build, to weigh them).

Checks (exit status 1 if one fails): the build is done with no attachment left out; at least 300 pages and 40
attachments in the outline; the build takes under 60 s; the packet is under twice the size of its parts.
"""

import argparse
import io
import os
import random
import resource
import subprocess
import sys
import time
import uuid
import zlib
from datetime import date, timedelta

from bench._server import FLASK, ROOT, fresh_instance

BUILD_LIMIT = 60.0  # seconds
SIZE_RATIO_LIMIT = 2.0


def text_pdf(marker: str, pages: int) -> bytes:
    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    )
    words = [
        "the",
        "commission",
        "shall",
        "consider",
        "the",
        "agreement",
        "and",
        "its",
        "fiscal",
        "impact",
        "on",
        "the",
        "general",
        "fund",
    ]
    for n in range(pages):
        lines = [" ".join(random.choices(words, k=12)) for _ in range(45)]  # noqa: S311 (filler text)
        body = " ".join(f"({line}) Tj 0 -14 Td" for line in lines)
        content = f"BT /F1 10 Tf 72 740 Td ({marker} page {n + 1}) Tj 0 -20 Td {body} ET".encode()
        pdf.pages.append(
            pikepdf.Page(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Page,
                    MediaBox=[0, 0, 612, 792],
                    Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
                    Contents=pdf.make_stream(zlib.compress(content), Filter=pikepdf.Name.FlateDecode),
                )
            )
        )
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def photo(width: int, height: int, fmt: str = "JPEG") -> bytes:
    """A picture that compresses like a photo or a scan does (a gradient with noise), not like a flat colour."""
    from PIL import Image

    noise = Image.effect_noise((width, height), 40).convert("RGB")
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    picture = Image.blend(gradient, noise, 0.35)
    out = io.BytesIO()
    picture.save(out, fmt, **({"quality": 80} if fmt == "JPEG" else {}))
    return out.getvalue()


def scanned_pdf(pages: int) -> bytes:
    import pikepdf

    pdf = pikepdf.new()
    for _ in range(pages):
        data = photo(850, 1100)
        image = pikepdf.Stream(pdf, data)
        for key, value in {
            "/Type": pikepdf.Name.XObject,
            "/Subtype": pikepdf.Name.Image,
            "/Width": 850,
            "/Height": 1100,
            "/ColorSpace": pikepdf.Name.DeviceRGB,
            "/BitsPerComponent": 8,
            "/Filter": pikepdf.Name.DCTDecode,
        }.items():
            image[key] = value
        pdf.pages.append(
            pikepdf.Page(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Page,
                    MediaBox=[0, 0, 612, 792],
                    Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
                    Contents=pdf.make_stream(b"q 612 0 0 792 0 0 cm /Im0 Do Q"),
                )
            )
        )
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def tagged_pdf(title: str, pages: int) -> bytes:
    from weasyprint import HTML

    sections = "".join(
        f"<section style='break-before: page'><h2>Part {n + 1}</h2>"
        + "<p>Finding and recommendation. </p>" * 30
        + "</section>"
        for n in range(pages)
    )
    html = f"<html lang='en'><head><title>{title}</title></head><body><h1>{title}</h1>{sections}</body></html>"
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")


def attachments() -> list[tuple[str, bytes]]:
    files = [(f"memo-{n + 1}.pdf", text_pdf(f"MEMO {n + 1}", 10)) for n in range(14)]
    files += [(f"report-{n + 1}.pdf", tagged_pdf(f"Report {n + 1}", 5 + n % 3)) for n in range(10)]
    files += [(f"scan-{n + 1}.pdf", scanned_pdf(8)) for n in range(8)]
    files += [(f"photo-{n + 1}.jpg", photo(1600, 1200)) for n in range(4)]
    files += [(f"drawing-{n + 1}.png", photo(900, 700, "PNG")) for n in range(4)]
    random.shuffle(files)
    return files


def prepare(items: int) -> tuple[int, int, int]:
    """Make the meeting and request its packet, in this process; returns (meeting id, build id, bytes uploaded)."""
    from app import create_app
    from app.bodies import services as bodies
    from app.bodies.models import BodyKind
    from app.core.timeutil import utcnow
    from app.documents import packets
    from app.extensions import db
    from app.meetings import agenda, documents
    from app.meetings.models import AgendaItemType, Meeting, MeetingKind, MeetingStatus

    app = create_app()
    with app.app_context(), app.test_request_context(base_url="http://city.example/"):
        body = bodies.create_body(
            name="City Commission",
            kind=BodyKind.commission,
            seat_count=5,
            rules=bodies.RulesInput(effective_on=date(2000, 1, 1)),
            actor=None,
        )
        meeting = Meeting(
            body_id=body.id,
            kind=MeetingKind.regular,
            title="Regular meeting",
            start_at=utcnow() + timedelta(days=7),
            location="City Hall",
            status=MeetingStatus.noticed,
            first_published_at=utcnow(),
        )
        db.session.add(meeting)
        db.session.flush()
        sections = ["Consent Agenda", "Resolutions", "Ordinances", "Reports"]
        rows = [
            agenda.add_item(
                meeting,
                section=sections[n % len(sections)],
                title=f"Item {n + 1}: the agreement with the county",
                body_md="The staff recommends approval.\n\n" + "Background and analysis. " * 80,
                item_type=AgendaItemType.report,
                actor=None,
            )
            for n in range(items)
        ]
        uploaded = 0
        for n, (name, data) in enumerate(attachments()):
            documents.add_attachment(rows[n % items], filename=name, stream=io.BytesIO(data), actor=None)
            uploaded += len(data)
        agenda.publish_agenda(meeting, actor=None)
        db.session.commit()
        build = packets.request_packet(meeting, actor=None)
        db.session.commit()  # JOBS_BACKEND=rq: the build is on the queue now
        return meeting.id, build.id, uploaded


def weigh_parts(meeting_id: int) -> int:
    """The generated parts as rendered alone: cover, agenda and staff reports (bytes)."""
    from app import create_app
    from app.documents import packet_parts
    from app.documents.meetings import AGENDA, agenda_pdf, load_meeting

    app = create_app()
    with app.app_context(), app.test_request_context(base_url="http://city.example/"):
        meeting = load_meeting(meeting_id, AGENDA)
        plan = packet_parts.plan(meeting)
        size = len(packet_parts.cover_pdf(plan, [])) + len(agenda_pdf(meeting, plan.data))
        entries = packet_parts.entries(plan, {}, [], {}, lambda: None)
        return size + sum(len(entry.report) for entry in entries)


def read_build(build_id: int) -> dict:
    from app import create_app
    from app.core.storage import storage
    from app.documents.packet_models import PacketBuild
    from app.extensions import db

    app = create_app()
    with app.app_context():
        build = db.session.get(PacketBuild, build_id)
        data = storage().get(build.stored_name) if build.stored_name else b""
        return {
            "status": build.status.value,
            "error": build.error,
            "problems": build.problems,
            "pages": build.pages,
            "size": build.size,
            "conforming": build.conforming,
            "steps": f"{build.done}/{build.total}",
            "seconds": (build.finished_at - build.started_at).total_seconds() if build.finished_at else None,
            "data": data,
        }


def outline_counts(data: bytes) -> tuple[int, int]:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data))
    leaves = 0

    def walk(entries, depth):
        nonlocal leaves
        for entry in entries:
            if isinstance(entry, list):
                walk(entry, depth + 1)
            elif depth == 2 and entry.title != "Staff report":
                leaves += 1

    walk(reader.outline, 0)
    return len(reader.pages), leaves


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    random.seed(args.seed)
    queue = f"dais-bench-packet-{uuid.uuid4().hex[:8]}"
    settings = {"REDIS_URL": args.redis, "JOBS_BACKEND": "rq", "JOBS_QUEUE": queue, "PACKET_AUTO_BUILD": "0"}
    with fresh_instance(demo=False, keep=args.keep, **settings) as instance:
        os.environ.update(instance.env)
        started = time.perf_counter()
        meeting_id, build_id, uploaded = prepare(args.items)
        print(
            f"meeting {meeting_id}: {args.items} items, 40 attachments, {uploaded / 1e6:.1f} MB uploaded "
            f"(set up in {time.perf_counter() - started:.1f} s)"
        )
        before_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # flask db upgrade's
        started = time.perf_counter()
        worker = subprocess.run(  # noqa: S603 (our own command line)
            [str(FLASK), "worker", "--burst"], cwd=ROOT, env=instance.env, capture_output=True, text=True, check=False
        )
        worker_seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if worker.returncode != 0:
            print(worker.stdout, worker.stderr, file=sys.stderr)
        result = read_build(build_id)
        started = time.perf_counter()
        parts = uploaded + weigh_parts(meeting_id)
        render_seconds = time.perf_counter() - started
    pages, listed = outline_counts(result["data"]) if result["data"] else (0, 0)
    ratio = (result["size"] or 0) / parts
    print(
        f"build: {result['status']}, steps {result['steps']}, {result['seconds']:.1f} s in the job "
        f"({worker_seconds:.1f} s for the worker process, start to exit; peak RSS "
        f"{peak_mb:.0f} MB{'' if peak_mb > before_mb else ' or less'})"
    )
    print(f"WeasyPrint alone for the cover, the agenda and {args.items} staff reports: {render_seconds:.1f} s")
    print(
        f"packet: {pages} pages, {listed} attachments in the outline, {result['size'] / 1e6:.2f} MB; "
        f"parts {parts / 1e6:.2f} MB; ratio {ratio:.2f}; PDF/UA claimed: {result['conforming']}"
    )
    problems = []
    if result["status"] != "done" or result["problems"]:
        problems.append(f"build {result['status']}: {result['error']} {result['problems']}")
    if pages < 300 or listed != 40:
        problems.append(f"{pages} pages and {listed} attachments, not 300+ and 40")
    if result["seconds"] is None or result["seconds"] >= BUILD_LIMIT:
        problems.append(f"the build took {result['seconds']} s (limit {BUILD_LIMIT:.0f} s)")
    if ratio >= SIZE_RATIO_LIMIT:
        problems.append(f"the packet is {ratio:.2f} times its parts (limit {SIZE_RATIO_LIMIT})")
    for problem in problems:
        print("FAIL:", problem)
    print("OK" if not problems else f"{len(problems)} check(s) failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
