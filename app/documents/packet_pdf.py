"""Putting an agenda packet together from PDF bytes (pikepdf): pages in order, one structure tree, the outline,
page labels and the agenda's links to each item. No database here: app.documents.packets gathers the parts.

Pages are copied, never re-rendered: an attachment's streams (its scanned images, its fonts) go into the packet
byte for byte, and qpdf writes each copied object once, so the packet is about the size of its parts.

Tags. Each generated part (cover, agenda, staff reports) is a tagged PDF/UA document from WeasyPrint; its structure
tree goes into the packet under a ``Part`` element of the packet's ``Document``, with its parent-tree keys moved
past those of the parts before it, so every page and link keeps its tags. An attachment that is tagged keeps its
own tags the same way; one that is not stays untagged (nothing here can tag another office's scan), and the packet
then claims no PDF/UA conformance (``Assembled.conforming``). A picture attachment becomes a page of its own,
tagged as a ``Figure`` whose alternative text names the file.
"""

import io
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from app.documents import packet_images, packet_tags


class AttachmentError(Exception):
    """An attachment that cannot go into the packet. ``code`` says why (the service words it for the clerk and the
    reader): "password", "unreadable", "empty", "bad_page", "bad_picture", "not_pdf"; ``detail`` is qpdf's or
    Pillow's own message, for the log."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail = code, detail


@dataclass
class Piece:
    """An attachment on its way into the packet: a PDF opened by ``open_piece``, or a picture's bytes."""

    title: str
    kind: str  # "pdf", "jpeg" or "png"
    alt: str
    pdf: pikepdf.Pdf | None = None
    data: bytes = b""
    id: int | None = None  # the attachment's id: the agenda's link to it leads here
    first_page: int | None = None  # set by ``assemble``


@dataclass
class Entry:
    """One agenda item: its staff report (a PDF) and its attachments, in order."""

    item_id: int
    label: str
    title: str
    section: str
    report: bytes
    pieces: list[Piece] = field(default_factory=list)
    first_page: int | None = None  # set by ``assemble``


@dataclass
class Words:
    """The packet's own words (outline titles), in the record language."""

    cover: str
    agenda: str
    report: str


@dataclass
class Assembled:
    data: bytes
    pages: int
    #: Every part was tagged: the packet may claim PDF/UA-1.
    conforming: bool
    untagged: list[str]


def open_piece(title: str, kind: str, data: bytes, alt: str) -> Piece:
    """Check an attachment before the build uses it; AttachmentError says what is wrong with it."""
    if kind == "pdf":
        try:
            pdf = pikepdf.open(io.BytesIO(data))
        except pikepdf.PasswordError:
            raise AttachmentError("password") from None
        except pikepdf.PdfError as exc:
            raise AttachmentError("unreadable", _short(exc)) from None
        if len(pdf.pages) == 0:
            raise AttachmentError("empty")
        try:
            for page in pdf.pages:
                page.mediabox  # noqa: B018 (a page without a size cannot be placed)
        except (pikepdf.PdfError, AttributeError, KeyError) as exc:
            raise AttachmentError("bad_page", _short(exc)) from None
        return Piece(title, kind, alt, pdf=pdf)
    if kind in ("jpeg", "png"):
        try:
            packet_images.image_info(kind, data)
        except (ValueError, OSError, struct.error) as exc:
            raise AttachmentError("bad_picture", _short(exc)) from None
        return Piece(title, kind, alt, data=data)
    raise AttachmentError("not_pdf")


def _short(exc: Exception) -> str:
    text = re.sub(r"^stream <[^>]*>:\s*", "", " ".join(str(exc).split()))
    return text[:200] or exc.__class__.__name__


def _labels(ranges: list[tuple[int, Dictionary]]) -> Dictionary:
    nums = Array()
    for start, style in ranges:
        nums.extend([start, style])
    return Dictionary(Nums=nums)


