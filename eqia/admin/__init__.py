from flask import Blueprint

bp = Blueprint("admin", __name__)

from eqia.admin import audit, characteristics, routes  # noqa: E402,F401
