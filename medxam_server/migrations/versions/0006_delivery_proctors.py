"""Placeholder: proctors scoped to deliveries; one live attempt per taker and delivery (issue 13, findings 2 and 10).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
