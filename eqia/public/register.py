"""The public register's list: published EqIAs, as their signed-off revisions say.

Everything listed and filtered on is a fact frozen from the signed-off revision in force
(``eqia.models.public``), never the answers being written. A page costs the same queries
whatever the filters or the page: the two lists for the filter, a count and a page.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, String, func, literal_column, select
from werkzeug.datastructures import MultiDict

from eqia.extensions import db
from eqia.models import Assessment, Characteristic
from eqia.models.public import SignedOffNegative, SignedOffRevision
from eqia.pagination import paginate_counted
from eqia.public.forms import PublicFilter
from eqia.publishing import published
from eqia.records.register import characteristic_choices, directorate_choices, text_search
from eqia.timefmt import uk_midnight

PER_PAGE = 20
FILTERS = ("q", "directorate", "negative", "signed_off_from", "signed_off_to")
SEARCH_TEXT = literal_column(
    "(signed_off_revisions.reference || ' ' || signed_off_revisions.title || ' ' "
    "|| signed_off_revisions.summary)",
    String,
)


@dataclass(frozen=True)
class Criteria:
    text: str | None = None
    directorate_id: int | None = None
    negative: str | None = None
    signed_off_from: date | None = None
    signed_off_to: date | None = None

    @classmethod
    def from_form(cls, form: PublicFilter) -> "Criteria":
        return cls(
            text=form.value("q"),
            directorate_id=form.value("directorate"),
            negative=form.value("negative"),
            signed_off_from=form.value("signed_off_from"),
            signed_off_to=form.value("signed_off_to"),
        )

    def conditions(self) -> list[ColumnElement[bool]]:
        where = [_in_force()]
        if self.text:
            where.append(text_search(self.text, SignedOffRevision.reference, SEARCH_TEXT))
        if self.directorate_id is not None:
            where.append(SignedOffRevision.directorate_id == self.directorate_id)
        if self.negative:
            negative = select(SignedOffNegative.revision_id).where(
                SignedOffNegative.characteristic == self.negative
            )
            where.append(SignedOffRevision.revision_id.in_(negative))
        if self.signed_off_from is not None:
            where.append(SignedOffRevision.signed_off_at >= uk_midnight(self.signed_off_from))
        if self.signed_off_to is not None:
            end = uk_midnight(self.signed_off_to + timedelta(1))
            where.append(SignedOffRevision.signed_off_at < end)
        return where


def _in_force() -> ColumnElement[bool]:
    """Each published EqIA once: the facts of its signed-off revision in force. (Asked as a
    set, the published EqIAs' revisions are found first, on their own small index.)"""
    return SignedOffRevision.revision_id.in_(
        select(Assessment.approved_revision_id).where(published())
    )


def rows_query(criteria: Criteria) -> Select:
    return (
        select(
            SignedOffRevision.reference,
            SignedOffRevision.title,
            SignedOffRevision.summary,
            SignedOffRevision.directorate,
            SignedOffRevision.signed_off_at,
        )
        .where(*criteria.conditions())
        .order_by(SignedOffRevision.signed_off_at.desc(), SignedOffRevision.revision_id.desc())
    )


def count_query(criteria: Criteria) -> Select:
    return select(func.count()).select_from(SignedOffRevision).where(*criteria.conditions())


@dataclass
class PublicRegister:
    """The filter form with its lists, and the criteria it gives."""

    form: PublicFilter
    criteria: Criteria

    @classmethod
    def from_request(cls) -> "PublicRegister":
        form = PublicFilter(
            request.args,
            directorates=directorate_choices(),
            characteristics=characteristic_choices(Characteristic.code),
        )
        form.validate()
        return cls(form, Criteria.from_form(form))

    def url_args(self) -> dict[str, list[str]]:
        """The filters as given (blank ones left out), for the page links."""
        args = MultiDict()
        for name in FILTERS:
            for value in request.args.getlist(name):
                if value.strip():
                    args.add(name, value)
        return args.to_dict(flat=False)

    @property
    def filtered(self) -> bool:
        return bool(self.url_args())

    def page(self) -> Pagination:
        return paginate_counted(rows_query(self.criteria), count_query(self.criteria), PER_PAGE)


def newest(limit: int) -> list:
    """The most recently published EqIAs, newest first (for the feed)."""
    query = (
        select(
            SignedOffRevision.reference,
            SignedOffRevision.title,
            SignedOffRevision.summary,
            SignedOffRevision.directorate,
            SignedOffRevision.signed_off_at,
            Assessment.published_at,
        )
        .join(Assessment, Assessment.approved_revision_id == SignedOffRevision.revision_id)
        .where(published())
    )
    return list(
        db.session.execute(
            query.order_by(Assessment.published_at.desc(), Assessment.id.desc()).limit(limit)
        )
    )
