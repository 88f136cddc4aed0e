"""The public register: only published EqIAs, each as its signed-off revision says, without
anything internal; the same page for everyone, cacheable, with no session; the sealed PDF
byte for byte; the Atom feed; one "Page not found" for whatever is not published."""

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from eqia import workflow
from eqia.extensions import db
from eqia.models import Assessment, Characteristic, DecisionKind, Impact, Rating, SealedRecord, User
from eqia.public import register
from eqia.publishing import PublishingPolicy
from tests import factories
from tests.helpers import (
    counting_queries,
    error_summary,
    h1,
    inline_errors,
    nav_links,
    queries_for,
    soup,
    table_rows,
    text,
    title,
)
from tests.integration.test_evidence_files import make_pdf, upload
from tests.integration.test_publishing import reopen

ATOM = "{http://www.w3.org/2005/Atom}"
AWKWARD = 'Library hours <script>alert("x")</script> & «Zażółć» 😀'
RETURN_COMMENT = "Return comment: say how you will reach carers"
EVALUATION_COMMENT = "Evaluation comment: the evidence section is thin"
APPROVAL_COMMENT = "Approval comment for the lead only"
FILE_NAME = "Visitor counts <2024> & survey.pdf"


def _publish(ref: str) -> None:
    workflow.publish(Assessment.by_reference(ref), User.by_email("super@example.org"))
    db.session.commit()


@pytest.fixture
def world(app, users, clients, once):
    """Published EqIAs in two directorates (one returned once before its sign-off, with a
    co-author and an evidence file), one signed off but not published, one draft."""

    def build():
        with app.app_context():
            factories.make_directorate("Place & Sustainability")
            factories.make_directorate("Children’s Services")
            co_author = factories.make_user("cora@example.org", "Cora Coauthor").id
            User.by_email("lead@example.org").job_title = "Head of Libraries"
            User.by_email("super@example.org").job_title = "Equality Lead"
            db.session.commit()
            libraries = factories.make_eqia(AWKWARD, stage="complete").reference
            factories.add_co_author(Assessment.by_reference(libraries), co_author)
        upload(clients["lead"], libraries, make_pdf(), FILE_NAME)
        super_id = users["super_user"].id
        with app.app_context():
            assessment = Assessment.by_reference(libraries)
            factories.submit(assessment, assessment.owner)
            db.session.commit()
        evaluations = {"evidence": (Rating.TO_BE_FIXED, EVALUATION_COMMENT)}
        factories.decide(
            app, libraries, super_id, DecisionKind.RETURNED, comment=RETURN_COMMENT,
            evaluations=evaluations,
        )  # fmt: skip
        with app.app_context():
            assessment = Assessment.by_reference(libraries)
            factories.submit(assessment, assessment.owner)
            db.session.commit()
        factories.decide(app, libraries, super_id, DecisionKind.APPROVED, comment=APPROVAL_COMMENT)
        with app.app_context():
            _publish(libraries)
            children = factories.make_eqia(
                "Children’s centre opening", directorate="Children’s Services", impacts={}
            ).reference
            _publish(children)
            unpublished = factories.make_eqia("Signed off, not published").reference
            draft = factories.make_eqia("A draft", stage="complete").reference
        return {
            "libraries": libraries,
            "children": children,
            "unpublished": unpublished,
            "draft": draft,
        }

    return once(build)


def listed(client, query: str = "") -> list[str]:
    page = soup(client.get(f"/public/eqias{query}"))
    return [row[0] for row in table_rows(page, "#register")]


