"""sealed records: the signed PDF kept at sign-off; decisions keep their links; evidence kept

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 12:00:00

Signed-off revisions before this have no sealed record: ``flask --app eqia
seal-records`` seals them (a first download does too). Their decisions have no
frozen links; their records print the links of the revision as it was submitted.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sealed_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("certificate_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.Column("audit_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["revisions.id"],
            name=op.f("fk_sealed_records_revision_id_revisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sealed_records")),
        sa.UniqueConstraint("revision_id", name=op.f("uq_sealed_records_revision_id")),
    )
    op.add_column("decisions", sa.Column("links", sa.JSON(), nullable=True))
    with op.batch_alter_table("evidence_files") as batch:
        batch.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("removed_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_evidence_files_removed_by_id_users"), "users", ["removed_by_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("evidence_files") as batch:
        batch.drop_constraint("fk_evidence_files_removed_by_id_users", type_="foreignkey")
        batch.drop_column("removed_by_id")
        batch.drop_column("removed_at")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("links")
    op.drop_table("sealed_records")
