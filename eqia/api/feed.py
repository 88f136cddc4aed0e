"""What the feed reads: the request's filters, and each dataset's rows, in id-ordered batches.

EqIAs for the internal reach are the internal register's rows (``eqia.records.register``:
the same query and the same filters). Everything else is read from the signed-off revision
in force, never from the answers being written: the public reach's EqIAs, every impact and
action (the revision's snapshot, through ``eqia.snapshot``) and every objective link (as
the super user confirmed it, frozen with the approving decision). The public reach reads
only the EqIAs on the public register (``eqia.publishing.published``), officers named as
it names them.

Rows are read a batch of EqIAs at a time, each batch a query by id from the last, so a
feed of any length is read in the same memory; a cursor (``after``) is the last row given:
an EqIA's id, and for datasets with several rows an EqIA, the row's number within it.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from werkzeug.datastructures import MultiDict

from eqia.database import MAX_ID
from eqia.errors import FeedError
from eqia.extensions import db
from eqia.forms import FIRST_YEAR, LAST_YEAR, iso_date
from eqia.models import Assessment, Dataset, Decision, Reach, Revision, Status
from eqia.publishing import PublishingPolicy, published
from eqia.records.register import (
    OUTCOME_LABELS,
    PROPOSAL_LABELS,
    Criteria,
    count_query,
    rows_query,
)
from eqia.snapshot import read

BATCH = 500
PER_PAGE, MAX_PER_PAGE = 100, 1000
PARAMETERS = ("signed_off_from", "signed_off_to", "status", "directorate", "per_page", "after")
_CURSOR = re.compile(r"([0-9]{1,10})(?:\.([0-9]{1,9}))?")


@dataclass(frozen=True)
class Cursor:
    """The last row given: an EqIA, and (for several rows an EqIA) its row's number."""

    id: int
    row: int | None = None

    def __str__(self) -> str:
        return str(self.id) if self.row is None else f"{self.id}.{self.row}"


@dataclass(frozen=True)
class Request:
    """A feed request's filters and page, checked."""

    criteria: Criteria
    per_page: int | None  # None: every row (a CSV asked for without a page)
    after: Cursor | None


def _bad(parameter: str, message: str) -> FeedError:
    return FeedError(400, "bad_parameter", message, parameter=parameter)


def _one(args: MultiDict, name: str) -> str | None:
    values = args.getlist(name)
    if len(values) > 1:
        raise _bad(name, f"Give {name} once")
    return values[0].strip() if values else None


def _date(args: MultiDict, name: str) -> date | None:
    raw = _one(args, name)
    if raw is None:
        return None
    if (value := iso_date(raw)) is None:
        raise _bad(
            name, f"{name} must be a real date written YYYY-MM-DD, in {FIRST_YEAR} to {LAST_YEAR}"
        )
    return value


def _whole(args: MultiDict, name: str, low: int, high: int) -> int | None:
    raw = _one(args, name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18 and low <= int(raw) <= high):
        raise _bad(name, f"{name} must be a whole number from {low:,} to {high:,}")
    return int(raw)


def parse(args: MultiDict, reach: Reach, paged: bool) -> Request:
    """The filters and page a request asks for; a 400 FeedError naming the first bad one."""
    for name in args:
        if name not in PARAMETERS:
            raise FeedError(
                400,
                "unknown_parameter",
                f"{name} is not a parameter of this feed: use {', '.join(PARAMETERS)}",
                parameter=name,
            )
    statuses = [value.strip() for value in args.getlist("status")]
    if statuses and reach is Reach.PUBLIC:
        raise _bad("status", "status is not part of the public register: leave it out")
    for value in statuses:
        if value not in {s.value for s in Status}:
            allowed = ", ".join(s.value for s in Status)
            raise _bad("status", f"status must be one of {allowed}")
    start, end = _date(args, "signed_off_from"), _date(args, "signed_off_to")
    if start and end and end < start:
        raise _bad("signed_off_to", "signed_off_to must be the same as or after signed_off_from")
    directorate = _whole(args, "directorate", 1, MAX_ID)
    per_page = _whole(args, "per_page", 1, MAX_PER_PAGE)
    raw_after = _one(args, "after")
    after = None
    if raw_after is not None:
        match = _CURSOR.fullmatch(raw_after)
        if match is None or int(match[1]) > MAX_ID:
            raise _bad("after", "after must be a cursor from a links.next of this feed")
        after = Cursor(int(match[1]), int(match[2]) if match[2] else None)
    criteria = Criteria(
        statuses=statuses, directorate_id=directorate, approved_from=start, approved_to=end
    )
    if paged or per_page is not None or after is not None:
        per_page = per_page or PER_PAGE
    return Request(criteria, per_page, after)


