"""The data feed: read-only JSON and CSV of EqIAs, their impacts, actions and links to EDI
objectives at ``/api/v1``, for a council's reports (Power BI, Excel), read with API tokens."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from eqia.api import routes  # noqa: E402,F401
