"""The form an admin makes an API token with."""

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import SelectMultipleField, StringField, SubmitField, ValidationError
from wtforms.fields.choices import SelectChoice

from eqia.forms import (
    LAST_YEAR,
    Form,
    GovDateField,
    GovRadioField,
    InFuture,
    Required,
    max_length,
    strip,
)
from eqia.models import Dataset, Reach
from eqia.models.api_tokens import NAME_LENGTH
from eqia.timefmt import a_year_after, uk_today

REACH_HINTS = {
    Reach.PUBLIC: "Only EqIAs on the public register, as it shows them: no statuses, drafts "
    "or internal dates, and officers named as the public register names them.",
    Reach.INTERNAL: "Every EqIA as the internal register shows it, with statuses and names. "
    "Only for reports kept inside the council.",
}


class ApiTokenForm(Form):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        filters=[strip],
        description="What it is for, such as ‘Performance team Power BI’.",
        validators=[Required("Enter a name for the token"), max_length(NAME_LENGTH, "Name")],
    )
    datasets = SelectMultipleField(
        "Datasets it may read",
        description="Select all that apply.",
        widget=GovCheckboxesInput(),
        choices=[SelectChoice(d.value, d.label) for d in Dataset],
        validators=[Required("Select the datasets the token may read")],
    )
    reach = GovRadioField(
        "Which EqIAs it may read",
        description="And how much of each: a report shared outside the council should read "
        "only the public register.",
        widget=GovRadioInput(),
        choices=[SelectChoice(r.value, r.label) for r in Reach],
        validators=[Required("Select which EqIAs the token may read")],
    )
    expires_on = GovDateField(
        "Expiry date (optional)",
        name_in_errors="Expiry date",
        description="It works until the end of this day. For example, 31 3 2028. Leave it "
        "blank for a token that does not expire.",
        validators=[InFuture("Expiry date must be in the future")],
    )
    submit = SubmitField("Create token", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted():
            self.expires_on.data = a_year_after(uk_today())
        self.hints = [{"hint": {"text": REACH_HINTS[r]}} for r in Reach]

    def validate_expires_on(self, field) -> None:
        if field.data and field.data.year > LAST_YEAR:
            raise ValidationError(f"Expiry date must be in or before {LAST_YEAR}")
