"""single sign-on and MFA: who people are at the council's provider, authenticator apps,
recovery codes, break-glass admins, and settings admins change in the service

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 22:00:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("oidc_issuer", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("oidc_subject", sa.String(length=255), nullable=True))
        batch.add_column(
            sa.Column("break_glass", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("totp_secret", sa.String(length=64), server_default="", nullable=False)
        )
        batch.add_column(sa.Column("totp_confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch.create_unique_constraint("uq_users_oidc_issuer", ["oidc_issuer", "oidc_subject"])
    with op.batch_alter_table("sign_ins") as batch:
        batch.add_column(sa.Column("id_token", sa.Text(), nullable=True))
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=255), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_recovery_codes_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_recovery_codes"),
    )
    op.create_index("ix_recovery_codes_user_id", "recovery_codes", ["user_id"])
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name="fk_settings_updated_by_id_users"
        ),
        sa.PrimaryKeyConstraint("key", name="pk_settings"),
    )


def downgrade():
    op.drop_table("settings")
    op.drop_index("ix_recovery_codes_user_id", table_name="recovery_codes")
    op.drop_table("recovery_codes")
    with op.batch_alter_table("sign_ins") as batch:
        batch.drop_column("id_token")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_oidc_issuer", type_="unique")
        for column in (
            "totp_last_step",
            "totp_confirmed_at",
            "totp_secret",
            "break_glass",
            "oidc_subject",
            "oidc_issuer",
        ):
            batch.drop_column(column)
