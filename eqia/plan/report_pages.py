"""The progress report (HTML, CSV, PDF) and the equality insight, for a chosen period.

The period is a GET form, so every report lives in its URL: a preset
(``?period=last-quarter``) or any dates (``?period=custom&start=2026-04-01&end=2026-06-30``,
ISO or the GOV.UK day, month and year inputs). The downloads linked from a page
name its dates, so they cover the same days, and show the same figures, as the page.
"""

from __future__ import annotations

from flask import abort, current_app, render_template, request

from eqia.database import id_from
from eqia.downloads import CSV_TYPE, csv_text, download
from eqia.extensions import db
from eqia.models import Characteristic, Directorate
from eqia.pagination import paginate_rows
from eqia.permissions import OVERSIGHT, SIGNED_IN, allow
from eqia.plan import bp, charts, report_pdf
from eqia.plan.counting import KIND_LABELS, KINDS
from eqia.plan.forms import PeriodForm
from eqia.plan.insight import NO_DIRECTORATE, Insight, eqias_behind, insight
from eqia.plan.periods import CUSTOM, Period
from eqia.plan.progress import Report, build
from eqia.shell import error_page
from eqia.timefmt import sortable, uk_now, uk_today

EQIAS_PER_PAGE = 25


def _period(default: str) -> tuple[PeriodForm, Period | None]:
    form = PeriodForm(request.args, default=default)
    if not form.validate():
        return form, None
    return form, form.chosen(uk_today())


def _refused(form: PeriodForm):
    """A download of a period with mistakes would not be what was asked for: say so."""
    mistakes = "; ".join(e for errors in form.errors.values() for e in errors)
    return error_page(
        400, "Check the period", f"Go back and correct the period before you download: {mistakes}."
    )


# --- The progress report -------------------------------------------------------------------------


def _report(period: Period) -> Report:
    return build(period, current_app.config["ORGANISATION_NAME"], today=uk_today(), now=uk_now())


@bp.route("/report", endpoint="report")
@allow(SIGNED_IN)
def progress_report():
    form, period = _period("this-quarter")
    made = _report(period) if period else None
    return render_template(
        "plan/report.html",
        form=form,
        report=made,
        tables=made.tables() if made else [],
        charts=charts.report_charts(made) if made else {},
    )


def csv_rows(made: Report) -> list[list[str | int]]:
    """The report as CSV rows: a heading block, then each table (caption, head, rows)."""
    rows: list[list[str | int]] = [
        [made.title],
        ["Organisation", made.organisation],
        ["Period", made.period.label],
        ["Start date", made.period.start.isoformat()],
        ["End date", made.period.end.isoformat()],
        ["Made at (UK time)", sortable(made.made_at)],
    ]
    for table in made.tables():
        rows += [[], [table.caption], list(table.head), *(list(row) for row in table.rows)]
    return rows


@bp.route("/report.csv", endpoint="report_csv")
@allow(SIGNED_IN)
def progress_report_csv():
    form, period = _period("this-quarter")
    if period is None:
        return _refused(form)
    text = csv_text(csv_rows(_report(period)))
    return download(text, CSV_TYPE, f"edi-progress-report-{period.slug}.csv")


@bp.route("/report.pdf", endpoint="report_pdf")
@allow(SIGNED_IN)
def progress_report_pdf():
    form, period = _period("this-quarter")
    if period is None:
        return _refused(form)
    content = report_pdf.render(_report(period))
    return download(content, "application/pdf", f"edi-progress-report-{period.slug}.pdf")


# --- The equality insight ------------------------------------------------------------------------


def insight_chart(view: Insight) -> charts.Chart:
    lines = view.characteristics
    return charts.horizontal_bars(
        "chart-insight",
        "Impacts on each characteristic, all directorates",
        "Bar chart: for each characteristic, how many EqIAs signed off in the period found a "
        "negative, a positive or a not-known impact, across all directorates. The tables that "
        "follow give the same figures, by directorate.",
        [c.label for c in lines],
        [(KIND_LABELS[k], [c.counts[k] for c in lines]) for k in KINDS],
    )


@bp.route("/insight", endpoint="insight")
@allow(OVERSIGHT)
def equality_insight():
    form, period = _period("last-12-months")
    view = insight(period) if period else None
    return render_template(
        "plan/insight.html",
        form=form,
        view=view,
        chart=insight_chart(view) if view else None,
        kinds=[(k, KIND_LABELS[k]) for k in KINDS],
        no_directorate=NO_DIRECTORATE,
    )


@bp.route("/insight/eqias")
@allow(OVERSIGHT)
def insight_eqias():
    """The EqIAs behind one number of the insight table."""
    form, period = _period("last-12-months")
    kind = request.args.get("impact", "")
    characteristic = Characteristic.by_code(request.args.get("characteristic"))
    if kind not in KINDS or characteristic is None:
        abort(404)
    raw = request.args.get("directorate", "").strip()
    directorate, directorate_id = None, None
    if raw == "none":
        directorate_id = NO_DIRECTORATE
    elif raw:
        found = id_from(raw)
        directorate = db.session.get(Directorate, found) if found else None
        if directorate is None:
            abort(404)
        directorate_id = directorate.id
    if period is None:
        return _refused(form)
    page = paginate_rows(
        eqias_behind(period, characteristic.id, kind, directorate_id), EQIAS_PER_PAGE
    )
    where = (
        directorate.name
        if directorate
        else ("no directorate" if directorate_id == NO_DIRECTORATE else "all directorates")
    )
    return render_template(
        "plan/insight_eqias.html",
        period=period,
        page=page,
        characteristic=characteristic,
        kind=KIND_LABELS[kind],
        where=where,
        args={
            "characteristic": characteristic.code,
            "impact": kind,
            "directorate": raw,
            "period": CUSTOM,
            **period.query_args(),
        },
    )
