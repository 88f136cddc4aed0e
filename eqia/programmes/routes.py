"""The programmes' pages: the list, each programme's cumulative impact, and its PDF.

For the people who oversee EqIAs (super users, auditors, admins): the page shows answers
not yet signed off (those awaiting sign-off), as the register does for them.
"""

from flask import render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from eqia.downloads import download
from eqia.extensions import db
from eqia.models import Programme
from eqia.pagination import paginate
from eqia.permissions import OVERSIGHT, allow
from eqia.programmes import bp, pdf
from eqia.programmes.impacts import cumulative
from eqia.timefmt import utcnow

PER_PAGE = 25


@bp.route("/")
@allow(OVERSIGHT)
def index() -> ResponseReturnValue:
    page = paginate(select(Programme).order_by(Programme.name, Programme.id), PER_PAGE)
    return render_template("programmes/index.html", page=page)


@bp.route("/<int:programme_id>")
@allow(OVERSIGHT)
def programme(programme_id: int) -> ResponseReturnValue:
    found = db.get_or_404(Programme, programme_id)
    view = cumulative(found)
    return render_template("programmes/programme.html", programme=found, view=view)


@bp.route("/<int:programme_id>.pdf")
@allow(OVERSIGHT)
def programme_pdf(programme_id: int) -> ResponseReturnValue:
    found = db.get_or_404(Programme, programme_id)
    content = pdf.render(cumulative(found), utcnow())
    return download(content, "application/pdf", f"programme-{found.id}-cumulative-impact.pdf")
