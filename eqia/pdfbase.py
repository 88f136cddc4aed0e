"""What every PDF the service draws shares: the fonts, the writer and the tagging fixes.

Both PDFs (the EqIA record, ``eqia.records.pdf``, and the progress report,
``eqia.plan.report_pdf``) are HTML drawn from Jinja templates under ``templates/pdf/``
(``base.html`` holds the page furniture and the CSS) and written by WeasyPrint as
tagged PDF/UA-1: headings, paragraphs, tables, lists and figures in a structure tree,
the document's language and title, every font embedded (only the glyphs used) and
text shaped by HarfBuzz, so every script prints as typed and extracts back.

reportlab could not do this: it writes no structure tree. WeasyPrint leaves two
things to do, done here once the pages are laid out (``_finish``):

- the running header and footer (organisation, reference, "Page N of M") are page
  furniture: their marked content becomes ``/Artifact``, so a screen reader does not
  read them on every page and they are not in the structure tree;
- each table header cell (``TH``) gets the ``/Scope`` its ``scope`` attribute says
  (``Column`` or ``Row``), besides the ``/Headers`` WeasyPrint gives data cells.

The fonts are named families that fontconfig finds: the Noto families from Debian's
``fonts-noto-core``, ``fonts-noto-cjk`` and ``fonts-noto-color-emoji`` and DejaVu Sans
Mono from ``fonts-dejavu-core`` (``make fonts`` installs them). Nothing is fetched
while drawing: the only URLs a PDF may load are ``data:`` ones.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess  # noqa: S404 - fc-list, a fixed command, once per process
import unicodedata
from collections.abc import Iterator

import pydyf
from weasyprint import HTML
from weasyprint.formatting_structure import boxes
from weasyprint.urls import URLFetcher

# The body text's families, in the order fontconfig is asked: Latin (every accent, Welsh
# ŵ ŷ, Romanian ș ț), Greek and Cyrillic first, then each script's own family. Each with
# the Debian package that installs it.
TEXT_FONTS = {
    "Noto Sans": "fonts-noto-core",
    "Noto Sans Arabic": "fonts-noto-core",  # Arabic and Urdu
    "Noto Sans Bengali": "fonts-noto-core",
    "Noto Sans Gurmukhi": "fonts-noto-core",  # Punjabi
    "Noto Sans Gujarati": "fonts-noto-core",
    "Noto Sans Devanagari": "fonts-noto-core",  # Hindi, Nepali, Marathi
    "Noto Sans CJK SC": "fonts-noto-cjk",  # Chinese (and Japanese and Korean)
}
MONO_FONTS = {"DejaVu Sans Mono": "fonts-dejavu-core"}  # hashes
# Emoji, in colour. Not named in the CSS: named there, Pango draws digits (which have emoji
# forms) with it too. fontconfig falls back to it for every emoji, as for any character
# the named families lack.
EMOJI_FONTS = {"Noto Color Emoji": "fonts-noto-color-emoji"}
FONT_PACKAGES = TEXT_FONTS | MONO_FONTS | EMOJI_FONTS

# As CSS: plain family names need no quotes (and no escaping).
TEXT_STACK = ", ".join(TEXT_FONTS) + ", sans-serif"
MONO_STACK = ", ".join([*MONO_FONTS, *TEXT_FONTS]) + ", monospace"

# fontTools stamps each font it subsets (the colour emoji's, for one) with the time, which
# would make the same record give different bytes a second later: the reproducible-builds
# convention fixes that time, for this process, unless it is already set.
os.environ.setdefault("SOURCE_DATE_EPOCH", "0")

# WeasyPrint reports each step of each PDF at INFO: not news in the service's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# fontconfig's command-line tool (Debian's fontconfig, which Pango needs anyway).
FC_LIST = shutil.which("fc-list") or "/usr/bin/fc-list"


@functools.cache
def installed_families() -> frozenset[str]:
    """Every font family fontconfig knows (each name of a family with several)."""
    listed = subprocess.run(  # noqa: S603 - a fixed command, no input
        [FC_LIST, "--format", "%{family}\n"], capture_output=True, text=True, check=True
    ).stdout
    return frozenset(name.strip() for line in listed.splitlines() for name in line.split(","))


def require_fonts() -> None:
    """Refuse to draw a PDF that could not print every script: name the missing package."""
    missing = [f for f in FONT_PACKAGES if f not in installed_families()]
    if missing:
        packages = sorted({FONT_PACKAGES[f] for f in missing})
        raise RuntimeError(
            f"The PDF fonts {', '.join(missing)} are missing: install Debian's "
            f"{' '.join(packages)} (make fonts)"
        )


def direction(text: object) -> str:
    """``rtl`` when the text's first strong character is right to left (Arabic, Urdu,
    Hebrew), else ``ltr``: the paragraph direction of Unicode's bidi rule P2, which HTML's
    ``dir="auto"`` means and WeasyPrint does not read. The bidi algorithm (FriBidi, in
    Pango) orders the text within the paragraph."""
    for character in str(text or ""):
        kind = unicodedata.bidirectional(character)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def context() -> dict:
    """What every PDF template uses: the font stacks and the direction of a text."""
    return {
        "text_fonts": TEXT_STACK,
        "mono_fonts": MONO_STACK,
        "direction": direction,
    }


def write(html: str, *, info: dict[str, str] | None = None) -> bytes:
    """The HTML as tagged PDF/UA-1 bytes: the same HTML gives the same bytes (the file
    identifier, ``/ID``, is a digest of the content; the dates are the HTML's own).

    ``info`` adds keys to the document information dictionary, beside the title, author,
    subject and dates that the HTML's ``<title>`` and ``<meta>`` give."""
    require_fonts()
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).render()
    return document.write_pdf(
        pdf_variant="pdf/ua-1",
        pdf_identifier=True,
        finisher=functools.partial(_finish, info=info or {}),
    )


