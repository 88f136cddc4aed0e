"""The questions of each section of an EqIA. The section registry (eqia.sections) uses them.

Wording follows the GOV.UK style: "Enter …", "Select …", "Describe …".
"""

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    IntegerField,
    SelectMultipleField,
    StringField,
    SubmitField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from eqia.forms import (
    Form,
    GovDateField,
    GovRadioField,
    GovSelectField,
    GroupedCheckboxesInput,
    InFuture,
    NotBefore,
    Required,
    RequiredIf,
    long_text,
    max_length,
    optional_int,
    strip,
)

YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]

PROPOSAL_TYPES = [
    SelectChoice("policy", "Policy"),
    SelectChoice("strategy", "Strategy"),
    SelectChoice("service-change", "Service change"),
    SelectChoice("project", "Project or programme"),
    SelectChoice("commissioning", "Commissioning or procurement"),
    SelectChoice("budget", "Budget proposal"),
    SelectChoice("workforce", "Workforce change"),
    SelectChoice("other", "Other"),
]

IMPACT_KINDS = [
    SelectChoice("positive", "Positive"),
    SelectChoice("negative", "Negative"),
    SelectChoice("neutral", "Neutral"),
    SelectChoice("not_known", "Not known"),
]

RESIDUAL_LEVELS = [
    SelectChoice("low", "Low"),
    SelectChoice("medium", "Medium"),
    SelectChoice("high", "High"),
]

OUTCOMES = [
    SelectChoice("no-major-change", "No major change needed"),
    SelectChoice("adjust", "Adjust the proposal"),
    SelectChoice("continue", "Continue despite adverse impact"),
    SelectChoice("stop", "Stop and remove the proposal"),
]

OUTCOME_HINTS = {
    "no-major-change": "The assessment shows the proposal is robust: no potential for "
    "discrimination or adverse impact, and every opportunity to advance equality has been taken.",
    "adjust": "You will change the proposal to remove barriers or better advance equality.",
    "continue": "You will go ahead despite a potential adverse impact, because it is "
    "proportionate and objectively justified.",
    "stop": "The proposal shows actual or potential unlawful discrimination and must be "
    "stopped and removed or changed.",
}

SHORT = 300
MEDIUM = 2_000
LONG = 10_000


def text_input(label: str, rule: str | Required | None, limit: int = SHORT, **kwargs):
    """A one-line answer; ``rule`` is the message when required, or a RequiredIf."""
    validators = [Required(rule) if isinstance(rule, str) else rule or Optional()]
    return StringField(
        label,
        widget=GovTextInput(),
        filters=[strip],
        validators=[*validators, max_length(limit, label)],
        **kwargs,
    )


def radios(label: str, choices, message: str, **kwargs) -> GovRadioField:
    return GovRadioField(
        label, widget=GovRadioInput(), choices=choices, validators=[Required(message)], **kwargs
    )


class SectionForm(Form):
    """A question page: the answers plus the version they were based on."""

    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField("Save and continue", widget=GovSubmitInput())
    save_later = SubmitField("Save and come back later", widget=GovSubmitInput())

    # Field names that are not answers.
    NOT_ANSWERS = frozenset({"version", "submit", "save_later", "csrf_token"})

    def set_version(self, version: int) -> None:
        """Base the next save on this version (what the page will send back)."""
        self.version.data = version
        self.version.raw_data = [str(version)]

    def answers(self) -> dict:
        """The answers as JSON-ready values (dates as ISO strings)."""
        out = {}
        for name, field in self._fields.items():
            if name in self.NOT_ANSWERS:
                continue
            value = field.data
            out[name] = value.isoformat() if isinstance(value, date) else value
        return out

    @classmethod
    def data_from_answers(cls, answers: dict) -> dict:
        """The inverse of answers(): values a form can be built from."""
        data = {}
        for name, value in answers.items():
            field = getattr(cls, name, None)
            is_date = field is not None and getattr(field, "field_class", None) is GovDateField
            data[name] = date.fromisoformat(value) if is_date and value else value
        return data


class ScreeningForm(SectionForm):
    could_affect = radios(
        "Could the proposal affect people differently because of a protected or local "
        "characteristic?",
        YES_NO,
        "Select yes if the proposal could affect people differently",
        description="For example, because of their age, a disability, their race, being a "
        "carer or where they live. If you are not sure, select yes.",
    )
    no_effect_reason = long_text(
        "Why could it not affect people differently?",
        LONG,
        RequiredIf(
            "could_affect", "no", "Explain why the proposal could not affect people differently"
        ),
        name="Your explanation",
        description="The EqIA super user will check your reasoning before signing off the "
        "screening.",
    )


