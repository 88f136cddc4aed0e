from flask import Blueprint

bp = Blueprint("admin", __name__)

from eqia.admin import audit, characteristics, due_regard, people, routes  # noqa: E402,F401
