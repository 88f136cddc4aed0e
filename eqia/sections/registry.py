"""The sections of an EqIA, in order, and the way through them.

Each section declares its number, title, pages and questions; the task list,
the question pages, check answers, the snapshot and the review page all read
this registry. What a section's answers *mean* lives with the other jobs of
the package: completeness, saving and the snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from eqia import questions
from eqia.extensions import db
from eqia.forms import RequiredIf, long_text
from eqia.models import (
    Assessment,
    Characteristic,
    Directorate,
    District,
    Impact,
    Objective,
    Programme,
)
from eqia.timefmt import a_year_after, uk_today


@dataclass
class Context:
    """Reference data the sections need, loaded once per request (a fixed number of queries)."""

    characteristics: list[Characteristic]
    districts: list[District]
    directorates: list[Directorate]
    objectives_by_theme: list
    # The active programmes, and the one the EqIA is in: leads choose from these.
    programmes: list[Programme] = field(default_factory=list)

    @classmethod
    def load(cls, assessment: Assessment | None = None) -> Context:
        include = assessment.directorate_id if assessment else None
        directorates = db.session.scalars(
            select(Directorate)
            .where(Directorate.active | (Directorate.id == include))
            .order_by(Directorate.name)
        )
        return cls(
            characteristics=Characteristic.active_in_order(),
            districts=District.active_in_order(),
            directorates=list(directorates),
            objectives_by_theme=Objective.active_by_theme(),
            programmes=Programme.choosable(assessment.programme_id if assessment else None),
        )

    @property
    def objectives(self) -> list[Objective]:
        return [o for _theme, objectives in self.objectives_by_theme for o in objectives]


@dataclass
class Page:
    """One question page: which form it shows and where its answers live."""

    section: Section
    key: str
    title: str
    caption: str = ""
    hint: str = ""
    guidance: str = ""
    # Pages with their own view (a list, an upload) name it; question pages share one.
    endpoint: str = ""

    @property
    def is_question(self) -> bool:
        return not self.endpoint

    def url(self, assessment: Assessment, **kwargs) -> str:
        if self.endpoint:
            return url_for(self.endpoint, ref=assessment.reference, **kwargs)
        return url_for("assessments.page", ref=assessment.reference, key=self.key, **kwargs)


def _form(form_class, data: dict, version: int, formdata=None, **kwargs):
    """A question form: the saved answers (as shown) or what was sent (to be checked)."""
    if formdata is None:
        form = form_class(formdata=None, data=data, meta={"csrf": False}, **kwargs)
        form.set_version(version)
        return form
    return form_class(formdata=formdata, data=data, **kwargs)


@dataclass
class Section:
    slug: str
    number: int
    title: str
    on_screening_route: bool = False
    depends_on: tuple[str, ...] = ("screening",)
    # Follow-up questions: field -> (the question it follows, the answer that asks it).
    conditions: dict[str, tuple[str, Any]] = field(default_factory=dict)

    def pages(self, assessment: Assessment, ctx: Context) -> list[Page]:
        raise NotImplementedError

    def field_conditions(self, ctx: Context) -> dict[str, tuple[str, Any]]:
        return self.conditions

    def url(self, assessment: Assessment, ctx: Context) -> str:
        return self.pages(assessment, ctx)[0].url(assessment)

    def form(self, page: Page, assessment: Assessment, ctx: Context, formdata=None, **kwargs):
        raise NotImplementedError

    def shown(self, form, name: str) -> bool:
        """Follow-up questions are asked (and listed) only when they apply."""
        if name not in self.conditions:
            return True
        other, value = self.conditions[name]
        data = form[other].data
        return value in data if isinstance(data, list) else data == value


@dataclass
class QuestionSection(Section):
    """A section of plain questions, whose answers are kept together as one record."""

    form_class: type[questions.SectionForm] = questions.SectionForm
    hint: str = ""
    guidance: str = ""

    def pages(self, assessment, ctx):
        return [Page(self, self.slug, self.title, hint=self.hint, guidance=self.guidance)]

    def choices(self, form, ctx: Context) -> None:
        """Fill in choices that come from data."""

    def defaults(self) -> dict:
        return {}

    def form(self, page, assessment, ctx, formdata=None, **kwargs):
        record = assessment.sections.get(self.slug)
        data = self.form_class.data_from_answers(record.data) if record else self.defaults()
        form = _form(self.form_class, data, record.version if record else 0, formdata, **kwargs)
        self.choices(form, ctx)
        return form

    def saved_form(self, assessment: Assessment, ctx: Context):
        return self.form(self.pages(assessment, ctx)[0], assessment, ctx)


@dataclass
class ScreeningSection(QuestionSection):
    def full_route(self, assessment: Assessment) -> bool:
        """The full assessment applies unless the screening says no effect."""
        return assessment.answers(self.slug).get("could_affect") != "no"


@dataclass
class AboutSection(QuestionSection):
    def choices(self, form, ctx):
        form.directorate_id.choices = [SelectChoice("", "Select a directorate")] + [
            SelectChoice(d.id, d.name) for d in ctx.directorates
        ]
        if not ctx.programmes:
            del form.programme_id  # nothing to choose from: not asked, not answered
            return
        form.programme_id.blank_means = "Not part of a programme"
        form.programme_id.choices = [SelectChoice("", form.programme_id.blank_means)] + [
            SelectChoice(p.id, p.name) for p in ctx.programmes
        ]


@dataclass
class WhoSection(QuestionSection):
    def choices(self, form, ctx):
        saved = set(form.districts.data or [])
        form.districts.choices = [SelectChoice(d.id, d.name) for d in ctx.districts] + [
            SelectChoice(d, f"District {d} (no longer listed)")
            for d in sorted(saved - {d.id for d in ctx.districts})
        ]


@dataclass
class EvidenceSection(QuestionSection):
    """Questions about the evidence, then a page to attach evidence files."""

    def pages(self, assessment, ctx):
        return [
            *super().pages(assessment, ctx),
            Page(self, "evidence/files", "Evidence files", endpoint="assessments.files"),
        ]


@dataclass
class OutcomeSection(QuestionSection):
    def defaults(self):
        return {"review_date": a_year_after(uk_today())}


@dataclass
class ImpactsSection(Section):
    """One page per active characteristic of the catalogue."""

    conditions: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {
            "mitigation": ("kinds", "negative"),
            "residual": ("kinds", "negative"),
            "how_find_out": ("kinds", "not_known"),
        }
    )

    def pages(self, assessment, ctx):
        return [
            Page(
                self,
                f"impacts/{c.code}",
                c.name,
                caption="Impact on each characteristic",
                guidance=c.guidance,
            )
            for c in ctx.characteristics
        ]

    def characteristic(self, page: Page, ctx: Context) -> Characteristic:
        code = page.key.removeprefix("impacts/")
        return next(c for c in ctx.characteristics if c.code == code)

    @staticmethod
    def impact(assessment: Assessment, characteristic_id: int) -> Impact | None:
        return next(
            (i for i in assessment.impacts if i.characteristic_id == characteristic_id), None
        )

    @staticmethod
    def data(impact: Impact | None) -> dict:
        if impact is None:
            return {}
        return {
            "kinds": impact.kinds,
            "evidence": impact.evidence,
            "mitigation": impact.mitigation,
            "residual": impact.residual or None,
            "how_find_out": impact.how_find_out,
        }

    def form(self, page, assessment, ctx, formdata=None, **kwargs):
        impact = self.impact(assessment, self.characteristic(page, ctx).id)
        version = impact.version if impact else 0
        return _form(questions.ImpactForm, self.data(impact), version, formdata, **kwargs)

    def negative(self, assessment: Assessment) -> bool:
        return any(i.negative for i in assessment.impacts)


@dataclass
class ActionsSection(Section):
    """Mitigation and improvement actions, added one at a time."""

    depends_on: tuple[str, ...] = ("screening", "impacts")

    def pages(self, assessment, ctx):
        return [Page(self, "actions", self.title, endpoint="assessments.actions")]


@dataclass
class ObjectivesSection(Section):
    """The EDI objectives the proposal supports, from the council's action plan."""

    NONE = 0

    def pages(self, assessment, ctx):
        return [
            Page(
                self,
                "objectives",
                self.title,
                guidance="Choose the objectives of the council's Equality, Diversity and "
                "Inclusion action plan that this proposal helps to achieve. The EqIA super "
                "user confirms each link when signing off.",
            )
        ]

    def field_conditions(self, ctx):
        return {f"how_{o.id}": ("objectives", o.id) for o in ctx.objectives}

    def form_class_for(self, ctx: Context) -> type[questions.ObjectivesForm]:
        how = {
            f"how_{o.id}": long_text(
                f"How does the proposal support objective {o.number}?",
                questions.MEDIUM,
                RequiredIf(
                    "objectives", o.id, f"Explain how the proposal supports objective {o.number}"
                ),
                name="Your explanation",
            )
            for o in ctx.objectives
        }
        return type("ObjectivesPageForm", (questions.ObjectivesForm,), how)

    def form(self, page, assessment, ctx, formdata=None, **kwargs):
        links = assessment.objective_links
        data = {"objectives": [link.objective_id for link in links]}
        if assessment.answers(self.slug).get("none"):
            data["objectives"] = [self.NONE]
        data.update({f"how_{link.objective_id}": link.how for link in links})
        record = assessment.sections.get(self.slug)
        version = record.version if record else 0
        form = _form(self.form_class_for(ctx), data, version, formdata, **kwargs)
        form.objectives.choices = [SelectChoice(o.id, o.label) for o in ctx.objectives] + [
            SelectChoice(self.NONE, "None of these")
        ]
        # Grouped under each theme's name; each objective's description as its hint.
        form.objectives.groups = {
            str(objectives[0].id): theme.name for theme, objectives in ctx.objectives_by_theme
        } | {str(self.NONE): "or"}
        form.objectives.item_params = [
            {"hint": {"text": o.description}} if o.description else {} for o in ctx.objectives
        ] + [{"behaviour": "exclusive"}]
        return form


