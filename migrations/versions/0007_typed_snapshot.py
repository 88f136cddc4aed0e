"""typed snapshot: every revision as schema 2 (codes and labels, cover facts on top)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:00:00

Schema 1 froze each answer as display text (question and answer rows). Schema 2
(``eqia/snapshot.py``) freezes stable codes beside their labels, with the cover
facts at the top level. This converts every schema-1 revision and keeps the
document it was frozen as in ``revisions.original_snapshot``: its content hash is
that document's, so records signed before the conversion still match the database.

The conversion is written out here in full, as the vocabularies were at 0006, so it
never changes with the application. Labels that no longer match a known code (a
renamed directorate, say) keep their label with the label as code. People's names
on the cover (lead, co-authors, who submitted) are those of the users table at the
time of the conversion, and the document says so (``"converted_from": 1``).

Downgrading restores each converted revision's original document; a revision first
frozen as schema 2 is written back as schema-1 rows, whose hash then no longer
matches (a downgrade is for development only).
"""

import re
from datetime import datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BATCH = 500

YES_NO = {"yes": "Yes", "no": "No"}
VOCABULARY = {
    "yes_no": YES_NO,
    "proposal_type": {
        "policy": "Policy",
        "strategy": "Strategy",
        "service-change": "Service change",
        "project": "Project or programme",
        "commissioning": "Commissioning or procurement",
        "budget": "Budget proposal",
        "workforce": "Workforce change",
        "other": "Other",
    },
    "change_kind": {"new": "New", "changed": "A change", "removed": "Removing something"},
    "groups": {
        "residents": "Residents",
        "service-users": "People who use the service",
        "staff": "Council staff",
        "partners": "Partner organisations",
    },
    "area": {"county": "Across the county", "districts": "In particular districts"},
    "outcome": {
        "no-major-change": "No major change needed",
        "adjust": "Adjust the proposal",
        "continue": "Continue despite adverse impact",
        "stop": "Stop and remove the proposal",
    },
    "impact": {
        "positive": "Positive",
        "negative": "Negative",
        "neutral": "Neutral",
        "not_known": "Not known",
    },
    "residual": {"low": "Low", "medium": "Medium", "high": "High"},
    "progress": {
        "completed": "Completed",
        "on-track": "Under way and on track",
        "delayed": "Under way but delayed",
        "not-started": "Not started",
        "dropped": "No longer needed",
    },
}
# (section, field) -> (type, vocabulary); any other answer is text.
FIELDS = {
    ("screening", "could_affect"): ("choice", "yes_no"),
    ("about", "proposal_type"): ("choice", "proposal_type"),
    ("about", "directorate_id"): ("choice", "directorates"),
    ("about", "decision_date"): ("date", None),
    ("about", "key_decision"): ("choice", "yes_no"),
    ("about", "change_kind"): ("choice", "change_kind"),
    ("who", "groups"): ("choices", "groups"),
    ("who", "area"): ("choice", "area"),
    ("who", "districts"): ("choices", "districts"),
    ("outcome", "outcome"): ("choice", "outcome"),
    ("outcome", "review_date"): ("date", None),
}
STRUCTURED = {"impacts": "impacts", "actions": "actions", "objectives": "objectives"}
NO_LONGER_LISTED = re.compile(r"District (\d+) \(no longer listed\)")

revisions = sa.table(
    "revisions",
    sa.column("id", sa.Integer),
    sa.column("assessment_id", sa.Integer),
    sa.column("created_by_id", sa.Integer),
    sa.column("snapshot", sa.JSON),
    sa.column("original_snapshot", sa.JSON),
)


def _coded(code, label: str) -> dict:
    return {"code": str(code), "label": label}


