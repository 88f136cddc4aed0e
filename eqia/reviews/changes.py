"""What changed between two frozen revisions, answer by answer, as their pages show them."""

from dataclasses import dataclass

from eqia.snapshot import Snapshot


@dataclass(frozen=True)
class Change:
    question: str
    before: str
    after: str


def changes(before: Snapshot, after: Snapshot) -> dict[str, list[Change]]:
    """For each section of ``after``, the answers that differ from ``before`` (added or removed)."""
    old = {s.slug: {r.key: r for r in s.rows} for s in before.sections}
    result: dict[str, list[Change]] = {}
    for section in after.sections:
        earlier = old.get(section.slug, {})
        now = {r.key: r for r in section.rows}
        found = [
            Change(row.question, earlier[key].answer if key in earlier else "", row.answer)
            for key, row in now.items()
            if key not in earlier or earlier[key].answer != row.answer
        ]
        found += [
            Change(row.question, row.answer, "") for key, row in earlier.items() if key not in now
        ]
        if found:
            result[section.slug] = found
    return result