class AboutForm(SectionForm):
    title = text_input("Title of the proposal", "Enter the title of the proposal")
    proposal_type = radios(
        "What type of proposal is it?", PROPOSAL_TYPES, "Select the type of proposal"
    )
    proposal_type_other = text_input(
        "Describe the type of proposal",
        RequiredIf("proposal_type", "other", "Describe the type of proposal"),
    )
    what_is_changing = long_text(
        "What is changing, and why?",
        LONG,
        Required("Describe what is changing and why"),
        name="What is changing",
        description="Describe the proposal in plain English: what will be different for "
        "people, and the reasons for the change.",
    )
    directorate_id = GovSelectField(
        "Directorate",
        widget=GovSelect(),
        coerce=optional_int,
        validators=[Required("Select the directorate")],
    )
    service = text_input("Service", "Enter the service", description="For example, Libraries.")
    # Asked only when there are programmes to choose from (``AboutSection.choices``).
    programme_id = GovSelectField(
        "Is this proposal part of a programme?",
        widget=GovSelect(),
        coerce=optional_int,
        validators=[Optional()],
        description="For example, the year's budget proposals. The EqIA super user reads "
        "the other EqIAs of the programme beside this one, for their cumulative impact.",
    )
    decision_maker = text_input(
        "Who will make the decision?",
        "Enter who will make the decision",
        description="For example, a committee, a director or an officer with delegated authority.",
    )
    decision_date = GovDateField(
        "When will the decision be made?",
        validators=[Required("Enter the date of the decision")],
        name_in_errors="Decision date",
        description="For example, 27 3 2027",
    )
    key_decision = radios(
        "Is it a key decision?",
        YES_NO,
        "Select yes if it is a key decision",
        description="A key decision has significant effects on communities "
        "in two or more divisions, or significant spending or savings.",
    )
    change_kind = radios(
        "Is the proposal new, a change to something, or removing something?",
        [
            SelectChoice("new", "New"),
            SelectChoice("changed", "A change"),
            SelectChoice("removed", "Removing something"),
        ],
        "Select whether the proposal is new, a change or a removal",
    )


WHO = [
    SelectChoice("residents", "Residents"),
    SelectChoice("service-users", "People who use the service"),
    SelectChoice("staff", "Council staff"),
    SelectChoice("partners", "Partner organisations"),
]


class WhoForm(SectionForm):
    groups = SelectMultipleField(
        "Who does the proposal affect?",
        widget=GovCheckboxesInput(),
        choices=WHO,
        validators=[Required("Select who the proposal affects")],
        description="Select all that apply.",
    )
    area = radios(
        "Where will the proposal have an effect?",
        [
            SelectChoice("county", "Across the county"),
            SelectChoice("districts", "In particular districts"),
        ],
        "Select where the proposal will have an effect",
    )
    districts = SelectMultipleField(
        "Which districts?",
        widget=GovCheckboxesInput(),
        coerce=int,
        validators=[RequiredIf("area", "districts", "Select the districts affected")],
    )
    how_many = text_input(
        "Roughly how many people will it affect?",
        "Enter roughly how many people it will affect",
        description="For example, about 18,000 residents and library users, and 34 staff.",
    )


class EvidenceForm(SectionForm):
    data_used = long_text(
        "What data and evidence have you used?",
        LONG,
        Required("Describe the data and evidence you used"),
        name="Data and evidence",
        description="For example, service usage figures, Census 2021, the Joint Strategic Needs "
        "Assessment, complaints and survey results. You can attach files on the next page.",
    )
    gaps = long_text(
        "Are there gaps in the evidence? How will you fill them?",
        LONG,
        Required("Describe the gaps in the evidence, or say there are none"),
        name="Gaps in the evidence",
    )
    engagement_done = long_text(
        "What engagement and consultation have you done?",
        LONG,
        Required(
            "Describe the engagement and consultation you have done, or say there has been none"
        ),
        name="Engagement done",
    )
    engagement_planned = long_text(
        "What engagement and consultation is planned?",
        LONG,
        Optional(),
        name="Engagement planned",
    )
    what_people_said = long_text(
        "What did people tell you?",
        LONG,
        Optional(),
        name="What people told you",
        description="Summarise what you heard, including from people with protected "
        "characteristics.",
    )


class ImpactForm(SectionForm):
    kinds = SelectMultipleField(
        "What is the likely impact on people with this characteristic?",
        widget=GovCheckboxesInput(),
        choices=IMPACT_KINDS,
        validators=[Required("Select the likely impact")],
        description="Select all that apply. A proposal can have both positive and negative "
        "impacts.",
    )
    evidence = long_text(
        "What is your evidence for this?",
        MEDIUM * 2,
        Required("Describe the evidence for the impact"),
        name="Evidence",
    )
    mitigation = long_text(
        "How will you mitigate the negative impact?",
        MEDIUM * 2,
        RequiredIf("kinds", "negative", "Describe how you will mitigate the negative impact"),
        name="Mitigation",
    )
    residual = GovRadioField(
        "What impact will remain after mitigation?",
        widget=GovRadioInput(),
        choices=RESIDUAL_LEVELS,
        validators=[
            RequiredIf("kinds", "negative", "Select the impact that will remain after mitigation")
        ],
    )
    how_find_out = long_text(
        "How will you find out what the impact is?",
        MEDIUM * 2,
        RequiredIf("kinds", "not_known", "Explain how you will find out what the impact is"),
        name="How you will find out",
    )

    def validate_kinds(self, field) -> None:
        chosen = set(field.data or [])
        if "neutral" in chosen and len(chosen) > 1:
            raise ValidationError("Select neutral on its own, or select the impacts you expect")
        if "not_known" in chosen and len(chosen) > 1:
            raise ValidationError("Select not known on its own, or select the impacts you expect")


