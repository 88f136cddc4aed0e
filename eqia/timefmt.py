"""UK time and the GOV.UK wording of dates, written once.

Times are stored as aware UTC (``eqia.extensions.UTCDateTime``); people read them
in UK time. "Today" is always the UK's today, never the server's: a server in UTC
would otherwise start the day an hour late all summer.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(UTC)


def uk_now() -> datetime:
    return datetime.now(LONDON)


def uk_today() -> date:
    return uk_now().date()


def uk_day(value: datetime) -> date:
    """The UK day an instant falls on."""
    return value.astimezone(LONDON).date()


def uk_midnight(day: date) -> datetime:
    """The instant a UK day starts (an aware datetime)."""
    return datetime.combine(day, time(), tzinfo=LONDON)


def day_after(day: date) -> date:
    return day + timedelta(days=1)


def a_year_after(day: date) -> date:
    """The same day next year (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def a_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def long_date(value: date | datetime | None) -> str:
    """GOV.UK style: 1 April 2027 (an instant is shown on its UK day)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = uk_day(value)
    return f"{value.day} {value:%B %Y}"


def clock(value: datetime) -> str:
    """GOV.UK style, in UK time: 2:30pm, 9am is 9:00am."""
    local = value.astimezone(LONDON)
    return f"{local:%-I:%M}{local:%p}".replace("AM", "am").replace("PM", "pm")


def date_and_time(value: datetime | None) -> str:
    """GOV.UK style, in UK time: 1 April 2027 at 2:30pm."""
    if value is None:
        return ""
    return f"{long_date(value)} at {clock(value)}"


def iso_long_date(value: str | None) -> str:
    """An ISO date as typed into a snapshot, in words; anything else as it is."""
    try:
        return long_date(date.fromisoformat(value or ""))
    except ValueError:
        return value or ""


def sortable(value: datetime | None) -> str:
    """UK time for a spreadsheet cell: 2027-04-01 14:30."""
    return f"{value.astimezone(LONDON):%Y-%m-%d %H:%M}" if value else ""
