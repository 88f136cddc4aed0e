"""The PDF record as data: what it says it is, that it never varies, and what it needs.

Built directly from a Record (no database), so each property is checked on its own: the
document information keys verify reads back, the same bytes every time, a right-to-left
title set right to left, and a clear error naming the Debian package when a font is missing.
"""

import dataclasses
import io
import time

import pikepdf
import pytest
from pypdf import PdfReader

from eqia import pdfbase
from eqia.records import pdf
from eqia.records.record import AuditAnchor
from tests import pdfs
from tests.integration.test_pdf_scripts import record

ANCHOR = AuditAnchor(seq=4172, hash="cd" * 32)


def test_the_record_says_what_it_is_in_its_document_information(app):
    sealed = dataclasses.replace(record(), anchor=ANCHOR)
    with app.app_context():
        content = pdf.render(sealed)
    info = PdfReader(io.BytesIO(content)).metadata
    assert info["/EqiaReference"] == "EQIA-2027-0042"
    assert info["/EqiaRevision"] == "1"
    assert info["/EqiaContentHash"] == "ab" * 32
    assert info["/EqiaAuditSeq"] == "4172"
    assert info["/EqiaAuditHash"] == "cd" * 32
    assert info["/Title"] == f"EQIA-2027-0042 revision 1: {sealed.title}"
    assert info["/Author"] == "Cyngor Sir Ynys Môn"
    assert info["/Subject"] == "Equality Impact Assessment record"
    assert info["/CreationDate"] == info["/ModDate"] == "D:20270401103000Z"
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages
    )
    assert "Audit trail at sign-off event 4172" in text
    assert f"Audit trail hash (SHA-256) {'cd' * 32}" in text


def test_an_unsealed_record_has_no_audit_keys(app):
    with app.app_context():
        info = PdfReader(io.BytesIO(pdf.render(record()))).metadata
    assert "/EqiaAuditSeq" not in info and "/EqiaAuditHash" not in info
    assert info["/EqiaReference"] == "EQIA-2027-0042"


def test_the_same_record_gives_the_same_bytes_and_another_record_other_bytes(app, monkeypatch):
    with app.app_context():
        first = pdf.render(record())
        # A day later, as far as anything reading the clock can tell.
        now = time.time
        monkeypatch.setattr(time, "time", lambda: now() + 86_400)
        second = pdf.render(record())
        draft = pdf.render(record(signed_off=False))
    assert first == second
    assert draft != first
    ids = [pikepdf.open(io.BytesIO(c)).trailer.ID for c in (first, draft)]
    assert bytes(ids[0][0]) != bytes(ids[1][0]), "the file identifier follows the content"


def test_a_right_to_left_answer_is_set_right_to_left(app):
    """The Urdu answer's paragraph is right to left, so it is aligned to the right margin."""
    with app.app_context():
        html = pdf.html(record())
        content = pdf.render(record())
    assert 'dir="rtl">اردو زبان میں معلومات</p>' in html
    assert 'dir="ltr">Zażółć gęślą jaźń</p>' in html
    words = pdfs.words(content)
    urdu = [w for w in words if set(w.text) <= set("اردو زبان میں معلومات") and len(w.text) > 2]
    polish = [w for w in words if w.text == "Zażółć"]
    assert urdu and polish
    assert max(w.x + w.width for w in urdu) > 500 > polish[0].x + polish[0].width


def test_a_missing_font_is_named_with_its_debian_package(app, monkeypatch):
    monkeypatch.setattr(
        pdfbase, "installed_families", lambda: frozenset({"Noto Sans", "DejaVu Sans Mono"})
    )
    with app.app_context(), pytest.raises(RuntimeError) as error:
        pdf.render(record())
    assert "Noto Sans Arabic" in str(error.value)
    assert "fonts-noto-cjk" in str(error.value) and "fonts-noto-color-emoji" in str(error.value)
    assert "make fonts" in str(error.value)


def test_the_fonts_the_pdfs_name_are_installed():
    assert set(pdfbase.FONT_PACKAGES) <= pdfbase.installed_families()