class TestTheRegister:
    def test_lists_only_published_eqias_newest_signed_off_first(self, clients, world):
        page = soup(clients["anonymous"].get("/public/eqias"))
        assert title(page) == (
            "Published EqIAs – Public register of equality impact assessments – "
            + page.title.text.rsplit(" – ", 1)[1]
        )
        assert text(page.select_one("#result-count")) == "2 published EqIAs"
        rows = table_rows(page, "#register")
        assert [row[0] for row in rows] == [world["children"], world["libraries"]]
        assert rows[1][1] == f"{AWKWARD} Place & Sustainability"
        assert world["unpublished"] not in str(page) and world["draft"] not in str(page)

    def test_search_by_reference_title_or_summary(self, clients, world):
        assert listed(clients["anonymous"], f"?q={world['children']}") == [world["children"]]
        assert listed(clients["anonymous"], "?q=centre") == [world["children"]]
        assert listed(clients["anonymous"], "?q=«Zażółć»") == [world["libraries"]]
        assert listed(clients["anonymous"], "?q=Tuesday") == [world["children"], world["libraries"]]
        assert listed(clients["anonymous"], "?q=not+published") == []

    def test_filter_by_directorate_and_dates(self, app, clients, world):
        with app.app_context():
            children_id = db.session.scalar(
                select(Assessment.directorate_id).where(Assessment.reference == world["children"])
            )
        assert listed(clients["anonymous"], f"?directorate={children_id}") == [world["children"]]
        assert listed(clients["anonymous"], "?signed_off_from=1/1/2000") != []
        assert listed(clients["anonymous"], "?signed_off_to=1/1/2000") == []

    def test_filter_by_a_negative_impact_of_the_signed_off_revision_not_the_draft(
        self, app, clients, world
    ):
        assert listed(clients["anonymous"], "?negative=age") == [world["libraries"]]
        assert listed(clients["anonymous"], "?negative=sex") == []
        # The next revision's draft finds a negative impact on sex: not signed off, not public.
        reopen(app, world["children"], submit_it=False)
        with app.app_context():
            assessment = Assessment.by_reference(world["children"])
            sex = db.session.scalar(select(Characteristic.id).where(Characteristic.code == "sex"))
            impact = next(i for i in assessment.impacts if i.characteristic_id == sex)
            impact.neutral, impact.negative = False, True
            db.session.commit()
            assert db.session.scalar(
                select(Impact.id).where(Impact.negative, Impact.characteristic_id == sex)
            )
        assert listed(clients["anonymous"], "?negative=sex") == []
        assert listed(clients["anonymous"], "") == [world["children"], world["libraries"]]

    @pytest.mark.parametrize(
        "query, errors",
        [
            ("?signed_off_from=31/2/2027", ["Signed off from must be a real date, like 31/3/2027"]),
            ("?signed_off_to=soon", ["Signed off to must be a real date, like 31/3/2027"]),
            (
                "?signed_off_from=2/1/2000&signed_off_to=1/1/2000",
                ["Signed off to must be the same as or after signed off from"],
            ),
            ("?directorate=999999", ["Select a directorate from the list"]),
            ("?negative=%3Cscript%3E", ["Select a characteristic from the list"]),
        ],
    )
    def test_a_mistake_in_a_filter_is_shown_not_a_500(self, clients, world, query, errors):
        response = clients["anonymous"].get(f"/public/eqias{query}")
        page = soup(response)
        assert response.status_code == 200
        assert error_summary(page) == errors
        assert inline_errors(page) == errors
        assert title(page).startswith("Error: ")
        assert len(table_rows(page, "#register")) == 2  # the mistaken filter is left out

    def test_a_page_costs_the_same_queries_whatever_the_page_or_filters(
        self, app, clients, world, monkeypatch
    ):
        monkeypatch.setattr(register, "PER_PAGE", 1)
        client = clients["anonymous"]
        counts = {
            query: queries_for(app, client, f"/public/eqias{query}")
            for query in ("", "?page=2", "?page=99", "?q=library&negative=age", "?directorate=1")
        }
        assert len(set(counts.values())) == 1, counts
        assert listed(client, "?page=2") == [world["libraries"]]
        assert listed(client, "?page=99") == [world["libraries"]]  # the last page
        signed_in = queries_for(app, clients["admin"], "/public/eqias?page=3")
        assert signed_in == counts[""]  # nobody is looked up: there is no session here


class TestDrawnOnceForEachState:
    def test_a_page_seen_before_costs_only_the_state_queries(self, app, clients, world):
        url = f"/public/eqias/{world['libraries']}"
        first = queries_for(app, clients["anonymous"], url)
        again = queries_for(app, clients["admin"], url)
        assert again < first
        assert again == 2  # which EqIAs are published, and the publishing settings

    def test_every_change_is_shown_at_once(self, app, clients, world):
        anonymous = clients["anonymous"]
        page_url = f"/public/eqias/{world['children']}"
        assert listed(anonymous) == [world["children"], world["libraries"]]
        assert anonymous.get(page_url).status_code == 200
        assert world["children"] in anonymous.get("/public/eqias.atom").text
        with app.app_context():
            _publish(world["unpublished"])
        assert listed(anonymous) == [world["unpublished"], world["children"], world["libraries"]]
        reopen(app, world["children"], submit_it=False)
        with app.app_context():
            assessment = Assessment.by_reference(world["children"])
            workflow.withdraw(assessment, assessment.owner, "Not going ahead")
            db.session.commit()
        assert listed(anonymous) == [world["unpublished"], world["libraries"]]
        assert anonymous.get(page_url).status_code == 404
        assert world["children"] not in anonymous.get("/public/eqias.atom").text
        with app.app_context():
            db.session.get(Characteristic, 1).name = "Age (renamed)"
            db.session.commit()
        page = soup(anonymous.get("/public/eqias"))
        assert "Age (renamed)" in [text(o) for o in page.select("#negative option")]


