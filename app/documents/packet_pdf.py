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
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import pikepdf
from pikepdf import Array, Dictionary, Name, String

#: US Letter, the page an image attachment is put on (landscape for a wide picture), and its margin.
LETTER = (612.0, 792.0)
MARGIN = 36.0


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
            _image_info(kind, data)
        except (ValueError, OSError, struct.error) as exc:
            raise AttachmentError("bad_picture", _short(exc)) from None
        return Piece(title, kind, alt, data=data)
    raise AttachmentError("not_pdf")


def _short(exc: Exception) -> str:
    text = re.sub(r"^stream <[^>]*>:\s*", "", " ".join(str(exc).split()))
    return text[:200] or exc.__class__.__name__


class _Tree:
    """The packet's structure tree: one Document element, one Part per part, one parent tree."""

    def __init__(self, out: pikepdf.Pdf):
        self.out = out
        self.root = out.make_indirect(Dictionary(Type=Name.StructTreeRoot))
        self.document = out.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=self.root, K=Array()))
        self.root.K = Array([self.document])
        self.nums: dict[int, pikepdf.Object] = {}
        self.next_key = 0
        self.role_map = Dictionary()
        self.class_map = Dictionary()

    def part(self, title: str) -> pikepdf.Dictionary:
        element = self.out.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name.Part, P=self.document, T=String(title), K=Array())
        )
        self.document.K.append(element)
        return element

    def adopt(self, src: pikepdf.Pdf, first: int, part: pikepdf.Dictionary) -> bool:
        """Bring ``src``'s tags under ``part`` (its pages are already copied from index ``first``). False when
        ``src`` is not tagged."""
        root = src.Root.get("/StructTreeRoot")
        marked = src.Root.get("/MarkInfo", Dictionary()).get("/Marked", False)
        if root is None or not bool(marked) or "/K" not in root:
            return False
        offset, highest = self.next_key, -1
        parent_tree = root.get("/ParentTree")
        if parent_tree is not None:
            for key, value in _number_tree(parent_tree):
                self.nums[key + offset] = _copy(self.out, value)
                highest = max(highest, key)
        for page in self.out.pages[first : first + len(src.pages)]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
                highest = max(highest, int(page.obj.StructParents) - offset)
            for annot in page.obj.get("/Annots", Array()):
                if isinstance(annot, Dictionary) and "/StructParent" in annot:
                    annot.StructParent = int(annot.StructParent) + offset
                    highest = max(highest, int(annot.StructParent) - offset)
        self.next_key = offset + highest + 1
        kids = root.K if isinstance(root.K, Array) else Array([root.K])
        for kid in kids:
            copied = _copy(self.out, kid)
            if isinstance(copied, Dictionary):
                if copied.get("/S") == Name.Document:
                    copied.S = Name.Part  # one Document per file: the part's own becomes a Part
                copied.P = part
            part.K.append(copied)
        for name, target in (("/RoleMap", self.role_map), ("/ClassMap", self.class_map)):
            for key, value in root.get(name, Dictionary()).items():
                if key not in target:
                    target[key] = _copy(self.out, value) if isinstance(value, Dictionary) else value
        return True

    def figure(self, page: pikepdf.Page, part: pikepdf.Dictionary, alt: str) -> None:
        """Tag the single picture drawn on ``page`` (marked content 0) as a Figure with ``alt``."""
        element = self.out.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name.Figure, P=part, Pg=page.obj, K=0, Alt=String(alt))
        )
        part.K.append(element)
        page.obj.StructParents = self.next_key
        self.nums[self.next_key] = Array([element])
        self.next_key += 1

    def link(self, page: pikepdf.Page, annot: pikepdf.Dictionary, part: pikepdf.Dictionary) -> None:
        """Tag a link annotation the packet added (a Link element holding an object reference)."""
        element = self.out.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Link, P=part, Pg=page.obj))
        element.K = Dictionary(Type=Name.OBJR, Obj=annot, Pg=page.obj)
        part.K.append(element)
        annot.StructParent = self.next_key
        self.nums[self.next_key] = element
        self.next_key += 1

    def finish(self) -> None:
        nums = Array()
        for key in sorted(self.nums):
            nums.extend([key, self.nums[key]])
        self.root.ParentTree = self.out.make_indirect(Dictionary(Nums=nums))
        self.root.ParentTreeNextKey = self.next_key
        if len(self.role_map):
            self.root.RoleMap = self.role_map
        if len(self.class_map):
            self.root.ClassMap = self.class_map
        self.out.Root.StructTreeRoot = self.root


def _copy(out: pikepdf.Pdf, obj):
    """``obj`` of another PDF, in ``out``: indirect objects through qpdf's copier (which maps each one once, so a
    page already copied is the same page here), direct arrays and dictionaries member by member."""
    if isinstance(obj, pikepdf.Object) and obj.is_indirect:
        return out.copy_foreign(obj)
    if isinstance(obj, Array):
        return Array([_copy(out, value) for value in obj])
    if isinstance(obj, Dictionary):
        return Dictionary({key: _copy(out, value) for key, value in obj.items()})
    return obj


