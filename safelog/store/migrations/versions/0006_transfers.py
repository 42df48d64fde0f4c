"""child protection file transfers: rows sealed for the DSL role

Revision ID: 0006_transfers
Revises: 0004_school_roll
Create Date: 2026-12-03 23:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_transfers"
down_revision = "0004_school_roll"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfers",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(), nullable=False),
        sa.Column("row_hash", sa.LargeBinary(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("membership_seq", sa.BigInteger(), nullable=False),
        sa.Column("signer_id", sa.String(length=36), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("body_ct", sa.LargeBinary(), nullable=False),
        sa.Column("parts_hash", sa.LargeBinary(), nullable=False),
        sa.Column("parts_ct", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_transfers")),
    )


def downgrade() -> None:
    op.drop_table("transfers")
