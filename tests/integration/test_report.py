"""The progress report (HTML, CSV, PDF) and the equality insight."""

import csv
import io
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from eqia import workflow
from eqia.extensions import db
from eqia.models import (
    Assessment,
    AssessmentAction,
    Characteristic,
    DecisionKind,
    Directorate,
    Objective,
    PlanAction,
    PlanStatus,
    Status,
    Theme,
    User,
)
from eqia.plan import insight, progress
from eqia.plan.periods import Period
from eqia.timefmt import uk_today
from tests import factories, pdfs
from tests.conftest import sign_in_as
from tests.helpers import (
    counting_queries,
    error_summary,
    h1,
    soup,
    table_rows,
    text,
    title,
)

PLACE = "Place & Sustainability"
ADULTS = "Adults, Health & Commissioning"


def make_directorates(app) -> dict[str, int]:
    with app.app_context():
        return {name: factories.make_directorate(name).id for name in (PLACE, ADULTS)}


@pytest.fixture
def directorates(app):
    return make_directorates(app)


def today() -> date:
    return uk_today()


def around_today() -> dict[str, str]:
    """A custom period from a month ago to a month ahead, as the page's links name one."""
    start, end = today() - timedelta(days=30), today() + timedelta(days=30)
    return {"period": "custom", "start": start.isoformat(), "end": end.isoformat()}


def make(app, title_text: str, stage: str = "approved", **kwargs) -> str:
    """A complete EqIA (the demo's library answers) taken to a stage by the workflow."""
    with app.app_context():
        return factories.make_eqia(title_text, stage=stage, **kwargs).reference


def set_approved_at(app, ref: str, when: datetime) -> None:
    with app.app_context():
        db.session.execute(
            update(Assessment).where(Assessment.reference == ref).values(approved_at=when)
        )
        db.session.commit()


def objective_id(number: int) -> int:
    return db.session.scalar(select(Objective.id).where(Objective.number == number))


# Reading each format ------------------------------------------------------------------------------


def html_tables(page) -> dict[str, list[list[str]]]:
    """Each table on the page by its caption: its head row, then its body rows."""
    tables = {}
    for table in page.select("main table"):
        head = [text(cell) for cell in table.select("thead th")]
        body = [[text(c) for c in row.select("th, td")] for row in table.select("tbody tr")]
        tables[text(table.caption)] = [head, *body]
    return tables


