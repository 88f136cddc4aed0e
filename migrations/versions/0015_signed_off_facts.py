"""signed-off facts: what the public register lists and filters on, per signed-off revision

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 08:00:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_revisions = sa.table(
    "revisions",
    sa.column("id", sa.Integer),
    sa.column("assessment_id", sa.Integer),
    sa.column("snapshot", sa.JSON),
)
_decisions = sa.table(
    "decisions",
    sa.column("revision_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("decided_at", sa.DateTime(timezone=True)),
)


def _negatives(snapshot: dict) -> set[str]:
    return {
        impact["characteristic"]["code"]
        for section in snapshot.get("sections", [])
        for impact in section.get("impacts", [])
        if any(kind["code"] == "negative" for kind in impact.get("kinds", []))
    }


def _backfill(facts: sa.Table, negatives: sa.Table) -> None:
    """Every revision signed off so far, from its snapshot, as the workflow now does."""
    connection = op.get_bind()
    signed_off = connection.execute(
        sa.select(
            _revisions.c.id,
            _revisions.c.assessment_id,
            _revisions.c.snapshot,
            _decisions.c.decided_at,
        )
        .join(_decisions, _decisions.c.revision_id == _revisions.c.id)
        .where(_decisions.c.kind == "approved")
        .execution_options(yield_per=200)
    )
    for row in signed_off:
        snapshot, directorate = row.snapshot, row.snapshot.get("directorate")
        connection.execute(
            facts.insert().values(
                revision_id=row.id,
                assessment_id=row.assessment_id,
                reference=snapshot["reference"],
                title=snapshot["title"][:300],
                summary=snapshot.get("summary") or "",
                directorate_id=int(directorate["code"]) if directorate else None,
                directorate=directorate["label"][:200] if directorate else "",
                signed_off_at=row.decided_at,
            )
        )
        for code in sorted(_negatives(snapshot)):
            connection.execute(negatives.insert().values(revision_id=row.id, characteristic=code))


def upgrade():
    facts = op.create_table(
        "signed_off_revisions",
        sa.Column("revision_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("directorate_id", sa.Integer(), nullable=True),
        sa.Column("directorate", sa.String(length=200), nullable=False),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name="fk_signed_off_revisions_assessment_id_assessments",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"], ["revisions.id"], name="fk_signed_off_revisions_revision_id_revisions"
        ),
        sa.PrimaryKeyConstraint("revision_id", name="pk_signed_off_revisions"),
    )
    op.create_index(
        "ix_signed_off_revisions_assessment_id", "signed_off_revisions", ["assessment_id"]
    )
    op.create_index(
        "ix_signed_off_revisions_directorate_id", "signed_off_revisions", ["directorate_id"]
    )
    op.create_index(
        "ix_signed_off_revisions_signed_off_at", "signed_off_revisions", ["signed_off_at"]
    )
    negatives = op.create_table(
        "signed_off_negatives",
        sa.Column("revision_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("characteristic", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"], ["revisions.id"], name="fk_signed_off_negatives_revision_id_revisions"
        ),
        sa.PrimaryKeyConstraint("revision_id", "characteristic", name="pk_signed_off_negatives"),
    )
    op.create_index(
        "ix_signed_off_negatives_characteristic", "signed_off_negatives", ["characteristic"]
    )
    published = sa.text("published_at IS NOT NULL")
    op.create_index(
        "ix_assessments_public_register",
        "assessments",
        ["published_at", "approved_revision_id", "status"],
        sqlite_where=published,
        postgresql_where=published,
    )
    _backfill(facts, negatives)


def downgrade():
    op.drop_index("ix_assessments_public_register", table_name="assessments")
    op.drop_index("ix_signed_off_negatives_characteristic", table_name="signed_off_negatives")
    op.drop_table("signed_off_negatives")
    op.drop_index("ix_signed_off_revisions_signed_off_at", table_name="signed_off_revisions")
    op.drop_index("ix_signed_off_revisions_directorate_id", table_name="signed_off_revisions")
    op.drop_index("ix_signed_off_revisions_assessment_id", table_name="signed_off_revisions")
    op.drop_table("signed_off_revisions")
