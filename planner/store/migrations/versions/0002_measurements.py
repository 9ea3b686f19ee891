"""Measurements: a logged value of a performance measure or a WIG for one period.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "measurement",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("measure_id", sa.Integer(),
                  sa.ForeignKey("performance_measure.id", name="fk_measurement_measure_id_performance_measure",
                                ondelete="CASCADE"),
                  nullable=True),
        sa.Column("wig_id", sa.Integer(),
                  sa.ForeignKey("wig.id", name="fk_measurement_wig_id_wig", ondelete="CASCADE"), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("entered_by", sa.Text(), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("uuid", name="uq_measurement_uuid"),
        sa.CheckConstraint("(measure_id IS NULL) <> (wig_id IS NULL)", name="one_subject"),
        sa.CheckConstraint("period_end >= period_start", name="period_order"),
        sa.CheckConstraint("value IS NOT NULL OR done IS NOT NULL", name="has_value"),
    )
    op.create_index("ix_measurement_measure_id", "measurement", ["measure_id"])
    op.create_index("ix_measurement_wig_id", "measurement", ["wig_id"])


def downgrade() -> None:
    op.drop_table("measurement")
