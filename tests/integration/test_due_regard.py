"""Due-regard checks on the pages: warnings at check answers, the lead's reasons, a blocking
check, what the super user sees, the record, and the admin page that sets them."""

import pytest

from eqia.due_regard import DueRegardPolicy
from eqia.extensions import db
from eqia.models import Assessment, Characteristic, DecisionKind, Event, EventKind, Status, User
from tests import factories
from tests.helpers import error_summary, soup, submit, text
from tests.journeys import EVIDENCE, complete, save
from tests.pdfs import poppler_text

HOSTILE = '<script>alert(1)</script> & ü 漢字 "quoted"'
ASK = "Explain why you are going on despite the warning: "
GAPS = ASK + "Gaps in the evidence with no action to fill them"


@pytest.fixture
def codes(app) -> list[str]:
    with app.app_context():
        return [c.code for c in Characteristic.active_in_order()]


@pytest.fixture
def thin(clients, ref, directorate_id, codes):
    """A complete EqIA that marks every characteristic neutral and describes gaps in the
    evidence with no action to fill them."""
    complete(clients["lead"], ref, codes, directorate_id, negative=None)
    return ref


def warnings(page) -> dict[str, str]:
    return {card["id"].removeprefix("check-"): text(card) for card in page.select("[id^=check-]")}


def set_policy(app, **checks) -> None:
    with app.app_context():
        DueRegardPolicy(checks=checks).save(None)
        db.session.commit()


def revisions(app, ref: str) -> list:
    with app.app_context():
        return [r.snapshot for r in Assessment.by_reference(ref).revisions]


def test_check_answers_shows_each_warning_with_the_principle_it_serves(clients, thin):
    page = soup(clients["lead"].get(f"/eqia/{thin}/check"))
    found = warnings(page)
    assert sorted(found) == ["all-neutral", "gaps-without-action"]
    assert "Every characteristic (14) is marked neutral." in found["all-neutral"]
    assert "Rigour and an open mind" in found["all-neutral"]
    assert "[2008] EWHC 3158 (Admin), paragraph 92" in found["all-neutral"]
    assert "Sufficient evidence" in found["gaps-without-action"]
    assert "Why are you going on despite this warning?" in found["gaps-without-action"]
    link = page.select_one("#check-gaps-without-action a")["href"]
    assert link == "#section-actions" and page.select_one("#section-actions")


def test_a_sound_eqia_shows_no_warnings(clients, ref, directorate_id, codes):
    complete(clients["lead"], ref, codes, directorate_id)
    page = soup(clients["lead"].get(f"/eqia/{ref}/check"))
    assert warnings(page) == {}
    assert "found nothing to look at again" in text(page.select_one("main"))


def test_going_past_a_warning_without_a_reason_is_an_error_and_loses_nothing(app, clients, thin):
    response = submit(
        clients["lead"],
        f"/eqia/{thin}/check",
        {
            "declaration": ["agreed"],
            "message": HOSTILE,
            "reason_all_neutral": "The proposal changes a back-office system only.",
        },
    )
    assert response.status_code == 200
    page = soup(response)
    assert error_summary(page) == [GAPS]
    assert (
        page.select_one("#reason_all_neutral").text
        == "The proposal changes a back-office system only."
    )
    assert page.select_one("#message").text == HOSTILE
    assert page.select_one("input[name=declaration]").has_attr("checked")
    assert revisions(app, thin) == []