def csv_tables(data: bytes) -> tuple[list[list[str]], dict[str, list[list[str]]]]:
    """The CSV's heading block, and each table after it by its caption."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    blocks, block = [], []
    for row in rows:
        if row:
            block.append(row)
        elif block:
            blocks.append(block)
            block = []
    blocks.append(block)
    return blocks[0], {b[0][0]: b[1:] for b in blocks[1:]}


def pdf_lines(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    lines = []
    for page in reader.pages:
        for line in page.extract_text(extraction_mode="layout").splitlines():
            if line.strip():
                lines.append(" ".join(line.split()))
    return lines


def in_pdf(lines: list[str], row: list[str]) -> bool:
    """Whether a line of the PDF shows the row: the start of its label (a long label wraps in
    its cell), then exactly its numbers."""
    label, numbers = " ".join(row[0].split()), row[1:]
    for line in lines:
        tokens = line.split()
        if len(tokens) <= len(numbers) or tokens[len(tokens) - len(numbers) :] != numbers:
            continue
        if label.startswith(" ".join(tokens[: len(tokens) - len(numbers)])):
            return True
    return False


def get(client, url: str, args: dict):
    response = client.get(url, query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


# The figures --------------------------------------------------------------------------------------


@pytest.fixture
def eqias(app, users, once):
    """Two signed-off EqIAs (one per directorate) and one at every stage that never counts:
    built once a run."""
    return once(lambda: make_eqias(app))


def make_eqias(app) -> dict[str, str]:
    make_directorates(app)
    refs = {
        "place": make(app, "Library opening hours"),
        "adults": make(app, "Warm spaces grants", directorate=ADULTS, objectives={7: "Warm"}),
        "returned": make(app, "Returned one", stage="returned"),
        "submitted": make(app, "Waiting one", stage="submitted"),
        "draft": make(app, "Draft one", stage="complete"),
    }
    with app.app_context():
        # A plan action completed today, and one overdue.
        first, second = db.session.scalars(select(PlanAction).order_by(PlanAction.id).limit(2))
        first.set_status(PlanStatus.COMPLETE, completed_on=today())
        second.set_status(PlanStatus.AT_RISK)
        second.end_date = today() - timedelta(days=3)
        db.session.commit()
    return refs


def test_the_html_csv_and_pdf_show_the_same_figures(app, clients, eqias):
    client = clients["lead"]
    args = around_today()
    page = soup(get(client, "/plan/report", args))
    assert h1(page) == "Progress report"
    html = html_tables(page)
    heading, csv_figures = csv_tables(get(client, "/plan/report.csv", args).data)
    pdf = get(client, "/plan/report.pdf", args)
    assert pdf.content_type == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    lines = pdf_lines(pdf.data)

    assert csv_figures == html, "the CSV has the page's tables, cell for cell"
    start, end = date.fromisoformat(args["start"]), date.fromisoformat(args["end"])
    label = f"{start:%-d %B %Y} to {end:%-d %B %Y}"
    assert ["Period", label] in heading
    assert f"Period: {label}" in lines
    for caption, (_head, *rows) in html.items():
        assert caption in lines, caption
        for row in rows:
            assert in_pdf(lines, row), (caption, row)

    summary = dict(html["Summary"][1:])
    assert summary["EqIAs signed off in the period"] == "2", "returned and drafts never count"
    assert summary["EqIAs signed off in the period and linked to an objective"] == "2"
    assert summary["Mitigating actions in the EqIAs signed off in the period"] == "6"
    assert summary["Plan actions completed in the period"] == "1"
    caption = next(c for c in html if c.startswith("Impacts on each characteristic"))
    impacts = {row[0]: row[1:] for row in html[caption][1:]}
    assert impacts["Age"] == ["2", "0", "0"]
    assert impacts["Carers"] == ["0", "2", "0"]
    assert impacts["Race"] == ["0", "0", "2"]
    assert impacts["Sex"] == ["0", "0", "0"]
    services = {row[0][:3]: row for row in html["Our services: objectives"][1:]}
    communities = {row[0][:3]: row for row in html["Our communities: objectives"][1:]}
    assert communities["7. "][-1] == "2" and services["9. "][-1] == "1"


def test_the_pdf_has_its_charts(app, clients, eqias):
    data = get(clients["auditor"], "/plan/report.pdf", around_today()).data
    lines = pdf_lines(data)
    for chart in (
        "Chart: Plan actions by status, by theme",
        "Chart: EqIAs signed off in the period and linked, by objective",
        "Chart: Impacts on each characteristic in the EqIAs signed off in the period",
    ):
        assert chart in lines
    assert any(line.startswith("Not started On track At risk Complete") for line in lines)
    # Each bar is labelled with its number, 0 included, beside its category. The chart's
    # centred and right-aligned labels are drawn as form XObjects, which pypdf does not
    # read: poppler does.
    drawn = [" ".join(line.split()) for line in pdfs.poppler_text(data, "-layout").splitlines()]
    assert "Objective 12 0" in drawn and "Objective 7 2" in drawn
    reader = PdfReader(io.BytesIO(data))
    drawing = b"".join(page.get_contents().get_data() for page in reader.pages)
    assert drawing.count(b" re") > 40, "the bars are drawn as filled rectangles"
    fonts = {
        font["/BaseFont"]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
        if "/BaseFont" in font
    }
    assert any("Noto-Sans" in str(font) for font in fonts), "Noto Sans is embedded"


def pattern_kind(pattern) -> str:
    """What a chart's SVG pattern draws over its colour (templates/plan/_chart.html)."""
    if pattern.find("circle"):
        return "dots"
    if pattern.find("path"):
        return "crosses"
    turned = pattern.get("patterntransform")  # html.parser lowercases attribute names
    return {"rotate(45)": "stripes", "rotate(-45)": "back-stripes", None: "bands"}[turned]


