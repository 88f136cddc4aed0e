"""The public register: signed-off EqIAs a super user published, for anyone to read.

Served without a session (``eqia.sessions``) and with a layout of its own, so every page
is the same for every visitor and may be cached by anyone (an ETag, ``Cache-Control:
public``). Only what ``eqia.publishing.published`` allows is reachable; anything else is
the same "Page not found".
"""

from flask import Blueprint

bp = Blueprint("public", __name__)

from eqia.public import routes  # noqa: E402,F401
