"""Value sums: each goal's and measure's logged values summed up by the database (planner.model.ValueSums),
kept by triggers on `measurement` (planner/store/value_sums.py), so a whole plan's statuses read a row a
goal, not every value (at ten times the district, 2,000,000 values: the statuses' one pass over them was
most of what Due Now and the scoreboard waited for). The table is filled from the values there are. The
values get an index by subject and period end in place of the one by subject alone.

On a server the sums are read by everyone and written by the triggers only: row-level security lets every
role read them, no granted role may write them (planner/store/rights_pg.py, READ_ONLY).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from planner.store import rights_pg, value_sums

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "value_sums",
        sa.Column("subject", sa.String(1), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("newest", sa.Date(), nullable=True),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("sx", sa.Float(), nullable=False),
        sa.Column("sy", sa.Float(), nullable=False),
        sa.Column("sxx", sa.Float(), nullable=False),
        sa.Column("sxy", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("subject", "subject_id", name="pk_value_sums"),
    )
    # the values by subject and period end (the few rows on the days the sums name are read by them), in place
    # of the indexes by subject alone, which they cover
    op.create_index("ix_measurement_measure_end", "measurement", ["measure_id", "period_end"])
    op.create_index("ix_measurement_wig_end", "measurement", ["wig_id", "period_end"])
    op.drop_index("ix_measurement_measure_id", "measurement")
    op.drop_index("ix_measurement_wig_id", "measurement")
    bind = op.get_bind()
    value_sums.refill(bind)
    value_sums.install(bind)
    if bind.dialect.name == "postgresql":
        rights_pg.read_only_table(bind, "value_sums")
        rights_pg.install_adding_checks(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        rights_pg.drop_adding_checks(bind)
    value_sums.drop(bind)
    op.drop_table("value_sums")
    op.create_index("ix_measurement_measure_id", "measurement", ["measure_id"])
    op.create_index("ix_measurement_wig_id", "measurement", ["wig_id"])
    op.drop_index("ix_measurement_measure_end", "measurement")
    op.drop_index("ix_measurement_wig_end", "measurement")