def test_reasons_are_frozen_with_the_revision_seen_at_review_and_printed(app, clients, users, thin):
    response = submit(
        clients["lead"],
        f"/eqia/{thin}/check",
        {
            "declaration": ["agreed"],
            "reason_all_neutral": "Nobody is affected differently: " + HOSTILE,
            "reason_gaps_without_action": "The gap is filled by the survey already under way.",
        },
    )
    assert response.location == f"/eqia/{thin}/submitted"
    [snapshot] = revisions(app, thin)
    frozen = {c["code"]: c for c in snapshot["due_regard"]["checks"]}
    assert len(frozen) == 11
    assert frozen["all-neutral"]["reason"] == "Nobody is affected differently: " + HOSTILE
    assert frozen["all-neutral"]["details"] == ["Every characteristic (14) is marked neutral."]
    assert frozen["thin-evidence"]["details"] == [] and frozen["thin-evidence"]["reason"] == ""
    assert frozen["thin-evidence"]["settings"] == {"words": 15}

    review = soup(clients["super_user"].get(f"/reviews/{thin}"))
    panel = text(review.select_one("main"))
    assert "The lead went past 2 warnings, giving these reasons." in panel
    assert "Nobody is affected differently: " + HOSTILE in panel
    assert "The gap is filled by the survey already under way." in panel
    assert "<script>" not in str(review.select_one("main")).replace("&lt;script&gt;", "")

    factories.decide(app, thin, users["super_user"].id, DecisionKind.APPROVED)
    record = clients["auditor"].get(f"/records/{thin}.pdf")
    printed = " ".join(poppler_text(record.data).split())
    assert "Due regard checks" in printed
    assert "11 checks ran when this revision was submitted" in printed
    assert "Warning: Every characteristic marked neutral" in printed
    assert "The lead's reason for going on: Nobody is affected differently: " + HOSTILE in printed
    assert "Checks that found nothing" in printed


def test_a_blocking_check_stops_the_submission(app, clients, thin):
    set_policy(app, **{"all-neutral": {"enabled": True, "blocking": True}})
    lead = clients["lead"]
    page = soup(lead.get(f"/eqia/{thin}/check"))
    summary = page.select_one(".govuk-error-summary")
    assert "You cannot submit this EqIA until these are put right" in text(summary)
    assert [text(a) for a in summary.select("a")] == ["Every characteristic marked neutral"]
    assert "Must be put right" in warnings(page)["all-neutral"]
    assert page.select_one("main form input[name=declaration]") is None
    # A submission sent anyway (with a token from another of the EqIA's forms) is refused.
    other = soup(lead.get(f"/eqia/{thin}/questions/screening"))
    token = other.select_one("main form input[name=csrf_token]")["value"]
    data = {"declaration": ["agreed"], "reason_gaps_without_action": "Filled by the survey"}
    response = lead.post(f"/eqia/{thin}/check", data={**data, "csrf_token": token})
    assert response.status_code == 200
    assert revisions(app, thin) == []
    with app.app_context():
        assert Assessment.by_reference(thin).status is Status.DRAFT


def test_a_check_turned_off_neither_warns_nor_is_frozen(app, clients, thin):
    set_policy(app, **{"all-neutral": {"enabled": False}})
    page = soup(clients["lead"].get(f"/eqia/{thin}/check"))
    assert sorted(warnings(page)) == ["gaps-without-action"]
    submit(
        clients["lead"],
        f"/eqia/{thin}/check",
        {"declaration": ["agreed"], "reason_gaps_without_action": "Filled by the survey"},
    )
    [snapshot] = revisions(app, thin)
    assert "all-neutral" not in [c["code"] for c in snapshot["due_regard"]["checks"]]


def test_a_threshold_changes_what_warns(app, clients, ref, directorate_id, codes):
    complete(clients["lead"], ref, codes, directorate_id)  # 19 words of negative evidence
    assert warnings(soup(clients["lead"].get(f"/eqia/{ref}/check"))) == {}
    set_policy(app, **{"thin-evidence": {"words": 30}})
    found = warnings(soup(clients["lead"].get(f"/eqia/{ref}/check")))
    assert "Age: negative impact with 19 words of evidence." in found["thin-evidence"]


def test_a_submission_through_the_workflow_without_reasons_is_refused(app, users, thin):
    from eqia.due_regard import ChecksNotAnswered

    with app.app_context():
        assessment = Assessment.by_reference(thin)
        with pytest.raises(ChecksNotAnswered) as refused:
            factories.submit(assessment, db.session.get(User, users["lead"].id))
        assert [c.code for c in refused.value.unanswered] == ["all-neutral", "gaps-without-action"]


# The admin page.

URL = "/admin/due-regard-checks"


def form_data(page) -> dict:
    data = {}
    for field in page.select("main form input"):
        name = field.get("name")
        if field.get("type") == "radio":
            if field.has_attr("checked"):
                data[name] = field["value"]
        elif name and field.get("type") != "submit":
            data[name] = field.get("value", "")
    return data


