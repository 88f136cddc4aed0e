"""programmes: EqIAs decided together, so that their impacts can be read side by side

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 03:00:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "programmes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_programmes"),
        sa.UniqueConstraint("name", name="uq_programmes_name"),
    )
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("programme_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_assessments_programme_id_programmes", "programmes", ["programme_id"], ["id"]
        )
        batch.create_index("ix_assessments_programme_id", ["programme_id"])


def downgrade():
    with op.batch_alter_table("assessments") as batch:
        batch.drop_index("ix_assessments_programme_id")
        batch.drop_constraint("fk_assessments_programme_id_programmes", type_="foreignkey")
        batch.drop_column("programme_id")
    op.drop_table("programmes")
