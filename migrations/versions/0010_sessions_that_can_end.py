"""sessions that can end: a row for each signed-in session; one kept form per person and page

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 15:00:00

A signed-in cookie now names a ``sign_ins`` row, which signing out, a new password,
deactivation and losing a role end. Cookies from before carry no such token, so everyone
signs in again once after the upgrade. Answers kept after a session ended are now one
per person and page.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("device", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_sign_ins_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sign_ins"),
        sa.UniqueConstraint("token_hash", name="uq_sign_ins_token_hash"),
    )
    op.create_index("ix_sign_ins_user_id", "sign_ins", ["user_id"])
    # Keep the newest of any kept forms for the same person and page.
    op.execute(
        "DELETE FROM pending_submissions WHERE EXISTS (SELECT 1 FROM pending_submissions AS p "
        "WHERE p.user_id = pending_submissions.user_id AND p.path = pending_submissions.path "
        "AND (p.created_at > pending_submissions.created_at OR (p.created_at = "
        "pending_submissions.created_at AND p.token > pending_submissions.token)))"
    )
    with op.batch_alter_table("pending_submissions") as batch:
        batch.create_unique_constraint("uq_pending_submissions_user_id", ["user_id", "path"])


def downgrade():
    with op.batch_alter_table("pending_submissions") as batch:
        batch.drop_constraint("uq_pending_submissions_user_id", type_="unique")
    op.drop_index("ix_sign_ins_user_id", table_name="sign_ins")
    op.drop_table("sign_ins")
