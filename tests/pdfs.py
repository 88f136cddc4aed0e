"""Reading a PDF the way a screen reader, an auditor's tools or a printer would.

- :func:`structure`: the tagged structure tree, in reading order, each element with the
  text of the marked content it owns (decoded by pypdf, page by page);
- :func:`poppler_text` and :func:`ink`: poppler's own text extraction and rendering, a
  second reader beside pypdf, and whether an area of a page has anything drawn in it;
- :func:`tool`: a command-line tool from Debian (poppler-utils, qpdf), which ``make fonts``
  installs: missing, the test skips, except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field

import pdfua
import pikepdf
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from tests.processes import not_installed


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        not_installed(f"{name} is missing: make fonts installs Debian's poppler-utils and qpdf")
    return path


@dataclass
class Element:
    """A structure element: its type, attributes and owned text, and its children."""

    type: str
    text: str = ""
    alt: str = ""
    attributes: dict = field(default_factory=dict)
    children: list[Element] = field(default_factory=list)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def all_text(self) -> str:
        return self.text + "".join(child.all_text for child in self.children)


@dataclass
class Marked:
    """Per page, the text of each marked-content id, and the text marked as artifact."""

    text: dict[tuple[int, int], str]
    artifacts: list[str]


def marked_content(content: bytes) -> Marked:
    """Decode every page's text by marked content: (page index, MCID) → text."""
    reader = PdfReader(io.BytesIO(content))
    text: dict[tuple[int, int], str] = defaultdict(str)
    artifacts: list[str] = []
    for index, page in enumerate(reader.pages):
        stack: list[object] = []
        artifact = [""]

        def before(operator, operands, _cm, _tm, stack=stack):
            if operator == b"BDC":
                tag, properties = operands[0], operands[1]
                mcid = properties.get("/MCID") if isinstance(properties, DictionaryObject) else None
                stack.append("artifact" if tag == "/Artifact" else mcid)
            elif operator == b"BMC":
                stack.append("artifact" if operands[0] == "/Artifact" else None)
            elif operator == b"EMC" and stack:
                stack.pop()

        def seen(value, _cm, _tm, _font, _size, stack=stack, index=index, artifact=artifact):
            if "artifact" in stack:
                artifact[0] += value
            elif stack and isinstance(stack[-1], int):
                text[(index, stack[-1])] += value

        page.extract_text(visitor_operand_before=before, visitor_text=seen)
        artifacts.append(artifact[0])
    return Marked(dict(text), artifacts)


def structure(content: bytes) -> tuple[Element, pikepdf.Pdf]:
    """The structure tree, each element with the text of the marked content it owns."""
    marked = marked_content(content)
    pdf = pikepdf.open(io.BytesIO(content))
    pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}

    def build(node, page) -> Element:
        element = Element(str(node.get("/S", "")).lstrip("/"))
        element.alt = str(node.get("/Alt", ""))
        attributes = node.get("/A")
        if isinstance(attributes, pikepdf.Dictionary):
            element.attributes = {str(k): attributes[k] for k in attributes}
        if "/Pg" in node:
            page = pages[node.Pg.objgen]
        kids = node.get("/K")
        if kids is None:
            kids = []
        elif not isinstance(kids, pikepdf.Array):
            kids = [kids]
        for kid in kids:
            if isinstance(kid, int):
                element.text += marked.text.get((page, int(kid)), "")
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                element.text += marked.text.get((pages[kid.Pg.objgen], int(kid.MCID)), "")
            elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                element.children.append(build(kid, page))
        return element

    root = Element("StructTreeRoot")
    tree = pdf.Root.StructTreeRoot
    kids = tree.K if isinstance(tree.K, pikepdf.Array) else [tree.K]
    root.children = [build(kid, None) for kid in kids]
    return root, pdf


def in_tree(pdf: pikepdf.Pdf) -> set[tuple[int, int]]:
    """The structure elements reachable from the root, by object id."""
    seen: set[tuple[int, int]] = set()
    pending = [pdf.Root.StructTreeRoot]
    while pending:
        node = pending.pop()
        if node.objgen in seen and node.objgen != (0, 0):
            continue
        seen.add(node.objgen)
        kids = node.get("/K")
        kids = kids if isinstance(kids, pikepdf.Array) else [kids]
        pending += [k for k in kids if isinstance(k, pikepdf.Dictionary) and "/S" in k]
    return seen


