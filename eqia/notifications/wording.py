"""What each email says: a plain-text template per kind, under ``templates/emails/``.

A template's first line is the subject; after a blank line comes the message,
which this module puts between "Dear …," and the service's signature. Comments
and messages appear exactly as typed (only line endings and outer space are
tidied), and nothing is escaped: these are plain text, never HTML.
"""

from __future__ import annotations

from flask import current_app

from eqia.models import Assessment, NotificationKind, User


def _as_typed(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _who(user: User) -> str:
    return f"{user.name} ({user.job_title})" if user.job_title else user.name


def _link(endpoint: str, **values) -> str:
    """An absolute link from the configured base URL; works without a request."""
    path = current_app.url_map.bind("localhost", script_name="/").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path


def render(
    kind: NotificationKind,
    assessment: Assessment | None,
    recipient: User,
    *,
    actor: User | None = None,
    message: str = "",
    comment: str = "",
    review_date=None,
    **about,
) -> tuple[str, str]:
    """The subject and plain-text body of one message: about one EqIA, or (with no
    ``assessment``) about what ``about`` names."""
    # The template alone, without the pages' context (there may be no request at all).
    template = current_app.jinja_env.get_template(f"emails/{kind.value}.txt")
    text = template.render(
        **about,
        assessment=assessment,
        reference=assessment.reference if assessment else None,
        recipient=recipient,
        actor=actor,
        message=_as_typed(message),
        comment=_as_typed(comment),
        review_date=review_date,
        who=_who,
        link=_link,
    )
    subject, _, body = text.partition("\n\n")
    organisation = current_app.config["ORGANISATION_NAME"]
    lines = [f"Dear {recipient.name},", "", body.strip("\n"), "", f"EqIA service, {organisation}"]
    return subject.strip(), "\n".join(lines) + "\n"
