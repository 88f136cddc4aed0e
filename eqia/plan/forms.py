"""Forms of the action plan: objectives, actions, progress, the import upload, and the period
of a report."""

import re
from datetime import date

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, HiddenField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from eqia.forms import (
    FIRST_YEAR,
    LAST_YEAR,
    Form,
    GovDateField,
    GovRadioField,
    GovSelectField,
    NotBefore,
    Required,
    long_text,
    max_length,
    optional_int,
    strip,
)
from eqia.models.plan import normalise_reference
from eqia.plan.import_rows import LIMITS, REFERENCE
from eqia.plan.periods import CUSTOM, PRESETS, Period
from eqia.timefmt import uk_today

DESCRIPTION_LIMIT = 2_000


class VersionedForm(Form):
    """Carries the version of the row being edited, so two admins cannot overwrite each other."""

    version = HiddenField()

    def version_number(self) -> int:
        raw = self.version.data or ""
        return int(raw) if re.fullmatch(r"[0-9]{1,9}", str(raw)) else 0


class ObjectiveForm(Form):
    number = StringField(
        "Objective number",
        widget=GovTextInput(),
        filters=[strip],
        validators=[Required("Enter the objective number")],
        render_kw={"params": {"classes": "govuk-input--width-3", "inputmode": "numeric"}},
        description="Objectives are numbered across the whole plan, like 1 to 12.",
    )
    theme_id = GovRadioField(
        "Which theme is it under?",
        widget=GovRadioInput(),
        coerce=optional_int,
        validators=[Required("Select the theme")],
    )
    title = StringField(
        "Objective",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            Required("Enter the objective"),
            max_length(LIMITS["Objective"], "Objective"),
        ],
    )
    description = long_text(
        "Description (optional)",
        DESCRIPTION_LIMIT,
        Optional(),
        name="Description",
        filters=[strip],
        description="Shown on the objective's page and to project leads choosing objectives.",
    )
    active = BooleanField(
        "Part of the current action plan",
        widget=GovCheckboxInput(),
        default=True,
        description="Untick to retire it: new EqIAs stop offering it, and EqIAs already "
        "linked to it keep their link.",
    )
    submit = SubmitField("Save objective", widget=GovSubmitInput())

    def validate_number(self, field) -> None:
        text = field.data or ""
        if text and not (re.fullmatch(r"[0-9]{1,4}", text) and int(text) >= 1):
            raise ValidationError("Objective number must be a whole number from 1 to 9,999")


class PlanActionForm(VersionedForm):
    objective_id = GovSelectField(
        "Objective",
        widget=GovSelect(),
        coerce=optional_int,
        validators=[Required("Select the objective")],
    )
    reference = StringField(
        "Action reference",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            Required("Enter the action reference"),
            max_length(LIMITS["Action reference"], "Action reference"),
        ],
        render_kw={"params": {"classes": "govuk-input--width-10", "spellcheck": False}},
        description="Unique across the plan, like A3.2. Imports use it to match actions.",
    )
    action = long_text("Action", LIMITS["Action"], Required("Enter the action"), filters=[strip])
    responsible = StringField(
        "Person or team responsible",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            Required("Enter the person or team responsible"),
            max_length(LIMITS["Person or team responsible"], "Person or team responsible"),
        ],
    )
    start_date = GovDateField(
        "Start date",
        validators=[Required("Enter the start date")],
        description="For example, 1 4 2027",
    )
    end_date = GovDateField(
        "End date",
        validators=[
            Required("Enter the end date"),
            NotBefore("start_date", "The end date must be the same as or after the start date"),
        ],
        description="For example, 31 3 2028",
    )
    success_measure = long_text(
        "Success measure",
        LIMITS["Success measure"],
        Required("Enter the success measure"),
        filters=[strip],
        description="How the council will know the action has worked.",
    )
    active = BooleanField(
        "Part of the current action plan",
        widget=GovCheckboxInput(),
        default=True,
        description="Untick to retire it: it leaves the plan and its reports, and EqIA "
        "actions that contribute to it keep their link.",
    )
    submit = SubmitField("Save action", widget=GovSubmitInput())

    def validate_reference(self, field) -> None:
        if field.data and not REFERENCE.match(normalise_reference(field.data)):
            raise ValidationError(
                "Action reference must start with a letter or number and use only letters, "
                "numbers, full stops, hyphens, slashes and underscores"
            )


