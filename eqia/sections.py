"""The sections of an EqIA, in order: the one place that defines them.

The task list, the question pages, navigation, check answers, the frozen
revision (and so the PDF record) all read this registry. Each section knows its
pages, how complete it is (judged from saved answers), and how to describe its
answers as rows of question and answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
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
    ObjectiveLink,
    SectionAnswers,
    User,
)
from eqia.models.users import utcnow


class Conflict(Exception):
    """Someone else saved this part since the person loaded it."""


class SectionStatus(StrEnum):
    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    CANNOT_START = "cannot-start"

    @property
    def label(self) -> str:
        return {
            "not-started": "Not yet started",
            "in-progress": "In progress",
            "completed": "Completed",
            "cannot-start": "Cannot start yet",
        }[self]


@dataclass
class Context:
    """Reference data the sections need, loaded once per request (a fixed number of queries)."""

    characteristics: list[Characteristic]
    districts: list[District]
    directorates: list[Directorate]
    objectives_by_theme: list

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
        )

    @property
    def objectives(self) -> list[Objective]:
        return [o for _theme, objectives in self.objectives_by_theme for o in objectives]


def row(key: str, question: str, answer: Any, page: str) -> dict:
    """One line of check answers (and of the frozen record)."""
    if isinstance(answer, list):
        answer = "\n".join(str(a) for a in answer)
    elif isinstance(answer, date):
        answer = answer.strftime("%-d %B %Y")
    return {
        "key": key,
        "question": question,
        "answer": "" if answer is None else str(answer),
        "page": page,
    }


def _label(choices, value) -> str:
    for choice in choices:
        if choice.value == value:
            return choice.label
    return "" if value is None else str(value)


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

    def status(self, assessment: Assessment, ctx: Context) -> SectionStatus:
        raise NotImplementedError

    def snapshot(self, assessment: Assessment, ctx: Context) -> dict:
        """The section's answers as self-describing rows, for check answers and revisions."""
        return {
            "slug": self.slug,
            "number": self.number,
            "title": self.title,
            "rows": self.rows(assessment, ctx),
        }

    def rows(self, assessment: Assessment, ctx: Context) -> list[dict]:
        raise NotImplementedError

    def url(self, assessment: Assessment, ctx: Context) -> str:
        return self.pages(assessment, ctx)[0].url(assessment)

    # Saving a page: generic for pages backed by a form.
    def form(self, page: Page, assessment: Assessment, ctx: Context, formdata=None, **kwargs):
        raise NotImplementedError

    def save(self, page: Page, assessment: Assessment, form, user: User, ctx: Context) -> None:
        raise NotImplementedError


