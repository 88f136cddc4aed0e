"""Pagination that turns any page number a person can type into a page that exists."""

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from eqia.extensions import db

MAX_PAGE = 1_000_000


def requested_page() -> int:
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isdigit() and len(raw) <= 7 else 1
    return min(max(page, 1), MAX_PAGE)


def paginate(query: Select, per_page: int) -> Pagination:
    page = db.paginate(query, page=requested_page(), per_page=per_page, error_out=False)
    if not page.items and page.page > 1 and page.pages:
        page = db.paginate(query, page=page.pages, per_page=per_page, error_out=False)
    return page
