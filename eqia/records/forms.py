"""The register's filter: a GET form, so every filter lives in the URL."""

import re
from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSelect, GovTextInput
from wtforms import SelectMultipleField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice

from eqia.forms import (
    FIRST_YEAR,
    LAST_YEAR,
    Form,
    GovSelectField,
    max_length,
    optional_int,
    strip,
)
from eqia.models import Status
from eqia.questions import OUTCOMES, PROPOSAL_TYPES

DATE_HINT = "For example, 31/3/2027 or 2027-03-31"
_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_UK = re.compile(r"([0-9]{1,2})[/.]([0-9]{1,2})[/.]([0-9]{4})")


def parse_date(text: str) -> date | None:
    """A date typed as 2027-03-31 or 31/3/2027; None if it is not a real date."""
    text = text.strip()
    if match := _ISO.fullmatch(text):
        year, month, day = match.groups()
    elif match := _UK.fullmatch(text):
        day, month, year = match.groups()
    else:
        return None
    try:
        value = date(int(year), int(month), int(day))
    except (ValueError, OverflowError):
        return None
    return value if FIRST_YEAR <= value.year <= LAST_YEAR else None


class DateText(StringField):
    """A date as text (a filter, not a memorable date), parsed to ``.date``."""

    widget = GovTextInput()

    def __init__(self, label: str, **kwargs):
        super().__init__(label, filters=[strip], description=DATE_HINT, **kwargs)
        self.date: date | None = None

    def pre_validate(self, form) -> None:
        self.date = None
        if not self.data:
            return
        self.date = parse_date(self.data[:40])
        if self.date is None:
            raise ValidationError(f"{self.label.text} must be a real date, like 31/3/2027")


class _KnownChoices:
    """A value not on the list gets "Select … from the list", not WTForms' own words."""

    def __init__(self, *args, unknown: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.unknown = unknown

    def validate(self, form, extra_validators=()) -> bool:
        if super().validate(form, extra_validators):
            return True
        self.errors = [self.unknown]  # an unknown value, or one that is not a number
        return False


class ChoiceFilter(_KnownChoices, GovSelectField):
    pass


class MultiChoiceFilter(_KnownChoices, SelectMultipleField):
    pass


ANY = SelectChoice("", "Any")


class FilterForm(Form):
    """A list's filters, as a GET form: a filter with a mistake is shown as an error and
    left out; the end of the sign-off dates may not come before their start."""

    class Meta:
        csrf = False  # a GET search changes nothing

    SIGNED_OFF: tuple[str, str]  # the names of the from and to dates

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        start, end = (self[name] for name in self.SIGNED_OFF)
        if start.date and end.date and end.date < start.date:
            end.errors.append("Signed off to must be the same as or after signed off from")
            end.date = None
            return False
        return valid

    def value(self, name: str):
        """A filter's value if it was given and is valid; None otherwise (so it is ignored)."""
        field = self[name]
        if field.errors:
            return None
        if isinstance(field, DateText):
            return field.date
        return field.data or None


def search_field() -> StringField:
    """A register's search box."""
    return StringField(
        "Search",
        widget=GovTextInput(),
        filters=[strip],
        validators=[max_length(200, "Search")],
        description="Reference, title or summary",
    )


class RegisterFilter(FilterForm):
    SIGNED_OFF = ("approved_from", "approved_to")

    q = search_field()
    status = MultiChoiceFilter(
        "Status",
        widget=GovCheckboxesInput(),
        choices=[SelectChoice(s.value, s.label) for s in Status],
        unknown="Select a status from the list",
    )
    directorate = ChoiceFilter(
        "Directorate",
        widget=GovSelect(),
        coerce=optional_int,
        unknown="Select a directorate from the list",
    )
    proposal_type = ChoiceFilter(
        "Type of proposal",
        widget=GovSelect(),
        choices=[ANY, *PROPOSAL_TYPES],
        unknown="Select a type of proposal from the list",
    )
    outcome = ChoiceFilter(
        "Outcome",
        widget=GovSelect(),
        choices=[ANY, *OUTCOMES],
        unknown="Select an outcome from the list",
    )
    negative = ChoiceFilter(
        "Negative impact on",
        widget=GovSelect(),
        coerce=optional_int,
        unknown="Select a characteristic from the list",
    )
    objective = ChoiceFilter(
        "Supports EDI objective",
        widget=GovSelect(),
        description="Signed off, with the link confirmed by the super user",
        coerce=optional_int,
        unknown="Select an objective from the list",
    )
    approved_by = ChoiceFilter(
        "Signed off by",
        widget=GovSelect(),
        coerce=optional_int,
        unknown="Select a super user from the list",
    )
    approved_from = DateText("Signed off from")
    approved_to = DateText("Signed off to")

    def __init__(self, formdata, *, directorates, characteristics, objectives, super_users):
        super().__init__(formdata)
        self.directorate.choices = [SelectChoice("", "Any"), *_choices(directorates)]
        self.negative.choices = [SelectChoice("", "Any"), *_choices(characteristics)]
        self.objective.choices = [
            SelectChoice("", "Any"),
            *(SelectChoice(o.id, f"{o.number}. {o.title}") for o in objectives),
        ]
        self.approved_by.choices = [SelectChoice("", "Anyone"), *_choices(super_users)]


def _choices(rows) -> list[SelectChoice]:
    return [SelectChoice(row.id, row.name) for row in rows]