@dataclass
class QuestionSection(Section):
    """A section of plain questions, whose answers are kept together as one record."""

    form_class: type[questions.SectionForm] = questions.SectionForm
    hint: str = ""
    guidance: str = ""

    def pages(self, assessment, ctx):
        return [Page(self, self.slug, self.title, hint=self.hint, guidance=self.guidance)]

    def form_class_for(self, ctx: Context) -> type[questions.SectionForm]:
        return self.form_class

    def choices(self, form, ctx: Context) -> None:
        """Fill in choices that come from data."""

    def form(self, page, assessment, ctx, formdata=None, **kwargs):
        form_class = self.form_class_for(ctx)
        record = assessment.sections.get(self.slug)
        data = form_class.data_from_answers(record.data) if record else self.defaults()
        if formdata is None:
            form = form_class(formdata=None, data=data, meta={"csrf": False}, **kwargs)
        else:
            form = form_class(formdata=formdata, data=data, **kwargs)
        self.choices(form, ctx)
        if formdata is None:
            form.set_version(record.version if record else 0)
        return form

    def defaults(self) -> dict:
        return {}

    def saved_form(self, assessment, ctx):
        return self.form(self.pages(assessment, ctx)[0], assessment, ctx)

    def status(self, assessment, ctx):
        if self.slug not in assessment.sections:
            return SectionStatus.NOT_STARTED
        form = self.saved_form(assessment, ctx)
        return SectionStatus.COMPLETED if form.validate() else SectionStatus.IN_PROGRESS

    def save(self, page, assessment, form, user, ctx):
        record = assessment.sections.get(self.slug)
        expected = form.version.data or 0
        if (record.version if record else 0) != expected:
            raise Conflict
        if record is None:
            record = SectionAnswers(slug=self.slug, data={})
            assessment.sections[self.slug] = record
        record.data = form.answers()
        record.updated_by_id = user.id
        record.updated_at = utcnow()
        self.after_save(assessment, record.data)

    def after_save(self, assessment: Assessment, answers: dict) -> None:
        """Copy answers that lists filter on to the assessment itself."""

    def rows(self, assessment, ctx):
        form = self.saved_form(assessment, ctx)
        return [
            row(f"{self.slug}.{name}", field.label.text, self.display(form, name), self.slug)
            for name, field in form._fields.items()
            if name not in form.NOT_ANSWERS and self.shown(form, name)
        ]

    def shown(self, form, name: str) -> bool:
        """Follow-up questions are listed only when they apply."""
        if name not in self.conditions:
            return True
        other, value = self.conditions[name]
        data = form[other].data
        return value in data if isinstance(data, list) else data == value

    def display(self, form, name: str) -> Any:
        field = form[name]
        if hasattr(field, "choices") and field.choices is not None:
            if isinstance(field.data, list):
                return [_label(field.choices, value) for value in field.data]
            return _label(field.choices, field.data)
        return field.data


@dataclass
class ScreeningSection(QuestionSection):
    def full_route(self, assessment: Assessment) -> bool:
        """The full assessment applies unless the screening says no effect."""
        return assessment.answers("screening").get("could_affect") != "no"


@dataclass
class AboutSection(QuestionSection):
    def choices(self, form, ctx):
        form.directorate_id.choices = [SelectChoice("", "Select a directorate")] + [
            SelectChoice(d.id, d.name) for d in ctx.directorates
        ]

    def after_save(self, assessment, answers):
        assessment.title = answers.get("title") or assessment.title
        assessment.directorate_id = answers.get("directorate_id")
        assessment.proposal_type = answers.get("proposal_type")


@dataclass
class WhoSection(QuestionSection):
    def choices(self, form, ctx):
        saved = set(form.districts.data or [])
        form.districts.choices = [SelectChoice(d.id, d.name) for d in ctx.districts] + [
            SelectChoice(d, f"District {d} (no longer listed)")
            for d in sorted(saved - {d.id for d in ctx.districts})
        ]


