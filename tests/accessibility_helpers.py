"""Test PDFs made with pikepdf, each missing what a test names, and a meeting with documents attached."""

import io
import zlib

import pikepdf
from pikepdf import Dictionary, Name, String

from tests.meetings_helpers import PDF as BROKEN_PDF  # noqa: F401  (the suite's minimal file: no pages, no trailer)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _image(pdf):
    image = pikepdf.Stream(pdf, zlib.compress(b"\x80" * 100 * 100))
    image.Type, image.Subtype, image.Width, image.Height = Name.XObject, Name.Image, 100, 100
    image.ColorSpace, image.BitsPerComponent, image.Filter = Name.DeviceGray, 8, Name.FlateDecode
    return image


TEXT = b"BT /F1 12 Tf 72 720 Td (Staff report: harbor dredging) Tj ET\n"


def make_pdf(
    *,
    pages=("text",),
    tagged=True,
    lang="en-US",
    title="Staff report",
    xmp_title=None,
    display_title=True,
    encryption=None,
) -> bytes:
    """A PDF whose pages are "text", "image", "form" (text inside a Form XObject) or "blank"; the other
    arguments say which accessibility properties it has."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
    for kind in pages:
        resources = Dictionary(Font=Dictionary(F1=font))
        if kind == "text":
            ops = TEXT
        elif kind == "image":
            resources.XObject = Dictionary(Im0=_image(pdf))
            ops = b"q 400 0 0 400 100 300 cm /Im0 Do Q\n"
        elif kind == "form":
            form = pikepdf.Stream(pdf, TEXT)
            form.Type, form.Subtype, form.BBox = Name.XObject, Name.Form, [0, 0, 612, 792]
            form.Resources = Dictionary(Font=Dictionary(F1=font))
            resources.XObject = Dictionary(Fm0=form)
            ops = b"q /Fm0 Do Q\n"
        else:
            ops = b""
        page = pdf.add_blank_page(page_size=(612, 792))
        page.Resources = resources
        page.Contents = pdf.make_stream(ops)
    if tagged:
        pdf.Root.MarkInfo = Dictionary(Marked=True)
        pdf.Root.StructTreeRoot = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    if lang:
        pdf.Root.Lang = String(lang)
    if title:
        pdf.docinfo["/Title"] = title
    if xmp_title:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:title"] = xmp_title
    if display_title:
        pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    out = io.BytesIO()
    pdf.save(out, encryption=encryption)
    return out.getvalue()


def scanned_pdf(lines=("CITY COMMISSION STAFF REPORT", "Harbor dredging contract")) -> bytes:
    """A page that is only a picture of large, clear text, as a scanner gives it (for real OCR)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1275, 1650), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=48)
    for n, line in enumerate(lines):
        draw.text((100, 200 + 100 * n), line, fill=0, font=font)
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=150)
    return out.getvalue()


def attach(item, data: bytes, name: str = "report.pdf"):
    """Attach through the service (a published agenda needs a reason, given here)."""
    from app.meetings import documents

    return documents.add_attachment(
        item, filename=name, stream=io.BytesIO(data), amendment_reason="Report arrived late", actor=None
    )


def ocrmypdf_or_skip():
    """Real OCR needs the ocrmypdf program (Debian: ocrmypdf; tesseract-ocr-spa for Spanish records). Skipped
    where it is missing, unless REQUIRE_OCR=1 says this machine must have it."""
    import os
    import shutil

    import pytest

    if shutil.which("ocrmypdf") is None:
        reason = "ocrmypdf is not installed (apt-get install -y ocrmypdf): real OCR cannot run here"
        if os.environ.get("REQUIRE_OCR") == "1":
            pytest.fail(reason + " and REQUIRE_OCR=1")
        pytest.skip(reason)
