"""Reading generated PDFs back in the tests: text (pypdf) and the PDF/UA-1 machine check (pdfua on pikepdf, plus
the checks pdfua skips or does not make, on pikepdf directly)."""

import io

import pikepdf
import pypdf
from pdfua import Severity, validate

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
