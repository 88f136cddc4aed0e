from flask import Blueprint

bp = Blueprint("admin", __name__)

from eqia.admin import characteristics, routes  # noqa: E402,F401
