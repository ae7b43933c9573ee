"""Proctors scoped to deliveries; one live attempt per taker and delivery (issue 13,
findings 2 and 10).

- ``delivery_proctors`` (delivery, proctor, who assigned them, when). So that nothing
  breaks on upgrade, every existing proctor is assigned to every existing delivery (what
  each could see before); an admin then narrows the sets (docs/operations.md).
- ``attempts.sitting``: 1 for a taker's attempt in a delivery, 2, 3, ... for an admin's
  re-sit after a terminated attempt, unique with (delivery_id, taker_id). Attempts that
  already repeat a taker in a delivery (made before this fix) are kept, all of them: they
  are numbered 1, 2, ... in the order they started, so the index can be built.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_NUMBER_REPEATS = """
UPDATE attempts SET sitting = (
    SELECT ranked.n FROM (
        SELECT id, row_number() OVER (
            PARTITION BY delivery_id, taker_id ORDER BY started_at, id
        ) AS n
        FROM attempts
    ) AS ranked
    WHERE ranked.id = attempts.id
)
WHERE EXISTS (
    SELECT 1 FROM attempts AS other
    WHERE other.delivery_id = attempts.delivery_id
      AND other.taker_id = attempts.taker_id
      AND other.id <> attempts.id
)
"""

_ASSIGN_EVERY_PROCTOR = """
INSERT INTO delivery_proctors (delivery_id, user_id, assigned_by, assigned_at)
SELECT deliveries.id, users.id, NULL, CURRENT_TIMESTAMP
FROM deliveries CROSS JOIN users
WHERE users.role = 'proctor'
"""


def upgrade() -> None:
    op.create_table(
        "delivery_proctors",
        sa.Column("delivery_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("user_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("assigned_by", sa.Uuid(as_uuid=False), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_delivery_proctors_delivery_id_deliveries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_delivery_proctors_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by"],
            ["users.id"],
            name=op.f("fk_delivery_proctors_assigned_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("delivery_id", "user_id", name=op.f("pk_delivery_proctors")),
    )
    op.create_index(
        op.f("ix_delivery_proctors_user_id"), "delivery_proctors", ["user_id"], unique=False
    )
    op.execute(_ASSIGN_EVERY_PROCTOR)

    op.add_column(
        "attempts", sa.Column("sitting", sa.Integer(), server_default="1", nullable=False)
    )
    op.execute(_NUMBER_REPEATS)
    op.create_index(
        "uq_attempts_delivery_taker_sitting",
        "attempts",
        ["delivery_id", "taker_id", "sitting"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_attempts_delivery_taker_sitting", table_name="attempts")
    with op.batch_alter_table("attempts") as batch_op:
        batch_op.drop_column("sitting")
    op.drop_index(op.f("ix_delivery_proctors_user_id"), table_name="delivery_proctors")
    op.drop_table("delivery_proctors")
