from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, StringField, SubmitField, ValidationError
from wtforms.validators import Email, EqualTo, InputRequired

from eqia import passwords
from eqia.forms import Form, max_length, not_blank, strip

EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.org"


def email_field(label: str, blank: str) -> EmailField:
    """An email address: trimmed, required (``blank`` says so), at most 320 characters."""
    return EmailField(
        label,
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            not_blank(blank),
            max_length(320, "Email address"),
            Email(message=EMAIL_FORMAT, check_deliverability=False),
        ],
    )


class SignInForm(Form):
    email = email_field("Email address", "Enter your email address")
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your password"), max_length(1024, "Password")],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


def new_password_rules(form, field) -> None:
    """The rule for a new password (eqia.passwords), against the form's ``user_email``."""
    if problem := passwords.problem(field.data or "", getattr(form, "user_email", "")):
        raise ValidationError(problem)


class ChangePasswordForm(Form):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your current password"), max_length(1024, "Password")],
    )
    new_password = PasswordField(
        "New password",
        description=passwords.HINT,
        widget=GovPasswordInput(),
        validators=[
            InputRequired("Enter a new password"),
            max_length(1024, "Password"),
            new_password_rules,
        ],
    )
    confirm_password = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired("Confirm your new password"),
            EqualTo("new_password", message="Passwords must match"),
        ],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())

    def __init__(self, user_email: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_email = user_email


class AuthenticatorCodeForm(Form):
    code = StringField(
        "Code",
        description="The 6-digit code your authenticator app shows now.",
        widget=GovTextInput(),
        validators=[
            not_blank("Enter the code from your authenticator app"),
            max_length(20, "Code"),
        ],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


def _current_password():
    return PasswordField(
        "Your password",
        description="To check it is you.",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your password"), max_length(1024, "Password")],
    )


class AccountAuthenticatorForm(AuthenticatorCodeForm):
    """Setting up or replacing an app from the account page: the password first, so a
    session left open is not enough to take over someone's second factor."""

    current_password = _current_password()


class ConfirmPasswordForm(Form):
    current_password = _current_password()
    submit = SubmitField("Get new recovery codes", widget=GovSubmitInput())


class RecoveryCodeForm(Form):
    code = StringField(
        "Recovery code",
        description="One of the codes you saved when you set up your authenticator app, "
        "like abcd-efgh-jkmn.",
        widget=GovTextInput(),
        validators=[not_blank("Enter a recovery code"), max_length(40, "Recovery code")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())
