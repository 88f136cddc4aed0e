"""separation of duties: a co-author removed stays on record

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 14:00:00

Removing a co-author now marks the row (``removed_at``) instead of deleting it, so the
service knows who ever helped write an EqIA (they may never sign it off). Co-authors
removed before this left no row; their adding and removal are in the audit trail.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("co_authors") as batch:
        batch.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.execute("DELETE FROM co_authors WHERE removed_at IS NOT NULL")
    with op.batch_alter_table("co_authors") as batch:
        batch.drop_column("removed_at")