_ITEM_ANCHOR = re.compile(r"^item-(\d+)$")
_DOCUMENT_URI = re.compile(r"/meetings/\d+/documents/(\d+)/")
_ITEM_URI = re.compile(r"/items/(\d+)(?:[/?#]|$)|#item-(\d+)$")


def _link_agenda(out: pikepdf.Pdf, agenda: pikepdf.Pdf, first: int, targets: dict, documents: dict, tree, part) -> int:
    """Make each agenda item point at its place in the packet: a link the agenda already has to the item (its URL,
    or its anchor ``item-<id>``) now goes to the item's first packet page, and a link to a document included in
    the packet goes to the document's first page; an item the agenda only marks with an anchor gets a link over its
    first line. Links keep their tags (only the action changes). Returns how many items are linked."""
    linked: set[int] = set()
    pages = out.pages[first : first + len(agenda.pages)]
    for page in pages:
        for annot in page.obj.get("/Annots", Array()):
            if not isinstance(annot, Dictionary) or annot.get("/Subtype") != Name.Link:
                continue
            action = annot.get("/A")
            uri = str(action.get("/URI", "")) if isinstance(action, Dictionary) else ""
            document = _DOCUMENT_URI.search(uri) if uri else None
            item_id = _link_target(annot)
            if document and int(document[1]) in documents:
                target = documents[int(document[1])]
            elif item_id in targets:
                target = targets[item_id]
                linked.add(item_id)
            else:
                continue
            annot.A = Dictionary(S=Name.GoTo, D=Array([out.pages[target].obj, Name.Fit]))
            if "/Dest" in annot:
                del annot["/Dest"]
    names = agenda.Root.get("/Names", Dictionary()).get("/Dests")
    if names is None:
        return len(linked)
    page_index = {page.objgen: n for n, page in enumerate(agenda.pages)}
    for name, dest in pikepdf.NameTree(names).items():
        found = _ITEM_ANCHOR.match(str(name))
        if not found or int(found[1]) not in targets or int(found[1]) in linked:
            continue
        dest = dest.D if isinstance(dest, Dictionary) else dest
        if not isinstance(dest, Array) or len(dest) < 4 or dest[0].objgen not in page_index:
            continue
        page = pages[page_index[dest[0].objgen]]
        left, top = float(dest[2] or packet_images.MARGIN), float(dest[3] or 0)
        right = float(page.mediabox[2]) - left
        annot = out.make_indirect(
            Dictionary(
                Type=Name.Annot,
                Subtype=Name.Link,
                Rect=Array([left, top - 16, right, top]),
                Border=Array([0, 0, 0]),
                Contents=String(f"Go to item {int(found[1])} in this packet"),
                A=Dictionary(S=Name.GoTo, D=Array([out.pages[targets[int(found[1])]].obj, Name.Fit])),
            )
        )
        if "/Annots" not in page.obj:
            page.obj.Annots = Array()
        page.obj.Annots.append(annot)
        if tree is not None:
            tree.link(page, annot, part)
        linked.add(int(found[1]))
    return len(linked)


def _link_target(annot) -> int | None:
    action = annot.get("/A")
    uri = str(action.get("/URI", "")) if isinstance(action, Dictionary) else ""
    found = _ITEM_URI.search(uri) if uri else None
    if found:
        return int(found[1] or found[2])
    dest = annot.get("/Dest") or (action.get("/D") if isinstance(action, Dictionary) else None)
    if isinstance(dest, (String, Name)):
        found = _ITEM_ANCHOR.match(str(dest).lstrip("/"))
        return int(found[1]) if found else None
    return None


