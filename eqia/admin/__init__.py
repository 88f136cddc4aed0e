from flask import Blueprint

bp = Blueprint("admin", __name__)

from eqia.admin import audit, characteristics, people, programmes, routes  # noqa: E402,F401
