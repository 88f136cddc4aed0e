"""report indexes: covering indexes for the progress report and the equality insight

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 15:35:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_impacts_report": (
        "impacts",
        ["assessment_id", "characteristic_id", "negative", "positive", "not_known"],
    ),
    "ix_objective_links_report": (
        "objective_links",
        ["assessment_id", "confirmed", "objective_id"],
    ),
    "ix_assessments_report": (
        "assessments",
        ["approved_at", "status", "approved_revision_id", "directorate_id"],
    ),
}


def upgrade():
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade():
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
