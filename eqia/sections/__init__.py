"""The form's sections, one module per job.

- ``registry``: the sections in order, their pages and questions, and the way
  through them (which apply, the next page, Change links).
- ``completeness``: each section's status from its saved answers; the task list.
- ``saving``: keeping a page's answers, with one version check.
- ``snapshot``: the one builder of the frozen record of the answers
  (``eqia.snapshot`` documents and reads it).
- ``presentation``: question layout, and saved answers as rows.
"""

from eqia.sections.completeness import Progress, SectionStatus, progress
from eqia.sections.presentation import field_layout, live, page_rows
from eqia.sections.registry import (
    ABOUT,
    ACTIONS,
    AIMS,
    EVIDENCE,
    IMPACTS,
    OBJECTIVES,
    OUTCOME,
    SCREENING,
    SECTIONS,
    WHO,
    Context,
    Page,
    Section,
    applicable,
    change_urls,
    find_page,
    next_page,
)

__all__ = [
    "ABOUT",
    "ACTIONS",
    "AIMS",
    "EVIDENCE",
    "IMPACTS",
    "OBJECTIVES",
    "OUTCOME",
    "SCREENING",
    "SECTIONS",
    "WHO",
    "Context",
    "Page",
    "Progress",
    "Section",
    "SectionStatus",
    "applicable",
    "change_urls",
    "field_layout",
    "find_page",
    "live",
    "next_page",
    "page_rows",
    "progress",
]
