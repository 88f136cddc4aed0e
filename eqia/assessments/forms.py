"""Forms of the assessments area that are not section questions."""

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, Optional

from eqia.forms import (
    Form,
    GovRadioField,
    GovSelectField,
    Required,
    long_text,
    max_length,
    optional_int,
    strip,
)
from eqia.questions import MEDIUM, YES_NO, text_input


class AddAnotherForm(Form):
    add_another = GovRadioField(
        "Do you need to add another action?",
        widget=GovRadioInput(),
        choices=YES_NO,
        validators=[Required("Select yes if you need to add another action")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class StartForm(Form):
    title = text_input(
        "What is the proposal called?",
        "Enter the title of the proposal",
        description="For example, Changes to library opening hours.",
    )
    submit = SubmitField("Start", widget=GovSubmitInput())


class CoAuthorForm(Form):
    email = StringField(
        "Email address of your colleague",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            Required("Enter your colleague's email address"),
            max_length(320, "Email address"),
            Email(
                message="Enter an email address in the correct format, like name@example.org",
                check_deliverability=False,
            ),
        ],
    )
    submit = SubmitField("Add co-author", widget=GovSubmitInput())


class SubmitForm(Form):
    declaration = SelectMultipleField(
        "Declaration",
        widget=GovCheckboxesInput(),
        choices=[
            SelectChoice(
                "agreed",
                "I confirm the information in this EqIA is correct to the best of my knowledge",
            )
        ],
        validators=[Required("Confirm the declaration to submit the EqIA")],
    )
    super_user_id = GovSelectField(
        "Who should sign it off?",
        widget=GovSelect(),
        coerce=optional_int,
        description="Choose an EqIA super user, or leave it to the next one available.",
    )
    message = long_text("Message for the super user (optional)", MEDIUM, Optional(), name="Message")
    submit = SubmitField("Submit for sign-off", widget=GovSubmitInput())

    def reason_fields(self) -> dict:
        """The reasons asked for, by check code (see ``submit_form``)."""
        return {
            name.removeprefix("reason_").replace("_", "-"): field
            for name, field in self._fields.items()
            if name.startswith("reason_")
        }

    def reasons(self) -> dict[str, str]:
        return {code: field.data or "" for code, field in self.reason_fields().items()}

    def reasons_given(self, reasons: dict[str, str]) -> None:
        """Start from these reasons (the ones given last time, for the same warnings)."""
        for code, field in self.reason_fields().items():
            field.data = reasons.get(code, field.data)


def submit_form(warnings) -> SubmitForm:
    """The submit form, asking the lead's reason for going past each warning."""
    fields = {
        "reason_" + warning.code.replace("-", "_"): long_text(
            "Why are you going on despite this warning?",
            MEDIUM,
            Required(f"Explain why you are going on despite the warning: {warning.title}"),
            name=f"Reason ({warning.title})",
            description="The super user reads this, and it is printed in the record.",
        )
        for warning in warnings
    }
    return type("SubmitWithReasonsForm", (SubmitForm,), fields)()


class WithdrawForm(Form):
    reason = long_text("Why are you withdrawing this EqIA?", MEDIUM, Optional(), name="Reason")
    submit = SubmitField("Withdraw EqIA", widget=GovSubmitInput())
