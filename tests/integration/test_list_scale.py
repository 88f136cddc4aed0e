"""Every list is paged: the same few queries, one page of rows and a small page, however
many rows there are; any page number a person can type gives a page, never an error."""

from datetime import timedelta
from itertools import count

import pytest
from sqlalchemy import insert, select

from eqia.extensions import db
from eqia.models import Assessment, Directorate, EventKind, Status, User
from eqia.models.audit import record
from eqia.records import generate
from eqia.timefmt import uk_today, utcnow
from tests import factories
from tests.helpers import queries_for, soup, table_rows, text

ODD_PAGES = [str(10**12), "-1", "abc", "0", "1e3", " 2"]
_numbers = count(1)


def bulk_eqias(app, n: int, owner_id: int, status: Status = Status.DRAFT, **values) -> None:
    """``n`` EqIAs of one person's, in one insert (the columns the lists read)."""
    now = utcnow()
    rows = []
    for _ in range(n):
        number = next(_numbers)
        rows.append(
            {
                "reference": f"EQIA-2026-{9000 + number:05d}",
                "title": f"Bulk EqIA {number}",
                "owner_id": owner_id,
                "status": status.value,
                "revision": 1,
                "created_at": now - timedelta(minutes=number),
                "updated_at": now - timedelta(minutes=number),
                "submitted_at": now - timedelta(minutes=number)
                if status is Status.SUBMITTED
                else None,
                "lock_version": 1,
                "summary": "",
                **values,
            }
        )
    with app.app_context():
        db.session.execute(insert(Assessment.__table__), rows)
        db.session.commit()


def check_list(app, client, url: str, grow, rows_selector: str, per_page: int) -> None:
    """(a) the same number of statements before and after ``grow``, (b) at most a page of
    rows and a next link that leads to more, (c) odd page numbers give a page, and the
    page stays small."""
    few = queries_for(app, client, url)
    grow()
    many = queries_for(app, client, url)
    assert many == few, url
    response = client.get(url)
    body = response.get_data(as_text=True)
    assert len(body) < 200_000
    page = soup(response)
    rows = page.select(rows_selector)
    assert 0 < len(rows) <= per_page
    following = page.select_one(".govuk-pagination__next a")
    assert following is not None, "more than a page, and no next link"
    second = soup(client.get(following["href"]))
    assert second.select(rows_selector)
    assert [text(r) for r in second.select(rows_selector)] != [text(r) for r in rows]
    sep = "&" if "?" in url else "?"
    for odd in ODD_PAGES:
        response = client.get(f"{url}{sep}page={odd}")
        assert response.status_code in (200, 404), odd
        if response.status_code == 200:
            assert soup(response).select(rows_selector), odd


@pytest.fixture
def directorate(app) -> int:
    with app.app_context():
        return factories.make_directorate("Place & Sustainability").id


class TestTheQueue:
    def test_pages_of_the_queue_and_its_filter(self, app, clients, users, directorate):
        bulk_eqias(app, 3, users["lead"].id, Status.SUBMITTED, directorate_id=directorate)
        url = f"/reviews/?directorate={directorate}"

        def grow():
            bulk_eqias(app, 57, users["lead"].id, Status.SUBMITTED, directorate_id=directorate)
            bulk_eqias(app, 5, users["lead"].id, Status.SUBMITTED)  # elsewhere: not counted

        check_list(app, clients["super_user"], url, grow, "tbody tr", 25)
        page = soup(clients["super_user"].get(url))
        caption = text(page.select_one("table caption"))
        assert caption == "60 EqIAs waiting for sign-off in Place & Sustainability, page 1 of 3"
        links = [a["href"] for a in page.select(".govuk-pagination a")]
        assert links and all(f"directorate={directorate}" in href for href in links)
        # Oldest first, across pages: the last row of page 1 waited longer than page 2's.
        first_page = [r[0] for r in table_rows(page)]
        second_page = [r[0] for r in table_rows(soup(clients["super_user"].get(url + "&page=2")))]
        assert not set(first_page) & set(second_page)
        with app.app_context():
            since = dict(
                db.session.execute(
                    select(Assessment.reference, Assessment.submitted_at).where(
                        Assessment.reference.in_(first_page + second_page)
                    )
                ).all()
            )
        waits = [since[ref] for ref in first_page + second_page]
        assert waits == sorted(waits)

    def test_a_page_past_the_end_is_the_last(self, app, clients, users, directorate):
        bulk_eqias(app, 30, users["lead"].id, Status.SUBMITTED, directorate_id=directorate)
        page = soup(clients["super_user"].get("/reviews/?page=99"))
        assert len(table_rows(page)) == 5
        assert text(page.select_one("table caption")).endswith("page 2 of 2")


