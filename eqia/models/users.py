"""People, their roles and the directorates they work in."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, false, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from eqia.extensions import db
from eqia.models.types import Role, enum_column
from eqia.timefmt import utcnow


class RoleDefinition(db.Model):
    """The roles that exist, so a role name in user_roles is always one of them."""

    __tablename__ = "roles"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    description: Mapped[str] = mapped_column(String(200))


class Directorate(db.Model):
    __tablename__ = "directorates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Directorate {self.name}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(
        enum_column(Role, 40), ForeignKey("roles.name"), primary_key=True
    )


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str] = mapped_column(String(200), default="")
    directorate_id: Mapped[int | None] = mapped_column(ForeignKey("directorates.id"))
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Who this person is at the council's OpenID provider: its issuer and their subject
    # (for Entra ID, the oid claim). Set at their first single sign-on; matched from then on.
    oidc_issuer: Mapped[str | None] = mapped_column(String(500))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    # An admin who may still sign in with a password when local passwords are turned off.
    break_glass: Mapped[bool] = mapped_column(default=False, server_default=false())
    # An authenticator app (TOTP, RFC 6238): its base32 secret, when setting it up was
    # finished, and the last time step used, so no code is accepted twice.
    totp_secret: Mapped[str] = mapped_column(String(64), default="", server_default="")
    totp_confirmed_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]

    directorate: Mapped[Directorate | None] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @staticmethod
    def normalise_email(email: str) -> str:
        return email.strip().lower()

    @classmethod
    def by_email(cls, email: str) -> "User | None":
        return db.session.scalar(select(cls).where(cls.email == cls.normalise_email(email)))

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    @roles.setter
    def roles(self, roles: set[Role]) -> None:
        self.role_rows = [UserRole(role=role) for role in sorted(roles)]

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def has_totp(self) -> bool:
        return self.totp_confirmed_at is not None

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class RecoveryCode(db.Model):
    """One of a person's one-time codes for when their authenticator app is lost: only its
    hash is kept, and a used code is marked, never reused."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None]


class Setting(db.Model):
    """A setting an admin changes in the service (eqia/settings.py reads them)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[dict | list | str | bool | int | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SignIn(db.Model):
    """One signed-in session: the cookie holds a token whose hash is kept here, so the
    service can end a session (or all of a person's) whoever holds a copy of the cookie."""

    __tablename__ = "sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    # The browser, as it said (for the account page), cut to fit.
    device: Mapped[str] = mapped_column(String(200), default="")
    # A session begun through single sign-on: the provider's ID token, sent back to it as
    # the hint when signing out there too.
    id_token: Mapped[str | None] = mapped_column(Text)
