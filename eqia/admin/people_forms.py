"""Forms for who may sign in and how, and for moving a person's EqIAs when they leave."""

import re

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import BooleanField, SubmitField, TextAreaField, ValidationError
from wtforms.fields.choices import SelectChoice

from eqia.auth.forms import email_field
from eqia.forms import Form, GovRadioField, Required, max_length, strip

# A domain name as an email address ends: labels of letters, digits and hyphens.
DOMAIN = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")
YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]


def domains(text: str | None) -> tuple[str, ...]:
    """The domains typed one to a line (or with commas), lower-cased, any leading @ gone."""
    items = (item.strip().lstrip("@") for item in re.split(r"[\n,;]+", (text or "").lower()))
    return tuple(dict.fromkeys(item for item in items if item))


def _valid_domains(_form, field) -> None:
    wrong = [domain for domain in domains(field.data) if not DOMAIN.match(domain)]
    if wrong:
        raise ValidationError(
            f"Enter domains like cambridgeshire.gov.uk, one to a line: “{wrong[0]}” is not one"
        )


class SignInSettingsForm(Form):
    new_accounts = GovRadioField(
        "Who can sign in with their council account for the first time?",
        widget=GovRadioInput(),
        choices=[
            SelectChoice("invited", "Only people an admin has added"),
            SelectChoice("anyone", "Anyone with an email address at an allowed domain"),
        ],
        validators=[Required("Select who can sign in for the first time")],
    )
    allowed_domains = TextAreaField(
        "Allowed email domains",
        widget=GovTextArea(),
        filters=[strip],
        validators=[max_length(2000, "Allowed email domains"), _valid_domains],
        description="One to a line, like cambridgeshire.gov.uk. Leave empty to allow any "
        "address the council's account gives. Applies to accounts made at a first sign-in.",
    )
    local_passwords = GovRadioField(
        "Can people sign in with an email address and password?",
        widget=GovRadioInput(),
        choices=YES_NO,
        validators=[Required("Select whether people can sign in with a password")],
        description="If not, only break-glass admins can, with their authenticator app: "
        "everyone else signs in with their council account.",
    )
    mfa_for_everyone = BooleanField(
        "Everyone who signs in with a password must use an authenticator app",
        widget=GovCheckboxInput(),
        description="Admins and super users always must.",
    )
    submit = SubmitField("Save sign-in settings", widget=GovSubmitInput())


class MoveEqiasForm(Form):
    to_email = email_field(
        "Email address of their new project lead",
        "Enter the email address of the person to move them to",
    )
    submit = SubmitField("Move EqIAs", widget=GovSubmitInput())
