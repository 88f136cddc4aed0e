"""Form pieces shared by every area: GOV.UK wording, limits, dates, the confirm form, and the
error summary every page with a form shows.

Validators that judge *completeness* (is the answer there?) are marked, so a
section can be saved half-done ("Save and come back later") while every rule
about *form* (length, real dates, valid choices) still applies.
"""

import re
from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf import wtforms_widgets
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovCheckboxesInput
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import Length

from eqia.timefmt import uk_today

# The years a date may fall in: enough for any decision, review or action, and the day after
# the last is still a date.
FIRST_YEAR, LAST_YEAR = 1000, 2999
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date(text: str) -> date | None:
    """A real date written YYYY-MM-DD, in those years (a data feed's or a command's); None
    if the text is not one."""
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None
    return value if FIRST_YEAR <= value.year <= LAST_YEAR else None


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


DATE_PARTS = ("day", "month", "year")


class GovDateInput(wtforms_widgets.GovDateInput):
    """The GOV.UK date input. When the error is that parts are missing, only those parts are
    highlighted; any other error highlights all three."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        missing = getattr(field, "missing_parts", ())
        if field.errors and missing:
            for part, item in zip(DATE_PARTS, params["items"], strict=True):
                if part not in missing:
                    item["classes"] = item["classes"].replace("govuk-input--error", "").strip()
        return params


class GovDateField(DateField):
    """A GOV.UK date input (day, month, year) with GOV.UK error messages."""

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, name_in_errors: str | None = None, **kwargs):
        super().__init__(label, validators, format="%d %m %Y", **kwargs)
        self.name_in_errors = name_in_errors or (label or "Date")
        # The parts (of DATE_PARTS) left blank, when that is what is wrong with the date.
        self.missing_parts: tuple[str, ...] = ()

    @property
    def error_target(self) -> str:
        """The input an error summary links to: the first part missing, else the day (GOV.UK
        links to an input, never to the group around the three)."""
        return f"{self.name}-{(self.missing_parts or DATE_PARTS)[0]}"

    def process_formdata(self, valuelist):
        self.missing_parts = ()
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
        missing = tuple(name for name, part in zip(DATE_PARTS, parts, strict=True) if not part)
        if missing:
            self.data = None
            self.missing_parts = missing
            wanted = " and ".join(f"a {name}" for name in missing)
            raise ValueError(f"{self.name_in_errors} must include {wanted}")
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


def error_summary(form) -> dict:
    """The GOV.UK error summary's parameters for a form (base.html shows it on every page
    with one): each field's first error, linking to the control a person answers it in, so
    following the link puts the cursor there. That is the field's own id, or for a field
    that says otherwise its ``error_target`` (a date's day input). Errors of the form as a
    whole are listed without a link."""
    items = [
        {"text": field.errors[0], "href": f"#{getattr(field, 'error_target', field.id)}"}
        for field in form
        if field.errors
    ]
    items += [{"text": error} for error in form.form_errors]
    return {"titleText": "There is a problem", "errorList": items}


class GroupedCheckboxesInput(GovCheckboxesInput):
    """Checkboxes in groups: the field's ``groups`` maps a choice's value to the heading
    shown before it (the theme of the objectives that follow)."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        groups = getattr(field, "groups", None) or {}
        if groups:
            items = []
            for item in params["items"]:
                heading = groups.get(str(item.get("value")))
                if heading:
                    items.append({"divider": heading})
                items.append(item)
            # The first checkbox keeps the field's id, as it has without a heading before it:
            # the error summary links there.
            next(item for item in items if "divider" not in item).setdefault("id", field.id)
            params["items"] = items
            params["classes"] = f"{params.get('classes', '')} eqia-grouped-checkboxes".strip()
        return params


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
