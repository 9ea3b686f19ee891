"""The reporting cycle: the change history (kept by triggers), period locks and weekly WIG commitments.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from planner.store.audit import drop_cycle_triggers, install_period_locks, install_triggers

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _record() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("batch", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=True),
        sa.Column("row_uuid", sa.Text(), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.CheckConstraint("action IN ('add', 'change', 'delete')", name="action"),
    )
    op.create_index("ix_change_log_row", "change_log", ["table_name", "row_id"])
    op.create_index("ix_change_log_at", "change_log", ["at"])
    op.create_index("ix_change_log_actor", "change_log", ["actor"])
    op.create_index("ix_change_log_batch", "change_log", ["batch"])
    op.create_index("ix_change_log_row_uuid", "change_log", ["row_uuid"])

    op.create_table(
        "period_lock",
        *_record(),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("locked_by", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.UniqueConstraint("uuid", name="uq_period_lock_uuid"),
        sa.UniqueConstraint("period_start", name="uq_period_lock_period_start"),
        sa.CheckConstraint("period_end >= period_start", name="period_order"),
    )

    op.create_table(
        "commitment",
        *_record(),
        sa.Column("wig_id", sa.Integer(),
                  sa.ForeignKey("wig.id", name="fk_commitment_wig_id_wig", ondelete="CASCADE"), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("who", sa.Text(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.UniqueConstraint("uuid", name="uq_commitment_uuid"),
    )
    op.create_index("ix_commitment_wig_id", "commitment", ["wig_id"])
    op.create_index("ix_commitment_week_start", "commitment", ["week_start"])

    install_period_locks(op.get_bind())
    install_triggers(op.get_bind())


def downgrade() -> None:
    drop_cycle_triggers(op.get_bind())
    op.drop_table("commitment")
    op.drop_table("period_lock")
    op.drop_table("change_log")
