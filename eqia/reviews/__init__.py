from flask import Blueprint

bp = Blueprint("reviews", __name__)

from eqia.reviews import queue, routes  # noqa: E402,F401
