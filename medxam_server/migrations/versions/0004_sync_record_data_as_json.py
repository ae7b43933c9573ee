"""sync_records.data as json, not jsonb, on PostgreSQL (B4).

A record's data is only ever stored and read back whole: nothing queries inside it or
compares it. ``json`` keeps the text as sent (already canonical JSON) after checking it,
where ``jsonb`` also converts it to its binary form: about 1 ms of the database's CPU per
1000 records of every batch on the reference machine, a sixth of the bare COPY.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":  # SQLite keeps JSON as text already
        op.execute("ALTER TABLE sync_records ALTER COLUMN data TYPE json USING data::json")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE sync_records ALTER COLUMN data TYPE jsonb USING data::jsonb")