class ProgressForm(VersionedForm):
    status = GovRadioField(
        "What is the status of this action?",
        widget=GovRadioInput(),
        validators=[Required("Select the status of the action")],
    )
    completed_on = GovDateField(
        "Date completed (optional)",
        name_in_errors="Date completed",
        description="For example, 27 3 2027. Leave it blank for today.",
    )
    progress_note = long_text(
        "Progress note (optional)",
        LIMITS["Progress note"],
        Optional(),
        name="Progress note",
        filters=[strip],
        description="What has happened since the last update, for the EDI Leadership Forum.",
    )
    submit = SubmitField("Save progress", widget=GovSubmitInput())

    def validate_completed_on(self, field) -> None:
        if field.data and field.data > uk_today():
            raise ValidationError("Date completed must be today or in the past")


class ImportForm(Form):
    file = FileField(
        "Upload the action plan",
        widget=GovFileInput(),
        validators=[Required("Select a CSV or Excel file")],
        description="A CSV or Excel (.xlsx) file in the layout below, smaller than 5MB.",
    )
    submit = SubmitField("Check the file", widget=GovSubmitInput())


class ConfirmImportForm(Form):
    fingerprint = HiddenField()


# The period of a report: a GET form, so every report lives in its URL.

_ISO = re.compile(r"([0-9]{1,4})-([0-9]{1,2})-([0-9]{1,2})")


class PeriodDate(GovDateField):
    """The GOV.UK day, month and year inputs; or one ISO date (2026-03-31), as links give."""

    def process_formdata(self, valuelist):
        if len(valuelist) == 1 and (valuelist[0] or "").strip():
            match = _ISO.fullmatch(valuelist[0].strip()[:40])
            year, month, day = match.groups() if match else ("", "", "")
            self.raw_data = [day, month, year]
            try:
                self.data = date(int(year), int(month), int(day)) if match else None
            except ValueError:
                self.data = None
            if self.data is None or self.data.year < FIRST_YEAR:
                self.data = None
                raise ValueError(f"{self.name_in_errors} must be a real date")
            return
        super().process_formdata(valuelist)

    def pre_validate(self, form) -> None:
        if self.data is not None and self.data.year > LAST_YEAR:
            self.data = None
            raise ValidationError(f"{self.name_in_errors} must be in or before {LAST_YEAR}")


class PeriodForm(Form):
    """Which period: a preset, or any start and end dates. A GET form: it changes nothing."""

    class Meta:
        csrf = False

    period = GovRadioField(
        "Which period?",
        widget=GovRadioInput(),
        choices=[
            *(SelectChoice(p.key, p.label) for p in PRESETS.values()),
            SelectChoice(CUSTOM, "Choose the dates"),
        ],
    )
    start = PeriodDate("Start date", name_in_errors="Start date")
    end = PeriodDate("End date", name_in_errors="End date")

    def __init__(self, formdata, default: str):
        super().__init__(formdata)
        given = {k for k in ("period", "start", "end") if any(formdata.getlist(k))}
        if "period" not in given:
            # Dates on their own are a custom period; nothing at all is the default.
            self.period.data = CUSTOM if given else default
        self.hints = [{"hint": {"text": p.hint}} for p in PRESETS.values()]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.period.data not in (*PRESETS, CUSTOM):
            self.period.errors = ["Select a period from the list"]
            return False
        if self.period.data != CUSTOM:
            # A preset ignores the dates (still in the form, hidden, after a change of mind).
            self.start.errors, self.end.errors = [], []
            return True
        for field, name in ((self.start, "start date"), (self.end, "end date")):
            if not field.errors and field.data is None:
                field.errors = [f"Enter the {name}"]
                valid = False
        if valid and self.end.data < self.start.data:
            self.end.errors = ["End date must be the same as or after the start date"]
            valid = False
        return valid

    def chosen(self, today: date) -> Period:
        """The period asked for (only once the form is valid)."""
        if self.period.data == CUSTOM:
            return Period(self.start.data, self.end.data)
        return Period.of(self.period.data, today)
