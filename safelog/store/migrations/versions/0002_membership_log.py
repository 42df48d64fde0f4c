"""membership log; receipts; audit entries name the case version or evidence item

Revision ID: 0002_membership_log
Revises: 0001_baseline
Create Date: 2026-12-02 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_membership_log"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "membership",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(), nullable=False),
        sa.Column("entry_hash", sa.LargeBinary(), nullable=False),
        sa.Column("signer", sa.String(length=80), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_membership")),
    )
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("item_ref", sa.String(length=80), nullable=True))
    op.create_table(
        "receipts",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("slot_ct", sa.LargeBinary(), nullable=False),
        sa.Column("summary_ct", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_receipts_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_receipts")),
    )


def downgrade() -> None:
    op.drop_table("receipts")
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_column("item_ref")
    op.drop_table("membership")
