"""The due-regard checks: what each looks for in an EqIA's answers, and the principle it serves.

An EqIA stands up when the decision maker had *due regard*: before the decision, with rigour
and an open mind, on sufficient evidence, by the decision maker, and continuing (the Brown
principles; Bracking). Each check reads a snapshot (the answers as they stand, or as a
revision froze them) and says what, if anything, falls short of one of those principles. They
are pure functions of the snapshot, the check's settings and the day, so that check answers,
the review page and the frozen record agree, and so that they cost next to nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from eqia.snapshot import ImpactView, Snapshot
from eqia.timefmt import iso_long_date

BROWN = "R (Brown) v Secretary of State for Work and Pensions [2008] EWHC 3158 (Admin)"
BRACKING = "Bracking v Secretary of State for Work and Pensions [2013] EWCA Civ 1345"


@dataclass(frozen=True)
class Principle:
    name: str
    says: str
    citation: str


RIGOUR = Principle(
    "Rigour and an open mind",
    "Due regard is exercised in substance, with rigour and an open mind: it is not a question "
    "of ticking boxes.",
    f"{BROWN}, paragraph 92; {BRACKING}, paragraph 26",
)
EVIDENCE = Principle(
    "Sufficient evidence",
    "The decision maker must be properly informed: where the evidence is not there, the duty "
    "is to find it out, which may mean asking the people affected.",
    f"{BRACKING}, paragraph 26",
)
BEFORE = Principle(
    "Before the decision",
    "Due regard is had before and at the time the decision is taken, not afterwards to justify it.",
    f"{BROWN}, paragraph 91",
)
DECISION_MAKER = Principle(
    "By the decision maker",
    "The duty is the decision maker's own and cannot be delegated: the EqIA must say who "
    "they are, so that it reaches them.",
    f"{BROWN}, paragraph 94",
)
CONTINUING = Principle(
    "A continuing duty",
    "The duty continues after the decision: its effects are watched and the assessment revisited.",
    f"{BROWN}, paragraph 95",
)
CUMULATIVE = Principle(
    "Cumulative impact",
    "Budget decisions are weighed with the other decisions that fall on the same people, "
    "not one by one.",
    "Equality and Human Rights Commission, Making fair financial decisions; "
    f"{BRACKING}, paragraph 26",
)


@dataclass(frozen=True)
class Threshold:
    """A number an admin may change, with the range the form accepts."""

    key: str
    label: str  # "Fewest words of evidence", as the admin form asks it
    unit: str  # "words", "days", "years", "characteristics"
    default: int
    low: int
    high: int


@dataclass(frozen=True)
class Check:
    code: str
    title: str  # what it looks for, as the admin page lists it
    principle: Principle
    find: Callable[[Snapshot, dict, date], list[str]]  # what falls short, a line each
    thresholds: tuple[Threshold, ...] = ()
    where: str = ""  # the section whose answers it reads (for a Change link)

    def defaults(self) -> dict:
        return {t.key: t.default for t in self.thresholds}


# What the checks have in common.

NOTHING = {
    "",
    "-",
    "no",
    "none",
    "nil",
    "n/a",
    "na",
    "not applicable",
    "none yet",
    "none planned",
    "none so far",
    "not yet",
    "tbc",
    "to be confirmed",
    "not known",
    "unknown",
    "no engagement",
    "no consultation",
}


def normal(text: str) -> str:
    """Text as compared: case, spacing and closing punctuation ignored."""
    return " ".join((text or "").casefold().split()).strip(" .!")


def says_nothing(text: str | None) -> bool:
    return normal(text or "") in NOTHING


def words(text: str | None) -> int:
    return len(re.findall(r"\w+", text or ""))


def _answer(snapshot: Snapshot, slug: str, key: str) -> str:
    section = snapshot.section(slug)
    for row in section.answers if section else []:
        if row.key == f"{slug}.{key}":
            return row.answer
    return ""


def _impacts(snapshot: Snapshot) -> list[ImpactView]:
    section = snapshot.section("impacts")
    return section.impacts or [] if section else []


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit if count != 1 else unit.removesuffix('s')}"


# The checks.


def _all_neutral(snapshot: Snapshot, settings: dict, today: date) -> list[str]:
    impacts = _impacts(snapshot)
    if impacts and all(i.kinds == ["neutral"] for i in impacts):
        return [f"Every characteristic ({len(impacts)}) is marked neutral."]
    return []


def _same_evidence(snapshot: Snapshot, settings: dict, today: date) -> list[str]:
    groups: dict[str, list[str]] = {}
    for impact in _impacts(snapshot):
        if not says_nothing(impact.evidence):
            groups.setdefault(normal(impact.evidence), []).append(impact.name)
    return [
        "The same evidence is given for " + ", ".join(names) + "."
        for names in groups.values()
        if len(names) >= settings["characteristics"]
    ]


def _thin_evidence(snapshot: Snapshot, settings: dict, today: date) -> list[str]:
    fewest = settings["words"]
    found = []
    for impact in _impacts(snapshot):
        if {"negative", "not_known"} & set(impact.kinds) and words(impact.evidence) < fewest:
            found.append(
                f"{impact.name}: {', '.join(impact.impacts).lower()} impact with "
                f"{_plural(words(impact.evidence), 'words')} of evidence."
            )
    return found


def _no_engagement(snapshot: Snapshot, settings: dict, today: date) -> list[str]:
    if snapshot.section("evidence") is None:
        return []
    done = _answer(snapshot, "evidence", "engagement_done")
    planned = _answer(snapshot, "evidence", "engagement_planned")
    if says_nothing(done) and says_nothing(planned):
        return ["No engagement or consultation has been done, and none is planned."]
    return []


def _gaps_without_action(snapshot: Snapshot, settings: dict, today: date) -> list[str]:
    if snapshot.section("evidence") is None or snapshot.section("actions") is None:
        return []
    gaps = _answer(snapshot, "evidence", "gaps")
    if says_nothing(gaps) or normal(gaps).startswith(("there are no gaps", "no gaps")):
        return []
    if not snapshot.section("actions").actions:
        return ["Gaps in the evidence are described, but there are no actions to fill them."]
    return []


def _not_known_without_action(snapshot: Snapshot, settings: dict, today: date) -> list[str]:
    section = snapshot.section("actions")
    covered = {
        name for a in (section.actions or [] if section else []) for name in a.characteristics
    }
    return [
        f"{impact.name}: the impact is not known, and no action is for finding it out."
        for impact in _impacts(snapshot)
        if "not_known" in impact.kinds and impact.characteristic not in covered
    ]


def _decision_date(snapshot: Snapshot, settings: dict, today: date) -> list[str]:
    decided = snapshot.decision_date
    if decided is None:
        return []
    when = iso_long_date(decided.isoformat())
    if decided < today:
        return [f"The decision date, {when}, has already passed."]
    days = (decided - today).days
    if days < settings["days"]:
        return [
            f"The decision is {_plural(days, 'days')} away ({when}): fewer than "
            f"{_plural(settings['days'], 'days')} leaves little time to act on this EqIA."
        ]
    return []


def _continue_unjustified(snapshot: Snapshot, settings: dict, today: date) -> list[str]:
    if snapshot.outcome_code != "continue":
        return []
    justification = _answer(snapshot, "outcome", "justification")
    if words(justification) < settings["words"]:
        return [
            f"The justification for continuing is {_plural(words(justification), 'words')} "
            "long: say why the adverse impact is proportionate and objectively justified."
        ]
    if not re.search(r"proportion", justification, re.IGNORECASE):
        return ["The justification for continuing does not say why it is proportionate."]
    return []


def _no_decision_maker(snapshot: Snapshot, settings: dict, today: date) -> list[str]:
    if snapshot.section("about") is not None and says_nothing(snapshot.decision_maker):
        return ["No decision maker is named."]
    return []


def _review_date(snapshot: Snapshot, settings: dict, today: date) -> list[str]:
    review = snapshot.review_date
    if review is None:
        return ["No review date is set."] if snapshot.section("outcome") else []
    years = settings["years"]
    try:
        furthest = today.replace(year=today.year + years)
    except ValueError:  # 29 February
        furthest = today.replace(year=today.year + years, day=28)
    if review > furthest:
        return [
            f"The review date, {iso_long_date(review.isoformat())}, is more than "
            f"{_plural(years, 'years')} away."
        ]
    return []


def _budget_cumulative(snapshot: Snapshot, settings: dict, today: date) -> list[str]:
    if (snapshot.document.get("proposal_type") or {}).get("code") != "budget":
        return []
    text = " ".join(row.answer for section in snapshot.sections for row in section.rows)
    if re.search(r"cumulative", text, re.IGNORECASE):
        return []
    return ["This budget proposal says nothing about its cumulative impact."]


CHECKS: tuple[Check, ...] = (
    Check(
        "all-neutral", "Every characteristic marked neutral", RIGOUR, _all_neutral, (), "impacts"
    ),
    Check(
        "same-evidence",
        "The same evidence pasted for several characteristics",
        RIGOUR,
        _same_evidence,
        (
            Threshold(
                "characteristics", "Warn when this many share it", "characteristics", 3, 2, 50
            ),
        ),
        "impacts",
    ),
    Check(
        "thin-evidence",
        "A negative or not known impact with little evidence",
        EVIDENCE,
        _thin_evidence,
        (Threshold("words", "Fewest words of evidence", "words", 15, 1, 500),),
        "impacts",
    ),
    Check(
        "no-engagement",
        "No engagement or consultation done or planned",
        EVIDENCE,
        _no_engagement,
        (),
        "evidence",
    ),
    Check(
        "gaps-without-action",
        "Gaps in the evidence with no action to fill them",
        EVIDENCE,
        _gaps_without_action,
        (),
        "actions",
    ),
    Check(
        "not-known-without-action",
        "An impact not known with no action to find it out",
        EVIDENCE,
        _not_known_without_action,
        (),
        "actions",
    ),
    Check(
        "decision-date",
        "The decision already made, or too soon",
        BEFORE,
        _decision_date,
        (Threshold("days", "Fewest days before the decision", "days", 10, 0, 365),),
        "about",
    ),
    Check(
        "continue-unjustified",
        "Continuing despite adverse impact without saying why it is proportionate",
        RIGOUR,
        _continue_unjustified,
        (Threshold("words", "Fewest words of justification", "words", 25, 1, 500),),
        "outcome",
    ),
    Check(
        "no-decision-maker",
        "No decision maker named",
        DECISION_MAKER,
        _no_decision_maker,
        (),
        "about",
    ),
    Check(
        "review-date",
        "No review date, or one too far away",
        CONTINUING,
        _review_date,
        (Threshold("years", "Latest review date", "years", 3, 1, 10),),
        "outcome",
    ),
    Check(
        "budget-cumulative",
        "A budget proposal without a word on cumulative impact",
        CUMULATIVE,
        _budget_cumulative,
        (),
        "about",
    ),
)

BY_CODE = {check.code: check for check in CHECKS}
