"""The one builder of a snapshot: an EqIA's answers as codes and their labels now.

``eqia.snapshot`` documents the schema and reads it. Submitting freezes
:func:`build` as a revision; check answers and the PDF of answers not yet
submitted build the same document from the live answers, so there is one shape
for every reader.
"""

from __future__ import annotations

from functools import singledispatch

from wtforms.fields import DateField, SelectMultipleField
from wtforms.fields.choices import SelectFieldBase

from eqia import questions
from eqia.extensions import db
from eqia.models import Assessment, Directorate, Programme, User
from eqia.sections.registry import (
    ABOUT,
    OUTCOME,
    SCREENING,
    ActionsSection,
    Context,
    EvidenceSection,
    ImpactsSection,
    ObjectivesSection,
    QuestionSection,
    Section,
    applicable,
)
from eqia.snapshot import SCHEMA_VERSION, coded, person


def _choice_label(choices, value) -> str:
    for choice in choices or []:
        if choice.value == value:
            return choice.label
    return str(value)


def _blank(value) -> bool:
    return value is None or value == "" or value == []


def answer(field) -> dict:
    """One question's answer as the schema's Answer."""
    data = field.data
    entry = {"key": field.name, "question": field.label.text}
    if isinstance(field, SelectMultipleField):
        values = [coded(v, _choice_label(field.choices, v)) for v in data or []]
        return entry | {"type": "choices", "value": values}
    if isinstance(field, SelectFieldBase):
        if _blank(data):
            # An optional choice whose blank is itself an answer ("Not part of a programme").
            none = getattr(field, "blank_means", None)
            value = coded("", none) if none else None
        else:
            value = coded(data, _choice_label(field.choices, data))
        return entry | {"type": "choice", "value": value}
    if isinstance(field, DateField):
        return entry | {"type": "date", "value": data.isoformat() if data else None}
    return entry | {"type": "text", "value": "" if data is None else str(data)}


def _answers(section: QuestionSection, assessment: Assessment, ctx: Context) -> list[dict]:
    form = section.saved_form(assessment, ctx)
    return [
        answer(field)
        for name, field in form._fields.items()
        if name not in form.NOT_ANSWERS and section.shown(form, name)
    ]


@singledispatch
def content(section: Section, assessment: Assessment, ctx: Context) -> dict:
    raise NotImplementedError(f"No snapshot for {section.slug}")


@content.register
def _questions(section: QuestionSection, assessment: Assessment, ctx: Context) -> dict:
    return {"answers": _answers(section, assessment, ctx)}


@content.register
def _evidence(section: EvidenceSection, assessment: Assessment, ctx: Context) -> dict:
    files = [
        {"id": f.id, "name": f.original_name, "size": f.size, "sha256": f.sha256}
        for f in assessment.files
    ]
    return {"answers": _answers(section, assessment, ctx), "files": files}


@content.register
def _impacts(section: ImpactsSection, assessment: Assessment, ctx: Context) -> dict:
    """Every saved impact, retired characteristics included, in catalogue order."""
    kinds = {c.value: c.label for c in questions.IMPACT_KINDS}
    residuals = {c.value: c.label for c in questions.RESIDUAL_LEVELS}
    impacts = sorted(
        assessment.impacts, key=lambda i: (i.characteristic.position, i.characteristic.id)
    )
    return {
        "impacts": [
            {
                "characteristic": coded(i.characteristic.code, i.characteristic.name),
                "retired": not i.characteristic.active,
                "kinds": [coded(k, kinds[k]) for k in i.kinds],
                "evidence": i.evidence,
                "mitigation": i.mitigation,
                "residual": coded(i.residual, residuals[i.residual]) if i.residual else None,
                "how_find_out": i.how_find_out,
            }
            for i in impacts
        ]
    }


@content.register
def _actions(section: ActionsSection, assessment: Assessment, ctx: Context) -> dict:
    progress = {c.value: c.label for c in questions.ACTION_PROGRESS}
    return {
        "actions": [
            {
                "id": a.id,
                "action": a.action,
                "responsible": a.responsible,
                "start_date": a.start_date.isoformat(),
                "due_date": a.due_date.isoformat(),
                "characteristics": [coded(c.code, c.name) for c in a.characteristics],
                "success_measure": a.success_measure,
                "carried_from": a.carried_from,
                "progress": coded(a.progress, progress[a.progress]) if a.progress else None,
                "progress_note": a.progress_note,
                "plan_action": (
                    coded(a.plan_action.reference, a.plan_action.label) if a.plan_action else None
                ),
            }
            for a in assessment.actions
        ]
    }


@content.register
def _objectives(section: ObjectivesSection, assessment: Assessment, ctx: Context) -> dict:
    links = sorted(assessment.objective_links, key=lambda link: link.objective.number)
    return {
        "objectives": [
            {
                "objective": coded(link.objective.number, link.objective.title),
                "theme": link.objective.theme.name,
                "how": link.how,
            }
            for link in links
        ],
        "none": bool(assessment.answers(section.slug).get("none")),
    }


def _directorate(directorate_id, ctx: Context) -> dict | None:
    if directorate_id in (None, ""):
        return None
    found = next((d for d in ctx.directorates if d.id == directorate_id), None)
    found = found or db.session.get(Directorate, directorate_id)
    return coded(directorate_id, found.name if found else f"Directorate {directorate_id}")


def _programme(programme_id, ctx: Context) -> dict | None:
    if programme_id in (None, ""):
        return None
    found = next((p for p in ctx.programmes if p.id == programme_id), None)
    found = found or db.session.get(Programme, programme_id)
    return coded(programme_id, found.name if found else f"Programme {programme_id}")


def _coded_choice(choices, value) -> dict | None:
    return None if _blank(value) else coded(value, _choice_label(choices, value))


def cover(assessment: Assessment, ctx: Context) -> dict:
    """The facts a record's cover shows, from the answers as they stand."""
    about, outcome = assessment.answers(ABOUT.slug), assessment.answers(OUTCOME.slug)
    return {
        "title": about.get("title") or assessment.title,
        "lead": person(assessment.owner),
        "co_authors": [person(c.user) for c in assessment.co_authors],
        "directorate": _directorate(about.get("directorate_id"), ctx),
        "programme": _programme(about.get("programme_id"), ctx),
        "proposal_type": _coded_choice(questions.PROPOSAL_TYPES, about.get("proposal_type")),
        "decision_maker": about.get("decision_maker") or "",
        "decision_date": about.get("decision_date") or None,
        "outcome": _coded_choice(questions.OUTCOMES, outcome.get("outcome")),
        "summary": outcome.get("summary") or "",
        "review_date": outcome.get("review_date") or None,
    }


def build(assessment: Assessment, ctx: Context, submitted_by: User | None = None) -> dict:
    """Every answer, as codes and labels: what a revision freezes and every reader reads."""
    return {
        "schema_version": SCHEMA_VERSION,
        "reference": assessment.reference,
        "revision": assessment.revision,
        "route": "full" if SCREENING.full_route(assessment) else "screening",
        **cover(assessment, ctx),
        "submitted_by": person(submitted_by),
        "sections": [
            {
                "slug": s.slug,
                "number": s.number,
                "title": s.title,
                **content(s, assessment, ctx),
            }
            for s in applicable(assessment)
        ],
    }
