"""Workstations bound to their owner and key; workstation_events (issue 13, findings 3 and 5).

- ``workstations.owner_id``: who registered the key or first pushed; filled for the
  workstations already known from their first batch that was a push.
- ``workstation_events``: key registrations and replacements, owner handovers, attempt
  handovers (who, when, why).
- A weak key registered before keys were checked (all zeros, a point of small order, not
  a point of the curve) is withdrawn: kept in a ``key_withdrawn`` event, the column
  emptied. Its workstation then pushes as one without a key (its owner only) until a good
  key is registered. Nothing else changes; attempts already bound to their workstation
  (``attempts.workstation_id``) stay as they are.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

import base64
import binascii

import sqlalchemy as sa
from alembic import op

from medxam_server.rules.ed25519 import key_problem

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workstations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.Uuid(as_uuid=False), nullable=True))
    op.create_table(
        "workstation_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workstation_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("attempt_id", sa.Uuid(as_uuid=False), nullable=True),
        sa.Column("old_value", sa.String(length=64), nullable=True),
        sa.Column("new_value", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by_user_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["users.id"], name=op.f("fk_workstation_events_by_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workstation_events")),
    )
    with op.batch_alter_table("workstation_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workstation_events_workstation_id"), ["workstation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_workstation_events_attempt_id"), ["attempt_id"], unique=False
        )
    _backfill_owners()
    _withdraw_weak_keys()


def _backfill_owners() -> None:
    """A known workstation's owner: the user of its earliest pushed batch."""
    op.execute(
        """
        UPDATE workstations SET owner_id = (
            SELECT b.user_id FROM sync_batches b
            WHERE b.workstation_id = workstations.id AND b.source = 'push'
            ORDER BY b.created_at, b.id LIMIT 1
        )
        WHERE owner_id IS NULL
        """
    )


def _withdraw_weak_keys() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT w.id, w.public_key, w.owner_id, "
            "(SELECT u.id FROM users u WHERE u.role = 'admin' ORDER BY u.created_at LIMIT 1) "
            "FROM workstations w WHERE w.public_key IS NOT NULL"
        )
    ).all()
    for ws_id, public_key, owner_id, an_admin in rows:
        try:
            raw = base64.b64decode(public_key, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        problem = key_problem(raw)
        if problem is None:
            continue
        by = owner_id or an_admin
        if by is not None:  # the event needs a user; without any, the key is still withdrawn
            bind.execute(
                sa.text(
                    "INSERT INTO workstation_events "
                    "(workstation_id, kind, old_value, reason, by_user_id, at) "
                    "VALUES (:ws, 'key_withdrawn', :old, :reason, :by, CURRENT_TIMESTAMP)"
                ),
                {"ws": ws_id, "old": public_key, "reason": f"migration 0007: {problem}", "by": by},
            )
        bind.execute(
            sa.text(
                "UPDATE workstations SET public_key = NULL, key_registered_at = NULL WHERE id = :ws"
            ),
            {"ws": ws_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("workstation_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workstation_events_attempt_id"))
        batch_op.drop_index(batch_op.f("ix_workstation_events_workstation_id"))
    op.drop_table("workstation_events")
    with op.batch_alter_table("workstations", schema=None) as batch_op:
        batch_op.drop_column("owner_id")
