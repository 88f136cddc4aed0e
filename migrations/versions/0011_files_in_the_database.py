"""files in the database: evidence files' bytes as chunks; plan imports waiting to be confirmed

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 18:00:00

The service runs as several instances behind a load balancer, so no file that matters may
stay on one machine's disk. Upgrading copies each evidence file from the folder it was
kept in (``EQIA_UPLOAD_FOLDER``, by default ``<EQIA_INSTANCE_PATH or instance>/uploads``)
into ``evidence_file_chunks``, 1 MiB a row, and drops ``evidence_files.stored_name``. A
file that is missing, or whose bytes do not match the size and SHA-256 recorded when it
was uploaded, is logged and left with no bytes (its download says so); the folder itself
is left as it was, to be removed by hand once the upgrade has been checked.

Plan imports waiting between preview and import are kept in ``plan_import_uploads`` from
now on. Any waiting in the old folder are not carried over (they live two hours at most):
the admin is told the file has gone and uploads it again.

Downgrading writes every evidence file back into the folder, under a new random
``stored_name``, and drops both tables: plan imports waiting to be confirmed are lost.
"""

import hashlib
import logging
import os
import secrets
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CHUNK = 1024 * 1024
log = logging.getLogger("alembic.runtime.migration")

files = sa.table(
    "evidence_files",
    sa.column("id", sa.Integer),
    sa.column("stored_name", sa.String),
    sa.column("size", sa.Integer),
    sa.column("sha256", sa.String),
)
chunks = sa.table(
    "evidence_file_chunks",
    sa.column("evidence_file_id", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("data", sa.LargeBinary),
)


def _folder() -> Path:
    """Where evidence files were kept: as config.py said before this revision."""
    if folder := os.environ.get("EQIA_UPLOAD_FOLDER"):
        return Path(folder)
    default = Path(__file__).resolve().parents[2] / "instance"
    return Path(os.environ.get("EQIA_INSTANCE_PATH", default)) / "uploads"


def _move_in(bind, folder: Path, row) -> None:
    path = folder / row.stored_name
    digest, size, seq = hashlib.sha256(), 0, 0
    try:
        with path.open("rb") as file:
            while data := file.read(CHUNK):
                bind.execute(chunks.insert().values(evidence_file_id=row.id, seq=seq, data=data))
                digest.update(data)
                size += len(data)
                seq += 1
    except FileNotFoundError:
        log.warning("Evidence file %s is not in %s: it is left with no bytes", row.id, path)
        return
    if (size, digest.hexdigest()) != (row.size, row.sha256):
        bind.execute(chunks.delete().where(chunks.c.evidence_file_id == row.id))
        log.error(
            "Evidence file %s in %s is not the file that was uploaded (%s bytes, SHA-256 %s; "
            "expected %s bytes, SHA-256 %s): it is left with no bytes",
            *(row.id, path, size, digest.hexdigest(), row.size, row.sha256),
        )


def upgrade():
    op.create_table(
        "evidence_file_chunks",
        sa.Column("evidence_file_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_file_id"],
            ["evidence_files.id"],
            name="fk_evidence_file_chunks_evidence_file_id_evidence_files",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("evidence_file_id", "seq", name="pk_evidence_file_chunks"),
    )
    op.create_table(
        "plan_import_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_plan_import_uploads_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_plan_import_uploads"),
        sa.UniqueConstraint("token", name="uq_plan_import_uploads_token"),
    )
    op.create_index("ix_plan_import_uploads_user_id", "plan_import_uploads", ["user_id"])
    op.create_index("ix_plan_import_uploads_created_at", "plan_import_uploads", ["created_at"])

    bind, folder = op.get_bind(), _folder()
    for row in bind.execute(sa.select(files).order_by(files.c.id)).all():
        _move_in(bind, folder, row)
    with op.batch_alter_table("evidence_files") as batch:
        batch.drop_constraint("uq_evidence_files_stored_name", type_="unique")
        batch.drop_column("stored_name")


def downgrade():
    with op.batch_alter_table("evidence_files") as batch:
        batch.add_column(sa.Column("stored_name", sa.String(length=64), nullable=True))
    bind, folder = op.get_bind(), _folder()
    for (file_id,) in bind.execute(sa.select(files.c.id).order_by(files.c.id)).all():
        stored_name = secrets.token_hex(16)
        parts = sa.select(chunks.c.seq).where(chunks.c.evidence_file_id == file_id)
        seqs = bind.execute(parts.order_by(chunks.c.seq)).scalars().all()
        if seqs:  # one left with no bytes stays without a file, as before the upgrade
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor = os.open(folder / stored_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as out:
                for seq in seqs:
                    query = sa.select(chunks.c.data).where(
                        chunks.c.evidence_file_id == file_id, chunks.c.seq == seq
                    )
                    out.write(bind.execute(query).scalar_one())
        bind.execute(files.update().where(files.c.id == file_id).values(stored_name=stored_name))
    with op.batch_alter_table("evidence_files") as batch:
        batch.alter_column("stored_name", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint("uq_evidence_files_stored_name", ["stored_name"])
    op.drop_index("ix_plan_import_uploads_created_at", table_name="plan_import_uploads")
    op.drop_index("ix_plan_import_uploads_user_id", table_name="plan_import_uploads")
    op.drop_table("plan_import_uploads")
    op.drop_table("evidence_file_chunks")