@dataclass
class OutcomeSection(QuestionSection):
    def defaults(self):
        today = date.today()
        try:
            return {"review_date": today.replace(year=today.year + 1)}
        except ValueError:  # 29 February
            return {"review_date": today.replace(year=today.year + 1, day=28)}

    def after_save(self, assessment, answers):
        assessment.outcome = answers.get("outcome")
        assessment.summary = answers.get("summary") or ""
        review = answers.get("review_date")
        assessment.review_date = date.fromisoformat(review) if review else None


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

    def impact(self, assessment, characteristic_id: int) -> Impact | None:
        return next(
            (i for i in assessment.impacts if i.characteristic_id == characteristic_id), None
        )

    @staticmethod
    def _data(impact: Impact | None) -> dict:
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
        if formdata is None:
            form = questions.ImpactForm(
                formdata=None, data=self._data(impact), meta={"csrf": False}, **kwargs
            )
            form.set_version(impact.version if impact else 0)
            return form
        return questions.ImpactForm(formdata=formdata, data=self._data(impact), **kwargs)

    def _valid(self, impact: Impact) -> bool:
        return questions.ImpactForm(
            formdata=None, data=self._data(impact), meta={"csrf": False}
        ).validate()

    def status(self, assessment, ctx):
        answered = {i.characteristic_id: i for i in assessment.impacts}
        if not answered:
            return SectionStatus.NOT_STARTED
        done = all(c.id in answered and self._valid(answered[c.id]) for c in ctx.characteristics)
        return SectionStatus.COMPLETED if done else SectionStatus.IN_PROGRESS

    def save(self, page, assessment, form, user, ctx):
        characteristic = self.characteristic(page, ctx)
        impact = self.impact(assessment, characteristic.id)
        if (impact.version if impact else 0) != (form.version.data or 0):
            raise Conflict
        if impact is None:
            impact = Impact(characteristic_id=characteristic.id)
            assessment.impacts.append(impact)
        kinds = set(form.kinds.data or [])
        for kind in ("positive", "negative", "neutral", "not_known"):
            setattr(impact, kind, kind in kinds)
        impact.evidence = form.evidence.data or ""
        negative, not_known = "negative" in kinds, "not_known" in kinds
        impact.mitigation = (form.mitigation.data or "") if negative else ""
        impact.residual = (form.residual.data or "") if negative else ""
        impact.how_find_out = (form.how_find_out.data or "") if not_known else ""
        impact.updated_by_id = user.id
        impact.updated_at = utcnow()

    def table(self, assessment) -> list[dict]:
        """Every saved impact, retired characteristics included, in catalogue order."""
        impacts = sorted(
            assessment.impacts, key=lambda i: (i.characteristic.position, i.characteristic.id)
        )
        labels = dict((c.value, c.label) for c in questions.IMPACT_KINDS)
        return [
            {
                "code": i.characteristic.code,
                "characteristic": i.characteristic.name,
                "retired": not i.characteristic.active,
                "impacts": [labels[k] for k in i.kinds],
                "evidence": i.evidence,
                "mitigation": i.mitigation,
                "residual": _label(questions.RESIDUAL_LEVELS, i.residual or None),
                "how_find_out": i.how_find_out,
            }
            for i in impacts
        ]

    def snapshot(self, assessment, ctx):
        return {**super().snapshot(assessment, ctx), "impacts": self.table(assessment)}

    def rows(self, assessment, ctx):
        out = []
        for entry in self.table(assessment):
            lines = [", ".join(entry["impacts"]), entry["evidence"]]
            if entry["mitigation"]:
                lines.append(f"Mitigation: {entry['mitigation']}")
            if entry["residual"]:
                lines.append(f"Impact after mitigation: {entry['residual']}")
            if entry["how_find_out"]:
                lines.append(f"How we will find out: {entry['how_find_out']}")
            name = entry["characteristic"] + (" (retired)" if entry["retired"] else "")
            out.append(row(f"impacts.{entry['code']}", name, lines, f"impacts/{entry['code']}"))
        return out

    def negative(self, assessment) -> bool:
        return any(i.negative for i in assessment.impacts)


def _progress_lines(action: dict) -> list[str]:
    """What happened to an action carried into a review (snapshots older than reviews lack it)."""
    if not action.get("carried_from"):
        return []
    lines = [f"Since revision {action['carried_from']}: {action['progress'] or 'Not answered'}"]
    return lines + ([action["progress_note"]] if action["progress_note"] else [])


def _plan_action_lines(action: dict) -> list[str]:
    """The EDI action plan action it contributes to (snapshots older than the plan lack it)."""
    if not action.get("plan_action"):
        return []
    return [f"Contributes to the EDI action plan: {action['plan_action']}"]


