"""Pagination that turns any page number a person can type into a page that exists."""

from flask import request
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select

from eqia.extensions import db

MAX_PAGE = 1_000_000


def requested_page() -> int:
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 7 else 1
    return min(max(page, 1), MAX_PAGE)


def paginate(query: Select, per_page: int) -> Pagination:
    page = db.paginate(query, page=requested_page(), per_page=per_page, error_out=False)
    if not page.items and page.page > 1 and page.pages:
        page = db.paginate(query, page=page.pages, per_page=per_page, error_out=False)
    return page


class _RowPagination(SelectPagination):
    """Pages of rows (several columns each), where SelectPagination gives the first column."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def paginate_rows(query: Select, per_page: int) -> Pagination:
    """Like ``paginate``, for a select of columns: items are rows with named attributes."""

    def page_of(number: int) -> Pagination:
        return _RowPagination(
            select=query, session=db.session, page=number, per_page=per_page, error_out=False
        )

    page = page_of(requested_page())
    if not page.items and page.page > 1 and page.pages:
        page = page_of(page.pages)
    return page


class _ListPagination(Pagination):
    """Pages of a list already in memory (for a page whose rows are worked out in Python)."""

    def _query_items(self) -> list:
        items = self._query_args["items"]
        return list(items[self._query_offset : self._query_offset + self.per_page])

    def _query_count(self) -> int:
        return len(self._query_args["items"])


def paginate_list(items: list, per_page: int) -> Pagination:
    """Like ``paginate``, for a list: a page past the end is the last page."""
    last = max(-(-len(items) // per_page), 1)
    return _ListPagination(
        page=min(requested_page(), last), per_page=per_page, error_out=False, items=items
    )


class _CountedPagination(Pagination):
    """Counted first, so a page past the end is the last page: two queries, whatever page."""

    def _query_items(self) -> list:
        self._total = db.session.scalar(self._query_args["count_query"]) or 0
        self.page = min(self.page, max(-(-self._total // self.per_page), 1))
        rows = self._query_args["rows"].limit(self.per_page).offset(self._query_offset)
        return list(db.session.execute(rows).all())

    def _query_count(self) -> int:
        return self._total


def paginate_counted(rows: Select, count: Select, per_page: int) -> Pagination:
    """Like ``paginate_rows``, in exactly two queries (``count`` counts what ``rows`` lists)."""
    return _CountedPagination(
        page=requested_page(), per_page=per_page, error_out=False, rows=rows, count_query=count
    )
