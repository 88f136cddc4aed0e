"""Email about an EqIA's progress, in three parts:

- ``wording``: what each email says (plain-text templates under ``templates/emails``);
- ``outbox``: messages written in the transaction that caused them, claimed once by
  whichever process sends them, retried with back-off;
- ``backends``: where they go (the log, SMTP, GOV.UK Notify).
"""

from eqia.notifications.backends import backend_name
from eqia.notifications.outbox import (
    LEASE,
    Delivery,
    claim,
    deliver_due,
    init_app,
    queue,
    queue_reminders,
    retry_delay,
    waiting,
)

__all__ = [
    "LEASE",
    "Delivery",
    "backend_name",
    "claim",
    "deliver_due",
    "init_app",
    "queue",
    "queue_reminders",
    "retry_delay",
    "waiting",
]
