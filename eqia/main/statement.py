"""The accessibility statement's facts: what the regulations ask it to say that only
configuration knows (who to contact, how soon they reply, the statement's dates, the checks
done by hand) and what follows from the service's own settings (how long a session lasts).

The Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility
Regulations 2018 ask for a statement in the form of GOV.UK's model; the wording, and the
known problems, are in ``templates/main/accessibility.html``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Statement:
    service_url: str
    email: str
    phone: str
    address: tuple[str, ...]
    reply_days: int
    prepared: date
    reviewed: date
    tested: date
    tested_by: str
    manual_checks: tuple[str, ...]
    idle_minutes: int
    session_hours: int

    @property
    def phone_link(self) -> str:
        """The number as a tel: link takes it: digits and a leading +."""
        return "".join(c for c in self.phone if c.isdigit() or c == "+")


def statement(config: Mapping) -> Statement:
    return Statement(
        service_url=config["BASE_URL"],
        email=config["ACCESSIBILITY_EMAIL"],
        phone=config["ACCESSIBILITY_PHONE"],
        address=tuple(config["ACCESSIBILITY_ADDRESS"]),
        reply_days=config["ACCESSIBILITY_REPLY_DAYS"],
        prepared=config["ACCESSIBILITY_PREPARED"],
        reviewed=config["ACCESSIBILITY_REVIEWED"],
        tested=config["ACCESSIBILITY_TESTED"],
        tested_by=config["ACCESSIBILITY_TESTED_BY"] or config["ORGANISATION_NAME"],
        manual_checks=tuple(config["ACCESSIBILITY_MANUAL_CHECKS"]),
        idle_minutes=int(config["IDLE_TIMEOUT"].total_seconds() // 60),
        session_hours=int(config["PERMANENT_SESSION_LIFETIME"].total_seconds() // 3600),
    )