# After layout: page furniture as artifacts, header cells' scope, the extra information.


def _finish(document, pdf: pydyf.PDF, *, info: dict[str, str]) -> None:
    _scope_header_cells(document)
    _furniture_as_artifacts(pdf)
    for key, value in info.items():
        pdf.info[key] = pydyf.String(value)


def _walk(box) -> Iterator:
    yield box
    for child in getattr(box, "children", ()):
        yield from _walk(child)


def _scope_header_cells(document) -> None:
    """``/Scope`` on every ``TH``, from its ``scope`` attribute (WeasyPrint keeps the
    structure element it made for a cell as the cell box's ``mark``)."""
    for page in document.pages:
        for box in _walk(page._page_box):
            if isinstance(box, boxes.TableCellBox) and box.element_tag == "th":
                element = getattr(box, "mark", None)
                if element is not None:
                    scope = box.element.get("scope", "col")
                    element["A"]["Scope"] = "/Row" if scope == "row" else "/Column"


def _furniture_as_artifacts(pdf: pydyf.PDF) -> None:
    """Margin boxes' content is marked content whose structure elements WeasyPrint leaves
    out of the tree (PDF 1.7 cannot hold artifacts there): mark it ``/Artifact`` in each
    page's content stream and drop it from the parent tree, as PDF/UA asks of furniture."""
    objects = pdf.objects
    root = objects[_number(pdf.catalog["StructTreeRoot"])]
    document = objects[_number(root["K"][0])]
    in_tree = set()
    pending = [_number(reference) for reference in document["K"]]
    while pending:
        number = pending.pop()
        if number in in_tree:
            continue
        in_tree.add(number)
        pending += [_number(k) for k in objects[number]["K"] if not isinstance(k, int)]
    parent_tree = objects[_number(root["ParentTree"])]["Nums"]
    pages = [objects[_number(reference)] for reference in pdf.page_references]
    for index in range(0, len(parent_tree), 2):
        page_number, elements = parent_tree[index], parent_tree[index + 1]
        if not isinstance(elements, pydyf.Array) or page_number >= len(pages):
            continue  # an annotation's entry
        furniture = {
            mcid for mcid, reference in enumerate(elements) if _number(reference) not in in_tree
        }
        if not furniture:
            continue
        stream = objects[_number(pages[page_number]["Contents"])]
        _mark_as_artifacts(stream, furniture)
        for mcid in furniture:
            elements[mcid] = "null"


def _mark_as_artifacts(stream: pydyf.Stream, mcids: set[int]) -> None:
    """Turn ``/Tag <</MCID n>> BDC`` into ``/Artifact BMC`` for each n in ``mcids``."""
    operators, rewritten, found = stream.stream, [], set()
    for position, item in enumerate(operators):
        following = operators[position + 1] if position + 1 < len(operators) else None
        if isinstance(item, pydyf.Dictionary) and item.get("MCID") in mcids and following == b"BDC":
            found.add(item["MCID"])
            rewritten[-1] = "/Artifact"  # the tag before the property list
            rewritten.append(b"BMC")
            operators[position + 1] = None  # the BDC, dropped below
        elif item is not None:
            rewritten.append(item)
    stream.stream[:] = rewritten
    if found != mcids:
        raise RuntimeError(f"Page furniture not found in the content stream: {mcids - found}")


def _number(reference) -> int:
    """The object number of a pydyf reference (``b"12 0 R"``) or object."""
    if hasattr(reference, "number"):
        return reference.number
    text = reference.decode() if isinstance(reference, bytes) else str(reference)
    return int(text.split()[0])