def test_the_pdf_fills_each_bar_with_the_pattern_the_page_does(app, clients, eqias):
    """The PDF's charts come from the page's macro: every bar and legend swatch the page fills
    with a pattern, the PDF fills with a tiling pattern of the same white marks."""
    page = soup(get(clients["lead"], "/plan/report", around_today()))
    kinds = {p["id"]: pattern_kind(p) for p in page.select("main figure svg pattern")}
    filled = page.select("main figure svg rect[fill^='url(#']")
    on_page = Counter(kinds[rect["fill"][len("url(#") : -1]] for rect in filled)
    assert on_page == {"stripes": 19, "dots": 19, "crosses": 4}  # 3 themes, 14 characteristics
    data = get(clients["auditor"], "/plan/report.pdf", around_today()).data
    assert Counter(pdfs.pattern_fills(data)) == on_page
    # Beside them, the charts' words: the legend, and each name with the number of the bar
    # beside it (the middle one of three: positive), a zero as well.
    assert any(line.startswith("Negative Positive Not known") for line in pdf_lines(data))
    drawn = [" ".join(line.split()) for line in pdfs.poppler_text(data, "-layout").splitlines()]
    assert "Age 0" in drawn and "Carers 2" in drawn


def test_the_page_has_charts_with_text_alternatives(app, clients, eqias):
    page = soup(get(clients["lead"], "/plan/report", around_today()))
    charts = page.select("main figure svg[role=img]")
    assert len(charts) == 2
    for svg in charts:
        labelled = svg["aria-labelledby"].split()
        assert all(page.find(id=i) is not None for i in labelled)
        assert "The table that follows gives the same figures" in text(svg.find("desc"))
        assert svg.find_all("pattern"), "each series has a pattern, not only a colour"
    downloads = [a["href"] for a in page.select("#downloads a")]
    assert downloads[0].startswith("/plan/report.pdf?period=custom&start=")


def test_a_link_the_super_user_removed_does_not_count(app, clients, users, directorates):
    ref = make(app, "Library opening hours", stage="submitted")
    with app.app_context():
        assessment = Assessment.by_reference(ref)
        workflow.decide(
            assessment,
            db.session.get(User, users["super_user"].id),
            DecisionKind.APPROVED,
            revision_number=assessment.revision,
            objectives={objective_id(7): True, objective_id(9): False},
        )
        db.session.commit()
        made = progress.build(Period(**dates(around_today())), "Council", today(), now())
    lines = {o.number: o.figures.eqias for t in made.themes for o in t.objectives}
    assert lines[7] == 1 and lines[9] == 0
    themes = {t.name: t.figures.eqias for t in made.themes}
    assert themes == {"Our workforce": 0, "Our communities": 1, "Our services": 0}
    assert made.approved == 1 and made.linked == 1


def dates(args: dict) -> dict:
    return {"start": date.fromisoformat(args["start"]), "end": date.fromisoformat(args["end"])}


def now() -> datetime:
    return datetime.now(UTC)


def test_an_eqia_under_review_counts_as_signed_off(app, clients, users, directorates):
    """Its live answers are the next revision's: the figures stay the approved revision's."""
    ref = make(app, "Library opening hours")
    period = Period(**dates(around_today()))
    with app.app_context():
        before = progress.build(period, "Council", today(), now())
        assessment = Assessment.by_reference(ref)
        workflow.start_review(assessment, assessment.owner)
        for impact in assessment.impacts:
            impact.negative, impact.positive, impact.not_known = True, True, True
        action = assessment.actions[0]
        assessment.actions.append(
            AssessmentAction(
                action="A new one",
                responsible="Someone",
                start_date=action.start_date,
                due_date=action.due_date,
                success_measure="Done",
            )
        )
        db.session.commit()
        assert Assessment.by_reference(ref).status is Status.DRAFT
        after = progress.build(period, "Council", today(), now())
        view = insight.insight(period)
    assert after.tables() == before.tables()
    assert after.actions == before.actions == 3
    counts = {c.code: c.counts for c in view.characteristics}
    assert counts["age"] == {"negative": 1, "positive": 0, "not_known": 0}
    assert counts["sex"] == {"negative": 0, "positive": 0, "not_known": 0}