class TestYourEqias:
    def test_pages_of_your_eqias(self, app, clients, users):
        bulk_eqias(app, 3, users["lead"].id)

        def grow():
            bulk_eqias(app, 57, users["lead"].id)
            bulk_eqias(app, 10, users["auditor"].id)  # not theirs

        check_list(app, clients["lead"], "/eqia/", grow, "tbody tr", 25)
        caption = text(soup(clients["lead"].get("/eqia/")).select_one("table caption"))
        assert caption == "60 EqIAs, most recently saved first, page 1 of 3"


class TestTheHomePage:
    def test_each_panel_shows_a_few_and_links_to_all(self, app, clients, users):
        lead = clients["lead"]
        soon = uk_today() + timedelta(days=3)
        bulk_eqias(app, 2, users["lead"].id, Status.RETURNED)
        bulk_eqias(app, 2, users["lead"].id, Status.APPROVED, review_date=soon)
        few = queries_for(app, lead, "/")
        page = soup(lead.get("/"))
        assert len(page.select("#returned-list li")) == 2
        assert not [a for a in page.select("main a") if text(a).startswith("View all")]
        bulk_eqias(app, 38, users["lead"].id, Status.RETURNED)
        bulk_eqias(app, 58, users["lead"].id, Status.APPROVED, review_date=soon)
        bulk_eqias(app, 20, users["lead"].id, Status.APPROVED, review_date=soon + timedelta(60))
        assert queries_for(app, lead, "/") == few
        response = lead.get("/")
        assert len(response.get_data()) < 200_000
        page = soup(response)
        assert len(page.select("#returned-list li")) == 5
        assert len(page.select("#reviews-due-list li")) == 5
        view_all = {
            text(a): a["href"] for a in page.select("main a") if text(a).startswith("View all")
        }
        assert view_all == {
            "View all 40 EqIAs returned with comments": "/eqia/?show=returned",
            "View all 60 EqIAs due for review": "/eqia/?show=review-due",
        }
        panel = [text(a) for a in page.select("#reviews-due-list li a")]
        listed = soup(lead.get("/eqia/?show=review-due"))
        assert text(listed.select_one("table caption")) == ("60 EqIAs, due for review, page 1 of 3")
        assert [" ".join(r[:2]) for r in table_rows(listed)][:5] == [
            p.replace(": ", " ", 1) for p in panel
        ]
        links = [a["href"] for a in listed.select(".govuk-pagination a")]
        assert links and all("show=review-due" in href for href in links)
        assert text(soup(lead.get("/eqia/?show=nonsense")).select_one("table caption")) == (
            "120 EqIAs, most recently saved first, page 1 of 5"
        )


class TestAdmin:
    def test_pages_of_users(self, app, clients):
        def people(n: int) -> None:
            with app.app_context():
                db.session.execute(
                    insert(User.__table__),
                    [
                        {
                            "email": f"person-{next(_numbers)}@example.org",
                            "name": f"Person {i:03d}",
                            "job_title": "Officer",
                            "active": True,
                            "password_hash": "",
                            "created_at": utcnow(),
                        }
                        for i in range(n)
                    ],
                )
                db.session.commit()

        people(3)
        check_list(app, clients["admin"], "/admin/users", lambda: people(60), "tbody tr", 25)

    def test_pages_of_directorates(self, app, clients):
        def directorates(n: int) -> None:
            with app.app_context():
                db.session.execute(
                    insert(Directorate.__table__),
                    [{"name": f"Directorate {next(_numbers)}", "active": True} for _ in range(n)],
                )
                db.session.commit()

        directorates(3)
        grow = lambda: directorates(60)  # noqa: E731
        check_list(app, clients["admin"], "/admin/directorates", grow, "tbody tr", 25)


