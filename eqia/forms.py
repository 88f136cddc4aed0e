"""Form pieces shared by every area: field limits, GOV.UK wording, the confirm form."""

from flask_wtf import FlaskForm
from wtforms import ValidationError
from wtforms.validators import Length


def max_length(limit: int, name: str) -> Length:
    """A length limit with the GOV.UK message: an error, never a silent truncation."""
    return Length(max=limit, message=f"{name} must be {limit:,} characters or fewer")


class ConfirmForm(FlaskForm):
    """A button-only POST: carries the CSRF token and nothing else."""


def not_blank(message: str):
    """Like DataRequired, but treats whitespace-only text as missing."""

    def check(_form, field) -> None:
        if not (field.data or "").strip():
            raise ValidationError(message)

    return check


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value