def test_period_boundaries_are_whole_days_in_uk_time(app, users, directorates):
    """1 April to 30 June 2026 (British Summer Time: UK midnight is 23:00 UTC)."""
    period = Period(date(2026, 4, 1), date(2026, 6, 30))
    moments = {
        "just before": datetime(2026, 3, 31, 22, 59, 59, tzinfo=UTC),
        "first moment": datetime(2026, 3, 31, 23, 0, tzinfo=UTC),
        "last moment": datetime(2026, 6, 30, 22, 59, 59, tzinfo=UTC),
        "just after": datetime(2026, 6, 30, 23, 0, tzinfo=UTC),
    }
    for name, moment in moments.items():
        set_approved_at(app, make(app, name, objectives={7: "Rural"}), moment)
    with app.app_context():
        actions = list(db.session.scalars(select(PlanAction).order_by(PlanAction.id).limit(4)))
        for action, done in zip(
            actions,
            [date(2026, 3, 31), date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 1)],
            strict=True,
        ):
            action.set_status(PlanStatus.COMPLETE, completed_on=done)
            action.end_date = date(2026, 6, 1)
        db.session.commit()
        made = progress.build(period, "Council", date(2026, 11, 23), now())
        rows = db.session.execute(insight.eqias_behind(period, age_id(), "negative", None)).all()
    assert made.approved == 2
    assert sorted(r.title for r in rows) == ["first moment", "last moment"]
    assert made.totals.completed == 2, "completed on 1 April and on 30 June"
    assert made.as_at == date(2026, 6, 30)
    overdue = [o.figures.overdue for t in made.themes for o in t.objectives]
    assert sum(overdue) >= 1, "completed on 1 July: overdue at the end of June"


def age_id() -> int:
    return db.session.scalar(select(Characteristic.id).where(Characteristic.code == "age"))


def test_overdue_is_judged_at_the_end_of_the_period(app):
    with app.app_context():
        action = db.session.scalars(select(PlanAction).order_by(PlanAction.id)).first()
        others = select(PlanAction).where(PlanAction.id != action.id)
        for other in db.session.scalars(others):
            other.active = False
        action.set_status(PlanStatus.COMPLETE, completed_on=date(2026, 7, 10))
        action.end_date = date(2026, 6, 15)
        db.session.commit()
        quarter = Period(date(2026, 4, 1), date(2026, 6, 30))
        later = Period(date(2026, 7, 1), date(2026, 9, 30))
        before_end = Period(date(2026, 4, 1), date(2026, 6, 10))
        assert progress.build(quarter, "C", date(2026, 11, 1), now()).totals.overdue == 1
        assert progress.build(later, "C", date(2026, 11, 1), now()).totals.overdue == 0
        assert progress.build(before_end, "C", date(2026, 11, 1), now()).totals.overdue == 0
        action.set_status(PlanStatus.ON_TRACK)
        db.session.commit()
        current = Period(date(2026, 10, 1), date(2026, 12, 31))
        made = progress.build(current, "C", date(2026, 11, 1), now())
        assert made.as_at == date(2026, 11, 1) and made.totals.overdue == 1


URLS = [
    "/plan/report",
    "/plan/report.csv",
    "/plan/report.pdf",
    "/plan/insight",
    "/plan/insight/eqias?characteristic=age&impact=negative",
]