def assemble(
    cover: bytes,
    agenda: bytes,
    entries: list[Entry],
    *,
    title: str,
    lang: str,
    words: Words,
    on_progress: Callable[[], None] = lambda: None,
) -> Assembled:
    """The packet: cover, agenda, then each item's staff report and attachments, with the outline, page labels
    (cover "i", agenda "ii"..., then per item "5.A-1", "5.A-2"...) and the agenda's links to the items."""
    out = pikepdf.new()
    tree = packet_tags.Tree(out)
    untagged: list[str] = []
    labels: list[tuple[int, Dictionary]] = []

    sources: list[pikepdf.Pdf] = []  # open until the save: copied streams are read from them then

    def add(src: pikepdf.Pdf, name: str, part_title: str) -> tuple[int, pikepdf.Dictionary]:
        sources.append(src)
        first = len(out.pages)
        out.pages.extend(src.pages)
        part = tree.part(part_title)
        if not tree.adopt(src, first, part):
            untagged.append(name)
        return first, part

    cover_pdf, agenda_pdf = pikepdf.open(io.BytesIO(cover)), pikepdf.open(io.BytesIO(agenda))
    add(cover_pdf, words.cover, words.cover)
    labels.append((0, Dictionary(S=Name.r)))
    agenda_first, agenda_part = add(agenda_pdf, words.agenda, words.agenda)
    labels.append((agenda_first, Dictionary(S=Name.r, St=agenda_first + 1)))
    for entry in entries:
        report = pikepdf.open(io.BytesIO(entry.report))
        entry.first_page, _part = add(report, f"{entry.label} {words.report}", f"{entry.label} {entry.title}")
        labels.append((entry.first_page, Dictionary(S=Name.D, P=String(f"{entry.label}-"), St=1)))
        for piece in entry.pieces:
            part = tree.part(piece.title)
            piece.first_page = len(out.pages)
            if piece.pdf is not None:
                out.pages.extend(piece.pdf.pages)
                if not tree.adopt(piece.pdf, piece.first_page, part):
                    untagged.append(piece.title)
            else:
                tree.figure(packet_images.image_page(out, piece.kind, piece.data), part, piece.alt)
        on_progress()
    targets = {entry.item_id: entry.first_page for entry in entries}
    documents = {piece.id: piece.first_page for entry in entries for piece in entry.pieces if piece.id is not None}
    _link_agenda(out, agenda_pdf, agenda_first, targets, documents, tree, agenda_part)
    tree.finish()
    out.Root.PageLabels = _labels(labels)
    _outline(out, entries, agenda_first, words)
    _document_info(out, title=title, lang=lang, conforming=not untagged)
    buffer = io.BytesIO()
    out.save(
        buffer,
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        recompress_flate=False,
    )
    return Assembled(buffer.getvalue(), len(out.pages), not untagged, untagged)


def _outline(out: pikepdf.Pdf, entries: list[Entry], agenda_first: int, words: Words) -> None:
    """Bookmarks: Cover, Agenda, then each agenda section with its items, each item with its staff report and
    attachments nested."""
    from pikepdf import OutlineItem

    with out.open_outline() as outline:
        outline.root.append(OutlineItem(words.cover, 0))
        outline.root.append(OutlineItem(words.agenda, agenda_first))
        section = None
        for entry in entries:
            if section is None or section.title != entry.section:
                section = OutlineItem(entry.section, entry.first_page)
                outline.root.append(section)
            item = OutlineItem(f"{entry.label} {entry.title}", entry.first_page)
            item.children.append(OutlineItem(words.report, entry.first_page))
            for piece in entry.pieces:
                item.children.append(OutlineItem(piece.title, piece.first_page))
            section.children.append(item)
    out.Root.PageMode = Name.UseOutlines


def _document_info(out: pikepdf.Pdf, *, title: str, lang: str, conforming: bool) -> None:
    out.Root.Lang = String(lang)
    out.Root.MarkInfo = Dictionary(Marked=True)
    out.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    with out.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = title
        meta["dc:language"] = [lang]
        if conforming:  # PDF/UA-1 only when every part, attachments too, came with its tags
            meta["pdfuaid:part"] = "1"
        elif "pdfuaid:part" in meta:
            del meta["pdfuaid:part"]
    out.docinfo[Name.Title] = String(title)