@dataclass
class ActionsSection(Section):
    """Mitigation and improvement actions, added one at a time."""

    depends_on: tuple[str, ...] = ("screening", "impacts")

    def pages(self, assessment, ctx):
        return [Page(self, "actions", self.title, endpoint="assessments.actions")]

    def status(self, assessment, ctx):
        finished = assessment.answers("actions").get("finished")
        if not assessment.actions and not finished:
            return SectionStatus.NOT_STARTED
        needs_one = IMPACTS.negative(assessment) and not assessment.actions
        untold = any(a.carried_from and not a.progress for a in assessment.actions)
        done = finished and not needs_one and not untold
        return SectionStatus.COMPLETED if done else SectionStatus.IN_PROGRESS

    def mark_finished(self, assessment: Assessment, user: User) -> None:
        record = assessment.sections.get(self.slug)
        if record is None:
            record = SectionAnswers(slug=self.slug, data={})
            assessment.sections[self.slug] = record
        record.data = {"finished": True}
        record.updated_by_id, record.updated_at = user.id, utcnow()

    def table(self, assessment) -> list[dict]:
        return [
            {
                "id": a.id,
                "action": a.action,
                "responsible": a.responsible,
                "start_date": a.start_date.isoformat(),
                "due_date": a.due_date.isoformat(),
                "characteristics": [c.name for c in a.characteristics],
                "success_measure": a.success_measure,
                "carried_from": a.carried_from,
                "progress": _label(questions.ACTION_PROGRESS, a.progress) if a.progress else "",
                "progress_note": a.progress_note,
                "plan_action": a.plan_action.label if a.plan_action else "",
            }
            for a in assessment.actions
        ]

    def snapshot(self, assessment, ctx):
        return {**super().snapshot(assessment, ctx), "actions": self.table(assessment)}

    def rows(self, assessment, ctx):
        if not assessment.actions:
            return [row("actions.none", "Actions", "No actions", "actions")]
        return [
            row(
                f"actions.{n}",
                f"Action {n}",
                [
                    a["action"],
                    f"Responsible: {a['responsible']}",
                    f"From {date.fromisoformat(a['start_date']):%-d %B %Y} to "
                    f"{date.fromisoformat(a['due_date']):%-d %B %Y}",
                    "Characteristics: " + (", ".join(a["characteristics"]) or "None chosen"),
                    f"Success measure: {a['success_measure']}",
                    *_plan_action_lines(a),
                    *_progress_lines(a),
                ],
                "actions",
            )
            for n, a in enumerate(self.table(assessment), 1)
        ]


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
        form_class = self.form_class_for(ctx)
        links = assessment.objective_links
        data = {"objectives": [link.objective_id for link in links]}
        if assessment.answers("objectives").get("none"):
            data["objectives"] = [self.NONE]
        data.update({f"how_{link.objective_id}": link.how for link in links})
        if formdata is None:
            form = form_class(formdata=None, data=data, meta={"csrf": False}, **kwargs)
            record = assessment.sections.get(self.slug)
            form.set_version(record.version if record else 0)
        else:
            form = form_class(formdata=formdata, data=data, **kwargs)
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

    def status(self, assessment, ctx):
        if self.slug not in assessment.sections:
            return SectionStatus.NOT_STARTED
        form = self.form(self.pages(assessment, ctx)[0], assessment, ctx)
        return SectionStatus.COMPLETED if form.validate() else SectionStatus.IN_PROGRESS

    def save(self, page, assessment, form, user, ctx):
        record = assessment.sections.get(self.slug)
        if (record.version if record else 0) != (form.version.data or 0):
            raise Conflict
        if record is None:
            record = SectionAnswers(slug=self.slug, data={})
            assessment.sections[self.slug] = record
        chosen = [i for i in form.objectives.data or [] if i != self.NONE]
        record.data = {"none": self.NONE in (form.objectives.data or [])}
        record.updated_by_id, record.updated_at = user.id, utcnow()
        existing = {link.objective_id: link for link in assessment.objective_links}
        for objective_id, link in existing.items():
            if objective_id not in chosen:
                assessment.objective_links.remove(link)
        for objective_id in chosen:
            link = existing.get(objective_id) or ObjectiveLink(objective_id=objective_id)
            link.how = form[f"how_{objective_id}"].data or ""
            if objective_id not in existing:
                assessment.objective_links.append(link)

    def table(self, assessment) -> list[dict]:
        links = sorted(assessment.objective_links, key=lambda link: link.objective.number)
        return [
            {
                "number": link.objective.number,
                "objective": link.objective.title,
                "theme": link.objective.theme.name,
                "how": link.how,
                "confirmed": link.confirmed,
            }
            for link in links
        ]

    def snapshot(self, assessment, ctx):
        return {**super().snapshot(assessment, ctx), "objectives": self.table(assessment)}

    def rows(self, assessment, ctx):
        links = self.table(assessment)
        if not links:
            return [row("objectives.none", "EDI objectives", "None", "objectives")]
        return [
            row(
                f"objectives.{o['number']}",
                f"Objective {o['number']}: {o['objective']}",
                o["how"],
                "objectives",
            )
            for o in links
        ]


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