def _number_tree(node, depth: int = 0):
    """(key, value) pairs of a PDF number tree, leaves and kids alike."""
    if depth > 32:
        return
    nums = node.get("/Nums")
    if nums is not None:
        for i in range(0, len(nums) - 1, 2):
            yield int(nums[i]), nums[i + 1]
    for kid in node.get("/Kids", Array()):
        yield from _number_tree(kid, depth + 1)


def _image_info(kind: str, data: bytes) -> dict:
    """Width, height and how to embed the picture without decoding it when its format allows."""
    if kind == "jpeg":
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            if image.format != "JPEG":
                raise ValueError("not a JPEG")
            colors = {"L": 1, "RGB": 3, "CMYK": 4}.get(image.mode)
            if colors is None:
                raise ValueError(f"colour mode {image.mode}")
            return {"width": image.width, "height": image.height, "colors": colors, "cmyk_adobe": "adobe" in image.info}
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("not a PNG")
    width, height, depth, color, _compression, _filter, interlace = struct.unpack(">IIBBBBB", data[16:29])
    if width == 0 or height == 0:
        raise ValueError("an empty picture")
    return {"width": width, "height": height, "depth": depth, "color": color, "interlace": interlace}


def _png_chunks(data: bytes):
    position = 8
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        yield kind, data[position + 8 : position + 8 + length]
        position += 12 + length


def _image_xobject(out: pikepdf.Pdf, kind: str, data: bytes) -> tuple[pikepdf.Stream, int, int]:
    """The picture as an image XObject. A JPEG goes in as it is (DCTDecode); a plain 8-bit PNG's compressed data
    goes in as it is (FlateDecode with the PNG predictor); any other PNG is decoded once, losslessly."""
    info = _image_info(kind, data)
    width, height = info["width"], info["height"]
    if kind == "jpeg":
        space = {1: Name.DeviceGray, 3: Name.DeviceRGB, 4: Name.DeviceCMYK}[info["colors"]]
        image = pikepdf.Stream(out, data)
        image.Filter = Name.DCTDecode
        if info["colors"] == 4 and info["cmyk_adobe"]:
            image.Decode = Array([1, 0, 1, 0, 1, 0, 1, 0])  # Adobe's inverted CMYK JPEGs
    elif info["depth"] == 8 and info["interlace"] == 0 and info["color"] in (0, 2, 3):
        chunks = list(_png_chunks(data))
        colors = {0: 1, 2: 3, 3: 1}[info["color"]]
        image = pikepdf.Stream(out, b"".join(body for name, body in chunks if name == b"IDAT"))
        image.Filter = Name.FlateDecode
        image.DecodeParms = Dictionary(Predictor=15, Colors=colors, BitsPerComponent=8, Columns=width)
        if info["color"] == 3:
            palette = next((body for name, body in chunks if name == b"PLTE"), b"")
            space = Array([Name.Indexed, Name.DeviceRGB, len(palette) // 3 - 1, pikepdf.Stream(out, palette)])
        else:
            space = Name.DeviceGray if colors == 1 else Name.DeviceRGB
    else:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as picture:
            picture.load()
            alpha = picture.getchannel("A") if "A" in picture.getbands() else None
            plain = picture.convert("L" if picture.mode in ("L", "LA", "I", "I;16") else "RGB")
        image = pikepdf.Stream(out, zlib.compress(plain.tobytes(), 6))
        image.Filter = Name.FlateDecode
        space = Name.DeviceGray if plain.mode == "L" else Name.DeviceRGB
        if alpha is not None:
            mask = pikepdf.Stream(out, zlib.compress(alpha.tobytes(), 6))
            _set(mask, Type=Name.XObject, Subtype=Name.Image, Width=width, Height=height)
            _set(mask, ColorSpace=Name.DeviceGray, BitsPerComponent=8, Filter=Name.FlateDecode)
            image.SMask = mask
    _set(image, Type=Name.XObject, Subtype=Name.Image, Width=width, Height=height, BitsPerComponent=8)
    image.ColorSpace = space
    return image, width, height


def _set(stream: pikepdf.Stream, **values) -> None:
    for key, value in values.items():
        stream[Name("/" + key)] = value


def _image_page(out: pikepdf.Pdf, kind: str, data: bytes) -> pikepdf.Page:
    image, width, height = _image_xobject(out, kind, data)
    page_w, page_h = (LETTER[1], LETTER[0]) if width > height else LETTER
    scale = min((page_w - 2 * MARGIN) / width, (page_h - 2 * MARGIN) / height)
    w, h = width * scale, height * scale
    x, y = (page_w - w) / 2, (page_h - h) / 2
    content = f"/Figure <</MCID 0>> BDC q {w:.2f} 0 0 {h:.2f} {x:.2f} {y:.2f} cm /Im0 Do Q EMC".encode()
    page = pikepdf.Page(
        Dictionary(
            Type=Name.Page,
            MediaBox=Array([0, 0, page_w, page_h]),
            Resources=Dictionary(XObject=Dictionary(Im0=image)),
            Contents=pikepdf.Stream(out, content),
            Tabs=Name.S,
        )
    )
    out.pages.append(page)
    return out.pages[-1]


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
        left, top = float(dest[2] or MARGIN), float(dest[3] or 0)
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
    tree = _Tree(out)
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
                tree.figure(_image_page(out, piece.kind, piece.data), part, piece.alt)
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
