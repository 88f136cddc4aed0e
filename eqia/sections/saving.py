"""Saving a page's answers: one version check, and never a false conflict.

Every editable part (a section's answers, an impact, an action) carries its own
version; a save based on an older version raises :class:`~eqia.errors.Conflict`.
Saving touches the EqIA's own row only through :func:`touch`: one UPDATE that
moves ``updated_at``, copies the answers lists sort on, and bumps the version a
submission checks, without checking it. So two co-authors saving different pages
at the same moment both succeed, while a save racing a submission loses cleanly
(the submission finds the version moved, or the save finds the EqIA submitted).
"""

from __future__ import annotations

from datetime import date
from functools import singledispatch

from sqlalchemy import update

from eqia.errors import Conflict, IllegalMove
from eqia.extensions import db
from eqia.models import (
    Assessment,
    AssessmentAction,
    EventKind,
    Impact,
    ObjectiveLink,
    SectionAnswers,
    Status,
    User,
)
from eqia.models.audit import record
from eqia.sections import snapshot
from eqia.sections.registry import (
    ACTIONS,
    Context,
    ImpactsSection,
    ObjectivesSection,
    Page,
    QuestionSection,
    Section,
)
from eqia.timefmt import utcnow


def check_version(saved_version: int, based_on: int | None) -> None:
    """The one version check: the page was loaded from the version now saved."""
    if saved_version != (based_on or 0):
        raise Conflict


def _answers(assessment: Assessment, slug: str) -> SectionAnswers:
    record_ = assessment.sections.get(slug)
    if record_ is None:
        record_ = assessment.sections[slug] = SectionAnswers(slug=slug, data={})
    return record_


def _write(assessment: Assessment, slug: str, data: dict, user: User) -> None:
    record_ = _answers(assessment, slug)
    record_.data = data
    record_.updated_by_id, record_.updated_at = user.id, utcnow()


@singledispatch
def save(section: Section, page: Page, assessment: Assessment, form, user: User, ctx: Context):
    """Keep one page's answers, once its form is valid (or valid as a draft)."""
    raise NotImplementedError(f"{section.slug} has no question pages")


@save.register
def _questions(section: QuestionSection, page, assessment, form, user, ctx) -> None:
    saved = assessment.sections.get(section.slug)
    check_version(saved.version if saved else 0, form.version.data)
    _write(assessment, section.slug, form.answers(), user)


@save.register
def _impact(section: ImpactsSection, page, assessment, form, user, ctx) -> None:
    characteristic = section.characteristic(page, ctx)
    impact = section.impact(assessment, characteristic.id)
    check_version(impact.version if impact else 0, form.version.data)
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
    impact.updated_by_id, impact.updated_at = user.id, utcnow()


@save.register
def _objectives(section: ObjectivesSection, page, assessment, form, user, ctx) -> None:
    saved = assessment.sections.get(section.slug)
    check_version(saved.version if saved else 0, form.version.data)
    chosen = [i for i in form.objectives.data or [] if i != section.NONE]
    _write(assessment, section.slug, {"none": section.NONE in (form.objectives.data or [])}, user)
    existing = {link.objective_id: link for link in assessment.objective_links}
    for objective_id, link in existing.items():
        if objective_id not in chosen:
            assessment.objective_links.remove(link)
    for objective_id in chosen:
        link = existing.get(objective_id) or ObjectiveLink(objective_id=objective_id)
        link.how = form[f"how_{objective_id}"].data or ""
        if objective_id not in existing:
            assessment.objective_links.append(link)


def finish_actions(assessment: Assessment, user: User) -> None:
    """The lead has added every action they mean to."""
    _write(assessment, ACTIONS.slug, {"finished": True}, user)


def save_action(
    assessment: Assessment, action: AssessmentAction, form, user: User, ctx: Context
) -> None:
    check_version(action.version if action.id else 0, form.version.data)
    offered = {c.id: c for c in ctx.characteristics} | {c.id: c for c in action.characteristics}
    action.action = form.action.data
    action.responsible = form.responsible.data
    action.start_date = form.start_date.data
    action.due_date = form.due_date.data
    action.success_measure = form.success_measure.data
    action.characteristics = [offered[i] for i in form.characteristics.data or []]
    action.plan_action_id = form.plan_action_id.data
    if "progress" in form:
        action.progress, action.progress_note = form.progress.data, form.progress_note.data or ""
    action.updated_by_id, action.updated_at = user.id, utcnow()
    if action.id is None:
        assessment.actions.append(action)


def copied_columns(cover: dict) -> dict:
    """What lists filter and sort on, copied onto the EqIA from a snapshot's cover facts
    (the answers being written, or a revision as frozen)."""
    review = cover["review_date"]
    directorate = cover["directorate"]
    programme = cover.get("programme")  # absent from revisions frozen before programmes
    return {
        "title": cover["title"],
        "directorate_id": int(directorate["code"]) if directorate else None,
        "programme_id": int(programme["code"]) if programme else None,
        "proposal_type": (cover["proposal_type"] or {}).get("code"),
        "outcome": (cover["outcome"] or {}).get("code"),
        "summary": cover["summary"],
        "review_date": date.fromisoformat(review) if review else None,
    }


def touch(assessment: Assessment, user: User, what: str, ctx: Context) -> None:
    """Record that ``what`` (a section's title) was saved, in the caller's transaction."""
    cover = snapshot.cover(assessment, ctx)
    result = db.session.execute(
        update(Assessment)
        .where(Assessment.id == assessment.id, Assessment.status.in_(Status.editable_states()))
        .values(
            updated_at=utcnow(),
            lock_version=Assessment.lock_version + 1,
            **copied_columns(cover),
        )
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        raise IllegalMove(f"{assessment.reference} cannot be changed now: it has moved on.")
    record(EventKind.SAVED, user, assessment.id, revision=assessment.revision, note=what)
