from flask import Blueprint

bp = Blueprint("plan", __name__)

from eqia.plan import admin, report_pages, routes, transfer  # noqa: E402,F401
