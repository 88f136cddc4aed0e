"""Demo data for trying the service and for its tests. Never loaded in production."""

from sqlalchemy import select

from eqia.extensions import db
from eqia.models import Directorate, Role, User

DIRECTORATES = [
    "Adults, Health & Commissioning",
    "Children, Education & Families",
    "Place & Sustainability",
    "Strategy & Partnerships",
    "Finance & Resources",
    "Public Health",
]

# email, name, job title, directorate, roles
ACCOUNTS = [
    ("lead@example.org", "Priya Shah", "Library Services Manager", "Place & Sustainability", []),
    ("lead2@example.org", "Tom Okafor", "HR Policy Adviser", "Strategy & Partnerships", []),
    (
        "superuser@example.org",
        "Gwen Ellis",
        "EqIA Super User, Equality and Diversity",
        "Strategy & Partnerships",
        [Role.SUPER_USER],
    ),
    (
        "superuser2@example.org",
        "Marek Nowak",
        "EqIA Super User, Children's Services",
        "Children, Education & Families",
        [Role.SUPER_USER],
    ),
    (
        "auditor@example.org",
        "Aisha Rahman",
        "Internal Auditor",
        "Finance & Resources",
        [Role.AUDITOR],
    ),
    (
        "admin@example.org",
        "Sam Hughes",
        "EqIA System Administrator",
        "Finance & Resources",
        [Role.ADMIN],
    ),
]


def seed(password: str) -> list[User]:
    """Create or refresh the demo directorates and accounts; safe to run again."""
    directorates = {}
    for name in DIRECTORATES:
        directorate = db.session.scalar(select(Directorate).where(Directorate.name == name))
        if directorate is None:
            directorate = Directorate(name=name)
            db.session.add(directorate)
        directorates[name] = directorate
    db.session.flush()

    users = []
    for email, name, job_title, directorate, roles in ACCOUNTS:
        user = User.by_email(email) or User(email=email)
        user.name, user.job_title, user.active = name, job_title, True
        user.directorate_id = directorates[directorate].id
        user.roles = set(roles)
        user.set_password(password)
        db.session.add(user)
        users.append(user)
    db.session.commit()
    return users
