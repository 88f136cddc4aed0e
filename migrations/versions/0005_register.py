"""register: submission and sign-off copied onto assessments, with indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 09:00:00

The register of every EqIA filters and sorts by when each was last submitted,
when its record in force was signed off and by whom, and searches the outcome's
summary. They are copied onto ``assessments`` (the workflow keeps them current)
and filled in here from the revisions, decisions and answers already stored.
"""

import logging

import sqlalchemy as sa
from alembic import op

logger = logging.getLogger("alembic.runtime.migration")

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("summary", sa.Text(), server_default="", nullable=False))
        batch_op.create_foreign_key(
            batch_op.f("fk_assessments_approved_by_id_users"), "users", ["approved_by_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_assessments_submitted_at"), ["submitted_at"])
        batch_op.create_index(batch_op.f("ix_assessments_approved_at"), ["approved_at"])
        batch_op.create_index(batch_op.f("ix_assessments_approved_by_id"), ["approved_by_id"])
        batch_op.create_index("ix_assessments_review_date", ["review_date"])
        batch_op.create_index("ix_assessments_title", ["title"])
    op.create_index(
        "ix_impacts_negative", "impacts", ["characteristic_id", "negative", "assessment_id"]
    )
    _backfill()
    if op.get_bind().dialect.name == "postgresql":
        _search_index()


# PostgreSQL only: trigrams of the text the register searches (eqia/records/register.py,
# SEARCH_TEXT), so "contains" searches use an index. Not in the ORM's metadata (SQLite has
# no such index); migrations/env.py leaves it alone when comparing.
SEARCH_INDEX = "ix_assessments_search"


def _search_index():
    """pg_trgm ships with PostgreSQL (contrib) and is trusted since 13, so a database owner
    can enable it. Where it cannot be enabled, search still works, by scanning."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            bind.exec_driver_sql(
                f"CREATE INDEX {SEARCH_INDEX} ON assessments USING gin "
                "((reference || ' ' || title || ' ' || summary) gin_trgm_ops)"
            )
    except sa.exc.DBAPIError as error:
        logger.warning("No trigram index for the register's search: %s", error.orig)


def _backfill():
    """The new columns, for EqIAs submitted or signed off before this migration."""
    assessments = sa.table(
        "assessments",
        sa.column("id", sa.Integer),
        sa.column("approved_revision_id", sa.Integer),
        sa.column("submitted_at", sa.DateTime(timezone=True)),
        sa.column("approved_at", sa.DateTime(timezone=True)),
        sa.column("approved_by_id", sa.Integer),
        sa.column("summary", sa.Text),
    )
    revisions = sa.table(
        "revisions",
        sa.column("assessment_id", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    decisions = sa.table(
        "decisions",
        sa.column("revision_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("reviewer_id", sa.Integer),
        sa.column("decided_at", sa.DateTime(timezone=True)),
    )
    answers = sa.table(
        "section_answers",
        sa.column("assessment_id", sa.Integer),
        sa.column("slug", sa.String),
        sa.column("data", sa.JSON),
    )
    last_submitted = (
        sa.select(sa.func.max(revisions.c.created_at))
        .where(revisions.c.assessment_id == assessments.c.id)
        .scalar_subquery()
    )

    def approval(column):
        return (
            sa.select(column)
            .where(
                decisions.c.revision_id == assessments.c.approved_revision_id,
                decisions.c.kind == "approved",
            )
            .scalar_subquery()
        )

    summary = (
        sa.select(answers.c.data["summary"].as_string())
        .where(answers.c.assessment_id == assessments.c.id, answers.c.slug == "outcome")
        .scalar_subquery()
    )
    op.execute(assessments.update().values(submitted_at=last_submitted))
    op.execute(
        assessments.update()
        .where(assessments.c.approved_revision_id.is_not(None))
        .values(
            approved_at=approval(decisions.c.decided_at),
            approved_by_id=approval(decisions.c.reviewer_id),
        )
    )
    op.execute(assessments.update().values(summary=sa.func.coalesce(summary, "")))


def downgrade():
    op.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")
    op.drop_index("ix_impacts_negative", table_name="impacts")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_assessments_title")
        batch_op.drop_index("ix_assessments_review_date")
        batch_op.drop_index(batch_op.f("ix_assessments_approved_by_id"))
        batch_op.drop_index(batch_op.f("ix_assessments_approved_at"))
        batch_op.drop_index(batch_op.f("ix_assessments_submitted_at"))
        batch_op.drop_constraint(
            batch_op.f("fk_assessments_approved_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("summary")
        batch_op.drop_column("approved_by_id")
        batch_op.drop_column("approved_at")
        batch_op.drop_column("submitted_at")
