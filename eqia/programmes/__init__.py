"""Programmes: the cumulative impact of EqIAs decided together, on one page and in a PDF."""

from flask import Blueprint

bp = Blueprint("programmes", __name__)

from eqia.programmes import routes  # noqa: E402,F401