# --- each dataset's rows ----------------------------------------------------------------------


def _policy() -> PublishingPolicy:
    return PublishingPolicy.load()


def _internal_eqias(criteria: Criteria) -> Select:
    return (
        rows_query(criteria)
        .order_by(None)
        .outerjoin(Revision, Revision.id == Assessment.approved_revision_id)
        .add_columns(
            Assessment.directorate_id,
            Assessment.published_at,
            Revision.number.label("signed_off_revision"),
        )
    )


def _internal_eqia(row, _policy) -> list[dict]:
    return [
        {
            "reference": row.reference,
            "title": row.title,
            "directorate": row.directorate,
            "directorate_id": row.directorate_id,
            "lead": row.lead,
            "status": row.status.value,
            "status_label": row.status.label,
            "proposal_type": row.proposal_type,
            "proposal_type_label": PROPOSAL_LABELS.get(row.proposal_type or "", ""),
            "outcome": row.outcome,
            "outcome_label": OUTCOME_LABELS.get(row.outcome or "", ""),
            "summary": row.summary,
            "submitted_at": row.submitted_at,
            "signed_off_at": row.approved_at,
            "signed_off_by": row.approved_by,
            "review_date": row.review_date,
            "signed_off_revision": row.signed_off_revision,
            "published_at": row.published_at,
        }
    ]


def _signed_off(criteria: Criteria, reach: Reach, *columns) -> Select:
    """The signed-off revision in force of each EqIA the filters choose, with its decision."""
    query = (
        select(Assessment.id, Assessment.reference, Revision.number, Revision.snapshot, *columns)
        .join(Revision, Revision.id == Assessment.approved_revision_id)
        .outerjoin(Decision, Decision.revision_id == Revision.id)
        .where(*criteria.conditions())
    )
    return query.where(published()) if reach is Reach.PUBLIC else query


def _public_eqias(criteria: Criteria) -> Select:
    return _signed_off(
        criteria,
        Reach.PUBLIC,
        Assessment.approved_at,
        Assessment.published_at,
        Decision.reviewer_name,
        Decision.reviewer_job_title,
    )


def _coded(value: dict | None) -> tuple[str | None, str]:
    return (value["code"], value["label"]) if value else (None, "")


def _public_eqia(row, policy: PublishingPolicy) -> list[dict]:
    document = row.snapshot
    lead = document.get("lead") or {"name": "", "job_title": ""}
    directorate_code, directorate = _coded(document.get("directorate"))
    proposal_type, proposal_type_label = _coded(document.get("proposal_type"))
    outcome, outcome_label = _coded(document.get("outcome"))
    review = document.get("review_date")
    signer = (
        policy.officer(row.reviewer_name, row.reviewer_job_title)
        if row.reviewer_name is not None
        else None
    )
    return [
        {
            "reference": row.reference,
            "title": document["title"],
            "directorate": directorate or None,
            "directorate_id": int(directorate_code) if directorate_code else None,
            "lead": policy.officer(lead["name"], lead["job_title"]),
            "proposal_type": proposal_type,
            "proposal_type_label": proposal_type_label,
            "outcome": outcome,
            "outcome_label": outcome_label,
            "summary": document["summary"],
            "signed_off_at": row.approved_at,
            "signed_off_by": signer,
            "review_date": date.fromisoformat(review) if review else None,
            "signed_off_revision": row.number,
            "published_at": row.published_at,
        }
    ]


