"""Rows for tests, made the way the service makes them."""

from functools import cache

from werkzeug.security import generate_password_hash

from eqia.extensions import db
from eqia.models import Directorate, Role, User

PASSWORD = "a long test password"


@cache
def password_hash() -> str:
    return generate_password_hash(PASSWORD, method="scrypt")


def make_directorate(name: str = "Place & Sustainability", active: bool = True) -> Directorate:
    directorate = Directorate(name=name, active=active)
    db.session.add(directorate)
    db.session.commit()
    return directorate


def make_user(
    email: str = "person@example.org",
    name: str = "Alex Person",
    roles: set[Role] | None = None,
    active: bool = True,
    job_title: str = "Officer",
    directorate: Directorate | None = None,
) -> User:
    user = User(
        email=email,
        name=name,
        job_title=job_title,
        active=active,
        password_hash=password_hash(),
        directorate_id=directorate.id if directorate else None,
    )
    user.roles = roles or set()
    db.session.add(user)
    db.session.commit()
    return user


def make_assessment(owner: User, title: str = "Changes to library opening hours"):
    """A new draft EqIA, started the way a lead starts one."""
    from eqia import workflow

    assessment = workflow.start(title, owner)
    db.session.commit()
    return assessment
