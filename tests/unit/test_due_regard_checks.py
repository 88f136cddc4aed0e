"""Each due-regard check, on an EqIA that trips it and one that does not."""

from datetime import date

import pytest

from eqia.due_regard import DueRegardPolicy, run
from eqia.due_regard.checks import BY_CODE
from eqia.snapshot import SCHEMA_VERSION, coded, read

TODAY = date(2026, 12, 2)
EVIDENCE = (
    "Visit counts by hour for 2023 show that older residents make most of the weekday morning "
    "visits"
)


def impact(code: str, kinds: list[str], evidence: str = EVIDENCE, **more) -> dict:
    return {
        "characteristic": coded(code, code.title()),
        "retired": False,
        "kinds": [coded(k, k.replace("_", " ").capitalize()) for k in kinds],
        "evidence": evidence,
        "mitigation": more.get("mitigation", ""),
        "residual": more.get("residual"),
        "how_find_out": more.get("how_find_out", ""),
    }


def action(characteristics: list[str]) -> dict:
    return {
        "id": 1,
        "action": "Ask users their ethnicity in the survey",
        "responsible": "Library Services",
        "start_date": "2027-01-01",
        "due_date": "2027-06-30",
        "characteristics": [coded(c, c.title()) for c in characteristics],
        "success_measure": "Most answer",
        "carried_from": None,
        "progress": None,
        "progress_note": "",
        "plan_action": None,
    }


def answers(slug: str, values: dict) -> list[dict]:
    return [{"key": k, "question": k, "type": "text", "value": v} for k, v in values.items()]


def eqia(
    *,
    impacts=None,
    actions=None,
    evidence=None,
    outcome="adjust",
    justification="",
    decision_maker="Adults and Health Committee",
    decision_date="2027-03-12",
    review_date="2027-12-01",
    proposal_type="service-change",
    summary="Keep Tuesday mornings.",
) -> dict:
    """A full-route snapshot document that trips none of the checks unless told to."""
    evidence = {
        "data_used": "Visit counts",
        "gaps": "None",
        "engagement_done": "Six-week consultation with drop-in sessions",
        "engagement_planned": "",
        **(evidence or {}),
    }
    impacts = impacts or [
        impact(
            "age", ["negative"], mitigation="Home library service", residual=coded("low", "Low")
        ),
        impact("disability", ["positive"], "Step-free access at every library after the works"),
        impact("race", ["neutral"], "The survey shows no difference by ethnicity in use"),
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "reference": "EQIA-2026-0001",
        "revision": 1,
        "route": "full",
        "title": "Library hours",
        "lead": None,
        "co_authors": [],
        "submitted_by": None,
        "directorate": None,
        "proposal_type": coded(proposal_type, proposal_type.title()),
        "decision_maker": decision_maker,
        "decision_date": decision_date,
        "outcome": coded(outcome, outcome.title()),
        "summary": summary,
        "review_date": review_date,
        "sections": [
            {"slug": "about", "number": 1, "title": "About", "answers": []},
            {"slug": "evidence", "number": 3, "title": "Evidence", "files": [],
             "answers": answers("evidence", evidence)},
            {"slug": "impacts", "number": 4, "title": "Impacts", "impacts": impacts},
            {"slug": "actions", "number": 6, "title": "Actions", "actions": actions or []},
            {"slug": "outcome", "number": 8, "title": "Outcome",
             "answers": answers("outcome", {"justification": justification})},
        ],
    }  # fmt: skip


def findings(document: dict, code: str, **settings) -> list[str]:
    check = BY_CODE[code]
    return check.find(read(document), check.defaults() | settings, TODAY)


def test_a_sound_eqia_trips_no_check():
    assert [r.code for r in run(read(eqia()), DueRegardPolicy(), TODAY) if r.warned] == []


def test_every_characteristic_neutral():
    neutral = [impact(c, ["neutral"], f"No difference for {c}") for c in ("age", "sex", "race")]
    assert findings(eqia(impacts=neutral), "all-neutral") == [
        "Every characteristic (3) is marked neutral."
    ]
    mixed = [*neutral[:2], impact("race", ["positive"])]
    assert findings(eqia(impacts=mixed), "all-neutral") == []


def test_the_same_evidence_pasted_for_several_characteristics():
    pasted = [impact(c, ["neutral"], "No impact  identified.") for c in ("age", "sex", "race")]
    assert findings(eqia(impacts=pasted), "same-evidence") == [
        "The same evidence is given for Age, Sex, Race."
    ]
    assert findings(eqia(impacts=pasted[:2]), "same-evidence") == []
    assert findings(eqia(impacts=pasted[:2]), "same-evidence", characteristics=2) != []


def test_a_negative_or_not_known_impact_with_a_few_words_of_evidence():
    thin = [
        impact("age", ["negative"], "Older people affected", mitigation="x", residual=None),
        impact("race", ["not_known"], "No data", how_find_out="Survey"),
        impact("sex", ["neutral"], "None"),
    ]
    assert findings(eqia(impacts=thin), "thin-evidence") == [
        "Age: negative impact with 3 words of evidence.",
        "Race: not known impact with 2 words of evidence.",
    ]
    assert findings(eqia(), "thin-evidence") == []
    assert findings(eqia(), "thin-evidence", words=30) != []


