from flask import Blueprint

bp = Blueprint("auth", __name__)

from eqia.auth import mfa_routes, routes, sso  # noqa: E402,F401
