"""Due regard, checked: the checks an admin has turned on, run on an EqIA's answers.

Check answers shows what they find as warnings; the lead may go past a warning only with a
reason, and not at all past one an admin has made blocking. Submitting runs them again on
exactly what is frozen, and freezes what they found and the lead's reasons with the revision
(``snapshot["due_regard"]``), so that the review page and the signed record show what the
lead saw. The checks themselves are in :mod:`eqia.due_regard.checks`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import ClassVar

from eqia.due_regard.checks import CHECKS, Check
from eqia.errors import WorkflowError
from eqia.settings import Settings
from eqia.snapshot import CheckResult, Snapshot


@dataclass(frozen=True)
class DueRegardPolicy(Settings):
    """Which checks run, which of them stop a submission, and their thresholds."""

    KEY: ClassVar[str] = "due-regard"

    # By check code: {"enabled": bool, "blocking": bool, <threshold key>: int}. A check or a
    # value not here reads as its default (on, not blocking, the check's own thresholds).
    checks: dict = field(default_factory=dict)

    def settings(self, check: Check) -> dict:
        stored = self.checks.get(check.code) or {}
        values = {"enabled": bool(stored.get("enabled", True))}
        values["blocking"] = bool(stored.get("blocking", False))
        for threshold in check.thresholds:
            value = stored.get(threshold.key, threshold.default)
            ok = isinstance(value, int) and threshold.low <= value <= threshold.high
            values[threshold.key] = value if ok else threshold.default
        return values

    def changed(self, code: str, values: dict) -> DueRegardPolicy:
        """This policy with one check's settings replaced."""
        return DueRegardPolicy(checks=self.checks | {code: dict(values)})


class ChecksNotAnswered(WorkflowError):
    """A submission that goes past a blocking warning, or past a warning without a reason."""

    title = "There are warnings to deal with"

    def __init__(self, blocking: list[CheckResult], unanswered: list[CheckResult]):
        super().__init__("There are warnings to deal with before you can submit")
        self.blocking = blocking
        self.unanswered = unanswered


def run(snapshot: Snapshot, policy: DueRegardPolicy, today: date) -> list[CheckResult]:
    """Every check that is turned on, with what it found (nothing, when it passed)."""
    results = []
    for check in CHECKS:
        settings = policy.settings(check)
        if not settings["enabled"]:
            continue
        thresholds = {t.key: settings[t.key] for t in check.thresholds}
        results.append(
            CheckResult(
                code=check.code,
                title=check.title,
                principle=check.principle.name,
                says=check.principle.says,
                citation=check.principle.citation,
                blocking=settings["blocking"],
                settings=thresholds,
                details=tuple(check.find(snapshot, thresholds, today)),
            )
        )
    return results


def frozen(results: list[CheckResult], reasons: dict[str, str], today: date) -> dict:
    """What a revision keeps of the checks; refused when a warning blocks or has no reason."""
    blocking = [r for r in results if r.warned and r.blocking]
    unanswered = [r for r in results if r.warned and not r.blocking and not reasons.get(r.code)]
    if blocking or unanswered:
        raise ChecksNotAnswered(blocking, unanswered)
    return {
        "checked_on": today.isoformat(),
        "checks": [
            replace(r, reason=reasons.get(r.code, "") if r.warned else "").frozen() for r in results
        ],
    }


# The section whose answers each check reads, by code (where its warning sends the lead).
SECTIONS = {check.code: check.where for check in CHECKS}
