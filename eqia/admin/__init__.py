from flask import Blueprint

bp = Blueprint("admin", __name__)

from eqia.admin import audit, characteristics, people, routes  # noqa: E402,F401
