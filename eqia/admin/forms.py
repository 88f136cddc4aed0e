from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovPasswordInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from eqia import passwords
from eqia.auth.forms import email_field, new_password_rules
from eqia.forms import Form, long_text, max_length, not_blank, strip
from eqia.models import Role
from eqia.models.programmes import NAME_LENGTH

DESCRIPTION_LIMIT = 2_000


class UserForm(Form):
    email = email_field("Email address", "Enter an email address")
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[not_blank("Enter a full name"), max_length(200, "Full name")],
    )
    job_title = StringField(
        "Job title",
        widget=GovTextInput(),
        validators=[not_blank("Enter a job title"), max_length(200, "Job title")],
    )
    directorate_id = SelectField(
        "Directorate", widget=GovSelect(), coerce=int, validate_choice=True
    )
    roles = SelectMultipleField(
        "Roles",
        description="Everyone can start and complete EqIAs as a project lead.",
        widget=GovCheckboxesInput(),
        choices=[SelectChoice(role.value, role.label) for role in Role],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[Optional(), max_length(1024, "Password"), new_password_rules],
    )
    active = BooleanField("This person can sign in", widget=GovCheckboxInput(), default=True)
    break_glass = BooleanField(
        "Break-glass account",
        description="An admin who can still sign in with their password and an "
        "authenticator app when local passwords are turned off, for when single sign-on "
        "cannot be used. Only for the admin role.",
        widget=GovCheckboxInput(),
    )
    remove_authenticator = BooleanField(
        "Remove their authenticator app",
        description="They will set one up again the next time they sign in with their "
        "password. Their recovery codes stop working.",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def __init__(self, directorates, creating: bool, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.directorate_id.choices = [SelectChoice(0, "None")] + [
            SelectChoice(d.id, d.name) for d in directorates
        ]
        self.user_email = (self.email.data or "").strip().lower()
        if creating:
            self.password.validators = [
                not_blank("Enter a password"),
                *self.password.validators[1:],
            ]
            self.password.description = (
                f"At least {passwords.MIN_LENGTH} characters, not their email address or a "
                "common password. Give it to the person securely; they can change it after "
                "signing in."
            )
        else:
            self.password.label.text = "New password (optional)"
            self.password.description = "Leave blank to keep their current password."


class DirectorateForm(Form):
    name = StringField(
        "Directorate name",
        widget=GovTextInput(),
        validators=[not_blank("Enter a directorate name"), max_length(200, "Directorate name")],
    )
    active = BooleanField(
        "Staff can choose this directorate", widget=GovCheckboxInput(), default=True
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class UserSearchForm(Form):
    class Meta:
        csrf = False

    q = StringField(
        "Search by name or email",
        widget=GovTextInput(),
        validators=[Optional(), max_length(320, "Search")],
    )


class ProgrammeForm(Form):
    name = StringField(
        "Programme name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            not_blank("Enter a programme name"),
            max_length(NAME_LENGTH, "Programme name"),
        ],
        description="For example, Budget 2027/28. Project leads choose it by this name.",
    )
    description = long_text(
        "Description (optional)",
        DESCRIPTION_LIMIT,
        Optional(),
        name="Description",
        filters=[strip],
        description="What the programme is and who decides it, for example the committee "
        "that takes the budget.",
    )
    active = BooleanField(
        "Project leads can choose this programme",
        widget=GovCheckboxInput(),
        default=True,
        description="Untick when the programme is closed: EqIAs already in it stay in it.",
    )
    submit = SubmitField("Save", widget=GovSubmitInput())
