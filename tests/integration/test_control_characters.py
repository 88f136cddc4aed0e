"""No text typed into the service holds a control character it could misuse: one-line
answers refuse them all (NUL, escape, line breaks, bidirectional overrides), text areas
allow tabs and line breaks only; every script's letters and joiners are kept."""

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import StringField

from eqia.forms import Form, long_text


class Sample(Form):
    class Meta:
        csrf = False

    title = StringField("Title")
    story = long_text("What people told you", 2_000, name="What people told you")


def errors(app, **values):
    with app.test_request_context():
        form = Sample(formdata=MultiDict(values))
        form.validate()
        return form.errors


@pytest.mark.parametrize(
    "value", ["a\x00b", "\x1b[2J", "Title\r\nBcc: all@example.org", "tab\there", "\u202eexe.pdf"]
)
def test_a_one_line_answer_refuses_control_characters(app, value):
    assert errors(app, title=value) == {"title": ["Title must not contain control characters"]}


@pytest.mark.parametrize("value", ["a\x00b", "\x07bell", "\u2066isolated\u2069"])
def test_a_text_area_refuses_control_characters_but_tabs_and_line_breaks(app, value):
    assert errors(app, story=value) == {
        "story": [
            "What people told you must not contain control characters other than tabs "
            "and line breaks"
        ]
    }


def test_line_breaks_tabs_and_every_script_are_kept(app):
    text = "Line one\r\nLine\ttwo\nمیں نے کہا — আমি — ਪੰਜਾਬੀ — ગુજરાતી — 中文 — 👨‍👩‍👧 — ‌‍"
    assert errors(app, title="می‌خواهم", story=text) == {}
