"""How complete each section is, judged from its saved answers, and the task list.

A section is complete when its saved answers pass every rule of its questions.
:func:`progress` is worked out once per request and handed on (the task list,
check answers and ``workflow.submit`` all take it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import singledispatch

from eqia import questions
from eqia.models import Assessment
from eqia.sections.registry import (
    IMPACTS,
    ActionsSection,
    Context,
    ImpactsSection,
    ObjectivesSection,
    QuestionSection,
    Section,
    applicable,
)


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

    @property
    def task_list_status(self) -> dict:
        """The GOV.UK task list's status for a section in this state."""
        if self is SectionStatus.COMPLETED:
            return {"text": self.label}
        if self is SectionStatus.CANNOT_START:
            return {"text": self.label, "classes": "govuk-task-list__status--cannot-start-yet"}
        colour = "blue" if self is SectionStatus.NOT_STARTED else "light-blue"
        return {"tag": {"text": self.label, "classes": f"govuk-tag--{colour}"}}


def _judged(valid: bool) -> SectionStatus:
    return SectionStatus.COMPLETED if valid else SectionStatus.IN_PROGRESS


@singledispatch
def status(section: Section, assessment: Assessment, ctx: Context) -> SectionStatus:
    raise NotImplementedError(f"No completeness rule for {section.slug}")


@status.register
def _questions(section: QuestionSection, assessment: Assessment, ctx: Context) -> SectionStatus:
    if section.slug not in assessment.sections:
        return SectionStatus.NOT_STARTED
    return _judged(section.saved_form(assessment, ctx).validate())


@status.register
def _objectives(section: ObjectivesSection, assessment: Assessment, ctx: Context):
    if section.slug not in assessment.sections:
        return SectionStatus.NOT_STARTED
    return _judged(section.form(section.pages(assessment, ctx)[0], assessment, ctx).validate())


@status.register
def _impacts(section: ImpactsSection, assessment: Assessment, ctx: Context) -> SectionStatus:
    answered = {i.characteristic_id: i for i in assessment.impacts}
    if not answered:
        return SectionStatus.NOT_STARTED

    def valid(impact) -> bool:
        data = section.data(impact)
        return questions.ImpactForm(formdata=None, data=data, meta={"csrf": False}).validate()

    return _judged(all(c.id in answered and valid(answered[c.id]) for c in ctx.characteristics))


@status.register
def _actions(section: ActionsSection, assessment: Assessment, ctx: Context) -> SectionStatus:
    finished = assessment.answers(section.slug).get("finished")
    if not assessment.actions and not finished:
        return SectionStatus.NOT_STARTED
    needs_one = IMPACTS.negative(assessment) and not assessment.actions
    untold = any(a.carried_from and not a.progress for a in assessment.actions)
    return _judged(bool(finished) and not needs_one and not untold)


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
    """Every applicable section's status, in order, with the reference data it was judged
    against."""

    ctx: Context
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
    result = Progress(ctx)
    for section in applicable(assessment):
        ready = all(statuses.get(d) is SectionStatus.COMPLETED for d in section.depends_on)
        judged = status(section, assessment, ctx) if ready else SectionStatus.CANNOT_START
        statuses[section.slug] = judged
        result.entries.append(TaskListEntry(section, judged, assessment, ctx))
    return result
