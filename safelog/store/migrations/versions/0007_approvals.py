"""requests that wait for a decision (blocked content, family links, monitoring)

Revision ID: 0007_approvals
Revises: 0006_transfers
Create Date: 2026-12-04 05:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_approvals"
down_revision = "0006_transfers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(), nullable=False),
        sa.Column("row_hash", sa.LargeBinary(), nullable=False),
        sa.Column("request_seq", sa.BigInteger(), nullable=False),
        sa.Column("audience_id", sa.String(length=36), nullable=False),
        sa.Column("membership_seq", sa.BigInteger(), nullable=False),
        sa.Column("signer_id", sa.String(length=36), nullable=False),
        sa.Column("body_ct", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_approvals")),
    )


def downgrade() -> None:
    op.drop_table("approvals")
