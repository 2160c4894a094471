"""The agenda packet's structure tree (packet_pdf.assemble): one Document element, one Part per part, and each
tagged part's own tree copied under its Part with its parent-tree keys moved past those of the parts before it."""

import pikepdf
from pikepdf import Array, Dictionary, Name, String


class Tree:
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
            for key, value in number_tree(parent_tree):
                self.nums[key + offset] = copy_over(self.out, value)
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
            copied = copy_over(self.out, kid)
            if isinstance(copied, Dictionary):
                if copied.get("/S") == Name.Document:
                    copied.S = Name.Part  # one Document per file: the part's own becomes a Part
                copied.P = part
            part.K.append(copied)
        for name, target in (("/RoleMap", self.role_map), ("/ClassMap", self.class_map)):
            for key, value in root.get(name, Dictionary()).items():
                if key not in target:
                    target[key] = copy_over(self.out, value) if isinstance(value, Dictionary) else value
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


def copy_over(out: pikepdf.Pdf, obj):
    """``obj`` of another PDF, in ``out``: indirect objects through qpdf's copier (which maps each one once, so a
    page already copied is the same page here), direct arrays and dictionaries member by member."""
    if isinstance(obj, pikepdf.Object) and obj.is_indirect:
        return out.copy_foreign(obj)
    if isinstance(obj, Array):
        return Array([copy_over(out, value) for value in obj])
    if isinstance(obj, Dictionary):
        return Dictionary({key: copy_over(out, value) for key, value in obj.items()})
    return obj


def number_tree(node, depth: int = 0):
    """(key, value) pairs of a PDF number tree, leaves and kids alike."""
    if depth > 32:
        return
    nums = node.get("/Nums")
    if nums is not None:
        for i in range(0, len(nums) - 1, 2):
            yield int(nums[i]), nums[i + 1]
    for kid in node.get("/Kids", Array()):
        yield from number_tree(kid, depth + 1)