SCREENING = ScreeningSection(
    "screening",
    0,
    "Screening",
    form_class=questions.ScreeningForm,
    on_screening_route=True,
    depends_on=(),
    conditions={"no_effect_reason": ("could_affect", "no")},
    hint="Decide whether a full assessment is needed.",
)
ABOUT = AboutSection(
    "about",
    1,
    "About the proposal",
    form_class=questions.AboutForm,
    on_screening_route=True,
    conditions={"proposal_type_other": ("proposal_type", "other")},
)
WHO = WhoSection(
    "who",
    2,
    "Who it affects",
    form_class=questions.WhoForm,
    conditions={"districts": ("area", "districts")},
)
EVIDENCE = EvidenceSection(
    "evidence",
    3,
    "Evidence and engagement",
    form_class=questions.EvidenceForm,
    guidance="Good evidence includes local data, national research, feedback from people "
    "who use the service and from staff, and what you learned from consultation.",
)
IMPACTS = ImpactsSection("impacts", 4, "Impact on each characteristic")
AIMS = QuestionSection(
    "aims",
    5,
    "The three aims of the equality duty",
    form_class=questions.AimsForm,
    guidance="The Public Sector Equality Duty (Equality Act 2010, section 149) requires due "
    "regard to three aims. Say how the proposal bears on each.",
)
ACTIONS = ActionsSection("actions", 6, "Actions")
OBJECTIVES = ObjectivesSection("objectives", 7, "EDI objectives this proposal supports")
OUTCOME = OutcomeSection(
    "outcome",
    8,
    "Outcome",
    form_class=questions.OutcomeForm,
    on_screening_route=True,
    conditions={"justification": ("outcome", "continue"), "stop_reason": ("outcome", "stop")},
)

