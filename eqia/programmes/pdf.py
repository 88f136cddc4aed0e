"""A programme's cumulative impact as a PDF for the committee: ``templates/pdf/programme.html``,
written as tagged PDF/UA-1 by ``eqia.pdfbase`` as the progress report is.

No database here: it draws a :class:`eqia.programmes.impacts.Cumulative`, the same figures
and rows as the page, with the page's chart in the layout for an A4 page. Not signed: it is
a briefing, not a record; each EqIA's signed record is its own PDF.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from eqia import pdfbase
from eqia.programmes.impacts import Cumulative

SUBJECT = "Cumulative impact of a programme of EqIAs"


def html(view: Cumulative, made_at: datetime) -> str:
    """The PDF's HTML (needs an app context for its templates)."""
    template = current_app.jinja_env.get_template("pdf/programme.html")
    return template.render(
        **pdfbase.context(),
        view=view,
        organisation=current_app.config["ORGANISATION_NAME"],
        author=current_app.config["ORGANISATION_NAME"],
        subject=SUBJECT,
        made_at=made_at,
        created=f"{made_at.astimezone(UTC):%Y-%m-%dT%H:%M:%S}Z",
    )


def render(view: Cumulative, made_at: datetime) -> bytes:
    return pdfbase.write(html(view, made_at))
