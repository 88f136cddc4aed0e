"""publishing: when an EqIA's signed-off record was put on the public register

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 07:30:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_assessments_published_at", ["published_at"])


def downgrade():
    with op.batch_alter_table("assessments") as batch:
        batch.drop_index("ix_assessments_published_at")
        batch.drop_column("published_at")
