"""The report's preset periods: quarters, financial half-years and years, the last 12 months."""

from datetime import date

import pytest

from eqia.plan.periods import PRESETS, Period


@pytest.mark.parametrize(
    "today, preset, start, end",
    [
        (date(2026, 11, 23), "this-quarter", date(2026, 10, 1), date(2026, 12, 31)),
        (date(2026, 11, 23), "last-quarter", date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 11, 23), "last-half-year", date(2026, 4, 1), date(2026, 9, 30)),
        (date(2026, 11, 23), "last-financial-year", date(2025, 4, 1), date(2026, 3, 31)),
        (date(2026, 11, 23), "last-12-months", date(2025, 11, 24), date(2026, 11, 23)),
        (date(2026, 2, 10), "this-quarter", date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 2, 10), "last-quarter", date(2025, 10, 1), date(2025, 12, 31)),
        (date(2026, 2, 10), "last-half-year", date(2025, 4, 1), date(2025, 9, 30)),
        (date(2026, 2, 10), "last-financial-year", date(2024, 4, 1), date(2025, 3, 31)),
        (date(2026, 4, 1), "last-half-year", date(2025, 10, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), "last-financial-year", date(2025, 4, 1), date(2026, 3, 31)),
        (date(2026, 10, 1), "last-half-year", date(2026, 4, 1), date(2026, 9, 30)),
        (date(2026, 3, 31), "last-quarter", date(2025, 10, 1), date(2025, 12, 31)),
        (date(2024, 2, 29), "last-12-months", date(2023, 3, 1), date(2024, 2, 29)),
    ],
)
def test_presets(today, preset, start, end):
    period = Period.of(preset, today)
    assert (period.start, period.end) == (start, end)
    assert period.preset == preset


def test_every_preset_is_a_span_of_whole_days_ending_no_later_than_the_quarter():
    for key in PRESETS:
        for day in range(1, 366, 7):
            today = date.fromordinal(date(2026, 1, 1).toordinal() + day)
            period = Period.of(key, today)
            assert period.start <= period.end
            assert period.as_at(today) <= today


def test_a_period_in_uk_time():
    period = Period(date(2026, 4, 1), date(2026, 6, 30))
    assert period.label == "1 April 2026 to 30 June 2026"
    assert period.starts_at.isoformat() == "2026-04-01T00:00:00+01:00"
    assert period.ends_before.isoformat() == "2026-07-01T00:00:00+01:00"
    assert period.query_args() == {"start": "2026-04-01", "end": "2026-06-30"}
    assert Period.of("last-quarter", date(2026, 8, 1)).name == (
        "Last quarter: 1 April 2026 to 30 June 2026"
    )