class Lookup:
    """The reference data a conversion matches labels against, read once."""

    def __init__(self, connection):
        def pairs(sql):
            return {row[0]: row[1] for row in connection.execute(sa.text(sql))}

        self.directorates = pairs("SELECT name, id FROM directorates")
        self.districts = pairs("SELECT name, id FROM districts")
        self.characteristics = pairs("SELECT name, code FROM characteristics")
        self.plan_actions = pairs("SELECT reference, id FROM plan_actions")
        self.people = {
            row[0]: {"id": row[0], "name": row[1], "job_title": row[2] or ""}
            for row in connection.execute(sa.text("SELECT id, name, job_title FROM users"))
        }
        self.owners = pairs("SELECT id, owner_id FROM assessments")
        self.co_authors: dict[int, list[int]] = {}
        query = "SELECT assessment_id, user_id FROM co_authors ORDER BY added_at"
        for assessment_id, user_id in connection.execute(sa.text(query)):
            self.co_authors.setdefault(assessment_id, []).append(user_id)

    def code(self, vocabulary: str, label: str):
        if vocabulary == "directorates":
            return self.directorates.get(label, label)
        if vocabulary == "districts":
            found = NO_LONGER_LISTED.fullmatch(label)
            return found.group(1) if found else self.districts.get(label, label)
        codes = {v: k for k, v in VOCABULARY[vocabulary].items()}
        return codes.get(label, label)

    def coded(self, vocabulary: str, label: str) -> dict | None:
        return _coded(self.code(vocabulary, label), label) if label else None


def _iso(text: str) -> str | None:
    try:
        return datetime.strptime(text, "%d %B %Y").date().isoformat()
    except ValueError:
        return None


def _answer(lookup: Lookup, slug: str, row: dict) -> dict:
    field = row["key"].removeprefix(f"{slug}.")
    kind, vocabulary = FIELDS.get((slug, field), ("text", None))
    text = row.get("answer") or ""
    answer = {"key": field, "question": row["question"]}
    if kind == "date" and (text == "" or _iso(text)):
        return answer | {"type": "date", "value": _iso(text) if text else None}
    if kind == "choice":
        return answer | {"type": "choice", "value": lookup.coded(vocabulary, text)}
    if kind == "choices":
        labels = [line for line in text.split("\n") if line]
        return answer | {"type": "choices", "value": [lookup.coded(vocabulary, x) for x in labels]}
    return answer | {"type": "text", "value": text}


def _impact(lookup: Lookup, entry: dict) -> dict:
    return {
        "characteristic": _coded(entry["code"], entry["characteristic"]),
        "retired": bool(entry.get("retired")),
        "kinds": [lookup.coded("impact", label) for label in entry.get("impacts", [])],
        "evidence": entry.get("evidence", ""),
        "mitigation": entry.get("mitigation", ""),
        "residual": lookup.coded("residual", entry.get("residual") or ""),
        "how_find_out": entry.get("how_find_out", ""),
    }


def _action(lookup: Lookup, entry: dict) -> dict:
    plan_action = entry.get("plan_action") or ""
    reference = plan_action.split(":", 1)[0]
    return {
        "id": entry.get("id"),
        "action": entry["action"],
        "responsible": entry["responsible"],
        "start_date": entry["start_date"],
        "due_date": entry["due_date"],
        "characteristics": [
            _coded(lookup.characteristics.get(name, name), name)
            for name in entry.get("characteristics", [])
        ],
        "success_measure": entry["success_measure"],
        "carried_from": entry.get("carried_from"),
        "progress": lookup.coded("progress", entry.get("progress") or ""),
        "progress_note": entry.get("progress_note", ""),
        "plan_action": _coded(reference, plan_action) if plan_action else None,
    }


