"""Alembic environment: runs the migrations against the app's own database."""

import logging

from alembic import context
from flask import current_app

logger = logging.getLogger("alembic.env")
if not logging.getLogger().handlers:
    logging.basicConfig(level=logging.INFO, format="%(levelname)-5.5s [%(name)s] %(message)s")

target_db = current_app.extensions["migrate"].db
config = context.config
config.set_main_option(
    "sqlalchemy.url",
    target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)


# Indexes one database has and the models do not describe (made by hand in a migration,
# such as 0005's PostgreSQL trigram index): autogenerate leaves them alone.
DATABASE_ONLY_INDEXES = {"ix_assessments_search"}


def _include_object(_object, name, type_, reflected, _compare_to) -> bool:
    return not (type_ == "index" and reflected and name in DATABASE_ONLY_INDEXES)


def _options() -> dict:
    options = dict(current_app.extensions["migrate"].configure_args)
    options.setdefault("render_as_batch", True)
    options.setdefault("compare_type", True)
    options.setdefault("include_object", _include_object)
    return options


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        **_options(),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def skip_empty_autogenerate(_context, _revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    with target_db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch mode rebuilds tables; with foreign keys on, dropping the old table
            # would cascade-delete the rows that refer to it.
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_db.metadata,
            process_revision_directives=skip_empty_autogenerate,
            **_options(),
        )
        with context.begin_transaction():
            context.run_migrations()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
