import secrets
from datetime import date

import pytest
from sqlalchemy import func, select

from eqia import sections
from eqia.extensions import db
from eqia.models import Assessment, Decision, Directorate, Programme, Role, User
from eqia.passwords import COMMON
from eqia.programmes import impacts


def test_create_user_with_roles(app, runner):
    result = runner.invoke(
        args=[
            "create-user",
            "New.Person@Example.org",
            "--name",
            "New Person",
            "--role",
            "super_user",
            "--role",
            "admin",
            "--password",
            "a long cli password",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = User.by_email("new.person@example.org")
        assert user.roles == {Role.SUPER_USER, Role.ADMIN}
        assert user.check_password("a long cli password")


def test_create_user_prompts_for_a_password(app, runner):
    result = runner.invoke(
        args=["create-user", "p@example.org", "--name", "P"],
        input="a long prompted password\na long prompted password\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert User.by_email("p@example.org").check_password("a long prompted password")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--password", "short"], "at least 12 characters"),
        (["--password", "password1234"], COMMON),
        (["--password", "X@Example.org"], "must not be your email address"),
        (["--role", "emperor", "--password", "a long cli password"], "Invalid value for '--role'"),
    ],
)
def test_create_user_refuses_bad_input(app, runner, args, message):
    result = runner.invoke(args=["create-user", "x@example.org", "--name", "X", *args])
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert User.by_email("x@example.org") is None


def test_create_user_refuses_a_duplicate(app, runner, users):
    result = runner.invoke(
        args=["create-user", "LEAD@example.org", "--name", "X", "--password", "a long cli password"]
    )
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_seed_demo_is_idempotent(app, runner):
    for _ in range(2):
        result = runner.invoke(args=["seed-demo", "--password", "a long demo password"])
        assert result.exit_code == 0, result.output
    assert "superuser2@example.org" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 6
        assert db.session.scalar(select(func.count()).select_from(Directorate)) == 6
        assert User.by_email("admin@example.org").roles == {Role.ADMIN}
        assert User.by_email("lead2@example.org").check_password("a long demo password")
        statuses = dict(db.session.execute(select(Assessment.title, Assessment.status)).all())
        assert statuses == {
            "Changes to library opening hours": "draft",
            "Home to school transport: new eligibility assessment": "submitted",
            "Closing the Ely recycling centre on Wednesdays": "submitted",
            "Adult learning: moving courses online": "returned",
            "Mobile library routes 2026": "approved",
            "Community warm spaces grant scheme": "approved",
            "Hybrid working policy": "draft",
            "Refresh of the customer services strategy": "draft",
            "Whittlesey recycling centre: weekday closures": "draft",
            "Whittlesey recycling centre: Tuesday closures": "submitted",
            "Reduce the subsidy for rural bus routes": "approved",
            "Review of charges for care at home": "approved",
            "Close the Fenland community meals service": "submitted",
        }
        thin = db.session.scalar(
            select(Assessment)
            .where(Assessment.title.startswith("Whittlesey"))
            .where(Assessment.status == "submitted")
        )
        frozen = thin.revisions[0].read().due_regard
        assert len(frozen.warnings) >= 5 and all(c.reason for c in frozen.warnings)
        waiting_for = dict(
            db.session.execute(
                select(Assessment.title, User.email)
                .join(User, User.id == Assessment.submitted_to_id)
                .where(Assessment.status == "submitted")
            ).all()
        )
        assert waiting_for == {
            "Home to school transport: new eligibility assessment": "superuser@example.org",
            "Closing the Ely recycling centre on Wednesdays": "superuser2@example.org",
            "Whittlesey recycling centre: Tuesday closures": "superuser@example.org",
            "Close the Fenland community meals service": "superuser@example.org",
        }
        overdue = db.session.scalar(
            select(Assessment.review_date).where(
                Assessment.title == "Community warm spaces grant scheme"
            )
        )
        assert overdue < date.today()
        returned = db.session.scalar(select(Decision).where(Decision.kind == "returned"))
        assert any(e.comment for e in returned.evaluations)


def test_the_demo_programme_holds_three_budget_proposals_with_overlapping_impacts(app, runner):
    for _ in range(2):  # seeding again adds no second programme or EqIA
        runner.invoke(args=["seed-demo", "--password", "a long demo password"])
    with app.app_context():
        programme = db.session.scalar(select(Programme))
        assert programme.name == "Budget 2027/28" and programme.active
        members = db.session.execute(
            select(Assessment.title, Assessment.proposal_type, Assessment.status).where(
                Assessment.programme_id == programme.id
            )
        ).all()
        assert sorted(members) == [
            ("Close the Fenland community meals service", "budget", "submitted"),
            ("Reduce the subsidy for rural bus routes", "budget", "approved"),
            ("Review of charges for care at home", "budget", "approved"),
        ]
        counts = {
            line.name: (len(line.signed_off), len(line.awaiting))
            for line in impacts.cumulative(programme).lines
        }
        assert counts == {
            "Age": (2, 1),
            "Disability": (2, 1),
            "Socio-economic disadvantage": (2, 1),
            "Carers": (1, 1),
            "Rural isolation": (1, 0),
        }


def test_demo_eqias_are_at_their_stages(app, runner):
    runner.invoke(args=["seed-demo", "--password", "a long demo password"])
    with app.app_context():

        def progress(title):
            assessment = db.session.scalar(select(Assessment).where(Assessment.title == title))
            assessment = Assessment.by_reference(assessment.reference)
            return sections.progress(assessment, sections.Context.load(assessment))

        complete = progress("Changes to library opening hours")
        assert (complete.completed, complete.total) == (9, 9)
        assert progress("Hybrid working policy").completed == 3
        assert progress("Refresh of the customer services strategy").completed == 0


def test_seed_demo_refuses_production(app, runner):
    app.config["PRODUCTION"] = True
    result = runner.invoke(args=["seed-demo", "--password", "a long demo password"])
    assert result.exit_code != 0
    assert "refused under the production configuration" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_seed_demo_refuses_a_common_password(app, runner):
    result = runner.invoke(args=["seed-demo", "--password", "password1234"])
    assert result.exit_code != 0
    assert COMMON in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_seed_demo_takes_the_password_make_run_generates(app, runner):
    password = "demo-" + secrets.token_urlsafe(12)  # as the Makefile's run target makes it
    assert runner.invoke(args=["seed-demo", "--password", password]).exit_code == 0
    with app.app_context():
        assert User.by_email("admin@example.org").check_password(password)
