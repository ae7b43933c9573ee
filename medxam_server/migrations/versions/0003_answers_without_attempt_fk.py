"""attempt_questions without a foreign key to attempts (B4: the per-row key check was
about a third of the server's cost of inserting a batch's answers).

Attempts are never deleted (deliveries restrict it), and every answer row is written by
ingest or endpoint 6 for an attempt it has just read or created.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

FK = "fk_attempt_questions_attempt_id_attempts"


def upgrade() -> None:
    with op.batch_alter_table("attempt_questions") as batch:
        batch.drop_constraint(FK, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("attempt_questions") as batch:
        batch.create_foreign_key(FK, "attempts", ["attempt_id"], ["id"], ondelete="CASCADE")
