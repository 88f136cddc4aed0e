"""Forms for the characteristics catalogue."""

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, HiddenField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf

from eqia.forms import Form, GovRadioField, Required, long_text, max_length, strip

NAME_LIMIT = 200
GUIDANCE_LIMIT = 2_000

KINDS = [
    SelectChoice("protected", "Protected characteristic (Equality Act 2010)"),
    SelectChoice("local", "Local characteristic"),
]


class CharacteristicForm(Form):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            Required("Enter the name of the characteristic"),
            max_length(NAME_LIMIT, "Name"),
        ],
        description="For example, Carers. Project leads see this as the question's heading.",
    )
    guidance = long_text(
        "Guidance for project leads",
        GUIDANCE_LIMIT,
        Required("Enter guidance for project leads"),
        name="Guidance",
        filters=[strip],
        description="Who has this characteristic, and what to think about. "
        "It is shown above the questions about this characteristic.",
    )
    kind = GovRadioField(
        "What kind of characteristic is it?",
        widget=GovRadioInput(),
        choices=KINDS,
        validators=[Required("Select whether it is a protected or a local characteristic")],
        description="The Equality Act 2010 protects nine characteristics. "
        "Local characteristics are ones the council has chosen to add.",
    )
    active = BooleanField(
        "Include in new assessments",
        widget=GovCheckboxInput(),
        default=True,
        description="Untick to retire it: draft EqIAs stop asking about it, and answers "
        "already given about it are kept.",
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class MoveForm(Form):
    """A Move up or Move down button: the direction and the CSRF token."""

    direction = HiddenField(validators=[AnyOf(["up", "down"])])
