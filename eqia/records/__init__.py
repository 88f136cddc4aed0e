from flask import Blueprint

bp = Blueprint("records", __name__)

from eqia.records import routes  # noqa: E402,F401