def test_each_page_runs_a_fixed_number_of_queries(app, clients, users, directorates):
    client = clients["auditor"]
    make(app, "The first one")

    def counts() -> dict[str, int]:
        result = {}
        for url in URLS:
            with counting_queries(app) as statements:
                sep = "&" if "?" in url else "?"
                response = client.get(url + sep + "period=last-12-months")
                assert response.status_code == 200, url
            result[url] = len(statements)
        return result

    few = counts()
    for n in range(6):
        make(app, f"Another one {n}", directorate=ADULTS if n % 2 else PLACE)
    under_review = make(app, "Under review")
    with app.app_context():
        assessment = Assessment.by_reference(under_review)
        workflow.start_review(assessment, assessment.owner)
        db.session.commit()
    make(app, "Returned", stage="returned")
    many = counts()
    assert many == few
    listed = soup(client.get("/plan/insight/eqias?characteristic=age&impact=negative"))
    assert "8 EqIAs signed off in the period" in text(listed.select_one("#result-count"))


def test_csv_cells_never_run_as_formulas(app, clients, eqias):
    with app.app_context():
        db.session.execute(
            update(Objective).where(Objective.number == 7).values(title='=HYPERLINK("x")')
        )
        db.session.execute(
            update(Theme).where(Theme.name == "Our services").values(name="+Our services")
        )
        db.session.execute(
            update(Characteristic).where(Characteristic.code == "age").values(name="-Age")
        )
        db.session.execute(
            update(Characteristic).where(Characteristic.code == "sex").values(name="@Sex")
        )
        db.session.commit()
    data = get(clients["lead"], "/plan/report.csv", around_today()).data
    cells = [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]
    assert '\'7. =HYPERLINK("x")' not in cells and '7. =HYPERLINK("x")' in cells
    for typed in ("+Our services", "-Age", "@Sex"):
        assert typed not in cells
        assert "'" + typed in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    page = soup(get(clients["lead"], "/plan/report", around_today()))
    assert "-Age" in [row[0] for row in table_rows(page, "#table-characteristics")]


BAD_PERIODS = [
    (
        {"period": "custom", "start": "2026-13-45", "end": "2026-12-31"},
        ["Start date must be a real date"],
    ),
    (
        {"start": "2026-05-01", "end": "2026-01-01"},
        ["End date must be the same as or after the start date"],
    ),
    ({"period": "custom"}, ["Enter the start date", "Enter the end date"]),
    (
        {"period": "custom", "start": ["1", "", "2026"], "end": ["31", "2", "2026"]},
        ["Start date must include a month", "End date must be a real date"],
    ),
    ({"period": "next-century"}, ["Select a period from the list"]),
    (
        {"period": "custom", "start": "9999-12-31", "end": "9999-12-31"},
        ["Start date must be in or before 2999", "End date must be in or before 2999"],
    ),
    (
        {"start": "yesterday", "end": "0001-01-01"},
        ["Start date must be a real date", "End date must be a real date"],
    ),
]


@pytest.mark.parametrize("args, errors", BAD_PERIODS)
def test_a_bad_period_gets_gov_uk_messages_and_no_report(clients, args, errors):
    client = clients["lead"]
    response = client.get("/plan/report", query_string=args)
    assert response.status_code == 200
    page = soup(response)
    assert error_summary(page) == errors
    assert title(page).startswith("Error:")
    assert page.select("main table") == []
    for url in ("/plan/report.csv", "/plan/report.pdf"):
        refused = client.get(url, query_string=args)
        assert refused.status_code == 400
        assert h1(soup(refused)) == "Check the period"
        assert errors[0] in text(soup(refused))
    insight = soup(clients["admin"].get("/plan/insight", query_string=args))
    assert error_summary(insight) == errors


def test_gov_uk_date_inputs_give_the_same_report_as_iso_dates(clients, eqias):
    client = clients["lead"]
    start, end = today() - timedelta(days=30), today() + timedelta(days=30)
    inputs = {
        "period": "custom",
        "start": [str(start.day), str(start.month), str(start.year)],
        "end": [str(end.day), str(end.month), str(end.year)],
    }
    typed = html_tables(soup(get(client, "/plan/report", inputs)))
    assert typed == html_tables(soup(get(client, "/plan/report", around_today())))
    page = soup(get(client, "/plan/report", inputs))
    assert page.select_one("#start-day")["value"] == str(start.day)


