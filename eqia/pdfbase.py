"""What every PDF the service draws shares: fonts, colours, page layout, safe text, and the
canvas that knows how many pages there are.

No Flask and no database: the PDF record (``eqia.records.pdf``) and the progress
report (``eqia.plan.report_pdf``) import this. DejaVu Sans (Debian's
fonts-dejavu-core, from ``FONT_DIR`` in the configuration) is embedded, so Latin
with any accent, Greek and Cyrillic print as typed. Every piece of text a person
typed goes through :func:`markup`, which escapes it before reportlab's paragraph
markup sees it: ``<b>`` or ``&`` print as typed and can never break a PDF.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate

FONTS = {
    "DejaVuSans": "DejaVuSans.ttf",
    "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
    "DejaVuSansMono": "DejaVuSansMono.ttf",
}
REGULAR, BOLD, MONO = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono"

BLACK = colors.HexColor("#0b0c0c")
GREY = colors.HexColor("#505a5f")
LINE = colors.HexColor("#b1b4b6")
PALE = colors.HexColor("#f3f2f1")
RED = colors.HexColor("#d4351c")

MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN


_fonts_lock = threading.Lock()
_fonts_ready = False


def register_fonts(font_dir: str | Path) -> None:
    """Load DejaVu once per process; a clear error names the package when it is missing."""
    global _fonts_ready
    with _fonts_lock:
        if _fonts_ready:
            return
        for name, filename in FONTS.items():
            path = Path(font_dir) / filename
            if not path.exists():
                raise RuntimeError(
                    f"The PDF font {path} is missing: install Debian's fonts-dejavu-core "
                    "(make fonts) or set EQIA_FONT_DIR"
                )
            pdfmetrics.registerFont(TTFont(name, str(path)))
        pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR)
        _fonts_ready = True


def body_style() -> ParagraphStyle:
    """The body text every other style of a PDF derives from."""
    return ParagraphStyle("body", fontName=REGULAR, fontSize=10, leading=14, textColor=BLACK)


def document(out, *, title: str, author: str, **info) -> SimpleDocTemplate:
    """An A4 document with the service's margins, in British English."""
    return SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=title,
        author=author,
        creator="EqIA",
        lang="en-GB",
        **info,
    )


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def markup(value: object) -> str:
    """Text a person typed, safe inside reportlab's paragraph markup, line breaks kept."""
    text = "" if value is None else str(value)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return escape(text).replace("\n", "<br/>")


def numbered_canvas(decorate, info=None):
    """A canvas class that draws each page's header and footer once the number of pages is
    known, so every page can say "Page N of M": ``decorate(canvas, number, total)``."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if info is not None:
                self._doc.info = info
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                decorate(self, number, total)
                super().showPage()
            super().save()

    return NumberedCanvas
