"""Settings an admin changes in the service, rather than in the environment.

Each group of settings is a frozen dataclass with its defaults, kept as one row of
``settings`` (its fields as JSON). Reading one costs a query; a missing row or field reads
as the default, so a new setting needs no migration.
"""

from dataclasses import asdict, dataclass, fields, replace
from typing import ClassVar, Self

from eqia.extensions import db
from eqia.models import EventKind, Setting, User
from eqia.models.audit import record
from eqia.security_log import security_event
from eqia.timefmt import utcnow


@dataclass(frozen=True)
class Settings:
    KEY: ClassVar[str]

    @classmethod
    def load(cls) -> Self:
        row = db.session.get(Setting, cls.KEY)
        stored = row.value if row is not None and isinstance(row.value, dict) else {}
        known = {f.name for f in fields(cls)}
        values = {name: value for name, value in stored.items() if name in known}
        return replace(cls(), **values)

    def save(self, by: User | None) -> None:
        """Keep these values (in the caller's transaction)."""
        row = db.session.get(Setting, self.KEY) or Setting(key=self.KEY)
        row.value = asdict(self)
        row.updated_at = utcnow()
        row.updated_by_id = by.id if by is not None else None
        db.session.add(row)


def keep(chosen: Settings, before: dict[str, str], after: dict[str, str], by: User) -> None:
    """Keep settings an admin has chosen, if they change anything: committed with an audited
    ``settings-changed`` event and then a ``settings.changed`` security line, each listing
    the changes (``before`` and ``after`` describe the settings as the admin reads them)."""
    changes = [f"{k}: {before[k]} → {after[k]}" for k in after if before[k] != after[k]]
    if not changes:
        return
    chosen.save(by)
    record(EventKind.SETTINGS_CHANGED, by, note="\n".join(changes))
    db.session.commit()
    security_event("settings.changed", settings=chosen.KEY, changes=changes)


@dataclass(frozen=True)
class SignInPolicy(Settings):
    """Who may sign in, and how."""

    KEY: ClassVar[str] = "sign-in"

    # At a first single sign-on: "invited" (only an email address an admin has added) or
    # "anyone" (an account is made, if the address is in allowed_domains when any are set).
    new_accounts: str = "invited"
    allowed_domains: tuple[str, ...] = ()
    # Email address and password sign-in; when off, only break-glass admins may use it.
    local_passwords: bool = True
    # An authenticator app for everyone who signs in with a password, not only admins and
    # super users.
    mfa_for_everyone: bool = False

    def __post_init__(self):
        # JSON gives lists back; the dataclass is frozen, so hashable throughout.
        object.__setattr__(self, "allowed_domains", tuple(self.allowed_domains))

    def domain_allowed(self, email: str) -> bool:
        if not self.allowed_domains:
            return True
        return email.rpartition("@")[2].lower() in self.allowed_domains