class AimsForm(SectionForm):
    eliminate = long_text(
        "Eliminating discrimination, harassment and victimisation",
        LONG,
        Required(
            "Describe how the proposal bears on eliminating discrimination, harassment "
            "and victimisation"
        ),
        name="Eliminating discrimination",
        description="How could the proposal help or hinder this aim?",
    )
    advance = long_text(
        "Advancing equality of opportunity",
        LONG,
        Required("Describe how the proposal bears on advancing equality of opportunity"),
        name="Advancing equality of opportunity",
        description="For example, removing or minimising disadvantage, meeting different "
        "needs, encouraging participation.",
    )
    foster = long_text(
        "Fostering good relations",
        LONG,
        Required("Describe how the proposal bears on fostering good relations"),
        name="Fostering good relations",
        description="Between people who share a characteristic and people who do not: tackling "
        "prejudice and promoting understanding.",
    )


ACTION_PROGRESS = [
    SelectChoice("completed", "Completed"),
    SelectChoice("on-track", "Under way and on track"),
    SelectChoice("delayed", "Under way but delayed"),
    SelectChoice("not-started", "Not started"),
    SelectChoice("dropped", "No longer needed"),
]


class ActionForm(SectionForm):
    """An action; the progress questions are asked only of actions carried into a review."""

    action = long_text("Action", MEDIUM, Required("Describe the action"))
    responsible = text_input("Person or team responsible", "Enter the person or team responsible")
    start_date = GovDateField(
        "Start date",
        validators=[Required("Enter the start date")],
        description="For example, 1 4 2027",
    )
    due_date = GovDateField(
        "Due date",
        validators=[
            Required("Enter the due date"),
            NotBefore("start_date", "The due date must be the same as or after the start date"),
        ],
        description="For example, 31 3 2028",
    )
    characteristics = SelectMultipleField(
        "Which characteristics does it address?",
        widget=GovCheckboxesInput(),
        coerce=int,
        description="Select all that apply.",
    )
    success_measure = long_text(
        "How will you measure success?",
        MEDIUM,
        Required("Describe how you will measure success"),
        name="Success measure",
    )
    plan_action_id = GovSelectField(
        "Does this action contribute to an action in the EDI action plan?",
        widget=GovSelect(),
        coerce=optional_int,
        validators=[Optional()],
        description="Optional. Choose the action of the council's Equality, Diversity and "
        "Inclusion action plan that this one helps to deliver.",
    )

    progress = GovRadioField(
        "What has happened to this action since the last sign-off?",
        widget=GovRadioInput(),
        choices=ACTION_PROGRESS,
        validators=[Required("Select what has happened to this action")],
    )
    progress_note = long_text(
        "Tell us more (optional)", MEDIUM, Optional(), name="What happened to the action"
    )


class OutcomeForm(SectionForm):
    outcome = GovRadioField(
        "What is the outcome of the assessment?",
        widget=GovRadioInput(),
        choices=OUTCOMES,
        validators=[Required("Select the outcome of the assessment")],
    )
    justification = long_text(
        "Why is continuing proportionate and objectively justified?",
        LONG,
        RequiredIf(
            "outcome",
            "continue",
            "Explain why continuing is proportionate and objectively justified",
        ),
        name="Justification",
    )
    stop_reason = long_text(
        "Why must the proposal stop, and what happens instead?",
        LONG,
        RequiredIf("outcome", "stop", "Explain why the proposal must stop and be removed"),
        name="Explanation",
    )
    summary = long_text(
        "Summary of the assessment",
        LONG,
        Required("Summarise the assessment"),
        name="Summary",
        description="This appears on the signed record and in reports.",
    )
    monitoring = long_text(
        "How will you monitor the impact?",
        LONG,
        Required("Describe how you will monitor the impact"),
        name="Monitoring",
    )
    review_date = GovDateField(
        "When will the EqIA be reviewed?",
        validators=[
            Required("Enter the review date"),
            InFuture("The review date must be in the future"),
        ],
        name_in_errors="Review date",
        description="Usually a year from now. For example, 27 3 2028",
    )


class ObjectivesForm(SectionForm):
    """Choices and the 'how' questions are added per objective by the section."""

    objectives = SelectMultipleField(
        "Which EDI objectives does the proposal support?",
        widget=GroupedCheckboxesInput(),
        coerce=int,
        validators=[Required("Select the objectives the proposal supports, or select none")],
        description="Select all that apply.",
    )

    def validate_objectives(self, field) -> None:
        if 0 in (field.data or []) and len(field.data) > 1:
            raise ValidationError(
                "Select the objectives the proposal supports, or select none of these, not both"
            )
