"""The periods a report covers: the forum's quarters, committee's half-years, financial
years, the last 12 months, or any dates. Whole UK days, both ends included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from eqia.timefmt import a_year_before, long_date, uk_midnight

# The council's financial year starts on 1 April; its halves on 1 April and 1 October.
YEAR_STARTS = 4


def _add_months(day: date, months: int) -> date:
    """The first of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _half_start(day: date) -> date:
    """The start of the half of the financial year ``day`` is in (1 April or 1 October)."""
    months_in = (day.month - YEAR_STARTS) % 12
    return _add_months(date(day.year, day.month, 1), -(months_in % 6))


def _year_start(day: date) -> date:
    months_in = (day.month - YEAR_STARTS) % 12
    return _add_months(date(day.year, day.month, 1), -months_in)


def _this_quarter(today: date) -> tuple[date, date]:
    start = _quarter_start(today)
    return start, _add_months(start, 3) - timedelta(days=1)


def _last_quarter(today: date) -> tuple[date, date]:
    end = _quarter_start(today) - timedelta(days=1)
    return _quarter_start(end), end


def _last_half_year(today: date) -> tuple[date, date]:
    end = _half_start(today) - timedelta(days=1)
    return _half_start(end), end


def _last_financial_year(today: date) -> tuple[date, date]:
    end = _year_start(today) - timedelta(days=1)
    return _year_start(end), end


def _last_12_months(today: date) -> tuple[date, date]:
    return a_year_before(today) + timedelta(days=1), today


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    hint: str
    dates: object  # (today) -> (start, end)


PRESETS = {
    p.key: p
    for p in (
        Preset("this-quarter", "This quarter", "For the EDI Leadership Forum", _this_quarter),
        Preset("last-quarter", "Last quarter", "For the EDI Leadership Forum", _last_quarter),
        Preset(
            "last-half-year",
            "Last half-year",
            "April to September or October to March, for committee",
            _last_half_year,
        ),
        Preset(
            "last-financial-year",
            "Last financial year",
            "1 April to 31 March",
            _last_financial_year,
        ),
        Preset(
            "last-12-months", "The last 12 months", "Up to and including today", _last_12_months
        ),
    )
}
CUSTOM = "custom"


@dataclass(frozen=True)
class Period:
    """A span of whole days in the UK, both ends included."""

    start: date
    end: date
    preset: str = CUSTOM

    @classmethod
    def of(cls, preset: str, today: date) -> Period:
        start, end = PRESETS[preset].dates(today)
        return cls(start, end, preset)

    @property
    def starts_at(self) -> datetime:
        """UK midnight at the start of the first day (an aware datetime)."""
        return uk_midnight(self.start)

    @property
    def ends_before(self) -> datetime:
        """UK midnight after the last day."""
        return uk_midnight(self.end + timedelta(days=1))

    @property
    def label(self) -> str:
        return f"{long_date(self.start)} to {long_date(self.end)}"

    @property
    def name(self) -> str:
        """The preset's name and the dates, or the dates alone."""
        preset = PRESETS.get(self.preset)
        return f"{preset.label}: {self.label}" if preset else self.label

    @property
    def slug(self) -> str:
        return f"{self.start.isoformat()}-to-{self.end.isoformat()}"

    def query_args(self) -> dict[str, str]:
        """The period as URL arguments that name its dates (a download made tomorrow still
        covers the same days as the page it was linked from)."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    def as_at(self, today: date) -> date:
        """The day "overdue" is judged on: the period's last day, or today if it is not over."""
        return min(self.end, today)
