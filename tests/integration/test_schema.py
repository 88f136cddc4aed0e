"""The models and the migrations describe the same schema, on SQLite and PostgreSQL alike
(what ``flask db check`` checks): a model changed without a migration fails here."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from eqia.extensions import db

# Made by the migrations on PostgreSQL only, and known to no model: the trigram index the
# register's search uses (migration 0005).
DATABASE_ONLY = {"ix_assessments_search"}


def _include(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "index" and name in DATABASE_ONLY)


def test_the_models_match_the_migrated_database(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_object": _include, "render_as_batch": True},
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []
