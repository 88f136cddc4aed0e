"""The demo's thin EqIAs: what the due-regard checks are for.

One draft, complete but thin, for a lead to open on check answers and see the warnings; and
the same proposal submitted, its lead having gone past the warnings with reasons, for a super
user to see on the review page. Dates are set from the day the demo is seeded, so that the
decision is always close.
"""

from datetime import timedelta

from eqia.demo import LIBRARIES, _variant, build_assessment
from eqia.timefmt import uk_today

PASTED = "No impact identified."


def _thin(title: str, owner: str) -> dict:
    today = uk_today()
    answers = {slug: dict(data) for slug, data in LIBRARIES["answers"].items()}
    answers["about"] |= {
        "title": title,
        "what_is_changing": "Close the Whittlesey household recycling centre on Mondays and "
        "Tuesdays to save £60k a year.",
        "service": "Waste Management",
        "decision_maker": "TBC",
        "decision_date": (today + timedelta(days=4)).isoformat(),
    }
    answers["evidence"] |= {
        "data_used": "Site visit counts.",
        "gaps": "We do not know who uses the site on weekdays.",
        "engagement_done": "None",
        "engagement_planned": "",
        "what_people_said": "",
    }
    answers["aims"] = {"eliminate": "No issues.", "advance": "None.", "foster": "None."}
    answers["outcome"] |= {
        "outcome": "no-major-change",
        "summary": "No impact identified.",
        "monitoring": "Visit counts.",
        "review_date": (today + timedelta(days=5 * 365)).isoformat(),
    }
    return _variant(
        LIBRARIES,
        title=title,
        owner=owner,
        answers=answers,
        impacts={},
        neutral=PASTED,
        actions=[],
        plan_actions={},
        objectives={9: "An EqIA was done."},
    )


REASONS = {
    "all-neutral": "The site stays open five days a week and the nearest other centre is "
    "eight miles away, so we expect no group to be affected more than another.",
    "same-evidence": "We had no other evidence for any characteristic.",
    "no-engagement": "There was no time to consult before the budget deadline.",
    "gaps-without-action": "We will ask the site staff what they notice.",
    "decision-date": "The committee meets on that date and the saving is already in the budget.",
    "no-decision-maker": "The committee is not yet decided.",
    "review-date": "The change is small, so it need not be reviewed sooner.",
}


def seed_thin() -> None:
    """A thin draft for Priya Shah, and a thin EqIA submitted by Tom Okafor."""
    build_assessment(
        _thin("Whittlesey recycling centre: weekday closures", "lead@example.org"), "complete"
    )
    submitted = _thin("Whittlesey recycling centre: Tuesday closures", "lead2@example.org")
    build_assessment(submitted | {"reasons": REASONS}, "submitted")
