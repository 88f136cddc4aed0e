"""Where emails go: the log (development and tests), SMTP, or GOV.UK Notify.

Each backend sends one :class:`Email` at a time and raises on failure; the outbox
records the failure and tries again later. :class:`TransportDown` means nothing
else in this run will get through either.
"""

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import requests

logger = logging.getLogger("eqia.notifications")


class TransportDown(Exception):
    """The mail server or API cannot be reached: nothing else in this run will get through."""


@dataclass(frozen=True)
class Email:
    id: int
    to: str
    subject: str
    body: str


class LogBackend:
    """Development: the message is written to the log instead of being sent."""

    name = "log"

    def __init__(self, config):
        pass

    def send(self, email: Email) -> None:
        logger.info(
            "Email to %s\nSubject: %s\n\n%s", email.to, email.subject, email.body.rstrip("\n")
        )

    def close(self) -> None:
        pass


class SmtpBackend:
    """One connection per run, opened when the first message goes."""

    name = "smtp"

    def __init__(self, config):
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        where = f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"
        try:
            connection = smtplib.SMTP(
                config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
            )
        except (OSError, smtplib.SMTPException) as error:
            raise TransportDown(f"Could not connect to {where}: {error}") from error
        try:
            if config["MAIL_USE_TLS"]:
                connection.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except (OSError, smtplib.SMTPException) as error:
            connection.close()
            raise TransportDown(f"Could not start a session with {where}: {error}") from error
        return connection

    def send(self, email: Email) -> None:
        message = EmailMessage()
        message["From"] = self.config["MAIL_FROM"]
        message["To"] = email.to
        message["Subject"] = email.subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(idstring=f"eqia-{email.id}")
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(email.body, cte="quoted-printable")
        if self.connection is None:
            self.connection = self._connect()
        try:
            self.connection.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException):
            raise  # this message was refused; the connection is still good
        except OSError:  # includes SMTPServerDisconnected
            self.connection.close()
            self.connection = None  # the next message tries a new connection
            raise

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (OSError, smtplib.SMTPException):
                self.connection.close()
            self.connection = None


class NotifyBackend:
    """GOV.UK Notify, through one template whose subject is ((subject)) and body ((body))."""

    name = "notify"

    def __init__(self, config):
        from notifications_python_client.notifications import NotificationsAPIClient

        self.template_id = config["NOTIFY_TEMPLATE_ID"]
        self.client = NotificationsAPIClient(
            config["NOTIFY_API_KEY"],
            base_url=config["NOTIFY_BASE_URL"],
            timeout=config["MAIL_TIMEOUT"],
        )

    def send(self, email: Email) -> None:
        from notifications_python_client.errors import HTTPError

        try:
            self.client.send_email_notification(
                email_address=email.to,
                template_id=self.template_id,
                personalisation={"subject": email.subject, "body": email.body},
                reference=f"eqia-outbox-{email.id}",
            )
        except HTTPError as error:
            if isinstance(error.__cause__, requests.ConnectionError | requests.Timeout):
                raise TransportDown(f"Could not reach GOV.UK Notify: {error}") from error
            raise

    def close(self) -> None:
        self.client.request_session.close()


def backend_name(config) -> str:
    if config.get("NOTIFY_API_KEY") and config.get("NOTIFY_TEMPLATE_ID"):
        return "notify"
    if config.get("MAIL_SERVER"):
        return "smtp"
    return "log"


BACKENDS = {"log": LogBackend, "smtp": SmtpBackend, "notify": NotifyBackend}