def test_a_preset_ignores_dates_left_in_the_form(clients):
    args = {"period": "last-quarter", "start": ["45", "13", "2026"], "end": ["", "", ""]}
    page = soup(get(clients["lead"], "/plan/report", args))
    assert error_summary(page) == []
    expected = Period.of("last-quarter", today())
    assert text(page.select_one("#chosen-period")) == f"Last quarter: {expected.label}"


def test_the_default_report_is_this_quarter(clients):
    page = soup(clients["lead"].get("/plan/report"))
    assert page.select_one("input[name=period][value=this-quarter]").has_attr("checked")
    expected = Period.of("this-quarter", today())
    assert text(page.select_one("#chosen-period")) == f"This quarter: {expected.label}"


# Equality insight ---------------------------------------------------------------------------------


def test_the_insight_table_counts_by_characteristic_and_directorate(app, clients, eqias):
    with app.app_context():
        no_directorate = make(app, "Nobody's")
        db.session.execute(
            update(Assessment)
            .where(Assessment.reference == no_directorate)
            .values(directorate_id=None)
        )
        db.session.commit()
    client = clients["super_user"]
    page = soup(get(client, "/plan/insight", {}))
    assert h1(page) == "Equality insight"
    assert page.select_one("input[name=period][value=last-12-months]").has_attr("checked")
    table = page.select_one("#insight-negative")
    head = [text(th) for th in table.select("thead th")]
    assert head[0] == "Characteristic" and head[-2:] == [
        "No directorate",
        "Total for all directorates",
    ]
    rows = {row[0]: row[1:] for row in table_rows(page, "#insight-negative")}
    columns = head[1:]

    def cell(characteristic: str, column: str) -> str:
        return rows[characteristic][columns.index(column)].split()[0]

    assert cell("Age", PLACE) == "1" and cell("Age", ADULTS) == "1"
    assert cell("Age", "No directorate") == "1" and cell("Age", "Total for all directorates") == "3"
    assert cell("Sex", "Total for all directorates") == "0"
    positive = {row[0]: row[-1] for row in table_rows(page, "#insight-positive")}
    assert positive["Carers"].split()[0] == "3"

    link = table.select_one("tbody tr th:-soup-contains('Age')").find_parent("tr").select("a")[0]
    assert text(link) == f"1 EqIA with a negative impact on Age, {ADULTS}"
    listed = soup(client.get(link["href"]))
    assert h1(listed) == "Age: negative impact"
    refs = [row[0] for row in table_rows(listed, "#eqias")]
    assert len(refs) == int(text(link).split()[0])
    everything = table.select("tbody tr")[0].select("a")[-1]
    assert len(table_rows(soup(client.get(everything["href"])), "#eqias")) == 3

    chart = page.select_one("#chart-insight svg")
    assert chart["role"] == "img" and chart.find("title")
    assert [text(t) for t in chart.select("g text")][:3] == ["Negative", "Positive", "Not known"]


def test_the_list_behind_a_number_refuses_unknown_choices(clients):
    client = clients["admin"]
    for query in (
        "characteristic=nope&impact=negative",
        "characteristic=age&impact=neutral",
        "characteristic=age&impact=negative&directorate=999",
        "characteristic=age&impact=negative&directorate=x",
    ):
        assert client.get(f"/plan/insight/eqias?{query}").status_code == 404, query
    bad = client.get("/plan/insight/eqias?characteristic=age&impact=negative&start=2026-02-30")
    assert bad.status_code == 400


def test_the_dashboard_links_to_the_report_and_for_some_the_insight(clients):
    lead = soup(clients["lead"].get("/"))
    links = [a["href"] for a in lead.select("section[aria-labelledby=edi-plan] a")]
    assert "/plan/report" in links and "/plan/insight" not in links
    for who in ("super_user", "auditor", "admin"):
        page = soup(clients[who].get("/"))
        assert "/plan/insight" in [
            a["href"] for a in page.select("section[aria-labelledby=edi-plan] a")
        ]


