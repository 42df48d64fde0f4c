"""the school roll: batches of pupils sealed for every enrolled member

Revision ID: 0004_school_roll
Revises: 0003_sealed_authors
Create Date: 2026-12-03 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_school_roll"
down_revision = "0003_sealed_authors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roll_batches",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(), nullable=False),
        sa.Column("batch_hash", sa.LargeBinary(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("membership_seq", sa.BigInteger(), nullable=False),
        sa.Column("signer_id", sa.String(length=36), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("body_ct", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_roll_batches")),
    )


def downgrade() -> None:
    op.drop_table("roll_batches")