@dataclass
class EvidenceSection(QuestionSection):
    """Questions about the evidence, then a page to attach evidence files."""

    def pages(self, assessment, ctx):
        return [
            *super().pages(assessment, ctx),
            Page(self, "evidence/files", "Evidence files", endpoint="assessments.files"),
        ]

    def files(self, assessment) -> list[dict]:
        return [
            {"name": f.original_name, "sha256": f.sha256, "size": f.size} for f in assessment.files
        ]

    def snapshot(self, assessment, ctx):
        return {**super().snapshot(assessment, ctx), "files": self.files(assessment)}

    def rows(self, assessment, ctx):
        names = [f["name"] for f in self.files(assessment)] or "None attached"
        return [
            *super().rows(assessment, ctx),
            row("evidence.files", "Evidence files", names, "evidence/files"),
        ]


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


def applicable(assessment: Assessment) -> list[Section]:
    """The sections on this assessment's route: all of them, or the screening route."""
    if SCREENING.full_route(assessment):
        return SECTIONS
    return [s for s in SECTIONS if s.on_screening_route]


def by_slug(slug: str) -> Section | None:
    return next((s for s in SECTIONS if s.slug == slug), None)


@dataclass
class TaskListEntry:
    section: Section
    status: SectionStatus
    assessment: Assessment
    ctx: Context

    @property
    def url(self) -> str | None:
        if self.status is SectionStatus.CANNOT_START:
            return None
        return self.section.url(self.assessment, self.ctx)


@dataclass
class Progress:
    entries: list[TaskListEntry] = field(default_factory=list)

    @property
    def completed(self) -> int:
        return sum(e.status is SectionStatus.COMPLETED for e in self.entries)

    @property
    def total(self) -> int:
        return len(self.entries)

    @property
    def incomplete(self) -> list[TaskListEntry]:
        return [e for e in self.entries if e.status is not SectionStatus.COMPLETED]


def progress(assessment: Assessment, ctx: Context) -> Progress:
    statuses: dict[str, SectionStatus] = {}
    result = Progress()
    for section in applicable(assessment):
        ready = all(statuses.get(d) is SectionStatus.COMPLETED for d in section.depends_on)
        status = section.status(assessment, ctx) if ready else SectionStatus.CANNOT_START
        statuses[section.slug] = status
        result.entries.append(TaskListEntry(section, status, assessment, ctx))
    return result


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


def snapshot(assessment: Assessment, ctx: Context) -> dict:
    """Every answer, described in full: what a revision freezes and a record prints."""
    return {
        "reference": assessment.reference,
        "title": assessment.title,
        "revision": assessment.revision,
        "route": "full" if SCREENING.full_route(assessment) else "screening",
        "sections": [s.snapshot(assessment, ctx) for s in applicable(assessment)],
    }


def change_urls(assessment: Assessment, ctx: Context) -> dict[str, str]:
    """Where each answer's Change link goes: its page, then back to check answers."""
    return {
        page.key: page.url(assessment, **{"return": "check"})
        for section in applicable(assessment)
        for page in section.pages(assessment, ctx)
    }


def field_layout(form, conditions: dict) -> list[tuple]:
    """Each top-level question with its follow-ups grouped by the answer that reveals them."""
    followups: dict[str, dict] = {}
    for name, (parent, value) in conditions.items():
        if name in form:
            followups.setdefault(parent, {}).setdefault(value, []).append(form[name])
    return [
        (field, followups.get(field.name, {}))
        for field in form
        if field.name not in form.NOT_ANSWERS and field.name not in conditions
    ]
