"""A real SMTP server on loopback (aiosmtpd), and what it received."""

import asyncio
import re
import time
from collections import Counter
from contextlib import contextmanager
from email import message_from_bytes
from email.policy import default as default_policy

from aiosmtpd.controller import Controller

from tests.processes import free_port

# The service's Message-ID names the outbox row it was sent from (notifications/backends.py).
_OUTBOX_ID = re.compile(r"\.eqia-([0-9]+)@")


class Mailbox:
    """What the SMTP server received, with a hook to look at the database on arrival.

    ``hold_for_senders``: every message waits (up to ``HOLD_SECONDS``) until that many
    connections have begun a message, so that senders are sure to overlap."""

    HOLD_SECONDS = 30

    def __init__(self):
        self.messages = []
        self.on_arrival = None
        self.refuse = set()
        self.delay = 0.0
        self.hold_for_senders = 0
        self.senders = Counter()  # connection (peer address) -> messages it delivered

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.senders.setdefault(session.peer, 0)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        until = time.monotonic() + self.HOLD_SECONDS
        while len(self.senders) < self.hold_for_senders and time.monotonic() < until:
            await asyncio.sleep(0.02)
        await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.original_content, policy=default_policy)
        seen = self.on_arrival(message) if self.on_arrival else None
        self.messages.append((list(envelope.rcpt_tos), message, seen))
        self.senders[session.peer] += 1
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for rcpt, m, _ in self.messages if address in rcpt]

    @property
    def recipients(self) -> list[str]:
        return sorted(address for rcpt, _, _ in self.messages for address in rcpt)

    def outbox_ids(self) -> Counter:
        """How many times each outbox row's message arrived."""
        return Counter(
            int(_OUTBOX_ID.search(m["Message-ID"]).group(1)) for _, m, _ in self.messages
        )


@contextmanager
def smtp_server():
    """A Mailbox listening on a free port of 127.0.0.1 (its ``port``)."""
    mailbox = Mailbox()
    mailbox.port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
