"""Every script a council's residents write prints in the PDF record and reads back exactly.

The record is built directly (no database): one answer in each script, as a lead would
type it. Each must come back out of the PDF exactly as typed (pypdf, and poppler for the
right-to-left scripts), be drawn with its own embedded font (a missing one would leave
empty boxes) and have ink where it stands on the page.
"""

import io
from datetime import UTC, datetime

import pikepdf
import pytest
from pypdf import PdfReader

from eqia.records import pdf
from eqia.records.record import Decision, HistoryLine, Record
from eqia.snapshot import Row, SectionView
from tests import pdfs

SCRIPTS = {
    "Polish": "Zażółć gęślą jaźń",
    "Romanian": "Științe și învățământ în țară",
    "Welsh": "Mae'r ŵyn yn y tŷ a'r ŷd yn y cae",
    "Greek": "Ελληνικά: το φυλλάδιο",
    "Russian": "Кириллица: листовка",
    "Arabic": "اللغة العربية في المكتبة",
    "Urdu": "اردو زبان میں معلومات",
    "Bengali": "বাংলা ভাষায় তথ্য দিন",
    "Punjabi": "ਪੰਜਾਬੀ ਵਿੱਚ ਜਾਣਕਾਰੀ",
    "Gujarati": "ગુજરાતીમાં માહિતી",
    "Chinese": "图书馆开放时间",
}
RIGHT_TO_LEFT = ("Arabic", "Urdu")
EMOJI = "👍"
WHEN = datetime(2027, 4, 1, 10, 30, tzinfo=UTC)


def record(signed_off: bool = True) -> Record:
    rows = [Row(f"scripts.{k}", f"In {k}", v, "scripts") for k, v in SCRIPTS.items()]
    rows.append(Row("scripts.emoji", "With an emoji", f"Thank you {EMOJI} all", "scripts"))
    return Record(
        organisation="Cyngor Sir Ynys Môn",
        reference="EQIA-2027-0042",
        title="Library leaflets in every language: ਪੰਜਾਬੀ, اردو, 中文",
        revision=1,
        status="Signed off",
        lead="Zoë Łukasiewicz",
        co_authors=["Ahmed Khan"],
        directorate="Place & Sustainability",
        created_at=WHEN,
        submitted_at=WHEN,
        submitted_by="Zoë Łukasiewicz",
        review_date="1 April 2028",
        content_hash="ab" * 32,
        sections=[SectionView("scripts", 1, "Languages", rows, rows)],
        decision=Decision(True, "Sue Super", "EqIA Super User", WHEN, "Approved: مبروك"),
        history=[HistoryLine(WHEN, "Zoë Łukasiewicz", "Submitted for sign-off")],
        signed_off=signed_off,
    )


@pytest.fixture
def drawn(app) -> bytes:
    with app.app_context():
        return pdf.render(record())


def test_every_script_reads_back_exactly_as_typed(drawn):
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(drawn)).pages)
    for script, typed in SCRIPTS.items():
        assert typed in text, script
    assert f"Thank you {EMOJI} all" in text


def test_right_to_left_text_reads_back_in_logical_order_in_poppler_too(drawn):
    # WeasyPrint draws a right-to-left run's glyphs in visual order (right to left on the
    # page), each mapped back to its letters by the font's ToUnicode map, with no
    # ActualText; pypdf (above) and poppler both give the run back in logical order, the
    # order it was typed in.
    # poppler wraps a right-to-left run in embedding marks (U+202B ... U+202C): drop them.
    text = pdfs.poppler_text(drawn).translate({0x202A: None, 0x202B: None, 0x202C: None})
    for script in RIGHT_TO_LEFT:
        assert SCRIPTS[script] in text, script


def test_every_script_has_ink_where_it_stands(drawn):
    """Each answer stands between its question ("In Arabic") and the next one: that band
    of the page must have ink in it, and so must the emoji's own box."""
    words = pdfs.words(drawn)
    labels = [
        (w, words[n + 1].text)
        for n, w in enumerate(words[:-1])
        if w.text in ("In", "With") and words[n + 1].text in (*SCRIPTS, "an")
    ]
    assert [name for _w, name in labels] == [*SCRIPTS, "an"]
    for (label, name), (below, _next) in zip(labels, [*labels[1:], (None, None)], strict=True):
        top = label.y + label.height + 1
        bottom = below.y - 1 if below and below.page == label.page else top + 20
        assert pdfs.ink(drawn, label.page, 50, top, 495, bottom - top) > 20, name
    # The colour emoji is a bitmap: poppler gives its glyph no height, so look at the square
    # standing on its baseline.
    [emoji] = [w for w in words if w.text == EMOJI]
    square = (emoji.x, emoji.y - emoji.width, emoji.width, emoji.width + 2)
    assert pdfs.ink(drawn, emoji.page, *square) > 20


def test_an_emoji_is_drawn_with_the_colour_emoji_font(drawn):
    document = pikepdf.open(io.BytesIO(drawn))
    names = {str(font.get("/BaseFont", "")) for font in pdfs.fonts(document)}
    assert any("Noto-Color-Emoji" in name for name in names), names


def test_each_script_is_drawn_with_its_own_font_all_embedded_as_subsets(drawn):
    document = pikepdf.open(io.BytesIO(drawn))
    fonts = pdfs.fonts(document)
    names = {str(font.get("/BaseFont", "")).split("+")[-1] for font in fonts}
    for family in ("Noto-Sans", "Noto-Sans-Arabic", "Noto-Sans-Bengali", "Noto-Sans-Gurmukhi"):
        assert family in names, names
    assert "Noto-Sans-Gujarati" in names and any("CJK" in n for n in names), names
    for font in fonts:
        assert pdfs.embedded(font), font.get("/BaseFont")
        # A subset's name starts with six capital letters and a plus: only the glyphs used.
        base = str(font.get("/BaseFont", "")).lstrip("/")
        assert len(base) > 7 and base[6] == "+" and base[:6].isupper(), base
