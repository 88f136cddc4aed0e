from flask import Blueprint

bp = Blueprint("auth", __name__)

from eqia.auth import routes, sso  # noqa: E402,F401
