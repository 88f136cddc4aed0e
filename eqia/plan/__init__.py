from flask import Blueprint

bp = Blueprint("plan", __name__)

from eqia.plan import routes  # noqa: E402,F401