def _impacts(row, _policy) -> list[dict]:
    section = read(row.snapshot).section("impacts")
    return [
        {
            "reference": row.reference,
            "revision": row.number,
            "characteristic_code": impact.code,
            "characteristic": impact.characteristic,
            "retired": impact.retired,
            "positive": "positive" in impact.kinds,
            "negative": "negative" in impact.kinds,
            "neutral": "neutral" in impact.kinds,
            "not_known": "not_known" in impact.kinds,
            "evidence": impact.evidence,
            "mitigation": impact.mitigation,
            "residual": impact.residual,
            "how_find_out": impact.how_find_out,
        }
        for impact in (section.impacts if section else None) or []
    ]


def _actions(row, _policy) -> list[dict]:
    section = read(row.snapshot).section("actions")
    return [
        {
            "reference": row.reference,
            "revision": row.number,
            "number": number,
            "action": action.action,
            "responsible": action.responsible,
            "start_date": date.fromisoformat(action.start_date),
            "due_date": date.fromisoformat(action.due_date),
            "characteristics": "; ".join(action.characteristics),
            "success_measure": action.success_measure,
            "carried_from": action.carried_from,
            "progress": action.progress,
            "progress_note": action.progress_note,
            "plan_action": action.plan_action,
        }
        for number, action in enumerate((section.actions if section else None) or [], 1)
    ]


def _links(row, _policy) -> list[dict]:
    """The links the super user confirmed at sign-off, with the lead's words on each."""
    proposed = {
        link.number: link
        for section in read(row.snapshot).sections
        for link in section.objectives or []
    }
    if row.links is None:  # decided before links were frozen with the decision
        confirmed = [(number, link.objective) for number, link in proposed.items()]
    else:
        confirmed = [(link["code"], link["label"]) for link in row.links if link["confirmed"]]
    return [
        {
            "reference": row.reference,
            "revision": row.number,
            "objective_number": int(number),
            "objective": title,
            "theme": proposed[number].theme if number in proposed else "",
            "how": proposed[number].how if number in proposed else "",
        }
        for number, title in confirmed
    ]


@dataclass(frozen=True)
class Source:
    query: Callable[[Criteria, Reach], Select]
    rows: Callable[..., list[dict]]
    many: bool  # several rows an EqIA (the cursor names the row)


def _source(dataset: Dataset, reach: Reach) -> Source:
    if dataset is Dataset.EQIAS:
        if reach is Reach.INTERNAL:
            return Source(lambda c, _r: _internal_eqias(c), _internal_eqia, False)
        return Source(lambda c, _r: _public_eqias(c), _public_eqia, False)
    rows = {Dataset.IMPACTS: _impacts, Dataset.ACTIONS: _actions}.get(dataset, _links)
    extra = (Decision.links,) if dataset is Dataset.OBJECTIVE_LINKS else ()
    return Source(lambda c, r: _signed_off(c, r, *extra), rows, True)


def rows(
    dataset: Dataset, reach: Reach, criteria: Criteria, after: Cursor | None = None
) -> Iterator[tuple[Cursor, dict]]:
    """Every row the filters choose, from just after ``after``, with each row's cursor."""
    source, policy = _source(dataset, reach), _policy()
    base = source.query(criteria, reach).order_by(Assessment.id).limit(BATCH)
    query = base
    if after is not None:
        start = Assessment.id >= after.id if after.row is not None else Assessment.id > after.id
        query = base.where(start)
    while True:
        batch = db.session.execute(query).all()
        for row in batch:
            for number, item in enumerate(source.rows(row, policy), 1):
                skipped = after is not None and row.id == after.id and number <= (after.row or 0)
                if not skipped:
                    yield Cursor(row.id, number if source.many else None), item
        if len(batch) < BATCH:
            return
        query = base.where(Assessment.id > batch[-1].id)


def total(reach: Reach, criteria: Criteria) -> int:
    """How many EqIAs the filters choose (the register's one count)."""
    query = count_query(criteria)
    return db.session.scalar(query.where(published()) if reach is Reach.PUBLIC else query) or 0
