"""The register of every EqIA, for auditors, admins and super users; and its CSV export.

Filters, search, sort and page all live in the URL, so a view can be shared and
the back button works. Any filter and any page costs the same few queries: the
reference data for the filter's lists, one count and one page of rows, all from
columns kept on ``assessments`` by the workflow, with indexes.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from math import ceil

from flask import render_template, request, stream_with_context, url_for
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, String, func, literal_column, or_, select
from sqlalchemy.orm import aliased
from werkzeug.datastructures import MultiDict

from eqia.downloads import BOM, CSV_TYPE, download, line_writer, neutralise
from eqia.extensions import db
from eqia.models import (
    Assessment,
    Characteristic,
    Directorate,
    Impact,
    Objective,
    ObjectiveLink,
    Role,
    User,
    UserRole,
)
from eqia.permissions import AUDIT, OVERSIGHT, allow, may
from eqia.questions import OUTCOMES, PROPOSAL_TYPES
from eqia.records import bp
from eqia.records.forms import RegisterFilter
from eqia.security_log import security_event
from eqia.shell import error_page
from eqia.timefmt import sortable, uk_midnight, uk_today

PER_PAGE = 25
FILTERS = (
    "q",
    "status",
    "directorate",
    "proposal_type",
    "outcome",
    "negative",
    "objective",
    "approved_by",
    "approved_from",
    "approved_to",
)
REFERENCE = re.compile(r"EQIA-\d{4}-\d{4,}", re.IGNORECASE)
# What the search looks in. On PostgreSQL, migration 0005 puts a trigram index on exactly
# this expression, so a search is an index lookup, not a scan of every EqIA.
SEARCH_TEXT = literal_column(
    "(assessments.reference || ' ' || assessments.title || ' ' || assessments.summary)", String
)
OUTCOME_LABELS = {c.value: c.label for c in OUTCOMES}
PROPOSAL_LABELS = {c.value: c.label for c in PROPOSAL_TYPES}


def text_search(text: str, reference: ColumnElement, searched: ColumnElement) -> ColumnElement:
    """A search: a whole reference, as pasted from an email or a report, is looked up as
    one (its unique index); other text anywhere in ``searched``, typed as it is."""
    if REFERENCE.fullmatch(text):
        return reference == text.upper()
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return searched.ilike(f"%{escaped}%", escape="\\")


@dataclass(frozen=True)
class Sort:
    key: str
    label: str
    column: ColumnElement
    first: str  # the order a first click gives
    blanks: bool = False  # may be empty: those go last, whichever way
    unique: bool = False  # no ties to break


SORTS = {
    s.key: s
    for s in (
        Sort("reference", "Reference", Assessment.reference, "desc", unique=True),
        Sort("title", "Title", Assessment.title, "asc"),
        Sort("submitted", "Submitted", Assessment.submitted_at, "desc", blanks=True),
        Sort("approved", "Signed off", Assessment.approved_at, "desc", blanks=True),
        Sort("review", "Review date", Assessment.review_date, "asc", blanks=True),
    )
}
DEFAULT_SORT = "reference"


@dataclass
class Criteria:
    """Which EqIAs: every filter the register offers (None or empty means any)."""

    text: str | None = None
    statuses: list[str] = field(default_factory=list)
    directorate_id: int | None = None
    proposal_type: str | None = None
    outcome: str | None = None
    negative_id: int | None = None
    objective_id: int | None = None
    approved_by_id: int | None = None
    approved_from: date | None = None
    approved_to: date | None = None

    @classmethod
    def from_form(cls, form: RegisterFilter) -> "Criteria":
        """The valid filters of the form; one with an error is left out (and shown as one)."""
        return cls(
            text=form.value("q"),
            statuses=form.value("status") or [],
            directorate_id=form.value("directorate"),
            proposal_type=form.value("proposal_type"),
            outcome=form.value("outcome"),
            negative_id=form.value("negative"),
            objective_id=form.value("objective"),
            approved_by_id=form.value("approved_by"),
            approved_from=form.value("approved_from"),
            approved_to=form.value("approved_to"),
        )

    def conditions(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.text:
            where.append(text_search(self.text, Assessment.reference, SEARCH_TEXT))
        if self.statuses:
            where.append(Assessment.status.in_(self.statuses))
        if self.directorate_id is not None:
            where.append(Assessment.directorate_id == self.directorate_id)
        if self.proposal_type:
            where.append(Assessment.proposal_type == self.proposal_type)
        if self.outcome:
            where.append(Assessment.outcome == self.outcome)
        if self.negative_id is not None:
            negative = select(Impact.assessment_id).where(
                Impact.characteristic_id == self.negative_id, Impact.negative.is_(True)
            )
            where.append(Assessment.id.in_(negative))
        if self.objective_id is not None:
            linked = select(ObjectiveLink.assessment_id).where(
                ObjectiveLink.objective_id == self.objective_id, ObjectiveLink.confirmed.is_(True)
            )
            # As the plan counts support (eqia.plan.data.supports): a confirmed link on an
            # EqIA with a signed-off record.
            where.append(Assessment.id.in_(linked))
            where.append(Assessment.approved_revision_id.is_not(None))
        if self.approved_by_id is not None:
            where.append(Assessment.approved_by_id == self.approved_by_id)
        if self.approved_from is not None:
            where.append(Assessment.approved_at >= uk_midnight(self.approved_from))
        if self.approved_to is not None:
            where.append(Assessment.approved_at < uk_midnight(self.approved_to + timedelta(1)))
        return where


Lead = aliased(User, name="lead")
Approver = aliased(User, name="approver")


def ordering(sort: str = DEFAULT_SORT, order: str = "desc") -> list[ColumnElement]:
    """Blank dates last either way; the id keeps pages stable when values tie. (Neither is
    added where it cannot matter, so the index on a column serves both directions.)"""
    chosen = SORTS[sort]
    direction = (lambda c: c.desc()) if order == "desc" else (lambda c: c.asc())
    first = direction(chosen.column)
    if chosen.blanks:
        first = first.nulls_last()
    return [first] if chosen.unique else [first, direction(Assessment.id)]


def rows_query(
    criteria: Criteria,
    sort: str = DEFAULT_SORT,
    order: str = "desc",
    *,
    limit: int | None = None,
    offset: int = 0,
) -> Select:
    """The register's rows, as plain columns (no ORM objects, no lazy loads).

    For a page, the ids are found first on ``assessments`` alone (its indexes), and
    only those rows are joined to people and directorates: a deep page skips index
    entries, not joined rows. Still one query.
    """
    query = (
        select(
            Assessment.id,
            Assessment.reference,
            Assessment.title,
            Assessment.status,
            Assessment.proposal_type,
            Assessment.outcome,
            Assessment.summary,
            Assessment.submitted_at,
            Assessment.approved_at,
            Assessment.review_date,
            Assessment.approved_revision_id,
            Directorate.name.label("directorate"),
            Lead.name.label("lead"),
            Approver.name.label("approved_by"),
        )
        .join(Lead, Lead.id == Assessment.owner_id)
        .outerjoin(Directorate, Directorate.id == Assessment.directorate_id)
        .outerjoin(Approver, Approver.id == Assessment.approved_by_id)
        .order_by(*ordering(sort, order))
    )
    if limit is None:
        return query.where(*criteria.conditions())
    page = (
        select(Assessment.id)
        .where(*criteria.conditions())
        .order_by(*ordering(sort, order))
        .limit(limit)
        .offset(offset)
    )
    return query.where(Assessment.id.in_(page))


def count_query(criteria: Criteria) -> Select:
    return select(func.count()).select_from(Assessment).where(*criteria.conditions())


class RegisterPage(Pagination):
    """One page of the register: count first, so a page past the end shows the last page."""

    def _query_items(self) -> list:
        self._total = db.session.scalar(self._query_args["count_query"]) or 0
        self.page = min(self.page, max(ceil(self._total / self.per_page), 1))
        register: Register = self._query_args["register"]
        query = rows_query(
            register.criteria,
            register.sort,
            register.order,
            limit=self.per_page,
            offset=self._query_offset,
        )
        return list(db.session.execute(query))

    def _query_count(self) -> int:
        return self._total


def requested_page(raw: str) -> int:
    """Any page number a person can type: past the end is the last page, nonsense the first."""
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1
    return max(int(raw[:18]) if len(raw) <= 18 else 10**18, 1)


def directorate_choices() -> list:
    """Each directorate's id and name, by name: a filter's choices."""
    return db.session.execute(
        select(Directorate.id, Directorate.name).order_by(Directorate.name)
    ).all()


def characteristic_choices(key: ColumnElement) -> list:
    """Each characteristic's key (its id, or its code) and name, in the form's order."""
    return db.session.execute(
        select(key, Characteristic.name).order_by(Characteristic.position, Characteristic.id)
    ).all()


@dataclass
class Register:
    """The filter form with its lists, the criteria it gives, and the sort."""

    form: RegisterFilter
    criteria: Criteria
    sort: str
    order: str

    @classmethod
    def from_request(cls) -> "Register":
        form = RegisterFilter(
            request.args,
            directorates=directorate_choices(),
            characteristics=characteristic_choices(Characteristic.id),
            objectives=db.session.execute(
                select(Objective.id, Objective.number, Objective.title).order_by(Objective.number)
            ).all(),
            super_users=db.session.execute(
                select(User.id, User.name)
                .where(
                    or_(
                        User.role_rows.any(UserRole.role == Role.SUPER_USER),
                        User.id.in_(
                            select(Assessment.approved_by_id)
                            .where(Assessment.approved_by_id.is_not(None))
                            .distinct()
                        ),
                    )
                )
                .order_by(User.name, User.id)
            ).all(),
        )
        form.validate()
        sort = request.args.get("sort", DEFAULT_SORT)
        sort = sort if sort in SORTS else DEFAULT_SORT
        order = request.args.get("order", "")
        order = order if order in ("asc", "desc") else SORTS[sort].first
        return cls(form, Criteria.from_form(form), sort, order)

    @property
    def filter_args(self) -> MultiDict:
        """The filters as given (blank ones left out), to carry into links."""
        args = MultiDict()
        for name in FILTERS:
            for value in request.args.getlist(name):
                if value.strip():
                    args.add(name, value)
        return args

    def url(self, endpoint: str, **changes) -> str:
        """A link to this view of the register (or an export of it) with some things changed."""
        args = self.filter_args
        args.update({"sort": self.sort, "order": self.order})
        for key, value in changes.items():
            args.setlist(key, [value] if value is not None else [])
        return url_for(endpoint, **args.to_dict(flat=False))

    def url_args(self) -> dict[str, list[str]]:
        """The filters and the sort, for the page links."""
        args = self.filter_args
        args.update({"sort": self.sort, "order": self.order})
        return args.to_dict(flat=False)

    def sort_url(self, key: str) -> str:
        if key == self.sort:
            order = "asc" if self.order == "desc" else "desc"
        else:
            order = SORTS[key].first
        return self.url("records.register", sort=key, order=order)

    def rows(self) -> Select:
        return rows_query(self.criteria, self.sort, self.order)

    def page(self) -> RegisterPage:
        return RegisterPage(
            page=requested_page(request.args.get("page", "1")),
            per_page=PER_PAGE,
            max_per_page=PER_PAGE,
            error_out=False,
            register=self,
            count_query=count_query(self.criteria),
        )

    def refused_export(self):
        """An export of a filter with mistakes would not be what was asked for: say so."""
        if not self.form.errors:
            return None
        mistakes = "; ".join(e for errors in self.form.errors.values() for e in errors)
        return error_page(
            400,
            "Check the filters",
            f"Go back to the register and correct the filters before you download: {mistakes}.",
        )


@bp.route("/")
@allow(OVERSIGHT)
def register():
    view = Register.from_request()
    return render_template(
        "records/register.html",
        form=view.form,
        view=view,
        page=view.page(),
        sorts=SORTS,
        outcomes=OUTCOME_LABELS,
        can_export_pdfs=may(current_user, AUDIT),
    )


# --- CSV ----------------------------------------------------------------------------------------

CSV_HEADER = [
    "Reference",
    "Title",
    "Directorate",
    "Project lead",
    "Status",
    "Type of proposal",
    "Outcome",
    "Summary",
    "Submitted (UK time)",
    "Signed off (UK time)",
    "Signed off by",
    "Review date",
]


def csv_cells(row) -> list[str]:
    return [
        neutralise(cell)
        for cell in (
            row.reference,
            row.title,
            row.directorate or "",
            row.lead,
            row.status.label,
            PROPOSAL_LABELS.get(row.proposal_type or "", row.proposal_type or ""),
            OUTCOME_LABELS.get(row.outcome or "", row.outcome or ""),
            row.summary,
            sortable(row.submitted_at),
            sortable(row.approved_at),
            row.approved_by or "",
            row.review_date.isoformat() if row.review_date else "",
        )
    ]


def csv_lines(query: Select, batch: int = 500) -> Iterator[str]:
    """The register as CSV lines, read from the database a batch at a time."""
    writer = line_writer()
    yield BOM + writer.writerow(CSV_HEADER)
    for row in db.session.execute(query.execution_options(yield_per=batch)):
        yield writer.writerow(csv_cells(row))


@bp.route("/register.csv")
@allow(OVERSIGHT)
def register_csv():
    view = Register.from_request()
    if refused := view.refused_export():
        return refused
    name = f"eqia-register-{uk_today().isoformat()}.csv"
    security_event("data.exported", what="register", file=name, filters=view.criteria)
    return download(stream_with_context(csv_lines(view.rows())), CSV_TYPE, name)