@pytest.mark.parametrize("who, status", [("lead", 403), ("super_user", 403), ("auditor", 403)])
def test_only_admins_set_the_checks(clients, who, status):
    assert clients[who].get(URL).status_code == status
    assert clients["anonymous"].get(URL).status_code == 302


def test_an_admin_turns_a_check_off_makes_one_blocking_and_sets_a_threshold(app, clients):
    admin = clients["admin"]
    page = soup(admin.get(URL))
    assert len(page.select(".govuk-summary-card")) == 11
    data = form_data(page)
    assert data["all_neutral__mode"] == "warn" and data["thin_evidence__words"] == "15"
    data |= {"all_neutral__mode": "off", "review_date__mode": "block", "thin_evidence__words": "40"}
    response = admin.post(URL, data=data)
    assert response.location == URL
    with app.app_context():
        policy = DueRegardPolicy.load()
        assert policy.checks["all-neutral"]["enabled"] is False
        assert policy.checks["review-date"]["blocking"] is True
        assert policy.checks["thin-evidence"]["words"] == 40
        event = db.session.scalars(
            db.select(Event).where(Event.kind == EventKind.SETTINGS_CHANGED)
        ).one()
        assert event.note.splitlines() == [
            "all-neutral: warns → off",
            "thin-evidence words: 15 → 40",
            "review-date: warns → blocks",
        ]
    again = form_data(soup(admin.get(URL)))
    assert again["all_neutral__mode"] == "off" and again["thin_evidence__words"] == "40"


@pytest.mark.parametrize(
    "value, message",
    [
        ("", "Enter the fewest words of evidence, between 1 and 500"),
        ("0", "The fewest words of evidence must be between 1 and 500 words"),
        ("501", "The fewest words of evidence must be between 1 and 500 words"),
        ("abc", "The fewest words of evidence must be between 1 and 500 words"),
        ("1e3", "The fewest words of evidence must be between 1 and 500 words"),
        ("99999999999999999999", "The fewest words of evidence must be between 1 and 500 words"),
    ],
)
def test_a_threshold_out_of_range_is_an_error_and_loses_nothing(app, clients, value, message):
    admin = clients["admin"]
    data = form_data(soup(admin.get(URL)))
    data |= {"thin_evidence__words": value, "decision_date__days": "45", "all_neutral__mode": "off"}
    response = admin.post(URL, data=data)
    assert response.status_code == 200
    page = soup(response)
    assert error_summary(page) == [message]
    assert page.select_one("#thin_evidence__words")["value"] == value
    assert page.select_one("#decision_date__days")["value"] == "45"
    assert page.select_one("input[name=all_neutral__mode][value=off]").has_attr("checked")
    with app.app_context():
        assert DueRegardPolicy.load().checks == {}


def test_engagement_said_to_be_none_warns(clients, ref, directorate_id, codes):
    complete(clients["lead"], ref, codes, directorate_id)
    save(clients["lead"], ref, "evidence", {**EVIDENCE, "engagement_done": "None."})
    found = warnings(soup(clients["lead"].get(f"/eqia/{ref}/check")))
    assert sorted(found) == ["no-engagement"]


def test_a_returned_eqia_starts_from_the_reasons_given_last_time(app, clients, users, thin):
    reasons = {
        "reason_all_neutral": "A back-office change: " + HOSTILE,
        "reason_gaps_without_action": "The survey already under way fills the gap.",
    }
    submit(clients["lead"], f"/eqia/{thin}/check", {"declaration": ["agreed"], **reasons})
    factories.decide(app, thin, users["super_user"].id, DecisionKind.RETURNED)
    page = soup(clients["lead"].get(f"/eqia/{thin}/check"))
    assert page.select_one("#reason_all_neutral").text == reasons["reason_all_neutral"]
    label = text(page.select_one("label[for=reason_all_neutral]"))
    assert label == "Why are you going on despite this warning? Every characteristic marked neutral"
    response = submit(
        clients["lead"], f"/eqia/{thin}/check", {"declaration": ["agreed"], **reasons}
    )
    assert response.location == f"/eqia/{thin}/submitted"
    assert len(revisions(app, thin)) == 2