class TestTheSamePageForEveryone:
    @pytest.mark.parametrize("path", ["/public/eqias", "/public/eqias/{ref}", "/public/eqias.atom"])
    def test_cacheable_without_a_session(self, clients, world, path):
        url = path.format(ref=world["libraries"])
        anonymous = clients["anonymous"].get(url)
        signed_in = clients["admin"].get(url)
        for response in (anonymous, signed_in):
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "public, max-age=300"
            assert "Set-Cookie" not in response.headers
            assert "Cookie" not in response.headers.get("Vary", "")
            assert response.headers["ETag"]
        assert signed_in.data == anonymous.data
        assert signed_in.headers["ETag"] == anonymous.headers["ETag"]
        again = clients["admin"].get(url, headers={"If-None-Match": anonymous.headers["ETag"]})
        assert again.status_code == 304
        assert again.data == b""
        assert "Set-Cookie" not in again.headers

    def test_no_signed_in_navigation_or_name(self, clients, world):
        page = soup(clients["admin"].get(f"/public/eqias/{world['libraries']}"))
        assert nav_links(page) == []
        assert "Adam Admin" not in text(page)
        assert "Sign out" not in text(page)
        assert page.select_one("input[name=csrf_token]") is None

    def test_a_signed_in_visitor_stays_signed_in_elsewhere(self, clients, world):
        clients["admin"].get("/public/eqias")
        assert clients["admin"].get("/admin/users").status_code == 200


class TestAnEqiaPage:
    def test_shows_the_signed_off_revision(self, app, clients, world):
        ref = world["libraries"]
        page = soup(clients["anonymous"].get(f"/public/eqias/{ref}"))
        assert h1(page) == AWKWARD
        assert title(page).startswith(f"{ref}: {AWKWARD} – ")
        assert "<script>alert" not in clients["anonymous"].get(f"/public/eqias/{ref}").text
        with app.app_context():
            signed_off = Assessment.by_reference(ref).approved_revision.read()
        headings = [text(h) for h in page.select("h2.govuk-heading-m")]
        assert headings == [section.heading for section in signed_off.sections]
        ages = next(r for r in signed_off.section("impacts").rows if r.key == "impacts.age")
        shown = {text(row.dt): text(row.dd) for row in page.select(".govuk-summary-list__row")}
        assert shown[ages.question] == " ".join(ages.answer.split())
        summary = dict(table_rows_of_summary(page))
        assert summary["Revision"] == "2"
        assert summary["Directorate"] == "Place & Sustainability"
        assert page.select_one("#record-pdf")["href"] == f"/public/eqias/{ref}.pdf"

    def test_nothing_internal(self, clients, world):
        body = clients["anonymous"].get(f"/public/eqias/{world['libraries']}").text
        page = soup(clients["anonymous"].get(f"/public/eqias/{world['libraries']}"))
        shown = text(page)
        for internal in (
            "Cora Coauthor",  # co-authors
            "Co-authors",
            "Visitor counts",  # the evidence file
            "Evidence files",
            RETURN_COMMENT,  # the returned revision
            EVALUATION_COMMENT,  # the review
            APPROVAL_COMMENT,
            "Returned",
            "Due regard checks",
            "Reason for going on",  # the lead's reasons past the checks
            "Lee Lead",  # names, since officers are shown by job title
            "Sue Super",
        ):
            assert internal not in shown, internal
        assert "/evidence/files/" not in body
        assert "/eqia/" not in body and "/records/" not in body  # no way into the service

    def test_officers_by_job_title_or_by_name(self, app, clients, world):
        url = f"/public/eqias/{world['libraries']}"
        summary = dict(table_rows_of_summary(soup(clients["anonymous"].get(url))))
        assert (summary["Project lead"], summary["Signed off by"]) == (
            "Head of Libraries",
            "Equality Lead",
        )
        with app.app_context():
            PublishingPolicy(officers="names").save(None)
            db.session.commit()
        summary = dict(table_rows_of_summary(soup(clients["anonymous"].get(url))))
        assert (summary["Project lead"], summary["Signed off by"]) == ("Lee Lead", "Sue Super")

    def test_an_eqia_reopened_for_review_shows_only_its_signed_off_revision(
        self, app, clients, world
    ):
        ref = world["children"]
        before = clients["anonymous"].get(f"/public/eqias/{ref}").data
        reopen(app, ref, submit_it=False)
        with app.app_context():
            assessment = Assessment.by_reference(ref)
            answers = assessment.sections["evidence"]
            answers.data = {**answers.data, "what_people_said": "A draft nobody signed off"}
            assessment.title = "A draft title"
            db.session.commit()
        response = clients["anonymous"].get(f"/public/eqias/{ref}")
        assert response.status_code == 200
        assert "A draft nobody signed off" not in response.text
        assert "A draft title" not in response.text
        assert response.data == before
        assert listed(clients["anonymous"], "?q=draft+title") == []

    def test_the_pdf_is_the_sealed_record_byte_for_byte(self, app, clients, world):
        ref = world["libraries"]
        response = clients["anonymous"].get(f"/public/eqias/{ref}.pdf")
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert "Set-Cookie" not in response.headers
        with app.app_context():
            assessment = Assessment.by_reference(ref)
            sealed = db.session.scalar(
                select(SealedRecord).where(
                    SealedRecord.revision_id == assessment.approved_revision_id
                )
            )
            content, digest = sealed.content, sealed.sha256
        assert response.data == content
        assert response.data == clients["auditor"].get(f"/records/{ref}.pdf").data
        assert response.headers["ETag"] == f'"{digest}"'
        again = clients["anonymous"].get(
            f"/public/eqias/{ref}.pdf", headers={"If-None-Match": f'"{digest}"'}
        )
        assert again.status_code == 304


