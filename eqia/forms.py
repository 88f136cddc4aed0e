"""Form pieces shared by every area: GOV.UK wording, limits, dates, the confirm form.

Validators that judge *completeness* (is the answer there?) are marked, so a
section can be saved half-done ("Save and come back later") while every rule
about *form* (length, real dates, valid choices) still applies.
"""

import re
from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovDateInput
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import Length

from eqia.timefmt import uk_today

# The years a date may fall in: enough for any decision, review or action, and the day after
# the last is still a date.
FIRST_YEAR, LAST_YEAR = 1000, 2999


# Characters no answer may hold: control characters (NUL, escape, and in a one-line answer
# tabs and line breaks too), and the bidirectional overrides that can make text read in
# another order than it is stored. Letters, marks and joiners of every script are kept.
_BIDI_OVERRIDES = "\u202a-\u202e\u2066-\u2069"
_NOT_IN_A_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI_OVERRIDES}]")
_NOT_IN_TEXT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI_OVERRIDES}]")


def _field_name(field) -> str:
    return getattr(field, "name_in_errors", None) or field.label.text


class Form(FlaskForm):
    """Every form of the service. Besides its own rules, no text it takes may hold a control
    character (a text area may hold tabs and line breaks), so nothing typed can break a
    database, an email's headers or the order text reads in."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if not isinstance(field, StringField) or not isinstance(field.data, str):
                continue
            multiline = isinstance(field, TextAreaField)
            if (_NOT_IN_TEXT if multiline else _NOT_IN_A_LINE).search(field.data):
                allowed = " other than tabs and line breaks" if multiline else ""
                field.errors = [
                    *field.errors,
                    f"{_field_name(field)} must not contain control characters{allowed}",
                ]
                valid = False
        return valid


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def max_length(limit: int, name: str) -> Length:
    """A length limit with the GOV.UK message: an error, never a silent truncation."""
    return Length(max=limit, message=f"{name} must be {limit:,} characters or fewer")


def _is_blank(data) -> bool:
    if isinstance(data, str):
        return not data.strip()
    return data is None or data == [] or data is False


class Required:
    """The answer must be given (judged on the data, so it works on saved answers too)."""

    completeness = True
    field_flags = {}

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field) -> None:
        if _is_blank(field.data):
            raise ValidationError(self.message)


def not_blank(message: str) -> Required:
    return Required(message)


class RequiredIf(Required):
    """Required when another field's answer is (or includes) a given value."""

    def __init__(self, other: str, value: str, message: str):
        super().__init__(message)
        self.other, self.value = other, value

    def __call__(self, form, field) -> None:
        other = form[self.other].data
        applies = self.value in other if isinstance(other, list | tuple) else other == self.value
        if applies:
            super().__call__(form, field)


class NotBefore:
    """A date that must be the same as or after another field's date (an end after a start)."""

    completeness = False

    def __init__(self, other: str, message: str):
        self.other, self.message = other, message

    def __call__(self, form, field) -> None:
        start = form[self.other].data
        if field.data and start and field.data < start:
            raise ValidationError(self.message)


class InFuture:
    completeness = False

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field) -> None:
        if field.data and field.data <= uk_today():
            raise ValidationError(self.message)


class GovDateField(DateField):
    """A GOV.UK date input (day, month, year) with GOV.UK error messages."""

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, name_in_errors: str | None = None, **kwargs):
        super().__init__(label, validators, format="%d %m %Y", **kwargs)
        self.name_in_errors = name_in_errors or (label or "Date")

    def process_formdata(self, valuelist):
        if not valuelist:
            self.raw_data = None  # the widget then shows the saved date
            return
        parts = [(value or "").strip() for value in valuelist]
        self.raw_data = (parts + ["", "", ""])[:3]
        if not any(parts):
            self.data = None
            return
        if len(parts) != 3:
            self.data = None
            raise ValueError(f"{self.name_in_errors} must be a real date")
        missing = [
            name
            for name, part in zip(("a day", "a month", "a year"), parts, strict=True)
            if not part
        ]
        if missing:
            self.data = None
            raise ValueError(f"{self.name_in_errors} must include {' and '.join(missing)}")
        try:
            if not all(part.isascii() and part.isdigit() and len(part) <= 4 for part in parts):
                raise ValueError
            day, month, year = (int(part) for part in parts)
            if year < FIRST_YEAR:
                raise ValueError
            self.data = date(year, month, day)
        except ValueError:
            self.data = None
            raise ValueError(f"{self.name_in_errors} must be a real date") from None

    def _value(self):
        return ""


class LongText(TextAreaField):
    """A text area whose error messages name it as ``name_in_errors``."""

    def __init__(self, label=None, validators=None, name_in_errors: str | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.name_in_errors = name_in_errors or label


def long_text(label: str, limit: int, *validators, name: str | None = None, **kwargs):
    """A textarea with a GOV.UK character count; over-long text is an error."""
    return LongText(
        label,
        widget=GovCharacterCount(),
        validators=[*validators, max_length(limit, name or label)],
        render_kw={"params": {"maxlength": limit}},
        name_in_errors=name or label,
        **kwargs,
    )


class _SkipBlankChoice:
    """An unanswered question gets its own "Select …" message, not "Not a valid choice"."""

    def pre_validate(self, form) -> None:
        if _is_blank(self.data):
            return
        super().pre_validate(form)


class GovRadioField(_SkipBlankChoice, RadioField):
    pass


class GovSelectField(_SkipBlankChoice, SelectField):
    pass


def optional_int(value) -> int | None:
    """Coerce a choice to int; blank means not answered."""
    if value in (None, ""):
        return None
    return int(value)


class ConfirmForm(Form):
    """A button-only POST: carries the CSRF token and nothing else."""


def validate_draft(form) -> bool:
    """Validate only what must hold even for a half-finished answer (no completeness rules)."""
    saved = {}
    for name, field in form._fields.items():
        saved[name] = field.validators
        field.validators = [v for v in field.validators if not getattr(v, "completeness", False)]
    try:
        return form.validate()
    finally:
        for name, field in form._fields.items():
            field.validators = saved[name]