def _section(lookup: Lookup, section: dict) -> dict:
    slug = section["slug"]
    out = {"slug": slug, "number": section["number"], "title": section["title"]}
    structured = STRUCTURED.get(slug)
    if structured and structured in section:
        if slug == "impacts":
            out["impacts"] = [_impact(lookup, e) for e in section["impacts"]]
        elif slug == "actions":
            out["actions"] = [_action(lookup, e) for e in section["actions"]]
        else:
            out["objectives"] = [
                {
                    "objective": _coded(o["number"], o["objective"]),
                    "theme": o.get("theme", ""),
                    "how": o.get("how", ""),
                }
                for o in section["objectives"]
            ]
            out["none"] = not section["objectives"]
        return out
    rows = [r for r in section.get("rows", []) if r["key"] != "evidence.files"]
    out["answers"] = [_answer(lookup, slug, r) for r in rows]
    if slug == "evidence":
        out["files"] = [
            {"id": None, "name": f["name"], "size": f.get("size"), "sha256": f["sha256"]}
            for f in section.get("files", [])
        ]
    return out


def _value(sections: list[dict], slug: str, key: str):
    for section in sections:
        if section["slug"] == slug:
            for answer in section.get("answers", []):
                if answer["key"] == key:
                    return answer["value"]
    return None


def upgraded(lookup: Lookup, row, old: dict) -> dict:
    """A schema-1 document as schema 2."""
    sections = [_section(lookup, s) for s in old.get("sections", [])]
    owner = lookup.owners.get(row.assessment_id)
    return {
        "schema_version": 2,
        "converted_from": 1,
        "reference": old["reference"],
        "revision": old["revision"],
        "route": old.get("route", "full"),
        "title": old.get("title", ""),
        "lead": lookup.people.get(owner),
        "co_authors": [lookup.people[u] for u in lookup.co_authors.get(row.assessment_id, [])],
        "submitted_by": lookup.people.get(row.created_by_id),
        "directorate": _value(sections, "about", "directorate_id"),
        "proposal_type": _value(sections, "about", "proposal_type"),
        "decision_maker": _value(sections, "about", "decision_maker") or "",
        "decision_date": _value(sections, "about", "decision_date"),
        "outcome": _value(sections, "outcome", "outcome"),
        "summary": _value(sections, "outcome", "summary") or "",
        "review_date": _value(sections, "outcome", "review_date"),
        "sections": sections,
    }


def _text(answer: dict) -> str:
    value = answer["value"]
    if answer["type"] == "choice":
        return value["label"] if value else ""
    if answer["type"] == "choices":
        return "\n".join(v["label"] for v in value)
    if answer["type"] == "date":
        return _long(value) if value else ""
    return value or ""


