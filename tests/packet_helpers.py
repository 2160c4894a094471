"""Files for the agenda packet's tests: PDFs with a marker on each page, tagged and untagged, pictures, a Word
file, and PDFs that cannot go in (damaged, password-protected)."""

import io
import zipfile

import pikepdf
from PIL import Image


def marked_pdf(marker: str, pages: int = 1) -> bytes:
    """An untagged PDF whose page n reads "<marker> p<n>" (Helvetica, so pypdf reads the text back)."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    )
    for n in range(1, pages + 1):
        content = f"BT /F1 24 Tf 72 700 Td ({marker} p{n}) Tj ET".encode()
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, 612, 792],
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
            Contents=pdf.make_stream(content),
        )
        pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def tagged_pdf(marker: str) -> bytes:
    """A tagged PDF/UA document (WeasyPrint) reading ``marker``."""
    from weasyprint import HTML

    html = f"<html lang='en'><head><title>{marker}</title></head><body><h1>{marker}</h1><p>Text.</p></body></html>"
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")


def encrypted_pdf() -> bytes:
    pdf = pikepdf.open(io.BytesIO(marked_pdf("SECRET")))
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(user="letmein", owner="owner"))
    return out.getvalue()


BROKEN_PDF = b"%PDF-1.7\nthis is not a PDF at all\n"


def picture(fmt: str, size=(40, 30), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else 120).save(out, fmt)
    return out.getvalue()


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return out.getvalue()