def test_seed_demo_data_gives_the_report_and_insight_something_to_show(app, clients, users):
    from eqia import demo

    with app.app_context():
        demo.seed("a long demo password")  # a new password for the admin: signed out
        directorates = {d.name for d in db.session.scalars(select(Directorate))}
    assert PLACE in directorates
    sign_in_as(clients["admin"], users["admin"].id)
    page = soup(clients["admin"].get("/plan/report?period=last-12-months"))
    summary = dict(table_rows(page, "#table-summary"))
    assert int(summary["EqIAs signed off in the period"]) >= 2
    insight = soup(clients["admin"].get("/plan/insight"))
    assert insight.select("#insight-negative a")


def test_the_pdf_is_tagged_for_screen_readers(app, clients, eqias):
    args = around_today()
    data = get(clients["auditor"], "/plan/report.pdf", args).data
    start, end = date.fromisoformat(args["start"]), date.fromisoformat(args["end"])
    title = f"EDI action plan progress report: {start:%-d %B %Y} to {end:%-d %B %Y}"
    assert pdfs.tagging_problems(data, title) == []
    tree, document = pdfs.structure(data)
    expected = [
        ("H1", "EDI action plan progress report"),
        ("H2", "Action plan"),
        ("H2", "Impacts in the EqIAs signed off in the period"),
    ]
    assert pdfs.headings(tree) == expected
    assert pdfs.outline_titles(document) == [heading for _level, heading in expected]
    # Each chart is a figure whose alternative text says what it shows, then its table.
    elements = [e for e in tree.walk() if e.type in ("Figure", "Table")]
    figures = [e.alt for e in elements if e.type == "Figure"]
    assert len(figures) == 3
    assert figures[0].startswith("Plan actions by status, by theme. Bar chart: for each theme")
    assert figures[1].startswith("EqIAs signed off in the period and linked, by objective.")
    assert figures[2].startswith("Impacts on each characteristic in the EqIAs signed off")
    assert all("The table" in alt or "The tables" in alt for alt in figures)
    kinds = [e.type for e in elements]
    assert kinds[:4] == ["Table", "Figure", "Table", "Figure"] and kinds[-2:] == ["Figure", "Table"]
    captions = [" ".join(e.all_text.split()) for e in tree.walk() if e.type == "Caption"]
    assert captions[:2] == ["Summary", "Action plan by theme"]
    # The header and footer are furniture, on every page, and never read out.
    marked = pdfs.marked_content(data)
    for number, furniture in enumerate(marked.artifacts, 1):
        assert f"Page {number} of {len(marked.artifacts)}" in furniture
        assert f"{start:%-d %B %Y} to {end:%-d %B %Y}" in furniture
    assert "Page 1 of" not in tree.all_text


def test_names_print_as_typed_in_every_format(app, clients, eqias):
    typed = 'Carers <b>& "friends"</b>'
    with app.app_context():
        db.session.execute(
            update(Characteristic).where(Characteristic.code == "carers").values(name=typed)
        )
        db.session.commit()
    client = clients["lead"]
    page = soup(get(client, "/plan/report", around_today()))
    assert typed in [row[0] for row in table_rows(page, "#table-characteristics")]
    assert "<b>&" not in get(client, "/plan/report", around_today()).get_data(as_text=True)
    _heading, tables = csv_tables(get(client, "/plan/report.csv", around_today()).data)
    assert [typed, "0", "2", "0"] in next(t for c, t in tables.items() if c.startswith("Impacts"))
    lines = pdf_lines(get(client, "/plan/report.pdf", around_today()).data)
    assert in_pdf(lines, [typed, "0", "2", "0"])


def test_the_widest_period_is_a_report_not_an_error(clients):
    args = {"period": "custom", "start": "1000-01-01", "end": "2999-12-31"}
    for url in ("/plan/report", "/plan/report.csv", "/plan/report.pdf"):
        assert clients["lead"].get(url, query_string=args).status_code == 200, url
    assert clients["admin"].get("/plan/insight", query_string=args).status_code == 200