def _long(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%-d %B %Y")


def _row(key: str, question: str, lines, page: str) -> dict:
    answer = "\n".join(lines) if isinstance(lines, list) else lines
    return {"key": key, "question": question, "answer": answer, "page": page}


def _label(value: dict | None) -> str:
    return value["label"] if value else ""


def _schema_1_section(section: dict) -> dict:
    """A schema-2 section as schema 1 wrote it: rows, and its table in the old shape."""
    slug = section["slug"]
    out = {"slug": slug, "number": section["number"], "title": section["title"]}
    rows = [
        _row(f"{slug}.{a['key']}", a["question"], _text(a), slug)
        for a in section.get("answers", [])
    ]
    if "files" in section:
        out["files"] = [
            {"name": f["name"], "sha256": f["sha256"], "size": f.get("size")}
            for f in section["files"]
        ]
        names = [f["name"] for f in section["files"]] or "None attached"
        rows.append(_row("evidence.files", "Evidence files", names, "evidence/files"))
    if "impacts" in section:
        out["impacts"] = []
        for entry in section["impacts"]:
            old = {
                "code": entry["characteristic"]["code"],
                "characteristic": entry["characteristic"]["label"],
                "retired": entry["retired"],
                "impacts": [k["label"] for k in entry["kinds"]],
                "evidence": entry["evidence"],
                "mitigation": entry["mitigation"],
                "residual": _label(entry["residual"]),
                "how_find_out": entry["how_find_out"],
            }
            out["impacts"].append(old)
            lines = [", ".join(old["impacts"]), old["evidence"]]
            lines += [f"Mitigation: {old['mitigation']}"] if old["mitigation"] else []
            lines += [f"Impact after mitigation: {old['residual']}"] if old["residual"] else []
            if old["how_find_out"]:
                lines.append(f"How we will find out: {old['how_find_out']}")
            name = old["characteristic"] + (" (retired)" if old["retired"] else "")
            rows.append(_row(f"impacts.{old['code']}", name, lines, f"impacts/{old['code']}"))
    if "actions" in section:
        out["actions"] = []
        for number, entry in enumerate(section["actions"], 1):
            old = entry | {
                "characteristics": [c["label"] for c in entry["characteristics"]],
                "progress": _label(entry["progress"]),
                "plan_action": _label(entry["plan_action"]),
            }
            out["actions"].append(old)
            lines = [
                old["action"],
                f"Responsible: {old['responsible']}",
                f"From {_long(old['start_date'])} to {_long(old['due_date'])}",
                "Characteristics: " + (", ".join(old["characteristics"]) or "None chosen"),
                f"Success measure: {old['success_measure']}",
            ]
            if old["plan_action"]:
                lines.append(f"Contributes to the EDI action plan: {old['plan_action']}")
            if old["carried_from"]:
                progress = old["progress"] or "Not answered"
                lines.append(f"Since revision {old['carried_from']}: {progress}")
                lines += [old["progress_note"]] if old["progress_note"] else []
            rows.append(_row(f"actions.{number}", f"Action {number}", lines, "actions"))
        if not section["actions"]:
            rows.append(_row("actions.none", "Actions", "No actions", "actions"))
    if "objectives" in section:
        out["objectives"] = [
            {
                "number": int(o["objective"]["code"]),
                "objective": o["objective"]["label"],
                "theme": o["theme"],
                "how": o["how"],
                "confirmed": None,
            }
            for o in section["objectives"]
        ]
        rows += [
            _row(
                f"objectives.{o['number']}",
                f"Objective {o['number']}: {o['objective']}",
                o["how"],
                slug,
            )
            for o in out["objectives"]
        ]
        if not out["objectives"]:
            rows.append(_row("objectives.none", "EDI objectives", "None", slug))
    out["rows"] = rows
    return out


def downgraded(new: dict) -> dict:
    return {
        "reference": new["reference"],
        "title": new["title"],
        "revision": new["revision"],
        "route": new["route"],
        "sections": [_schema_1_section(s) for s in new["sections"]],
    }


def _batches(connection, query):
    last = 0
    while True:
        rows = connection.execute(query.where(revisions.c.id > last).limit(BATCH)).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def upgrade():
    op.add_column("revisions", sa.Column("original_snapshot", sa.JSON(), nullable=True))
    connection = op.get_bind()
    lookup = Lookup(connection)
    query = sa.select(
        revisions.c.id, revisions.c.assessment_id, revisions.c.created_by_id, revisions.c.snapshot
    ).order_by(revisions.c.id)
    change = (
        revisions.update()
        .where(revisions.c.id == sa.bindparam("rid"))
        .values(snapshot=sa.bindparam("new"), original_snapshot=sa.bindparam("old"))
    )
    for rows in _batches(connection, query):
        updates = [
            {"rid": row.id, "new": upgraded(lookup, row, row.snapshot), "old": row.snapshot}
            for row in rows
            if row.snapshot.get("schema_version", 1) == 1
        ]
        if updates:
            connection.execute(change, updates)


def downgrade():
    connection = op.get_bind()
    query = sa.select(revisions.c.id, revisions.c.snapshot, revisions.c.original_snapshot).order_by(
        revisions.c.id
    )
    change = (
        revisions.update()
        .where(revisions.c.id == sa.bindparam("rid"))
        .values(snapshot=sa.bindparam("doc"))
    )
    for rows in _batches(connection, query):
        updates = [
            {
                "rid": row.id,
                "doc": row.original_snapshot
                if row.original_snapshot is not None
                else downgraded(row.snapshot),
            }
            for row in rows
        ]
        connection.execute(change, updates)
    with op.batch_alter_table("revisions") as batch:
        batch.drop_column("original_snapshot")
