"""authors of what is written under a case's first key are sealed, not in the clear

Who wrote a report's versions and evidence, and who made its reader group, is sealed with
the key of what they wrote (DESIGN §3.5, least metadata): those author columns are empty
for such rows, so they can no longer be required or refer to a user.

Revision ID: 0003_sealed_authors
Revises: 0002_membership_log
Create Date: 2026-12-02 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_sealed_authors"
down_revision = "0002_membership_log"
branch_labels = None
depends_on = None

_AUTHOR_COLUMNS = (
    ("case_versions", "author_id", "fk_case_versions_author_id_users"),
    ("evidence", "added_by", "fk_evidence_added_by_users"),
    ("audiences", "signer_id", "fk_audiences_signer_id_users"),
)


def upgrade() -> None:
    for table, column, constraint in _AUTHOR_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(constraint, type_="foreignkey")
            batch_op.alter_column(column, existing_type=sa.String(length=36), nullable=True)


def downgrade() -> None:
    for table, column, constraint in _AUTHOR_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.String(length=36), nullable=False)
            batch_op.create_foreign_key(constraint, "users", [column], ["id"])
