"""The progress report as a PDF: ``templates/pdf/report.html``, written as tagged PDF/UA-1.

No database here: it draws a :class:`eqia.plan.progress.Report`. The tables are the
report's own :meth:`Report.tables`, the same rows the HTML page and the CSV show, and
the charts are the page's, drawn by the page's macro (``eqia.plan.charts``: a pattern as
well as a colour, every bar with its number) in the layout for a page of known width, each
followed by its table and with alternative text saying what it shows. Fonts, tagging
and page furniture are ``eqia.pdfbase``'s, as the record's are.
"""

from __future__ import annotations

from datetime import UTC

from flask import current_app

from eqia import pdfbase
from eqia.plan import charts
from eqia.plan.progress import Report

SUBJECT = "EDI action plan progress report"


def html(report: Report) -> str:
    """The report as the HTML WeasyPrint draws (needs an app context for its templates)."""
    tables = report.tables()
    template = current_app.jinja_env.get_template("pdf/report.html")
    return template.render(
        **pdfbase.context(),
        report=report,
        author=report.organisation,
        subject=SUBJECT,
        created=f"{report.made_at.astimezone(UTC):%Y-%m-%dT%H:%M:%S}Z",
        tables={t.key: t for t in tables},
        objective_tables=[t for t in tables if t.key.startswith("theme-")],
        charts=charts.report_charts(report),
    )


def render(report: Report) -> bytes:
    """The report as PDF bytes."""
    return pdfbase.write(html(report))
