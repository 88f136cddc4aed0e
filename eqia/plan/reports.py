"""The progress report (HTML, CSV, PDF) and the equality insight, for a chosen period.

The period is a GET form, so every report lives in its URL: a preset
(``?period=last-quarter``) or any dates (``?period=custom&start=2026-04-01&end=2026-06-30``,
ISO or the GOV.UK day, month and year inputs). The downloads linked from a page
name its dates, so they cover the same days, and show the same figures, as the page.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

from flask import Response, abort, current_app, render_template, request, send_file
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput
from sqlalchemy import select
from wtforms import ValidationError
from wtforms.fields.choices import SelectChoice

from eqia.extensions import db
from eqia.forms import GovDateField, GovRadioField
from eqia.models import Characteristic, Directorate, Role
from eqia.pagination import paginate_rows
from eqia.permissions import SIGNED_IN, allow
from eqia.plan import bp, charts, report_pdf
from eqia.plan.report import (
    CUSTOM,
    KIND_LABELS,
    KINDS,
    NO_DIRECTORATE,
    PRESETS,
    STATUSES,
    Insight,
    Period,
    Report,
    build,
    eqias_behind,
    insight,
)
from eqia.records.register import neutralise
from eqia.shell import LONDON, error_page

INSIGHT_READERS = (Role.SUPER_USER, Role.AUDITOR, Role.ADMIN)
EQIAS_PER_PAGE = 25
LAST_YEAR = 2999  # so the day after the period is always a date
_ISO = re.compile(r"(\d{1,4})-(\d{1,2})-(\d{1,2})")


# --- The period form -----------------------------------------------------------------------------


class PeriodDate(GovDateField):
    """The GOV.UK day, month and year inputs; or one ISO date (2026-03-31), as links give."""

    def process_formdata(self, valuelist):
        if len(valuelist) == 1 and (valuelist[0] or "").strip():
            match = _ISO.fullmatch(valuelist[0].strip()[:40])
            year, month, day = match.groups() if match else ("", "", "")
            self.raw_data = [day, month, year]
            try:
                self.data = date(int(year), int(month), int(day)) if match else None
            except ValueError:
                self.data = None
            if self.data is None or self.data.year < 1000:
                self.data = None
                raise ValueError(f"{self.name_in_errors} must be a real date")
            return
        super().process_formdata(valuelist)

    def pre_validate(self, form) -> None:
        if self.data is not None and self.data.year > LAST_YEAR:
            self.data = None
            raise ValidationError(f"{self.name_in_errors} must be in or before {LAST_YEAR}")


class PeriodForm(FlaskForm):
    """Which period: a preset, or any start and end dates. A GET form: it changes nothing."""

    class Meta:
        csrf = False

    period = GovRadioField(
        "Which period?",
        widget=GovRadioInput(),
        choices=[
            *(SelectChoice(p.key, p.label) for p in PRESETS.values()),
            SelectChoice(CUSTOM, "Choose the dates"),
        ],
    )
    start = PeriodDate("Start date", name_in_errors="Start date")
    end = PeriodDate("End date", name_in_errors="End date")

    def __init__(self, formdata, default: str):
        super().__init__(formdata)
        given = {k for k in ("period", "start", "end") if any(formdata.getlist(k))}
        if "period" not in given:
            # Dates on their own are a custom period; nothing at all is the default.
            self.period.data = CUSTOM if given else default
        self.hints = [{"hint": {"text": p.hint}} for p in PRESETS.values()]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.period.data not in (*PRESETS, CUSTOM):
            self.period.errors = ["Select a period from the list"]
            return False
        if self.period.data != CUSTOM:
            # A preset ignores the dates (still in the form, hidden, after a change of mind).
            self.start.errors, self.end.errors = [], []
            return True
        for field, name in ((self.start, "start date"), (self.end, "end date")):
            if not field.errors and field.data is None:
                field.errors = [f"Enter the {name}"]
                valid = False
        if valid and self.end.data < self.start.data:
            self.end.errors = ["End date must be the same as or after the start date"]
            valid = False
        return valid

    def chosen(self, today: date) -> Period:
        """The period asked for (only once the form is valid)."""
        if self.period.data == CUSTOM:
            return Period(self.start.data, self.end.data)
        return Period.of(self.period.data, today)


def _today() -> date:
    return datetime.now(LONDON).date()


def _period(default: str) -> tuple[PeriodForm, Period | None]:
    form = PeriodForm(request.args, default=default)
    if not form.validate():
        return form, None
    return form, form.chosen(_today())


def _refused(form: PeriodForm):
    """A download of a period with mistakes would not be what was asked for: say so."""
    mistakes = "; ".join(e for errors in form.errors.values() for e in errors)
    return error_page(
        400, "Check the period", f"Go back and correct the period before you download: {mistakes}."
    )


# --- The progress report -------------------------------------------------------------------------


def _report(period: Period) -> Report:
    return build(
        period,
        current_app.config["ORGANISATION_NAME"],
        today=_today(),
        now=datetime.now(LONDON),
    )


def report_charts(made: Report) -> dict[str, charts.Chart]:
    """The page's charts, from the same report object as its tables."""
    themes = made.themes
    return {
        "themes": charts.horizontal_bars(
            "chart-plan-status",
            "Plan actions by status, by theme",
            "Bar chart: for each theme, how many of its plan actions are not started, on "
            "track, at risk and complete. The table that follows gives the same figures.",
            [t.name for t in themes],
            [(s.label, [t.figures.by_status[s] for t in themes]) for s in STATUSES],
            charts.STATUS_COLOURS,
        ),
        "characteristics": charts.horizontal_bars(
            "chart-report-impacts",
            "Impacts on each characteristic in the EqIAs signed off in the period",
            "Bar chart: for each characteristic, how many EqIAs signed off in the period "
            "found a negative, a positive or a not-known impact. The table that follows gives "
            "the same figures.",
            [c.label for c in made.characteristics],
            [(KIND_LABELS[k], [c.counts[k] for c in made.characteristics]) for k in KINDS],
        ),
    }


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
        charts=report_charts(made) if made else {},
    )