SECTIONS: list[Section] = [
    SCREENING,
    ABOUT,
    WHO,
    EVIDENCE,
    IMPACTS,
    AIMS,
    ACTIONS,
    OBJECTIVES,
    OUTCOME,
]


# The way through.


def applicable(assessment: Assessment) -> list[Section]:
    """The sections on this assessment's route: all of them, or the screening route."""
    if SCREENING.full_route(assessment):
        return SECTIONS
    return [s for s in SECTIONS if s.on_screening_route]


def find_page(assessment: Assessment, ctx: Context, key: str) -> Page | None:
    for section in applicable(assessment):
        for page in section.pages(assessment, ctx):
            if page.key == key:
                return page
    return None


def next_page(assessment: Assessment, ctx: Context, page: Page) -> Page | None:
    pages = [p for s in applicable(assessment) for p in s.pages(assessment, ctx)]
    keys = [p.key for p in pages]
    after = keys.index(page.key) + 1 if page.key in keys else len(keys)
    return pages[after] if after < len(pages) else None


def change_urls(assessment: Assessment, ctx: Context) -> dict[str, str]:
    """Where each answer's Change link goes: its page, then back to check answers."""
    return {
        page.key: page.url(assessment, **{"return": "check"})
        for section in applicable(assessment)
        for page in section.pages(assessment, ctx)
    }
