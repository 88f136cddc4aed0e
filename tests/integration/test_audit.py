"""The audit trail: append-only, hash-chained, and checked by `flask --app eqia verify-audit`."""

import pytest
from sqlalchemy import func, select, text

from eqia import sections, workflow
from eqia.extensions import db
from eqia.models import Event, EventKind, User
from eqia.sections import saving
from tests import factories


@pytest.fixture
def trail(app, users):
    """A few real events: an EqIA started, saved and withdrawn."""
    with app.app_context():
        lead = db.session.get(User, users["lead"].id)
        assessment = factories.make_assessment(lead)
        saving.touch(assessment, lead, "About the proposal", sections.Context.load(assessment))
        workflow.withdraw(assessment, lead, "No longer going ahead")
        db.session.commit()
        return db.session.scalars(select(Event.seq).order_by(Event.seq)).all()


def verify(app):
    return app.test_cli_runner().invoke(args=["verify-audit"])


def test_an_untouched_trail_is_ok(app, trail):
    result = verify(app)
    assert result.exit_code == 0
    assert f"OK: all {len(trail)} audit events match" in result.output


def test_a_row_changed_in_the_database_is_named(app, trail):
    with app.app_context():
        db.session.execute(text("UPDATE events SET note = 'Nothing to see' WHERE seq = 2"))
        db.session.commit()
    result = verify(app)
    assert result.exit_code == 1
    assert "Event 2 (saved) has been changed since it was written" in result.output


def test_a_removed_event_breaks_the_chain(app, trail):
    with app.app_context():
        db.session.execute(text("DELETE FROM events WHERE seq = 2"))
        db.session.commit()
    result = verify(app)
    assert result.exit_code == 1
    assert "Event 3 (withdrawn) does not follow the event before it" in result.output


def test_the_last_event_removed_is_noticed(app, trail):
    with app.app_context():
        db.session.execute(text(f"DELETE FROM events WHERE seq = {trail[-1]}"))  # noqa: S608
        db.session.commit()
    result = verify(app)
    assert result.exit_code == 1
    assert f"{len(trail)} were written" in result.output


def test_the_code_cannot_change_or_remove_an_event(app, trail):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.seq == 1))
        event.note = "rewritten"
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(Event).where(Event.seq == 1)))
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
    assert verify(app).exit_code == 0


def test_generated_events_continue_the_chain_to_the_number_asked(app, trail):
    from eqia.records import generate, population

    with app.app_context():
        generate.generate(12, seed=5)
        population.users(db.session.scalar(select(func.count(User.id))) + 30, seed=5)
        assert population.audit_events(len(trail) + 150, seed=5) == 150
        assert population.audit_events(len(trail) + 150, seed=5) == 0
        histories = db.session.execute(
            select(Event.assessment_id, Event.kind).where(Event.seq > len(trail))
        ).all()
        db.session.remove()
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert f"OK: all {len(trail) + 150} audit events match" in result.output
    kinds = {kind for _assessment, kind in histories}
    assert {EventKind.CREATED, EventKind.SAVED, EventKind.USER_ADDED} <= kinds
    assert len({a for a, _kind in histories if a is not None}) == 12

    with app.app_context():
        db.session.execute(
            text("UPDATE events SET revision = 9 WHERE seq = :s"), {"s": len(trail) + 100}
        )
        db.session.commit()
        db.session.remove()
    result = verify(app)
    assert result.exit_code == 1
    assert f"Event {len(trail) + 100} (" in result.output
    assert "has been changed since it was written" in result.output
