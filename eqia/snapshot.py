"""A revision's frozen content: the schema, its content hash, and the one reader.

Submitting freezes every answer of an EqIA as one JSON document, built by
``eqia.sections.snapshot`` and never changed afterwards. Everything that shows or
counts a revision (its page, the review page and "changes since", the PDF record,
the register's copied columns, the progress report and the equality insight)
reads it through :func:`read` here, or, in SQL, by the codes it holds.

Schema version 2 (the current one)::

    {
      "schema_version": 2,
      "reference": "EQIA-2027-0042", "revision": 1, "route": "full" | "screening",
      # Cover facts, as they were when the revision was frozen:
      "title": str,
      "lead": Person | null, "co_authors": [Person], "submitted_by": Person | null,
      "directorate": Coded | null,         # a directorate's code is its id
      "programme": Coded | null,           # a programme's code is its id; absent from
                                           # revisions frozen before programmes existed
      "proposal_type": Coded | null,       # policy, strategy, service-change, ...
      "decision_maker": str, "decision_date": "YYYY-MM-DD" | null,
      "outcome": Coded | null,             # no-major-change, adjust, continue, stop
      "summary": str, "review_date": "YYYY-MM-DD" | null,
      "converted_from": 1,                 # only on revisions migration 0007 converted
      "due_regard": DueRegard,             # absent from revisions frozen before the checks
      "sections": [
        {"slug": str, "number": int, "title": str,
         "answers": [Answer],              # question sections, in question order
         "files": [File],                  # evidence
         "impacts": [Impact],              # impacts, in catalogue order
         "actions": [Action],              # actions
         "objectives": [Link], "none": bool   # objectives ("none": none of these)
        }
      ]
    }
    Person = {"id": int, "name": str, "job_title": str}
    Coded  = {"code": str, "label": str}   # a stable code, and its label at the time
    Answer = {"key": field name, "question": str,
              "type": "text" | "date" | "choice" | "choices",
              "value": str | "YYYY-MM-DD" | Coded | [Coded] | null}
                                           # a choice whose blank is an answer ("Not part
                                           # of a programme") is Coded with code ""
    File   = {"id": int | null, "name": str, "size": int, "sha256": str}
    Impact = {"characteristic": Coded, "retired": bool,
              "kinds": [Coded],            # positive, negative, neutral, not_known
              "evidence": str, "mitigation": str,
              "residual": Coded | null,    # low, medium, high
              "how_find_out": str}
    Action = {"id": int | null, "action": str, "responsible": str,
              "start_date": "YYYY-MM-DD", "due_date": "YYYY-MM-DD",
              "characteristics": [Coded], "success_measure": str,
              "carried_from": int | null,  # the signed-off revision it was carried from
              "progress": Coded | null, "progress_note": str,
              "plan_action": Coded | null} # an EDI action plan action, by reference
    Link   = {"objective": Coded, "theme": str, "how": str}   # objective code: its number
    DueRegard = {"checked_on": "YYYY-MM-DD",  # the day of the submission they were run on
                 "checks": [Check]}           # every check that was turned on, in order
    Check  = {"code": str, "title": str, "principle": str, "says": str, "citation": str,
              "blocking": bool, "settings": {str: int},   # its thresholds at the time
              "details": [str],            # what fell short, a line each: none if it passed
              "reason": str}               # the lead's reason for going on despite it

The content hash is the SHA-256 of the document's canonical JSON (sorted keys, no
spaces, UTF-8). A revision converted from schema 1 keeps the schema-1 document it
was signed off as beside the typed one (``revisions.original_snapshot``), and its
hash remains that document's, so records issued before the conversion still match.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from eqia.errors import UnknownSnapshot
from eqia.timefmt import iso_long_date

SCHEMA_VERSION = 2


def canonical(document: dict) -> bytes:
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def content_hash(document: dict) -> str:
    return hashlib.sha256(canonical(document)).hexdigest()


# Building blocks (the builder and migration 0007 write these shapes).


def coded(code: object, label: str) -> dict:
    return {"code": str(code), "label": label}


def person(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.id, "name": user.name, "job_title": user.job_title or ""}


# Reading.


def _label(value: dict | None, default: str = "") -> str:
    return value["label"] if value else default


def _labels(values: list[dict] | None) -> list[str]:
    return [v["label"] for v in values or []]


def answer_text(answer: dict) -> str:
    """An answer as pages and the PDF show it ("" when not answered)."""
    value = answer.get("value")
    match answer.get("type"):
        case "date":
            return iso_long_date(value)
        case "choice":
            return _label(value)
        case "choices":
            return "\n".join(_labels(value))
        case _:
            return "" if value is None else str(value)


@dataclass(frozen=True)
class Row:
    """One line of an answer list: check answers, a revision page, the review page, the PDF."""

    key: str
    question: str
    answer: str
    page: str  # the question page it was answered on (for Change links)


@dataclass(frozen=True)
class ImpactView:
    code: str
    characteristic: str
    retired: bool
    kinds: list[str]  # codes
    impacts: list[str]  # their labels
    evidence: str
    mitigation: str
    residual: str
    how_find_out: str

    @property
    def name(self) -> str:
        return self.characteristic + (" (retired)" if self.retired else "")


@dataclass(frozen=True)
class ActionView:
    action: str
    responsible: str
    start_date: str
    due_date: str
    characteristics: list[str]
    success_measure: str
    carried_from: int | None
    progress: str
    progress_note: str
    plan_action: str

    @property
    def dates(self) -> str:
        return f"From {iso_long_date(self.start_date)} to {iso_long_date(self.due_date)}"


@dataclass(frozen=True)
class LinkView:
    number: str
    objective: str
    theme: str
    how: str


@dataclass(frozen=True)
class FileView:
    id: int | None
    name: str
    size: int | None
    sha256: str


@dataclass(frozen=True)
class SectionView:
    slug: str
    number: int
    title: str
    answers: list[Row]  # the question answers alone
    rows: list[Row]  # everything, as an answer list shows it
    impacts: list[ImpactView] | None = None
    actions: list[ActionView] | None = None
    objectives: list[LinkView] | None = None
    files: list[FileView] | None = None

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.title}"


def _impact(entry: dict) -> ImpactView:
    return ImpactView(
        code=entry["characteristic"]["code"],
        characteristic=entry["characteristic"]["label"],
        retired=bool(entry.get("retired")),
        kinds=[k["code"] for k in entry["kinds"]],
        impacts=_labels(entry["kinds"]),
        evidence=entry.get("evidence", ""),
        mitigation=entry.get("mitigation", ""),
        residual=_label(entry.get("residual")),
        how_find_out=entry.get("how_find_out", ""),
    )


def _action(entry: dict) -> ActionView:
    return ActionView(
        action=entry["action"],
        responsible=entry["responsible"],
        start_date=entry["start_date"],
        due_date=entry["due_date"],
        characteristics=_labels(entry["characteristics"]),
        success_measure=entry["success_measure"],
        carried_from=entry.get("carried_from"),
        progress=_label(entry.get("progress")),
        progress_note=entry.get("progress_note", ""),
        plan_action=_label(entry.get("plan_action")),
    )


def _impact_row(impact: ImpactView) -> Row:
    lines = [", ".join(impact.impacts), impact.evidence]
    if impact.mitigation:
        lines.append(f"Mitigation: {impact.mitigation}")
    if impact.residual:
        lines.append(f"Impact after mitigation: {impact.residual}")
    if impact.how_find_out:
        lines.append(f"How we will find out: {impact.how_find_out}")
    return Row(f"impacts.{impact.code}", impact.name, "\n".join(lines), f"impacts/{impact.code}")


def _action_row(number: int, action: ActionView) -> Row:
    lines = [
        action.action,
        f"Responsible: {action.responsible}",
        action.dates,
        "Characteristics: " + (", ".join(action.characteristics) or "None chosen"),
        f"Success measure: {action.success_measure}",
    ]
    if action.plan_action:
        lines.append(f"Contributes to the EDI action plan: {action.plan_action}")
    if action.carried_from:
        lines.append(f"Since revision {action.carried_from}: {action.progress or 'Not answered'}")
        if action.progress_note:
            lines.append(action.progress_note)
    return Row(f"actions.{number}", f"Action {number}", "\n".join(lines), "actions")


def _section(data: dict) -> SectionView:
    slug = data["slug"]
    answers = [
        Row(f"{slug}.{a['key']}", a["question"], answer_text(a), slug)
        for a in data.get("answers", [])
    ]
    rows = list(answers)
    parts: dict = {}
    if "files" in data:
        parts["files"] = [
            FileView(f.get("id"), f["name"], f.get("size"), f["sha256"]) for f in data["files"]
        ]
        names = "\n".join(f.name for f in parts["files"]) or "None attached"
        rows.append(Row("evidence.files", "Evidence files", names, "evidence/files"))
    if "impacts" in data:
        parts["impacts"] = [_impact(entry) for entry in data["impacts"]]
        rows += [_impact_row(impact) for impact in parts["impacts"]]
    if "actions" in data:
        parts["actions"] = [_action(entry) for entry in data["actions"]]
        rows += [_action_row(n, a) for n, a in enumerate(parts["actions"], 1)]
        if not parts["actions"]:
            rows.append(Row("actions.none", "Actions", "No actions", "actions"))
    if "objectives" in data:
        parts["objectives"] = [
            LinkView(o["objective"]["code"], o["objective"]["label"], o["theme"], o["how"])
            for o in data["objectives"]
        ]
        rows += [
            Row(f"objectives.{o.number}", f"Objective {o.number}: {o.objective}", o.how, slug)
            for o in parts["objectives"]
        ]
        if not parts["objectives"]:
            rows.append(Row("objectives.none", "EDI objectives", "None", slug))
    return SectionView(slug, data["number"], data["title"], answers, rows, **parts)


@dataclass(frozen=True)
class CheckResult:
    """One due-regard check's finding: as check answers shows it, or as a revision froze it."""

    code: str
    title: str
    principle: str
    says: str
    citation: str
    blocking: bool
    settings: dict
    details: tuple[str, ...]
    reason: str = ""

    @property
    def warned(self) -> bool:
        return bool(self.details)

    def frozen(self) -> dict:
        return {
            "code": self.code,
            "title": self.title,
            "principle": self.principle,
            "says": self.says,
            "citation": self.citation,
            "blocking": self.blocking,
            "settings": dict(self.settings),
            "details": list(self.details),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class DueRegardView:
    checked_on: date
    checks: list[CheckResult]

    @property
    def warnings(self) -> list[CheckResult]:
        return [c for c in self.checks if c.warned]


def _due_regard(data: dict | None) -> DueRegardView | None:
    if data is None:
        return None
    checks = [
        CheckResult(**(entry | {"details": tuple(entry["details"])})) for entry in data["checks"]
    ]
    return DueRegardView(date.fromisoformat(data["checked_on"]), checks)


@dataclass(frozen=True)
class Snapshot:
    """A revision (or the answers as they stand) as every page and the PDF show it."""

    document: dict
    sections: list[SectionView]

    def _name(self, key: str) -> str:
        return (self.document.get(key) or {}).get("name", "")

    reference = property(lambda self: self.document["reference"])
    revision = property(lambda self: self.document["revision"])
    route = property(lambda self: self.document["route"])
    title = property(lambda self: self.document["title"])
    lead = property(lambda self: self._name("lead"))
    submitted_by = property(lambda self: self._name("submitted_by"))
    directorate = property(lambda self: _label(self.document["directorate"]))
    # Absent from revisions frozen before programmes: read with .get.
    programme = property(lambda self: _label(self.document.get("programme")))
    programme_id = property(
        lambda self: int(p["code"]) if (p := self.document.get("programme")) else None
    )
    proposal_type = property(lambda self: _label(self.document["proposal_type"]))
    outcome = property(lambda self: _label(self.document["outcome"]))
    outcome_code = property(lambda self: (self.document["outcome"] or {}).get("code"))
    summary = property(lambda self: self.document["summary"])
    decision_maker = property(lambda self: self.document["decision_maker"])

    @property
    def co_authors(self) -> list[str]:
        return [p["name"] for p in self.document["co_authors"]]

    @property
    def review_date(self) -> date | None:
        value = self.document["review_date"]
        return date.fromisoformat(value) if value else None

    @property
    def decision_date(self) -> date | None:
        value = self.document["decision_date"]
        return date.fromisoformat(value) if value else None

    @property
    def due_regard(self) -> DueRegardView | None:
        """The checks run at submission (None before a submission, or from before them)."""
        return _due_regard(self.document.get("due_regard"))

    def section(self, slug: str) -> SectionView | None:
        return next((s for s in self.sections if s.slug == slug), None)


def read(document: dict) -> Snapshot:
    """The one way to read a snapshot; any schema but the current one is refused."""
    version = document.get("schema_version", 1)
    if version != SCHEMA_VERSION:
        which = f"{document.get('reference', 'An EqIA')} revision {document.get('revision', '?')}"
        raise UnknownSnapshot(
            f"{which} was saved in a form this version of the service cannot read "
            f"(snapshot schema version {version}; this service reads version "
            f"{SCHEMA_VERSION}). Contact your EqIA administrator."
        )
    return Snapshot(document, [_section(s) for s in document["sections"]])