def table_rows_of_summary(page) -> list[tuple[str, str]]:
    return [
        (
            text(row.select_one(".govuk-summary-list__key")),
            text(row.select_one(".govuk-summary-list__value")),
        )
        for row in page.select("main .govuk-summary-list")[0].select(".govuk-summary-list__row")
    ]


class TestNotFound:
    def test_unknown_unpublished_draft_and_withdrawn_are_the_same_404(self, app, clients, world):
        withdrawn = world["libraries"]
        reopen(app, withdrawn, submit_it=False)
        with app.app_context():
            assessment = Assessment.by_reference(withdrawn)
            workflow.withdraw(assessment, assessment.owner, "Not going ahead")
            db.session.commit()
        refs = ["EQIA-2099-9999", "nonsense", world["draft"], world["unpublished"], withdrawn]
        for suffix in ("", ".pdf"):
            responses = [clients["anonymous"].get(f"/public/eqias/{ref}{suffix}") for ref in refs]
            responses.append(clients["admin"].get(f"/public/eqias/{world['unpublished']}{suffix}"))
            assert {r.status_code for r in responses} == {404}
            assert len({r.data for r in responses}) == 1
            assert len({r.headers["Content-Type"] for r in responses}) == 1
            assert all("Set-Cookie" not in r.headers for r in responses)
        page = soup(responses[0])
        assert h1(page) == "Page not found"
        assert nav_links(page) == []

    def test_an_unknown_reference_costs_no_query(self, app, clients, world):
        with counting_queries(app) as statements:
            assert clients["anonymous"].get("/public/eqias/nonsense").status_code == 404
        assert statements == []


def parsed(response) -> ET.Element:
    """The feed as an XML parser reads it: one that is not well-formed fails here."""
    return ET.fromstring(response.data)  # noqa: S314 - the service's own feed, in a test


class TestTheFeed:
    def test_newest_published_first_well_formed_and_escaped(self, app, clients, world):
        response = clients["anonymous"].get("/public/eqias.atom")
        assert response.mimetype == "application/atom+xml"
        feed = parsed(response)
        assert feed.tag == f"{ATOM}feed"
        entries = feed.findall(f"{ATOM}entry")
        assert [e.find(f"{ATOM}title").text for e in entries] == [
            f"{world['children']}: Children’s centre opening",
            f"{world['libraries']}: {AWKWARD}",
        ]
        link = entries[1].find(f"{ATOM}link").get("href")
        assert link.endswith(f"/public/eqias/{world['libraries']}")
        assert b"<script>" not in response.data
        assert world["unpublished"] not in response.text

    def test_republishing_puts_it_at_the_top(self, app, clients, world):
        with app.app_context():
            admin = User.by_email("admin@example.org")
            workflow.unpublish(Assessment.by_reference(world["libraries"]), admin, "A check")
            workflow.publish(Assessment.by_reference(world["libraries"]), admin)
            db.session.commit()
        feed = parsed(clients["anonymous"].get("/public/eqias.atom"))
        first = feed.find(f"{ATOM}entry").find(f"{ATOM}title").text
        assert first.startswith(world["libraries"])
