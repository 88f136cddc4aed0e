from flask import Blueprint

bp = Blueprint("assessments", __name__)

from eqia.assessments import authors, files, history, publication, routes  # noqa: E402,F401