class TestHistory:
    def events(self, app, ref: str, user_id: int, kinds: list[EventKind]) -> None:
        with app.app_context():
            assessment = Assessment.by_reference(ref)
            person = db.session.get(User, user_id)
            for kind in kinds:
                record(kind, person, assessment.id, note=f"{kind.label} note")
            db.session.commit()

    def test_pages_of_a_long_history(self, app, clients, users, ref):
        def grow():
            self.events(app, ref, users["lead"].id, [EventKind.FILE_ADDED] * 120)

        self.events(app, ref, users["lead"].id, [EventKind.FILE_ADDED] * 2)
        check_list(app, clients["lead"], f"/eqia/{ref}/history", grow, "#history tbody tr", 50)
        page = soup(clients["lead"].get(f"/eqia/{ref}/history?page=3"))
        assert len(page.select("#history tbody tr")) == 123 - 100
        assert text(page.select_one("#history caption")).endswith("oldest first, page 3 of 3")

    def test_a_group_of_saves_is_whole_on_the_page_where_it_starts(self, app, clients, users, ref):
        with app.app_context():
            sam = factories.make_user("sam@example.org", "Sam Second").id
        lee = users["lead"].id
        # Created, then 48 more events: 49 entries. Lee's saves start the 50th, the last
        # on page 1; Sam's the 51st; Lee saves again after Sam, still the same group.
        self.events(app, ref, lee, [EventKind.FILE_ADDED] * 48)
        with app.app_context():
            assessment = Assessment.by_reference(ref)
            for who, section in ((lee, "About"), (sam, "Who"), (lee, "Aims"), (sam, "Who")):
                record(EventKind.SAVED, db.session.get(User, who), assessment.id, note=section)
            db.session.commit()
        first = table_rows(soup(clients["lead"].get(f"/eqia/{ref}/history")), "#history")
        second = table_rows(soup(clients["lead"].get(f"/eqia/{ref}/history?page=2")), "#history")
        assert len(first) == 50
        assert first[-1][1:3] == ["Saved 2 sections", "Lee Lead"]
        assert first[-1][4] == "About Aims"
        assert [row[1:3] for row in second] == [["Saved 1 section", "Sam Second"]]


class TestThePlanAndTheInsight:
    """At 40 generated EqIAs and at 400 (with their impacts and objective links)."""

    def test_the_plan_pages(self, app, clients):
        with app.app_context():
            generate.generate(40, seed=3)
        lead = clients["lead"]
        urls = ["/plan/", "/plan/themes/1"] + [f"/plan/objectives/{n}" for n in range(1, 13)]
        few = {url: queries_for(app, lead, url) for url in urls}
        with app.app_context():
            generate.generate(400, seed=4)
        assert {url: queries_for(app, lead, url) for url in urls} == few
        busiest = max(urls[2:], key=lambda url: len(lead.get(url).get_data()))
        check_list(app, lead, busiest, lambda: None, "#supporting-eqias tbody tr", 20)

    def test_the_eqias_behind_an_insight_figure(self, app, clients):
        url = (
            "/plan/insight/eqias?characteristic=age&impact=positive"
            f"&period=custom&start=2015-01-01&end={uk_today().isoformat()}"
        )
        with app.app_context():
            generate.generate(40, seed=5)

        def grow():
            with app.app_context():
                generate.generate(400, seed=6)

        auditor = clients["auditor"]
        check_list(app, auditor, url, grow, "#eqias tbody tr", 25)
        whole = url.replace("/insight/eqias", "/insight").split("?")[0] + "?period=last-12-months"
        assert len(auditor.get(whole).get_data()) < 200_000
