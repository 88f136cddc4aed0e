from flask import Blueprint

bp = Blueprint("admin", __name__)

from eqia.admin import (  # noqa: E402,F401
    api_tokens,
    audit,
    characteristics,
    due_regard,
    people,
    programmes,
    publishing,
    routes,
)