@pytest.mark.parametrize("done, planned", [("None", ""), ("n/a", "Not yet."), ("No", "TBC")])
def test_no_engagement_done_or_planned(done, planned):
    document = eqia(evidence={"engagement_done": done, "engagement_planned": planned})
    assert findings(document, "no-engagement") == [
        "No engagement or consultation has been done, and none is planned."
    ]


def test_engagement_planned_but_not_yet_done_is_enough():
    document = eqia(evidence={"engagement_done": "None", "engagement_planned": "Survey in May"})
    assert findings(document, "no-engagement") == []


def test_gaps_in_the_evidence_with_no_action_to_fill_them():
    gaps = eqia(evidence={"gaps": "No ethnicity data"})
    assert findings(gaps, "gaps-without-action") == [
        "Gaps in the evidence are described, but there are no actions to fill them."
    ]
    assert findings(eqia(evidence={"gaps": "No ethnicity data"}, actions=[action(["race"])]),
                    "gaps-without-action") == []  # fmt: skip
    assert findings(eqia(evidence={"gaps": "There are no gaps."}), "gaps-without-action") == []


def test_not_known_with_no_action_to_find_out():
    unknown = [impact("race", ["not_known"], EVIDENCE, how_find_out="Survey")]
    assert findings(
        eqia(impacts=unknown, actions=[action(["age"])]), "not-known-without-action"
    ) == ["Race: the impact is not known, and no action is for finding it out."]
    assert findings(eqia(impacts=unknown, actions=[action(["race"])]),
                    "not-known-without-action") == []  # fmt: skip


def test_the_decision_already_made_or_too_soon():
    assert findings(eqia(decision_date="2026-11-30"), "decision-date") == [
        "The decision date, 30 November 2026, has already passed."
    ]
    assert findings(eqia(decision_date="2026-12-09"), "decision-date") == [
        "The decision is 7 days away (9 December 2026): fewer than 10 days leaves little time "
        "to act on this EqIA."
    ]
    assert findings(eqia(decision_date="2026-12-12"), "decision-date") == []
    assert findings(eqia(decision_date="2026-12-12"), "decision-date", days=30) != []


def test_continuing_despite_adverse_impact_without_saying_why_it_is_proportionate():
    short = eqia(outcome="continue", justification="We must save money.")
    assert findings(short, "continue-unjustified") == [
        "The justification for continuing is 4 words long: say why the adverse impact is "
        "proportionate and objectively justified."
    ]
    long_but_silent = eqia(outcome="continue", justification=" ".join(["saving"] * 30))
    assert findings(long_but_silent, "continue-unjustified") == [
        "The justification for continuing does not say why it is proportionate."
    ]
    reasoned = (
        "The saving protects statutory services for everyone; the remaining effect on older "
        "residents is limited by the home library service and is proportionate to that aim, "
        "which cannot be met another way."
    )
    assert findings(eqia(outcome="continue", justification=reasoned), "continue-unjustified") == []
    assert findings(eqia(outcome="adjust"), "continue-unjustified") == []


@pytest.mark.parametrize("who", ["", "TBC", "to be confirmed", "N/A"])
def test_no_decision_maker_named(who):
    assert findings(eqia(decision_maker=who), "no-decision-maker") == [
        "No decision maker is named."
    ]


def test_a_decision_maker_named():
    assert findings(eqia(), "no-decision-maker") == []


def test_no_review_date_or_one_too_far_away():
    assert findings(eqia(review_date=None), "review-date") == ["No review date is set."]
    assert findings(eqia(review_date="2030-01-01"), "review-date") == [
        "The review date, 1 January 2030, is more than 3 years away."
    ]
    assert findings(eqia(review_date="2029-12-02"), "review-date") == []
    assert findings(eqia(review_date="2028-12-03"), "review-date", years=2) != []


def test_a_budget_proposal_without_a_word_on_cumulative_impact():
    budget = eqia(proposal_type="budget")
    assert findings(budget, "budget-cumulative") == [
        "This budget proposal says nothing about its cumulative impact."
    ]
    aware = eqia(
        proposal_type="budget",
        evidence={"data_used": "The Cumulative impact of this year's savings on older people"},
    )
    assert findings(aware, "budget-cumulative") == []
    assert findings(eqia(proposal_type="policy"), "budget-cumulative") == []


def test_a_check_turned_off_does_not_run_and_a_blocking_one_says_so():
    policy = DueRegardPolicy(checks={"all-neutral": {"enabled": False}, "review-date": {
        "blocking": True, "years": 1}})  # fmt: skip
    results = {r.code: r for r in run(read(eqia()), policy, TODAY)}
    assert "all-neutral" not in results
    assert results["review-date"].blocking and results["review-date"].settings == {"years": 1}
    assert not results["review-date"].warned  # 1 December 2027 is within a year


def test_a_stored_threshold_out_of_range_reads_as_the_default():
    policy = DueRegardPolicy(checks={"thin-evidence": {"words": 10_000}})
    assert policy.settings(BY_CODE["thin-evidence"])["words"] == 15
