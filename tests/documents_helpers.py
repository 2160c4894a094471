"""Reading generated PDFs back in the tests: text (pypdf) and the PDF/UA-1 machine check (pdfua on pikepdf, plus
the checks pdfua skips or does not make, on pikepdf directly)."""

import io

import pikepdf
import pypdf
from pdfua import Severity, validate
from sqlalchemy import select

from app.meetings.models import AgendaItem, AgendaItemType, Attachment
from app.votes.models import Motion, Vote

HEADINGS = {"/H", "/H1", "/H2", "/H3", "/H4", "/H5", "/H6"}


def page_texts(data: bytes) -> list[str]:
    """Each page's text, white space (line ends included) as single spaces."""
    return [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    return " ".join(page_texts(data))


def _walk(node, found):
    if isinstance(node, pikepdf.Array):
        for kid in node:
            _walk(kid, found)
        return
    if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
        return
    found.append(node)
    if "/K" in node:
        _walk(node.K, found)


def _has_content(node) -> bool:
    """A structure element holds marked content (an MCID) somewhere below it."""
    kids = node.get("/K")
    if kids is None:
        return False
    kids = kids if isinstance(kids, pikepdf.Array) else [kids]
    for kid in kids:
        if isinstance(kid, int) or (isinstance(kid, pikepdf.Object) and kid._type_code == pikepdf.ObjectType.integer):
            return True
        if isinstance(kid, pikepdf.Dictionary) and ("/MCID" in kid or _has_content(kid)):
            return True
    return False


def pdfua_problems(data: bytes, tmp_path, *, title: str, lang: str) -> list[str]:
    """What keeps ``data`` from passing PDF/UA-1's machine-checkable rules; [] when it passes."""
    path = tmp_path / "checked.pdf"
    path.write_bytes(data)
    report = validate(str(path))
    problems = [
        f"{f.rule_id}: {f.message}" for f in report.findings if f.severity in (Severity.ERROR, Severity.WARNING)
    ]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root
        if root.get("/Lang") != lang:
            problems.append(f"/Lang is {root.get('/Lang')!r}, not {lang!r}")
        if not (root.get("/MarkInfo") and root.MarkInfo.get("/Marked")):
            problems.append("not marked as tagged (MarkInfo/Marked)")
        if not (root.get("/ViewerPreferences") and root.ViewerPreferences.get("/DisplayDocTitle")):
            problems.append("DisplayDocTitle is not set")
        if str(pdf.docinfo.get("/Title", "")) != title:
            problems.append(f"title is {pdf.docinfo.get('/Title')!r}, not {title!r}")
        with pdf.open_metadata() as xmp:
            if xmp.get("dc:title") != title:
                problems.append(f"XMP dc:title is {xmp.get('dc:title')!r}")
            if str(xmp.get("pdfuaid:part")) != "1":
                problems.append("no PDF/UA identification in XMP")
        if "/StructTreeRoot" not in root:
            problems.append("no structure tree")
            return problems
        elements: list = []
        _walk(root.StructTreeRoot.K, elements)
        kinds = {str(e.S) for e in elements}
        if "/H1" not in kinds:
            problems.append("no H1 in the structure tree")
        for e in elements:
            if str(e.S) == "/Figure" and not str(e.get("/Alt", "")).strip():
                problems.append("a Figure without alternative text")
            if str(e.S) in HEADINGS and not _has_content(e):
                problems.append(f"an empty heading {e.S}")
    return problems


def structure_kinds(data: bytes) -> list[str]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        elements: list = []
        _walk(pdf.Root.StructTreeRoot.K, elements)
        return [str(e.S) for e in elements]


def figure_alts(data: bytes) -> list[str]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        elements: list = []
        _walk(pdf.Root.StructTreeRoot.K, elements)
        return [str(e.get("/Alt", "")) for e in elements if str(e.S) == "/Figure"]


def grow_meeting(db, meeting):
    """Five more items on ``meeting``, each with a sponsor, two documents and a closed 6-1 roll call."""

    model = next(m for m in db.session.scalars(select(Motion).where(Motion.meeting_id == meeting.id)) if m.votes)
    template = next(i for i in meeting.items if i.id == model.agenda_item_id)
    for n in range(5):
        item = AgendaItem(
            meeting_id=meeting.id,
            section=template.section,
            position=100 + n,
            label=f"9.{n}",
            title=f"Added item {n}",
            item_type=AgendaItemType.resolution,
            file_number=f"25-9{n:03d}",
            sponsors=list(template.sponsors),
        )
        db.session.add(item)
        db.session.flush()
        for k in range(2):
            db.session.add(
                Attachment(
                    agenda_item_id=item.id,
                    original_filename=f"report-{n}-{k}.pdf",
                    stored_name=f"grown{n}{k}",
                    content_type="application/pdf",
                    size=1000,
                    sha256="0" * 64,
                )
            )
        motion = Motion(
            meeting_id=meeting.id,
            agenda_item_id=item.id,
            kind=model.kind,
            text=f"Move to adopt item {n}",
            mover_id=model.mover_id,
            seconder_id=model.seconder_id,
            threshold_basis=model.threshold_basis,
            threshold_fraction=model.threshold_fraction,
            threshold_min_yes=model.threshold_min_yes,
            status=model.status,
            result=model.result,
            seats_at_vote=model.seats_at_vote,
            roll_call_method=model.roll_call_method,
            made_at=model.made_at,
            opened_at=model.opened_at,
            closed_at=model.closed_at,
        )
        db.session.add(motion)
        db.session.flush()
        for v in model.votes:
            db.session.add(Vote(motion_id=motion.id, member_id=v.member_id, position=v.position, choice=v.choice))
    db.session.commit()