def parent_tree_elements(pdf: pikepdf.Pdf) -> list:
    """Every structure element the parent tree maps marked content to."""
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    elements = []
    for index in range(1, len(nums), 2):
        value = nums[index]
        values = value if isinstance(value, pikepdf.Array) else [value]
        elements += [v for v in values if isinstance(v, pikepdf.Dictionary)]
    return elements


def fonts(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every font the pages and the forms they draw use."""
    found, seen = [], set()

    def visit(resources):
        if not isinstance(resources, pikepdf.Dictionary):
            return
        for font in resources.get("/Font", {}).values():
            if font.objgen not in seen:
                seen.add(font.objgen)
                found.append(font)
        for xobject in resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                visit(xobject.get("/Resources"))

    for page in pdf.pages:
        visit(page.get("/Resources"))
    return found


def embedded(font: pikepdf.Dictionary) -> bool:
    descriptor = font.get("/FontDescriptor")
    if font.get("/Subtype") == "/Type0":
        descriptor = font.DescendantFonts[0].get("/FontDescriptor")
    if font.get("/Subtype") == "/Type3":
        return True  # drawn by the PDF's own glyph procedures (a colour emoji's bitmap)
    return descriptor is not None and any(
        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
    )


def pattern_fills(content: bytes) -> list[str]:
    """What each area the pages paint with a tiling pattern is filled with, in drawing order:
    the marks its tile draws ("stripes", "back-stripes", "dots", "crosses" or "bands"), or
    "not white" when a tile draws in another colour than white."""
    pdf = pikepdf.open(io.BytesIO(content))
    found = []
    for page in pdf.pages:
        patterns = page.Resources.get("/Pattern", {})
        for operands, operator in pikepdf.parse_content_stream(page):
            name = operands[-1] if operands else None
            painting = str(operator) in ("scn", "SCN") and isinstance(name, pikepdf.Name)
            if painting and name in patterns:
                found.append(_tile_marks(patterns[name]))
    return found


def _tile_marks(pattern: pikepdf.Stream) -> str:
    if pattern.get("/PatternType") != 1:
        return "not a tiling pattern"
    operations = []

    def read(stream: pikepdf.Stream) -> None:
        for operands, operator in pikepdf.parse_content_stream(stream):
            operations.append((str(operator), [float(o) for o in operands if _numeric(o)]))
            if str(operator) == "Do":
                read(stream.Resources.XObject[operands[0]])

    read(pattern)
    colours = {tuple(values) for operator, values in operations if operator in ("rg", "RG")}
    if colours != {(1.0, 1.0, 1.0)}:
        return "not white"
    operators = [operator for operator, _values in operations]
    if "c" in operators:
        return "dots"
    if "l" in operators:
        return "crosses"
    painted = [
        values[2:]
        for (operator, values), (following, _) in zip(operations, operations[1:], strict=False)
        if operator == "re" and following != "W"  # not the tile's clip
    ]
    if painted == [[2.0, 6.0]]:
        # The matrix also turns the SVG's downward y upward: 45° comes out with b·d > 0.
        _a, b, _c, d = (float(m) for m in pattern.Matrix[:4])
        return "stripes" if b * d > 0 else "back-stripes"
    if painted == [[6.0, 2.0]]:
        return "bands"
    return f"unknown marks: {operators}"


def _numeric(operand) -> bool:
    try:
        float(operand)
    except (TypeError, ValueError):
        return False
    return True


def poppler_text(content: bytes, *args: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        return subprocess.run(
            [tool("pdftotext"), *args, file.name, "-"], capture_output=True, text=True, check=True
        ).stdout


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    x: float
    y: float
    width: float
    height: float


def words(content: bytes) -> list[Word]:
    """Every word poppler finds, with where it stands (in points from the page's top left)."""
    html = poppler_text(content, "-bbox")
    found = []
    body = ET.fromstring(html)  # noqa: S314 - poppler's XHTML of a PDF this test made
    for number, page in enumerate(body.iter("{http://www.w3.org/1999/xhtml}page"), 1):
        for word in page.iter("{http://www.w3.org/1999/xhtml}word"):
            x, y = float(word.get("xMin")), float(word.get("yMin"))
            right, bottom = float(word.get("xMax")), float(word.get("yMax"))
            found.append(Word(number, word.text or "", x, y, right - x, bottom - y))
    return found


def ink(
    content: bytes, page: int, x: float, y: float, width: float, height: float, below: int = 200
) -> int:
    """How many pixels of the area (points, from the top left) poppler draws darker than
    ``below`` (of 255, white): 0 means the area is blank."""
    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(folder, "in.pdf")
        with open(source, "wb") as file:
            file.write(content)
        crop = [f"{round(v)}" for v in (x, y, max(1, width), max(1, height))]
        subprocess.run(
            [
                tool("pdftoppm"),
                *("-gray", "-r", "72", "-f", str(page), "-l", str(page)),
                *("-x", crop[0], "-y", crop[1], "-W", crop[2], "-H", crop[3]),
                source,
                os.path.join(folder, "area"),
            ],
            check=True,
        )
        [name] = [n for n in os.listdir(folder) if n.startswith("area")]
        with open(os.path.join(folder, name), "rb") as file:
            data = file.read()
    # A binary PGM: "P5", width, height, maximum, one whitespace, then one byte a pixel.
    header = re.match(rb"P5\s+\d+\s+\d+\s+\d+\s", data)
    assert header, data[:20]
    return sum(1 for value in data[header.end() :] if value < below)


def headings(tree: Element, levels: tuple[str, ...] = ("H1", "H2")) -> list[tuple[str, str]]:
    """The headings of the structure tree in reading order, with their text."""
    return [(e.type, " ".join(e.all_text.split())) for e in tree.walk() if e.type in levels]


def outline_titles(pdf: pikepdf.Pdf) -> list[str]:
    """The bookmarks, depth first (a reader's outline panel, read top to bottom)."""
    with pdf.open_outline() as outline:

        def flatten(items):
            for item in items:
                yield item.title
                yield from flatten(item.children)

        return [" ".join(title.split()) for title in flatten(outline.root)]


def tagging_problems(content: bytes, title: str) -> list[str]:
    """What a screen reader, or a PDF/UA checker, would find wrong with the PDF: it must be
    marked as tagged with a structure tree, in British English, show its title, embed every
    font, give every table header cells with a scope, every figure alternative text and
    every heading text, keep page furniture out of the structure tree, have bookmarks, and
    pass the ``pdfua`` checker's rules."""
    problems = []
    pdf = pikepdf.open(io.BytesIO(content))
    root = pdf.Root
    if not (isinstance(root.get("/MarkInfo"), pikepdf.Dictionary) and root.MarkInfo.get("/Marked")):
        problems.append("MarkInfo /Marked is not true")
    if str(root.get("/Lang", "")) != "en-GB":
        problems.append(f"language is {root.get('/Lang')!r}, not en-GB")
    preferences = root.get("/ViewerPreferences", {})
    if not preferences.get("/DisplayDocTitle"):
        problems.append("readers are not asked to show the title")
    if str(pdf.docinfo.get("/Title", "")) != title:
        problems.append(f"title is {pdf.docinfo.get('/Title')!r}, not {title!r}")
    with pdf.open_metadata() as xmp:
        if xmp.get("pdfuaid:part") != "1":
            problems.append("no PDF/UA-1 identification in the XMP metadata")
        if xmp.get("dc:title") != title:
            problems.append(f"XMP title is {xmp.get('dc:title')!r}")
    for font in fonts(pdf):
        if not embedded(font):
            problems.append(f"font not embedded: {font.get('/BaseFont')}")
    if "/StructTreeRoot" not in root:
        return [*problems, "no structure tree"]
    tree, pdf = structure(content)
    elements = list(tree.walk())
    for element in elements:
        if element.type == "TH" and str(element.attributes.get("/Scope")) not in (
            "/Column",
            "/Row",
        ):
            problems.append(f"a header cell without a scope: {element.all_text!r}")
        if element.type == "TD" and not element.attributes.get("/Headers"):
            problems.append(f"a data cell without headers: {element.all_text!r}")
        if element.type == "Figure" and not element.alt.strip():
            problems.append("a figure without alternative text")
        if element.type in ("H1", "H2", "H3") and not element.all_text.strip():
            problems.append(f"an empty {element.type}")
        if element.type == "Table" and not any(e.type == "TH" for e in element.walk()):
            problems.append("a table without header cells")
    reachable = in_tree(pdf)
    orphans = [e for e in parent_tree_elements(pdf) if e.objgen not in reachable]
    if orphans:
        problems.append(f"{len(orphans)} marked content items belong to no element of the tree")
    if not outline_titles(pdf):
        problems.append("no bookmarks")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        report = pdfua.validate(file.name)
    problems += [
        f"pdfua {f.rule_id}: {f.message}"
        for f in report.findings
        if f.severity >= pdfua.Severity.WARNING
    ]
    return problems