def csv_rows(made: Report) -> list[list[str | int]]:
    """The report as CSV rows: a heading block, then each table (caption, head, rows)."""
    rows: list[list[str | int]] = [
        [made.title],
        ["Organisation", made.organisation],
        ["Period", made.period.label],
        ["Start date", made.period.start.isoformat()],
        ["End date", made.period.end.isoformat()],
        ["Made at (UK time)", f"{made.made_at.astimezone(LONDON):%Y-%m-%d %H:%M}"],
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
    out = io.StringIO()
    writer = csv.writer(out)
    for row in csv_rows(_report(period)):
        writer.writerow([cell if isinstance(cell, int) else neutralise(cell) for cell in row])
    response = Response("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="edi-progress-report-{period.slug}.csv"'
    )
    return response


@bp.route("/report.pdf", endpoint="report_pdf")
@allow(SIGNED_IN)
def progress_report_pdf():
    form, period = _period("this-quarter")
    if period is None:
        return _refused(form)
    response = send_file(
        io.BytesIO(report_pdf.render(_report(period))),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"edi-progress-report-{period.slug}.pdf",
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


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
@allow(*INSIGHT_READERS)
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
@allow(*INSIGHT_READERS)
def insight_eqias():
    """The EqIAs behind one number of the insight table."""
    form, period = _period("last-12-months")
    kind = request.args.get("impact", "")
    characteristic = db.session.scalar(
        select(Characteristic).where(Characteristic.code == request.args.get("characteristic", ""))
    )
    if kind not in KINDS or characteristic is None:
        abort(404)
    raw = request.args.get("directorate", "").strip()
    directorate, directorate_id = None, None
    if raw == "none":
        directorate_id = NO_DIRECTORATE
    elif raw:
        directorate = db.session.get(Directorate, int(raw)) if raw.isdigit() else None
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
