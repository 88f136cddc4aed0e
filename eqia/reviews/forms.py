"""The review form: an evaluation of each section, the EDI objective links, the decision."""

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import HiddenField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from eqia.forms import Form, GovRadioField, Required, long_text
from eqia.models import DecisionKind, ObjectiveLink, Rating
from eqia.questions import MEDIUM
from eqia.snapshot import SectionView

RATING_CHOICES = [SelectChoice(rating.value, rating.label) for rating in Rating]
LINK_CHOICES = [SelectChoice("yes", "Confirm this link"), SelectChoice("no", "Remove this link")]
DECISION_CHOICES = [
    SelectChoice(DecisionKind.APPROVED.value, "Approve and sign off"),
    SelectChoice(DecisionKind.RETURNED.value, "Return it to the project lead with comments"),
]
YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]


class ReviewForm(Form):
    revision = HiddenField()
    sections: list[SectionView] = []
    links: list[ObjectiveLink] = []

    @staticmethod
    def rating_name(slug: str) -> str:
        return f"rating_{slug}"

    @staticmethod
    def comment_name(slug: str) -> str:
        return f"comment_{slug}"

    @staticmethod
    def link_name(link: ObjectiveLink) -> str:
        return f"objective_{link.objective_id}"

    def evaluations(self) -> dict[str, tuple[Rating, str]]:
        return {
            section.slug: (
                Rating(self[self.rating_name(section.slug)].data),
                self[self.comment_name(section.slug)].data or "",
            )
            for section in self.sections
        }

    def objectives(self) -> dict[int, bool]:
        return {link.objective_id: self[self.link_name(link)].data == "yes" for link in self.links}

    @property
    def kind(self) -> DecisionKind:
        return DecisionKind(self.decision.data)

    @property
    def publish_chosen(self) -> bool:
        """Whether to put the record on the public register (asked only of an approval)."""
        return self.kind is DecisionKind.APPROVED and self.publish.data == "yes"

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        to_fix = [
            s for s in self.sections if self[self.rating_name(s.slug)].data == Rating.TO_BE_FIXED
        ]
        if self.kind is DecisionKind.APPROVED and to_fix:
            self.decision.errors.append(
                f"You cannot approve the EqIA while section {to_fix[0].number} is to be fixed"
            )
            return False
        if self.kind is DecisionKind.APPROVED and self.publish.data not in ("yes", "no"):
            self.publish.errors.append("Select whether to publish this EqIA on the public register")
            return False
        if self.kind is DecisionKind.RETURNED and not to_fix and not (self.comment.data or ""):
            self.comment.errors.append(
                "To return the EqIA, mark a section as to be fixed or write a comment"
            )
            return False
        return True


def review_form(
    sections: list[SectionView], links: list[ObjectiveLink], publish: bool = False
) -> ReviewForm:
    """A form with a rating and comment per section of the revision, one question per link,
    and whether to publish the record (``publish``: the answer it starts with)."""
    fields = {}
    for section in sections:
        name = f"section {section.number}"
        fields[ReviewForm.rating_name(section.slug)] = GovRadioField(
            f"How well does section {section.number} meet the standard?",
            choices=RATING_CHOICES,
            widget=GovRadioInput(),
            validators=[Required(f"Select how well {name} meets the standard")],
        )
        fields[ReviewForm.comment_name(section.slug)] = long_text(
            f"Comment on section {section.number} (optional)",
            MEDIUM,
            Optional(),
            name=f"The comment on {name}",
        )
    for link in links:
        fields[ReviewForm.link_name(link)] = GovRadioField(
            f"Objective {link.objective.number}: {link.objective.title}",
            choices=LINK_CHOICES,
            widget=GovRadioInput(),
            validators=[
                Required(
                    f"Select whether to confirm or remove the link to objective "
                    f"{link.objective.number}"
                )
            ],
        )
    fields["decision"] = GovRadioField(
        "Your decision",
        choices=DECISION_CHOICES,
        widget=GovRadioInput(),
        validators=[Required("Select whether to approve the EqIA or return it")],
    )
    fields["comment"] = long_text(
        "Comment for the project lead",
        MEDIUM,
        Optional(),
        name="Your comment",
        description="Required if you return the EqIA without marking a section as to be fixed.",
    )
    fields["publish"] = GovRadioField(
        "Publish this EqIA on the public register?",
        choices=YES_NO,
        widget=GovRadioInput(),
        default="yes" if publish else "no",
        description="Only if you approve it. Anyone can then read the signed-off record, "
        "without signing in; an admin or super user can take it off again.",
    )
    fields["submit"] = SubmitField("Record decision", widget=GovSubmitInput())
    form_class = type("SectionReviewForm", (ReviewForm,), fields)
    form = form_class()
    form.sections, form.links = sections, links
    return form
