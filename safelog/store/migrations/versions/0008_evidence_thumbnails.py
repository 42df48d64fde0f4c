"""thumbnails made after their evidence was recorded

Revision ID: 0008_evidence_thumbnails
Revises: 0007_approvals
Create Date: 2026-12-04 08:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_evidence_thumbnails"
down_revision = "0007_approvals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_thumbnails",
        sa.Column("evidence_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("key_no", sa.Integer(), nullable=False),
        sa.Column("thumbnail_ct", sa.LargeBinary(), nullable=True),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.Column("statement", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_evidence_thumbnails_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_evidence_thumbnails_evidence_id_evidence"),
        ),
        sa.PrimaryKeyConstraint("evidence_id", name=op.f("pk_evidence_thumbnails")),
    )
    with op.batch_alter_table("evidence_thumbnails", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_thumbnails_case_id"), ["case_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("evidence_thumbnails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_thumbnails_case_id"))
    op.drop_table("evidence_thumbnails")
