"""Form pieces shared by every area: GOV.UK wording, limits, dates, the confirm form.

Validators that judge *completeness* (is the answer there?) are marked, so a
section can be saved half-done ("Save and come back later") while every rule
about *form* (length, real dates, valid choices) still applies.
"""

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovDateInput
from wtforms import DateField, RadioField, SelectField, TextAreaField, ValidationError
from wtforms.validators import Length

from eqia.timefmt import uk_today


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
            day, month, year = (int(part) for part in parts)
            if year < 1000:
                raise ValueError
            self.data = date(year, month, day)
        except ValueError:
            self.data = None
            raise ValueError(f"{self.name_in_errors} must be a real date") from None

    def _value(self):
        return ""


def long_text(label: str, limit: int, *validators, name: str | None = None, **kwargs):
    """A textarea with a GOV.UK character count; over-long text is an error."""
    return TextAreaField(
        label,
        widget=GovCharacterCount(),
        validators=[*validators, max_length(limit, name or label)],
        render_kw={"params": {"maxlength": limit}},
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


class ConfirmForm(FlaskForm):
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
