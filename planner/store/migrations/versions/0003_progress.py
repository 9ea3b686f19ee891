"""Progress: status rules per plan, WIG weights, evidence on measurements, interim targets, one value per period.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _one_per_period(table: str) -> None:
    for subject in ("measure", "wig"):
        op.create_index(f"uq_{table}_{subject}_period", table, [f"{subject}_id", "period_start"], unique=True,
                        sqlite_where=sa.text(f"{subject}_id IS NOT NULL"),
                        postgresql_where=sa.text(f"{subject}_id IS NOT NULL"))


def upgrade() -> None:
    with op.batch_alter_table("plan") as batch:
        batch.add_column(sa.Column("on_track_tolerance", sa.Float(), nullable=False, server_default="0.05"))
        batch.add_column(sa.Column("at_risk_tolerance", sa.Float(), nullable=False, server_default="0.15"))
        batch.add_column(sa.Column("rollup_rule", sa.String(16), nullable=False, server_default="worst"))
        batch.add_column(sa.Column("rollup_on_track", sa.Float(), nullable=False, server_default="0.8"))
        batch.add_column(sa.Column("rollup_at_risk", sa.Float(), nullable=False, server_default="0.6"))
    with op.batch_alter_table("wig") as batch:
        batch.add_column(sa.Column("weight", sa.Float(), nullable=False, server_default="1.0"))
    with op.batch_alter_table("performance_measure") as batch:
        batch.add_column(sa.Column("allow_over_100", sa.Boolean(), nullable=False, server_default="0"))
    with op.batch_alter_table("measurement") as batch:
        batch.add_column(sa.Column("evidence", sa.Text(), nullable=False, server_default=""))
    # Two values for one period would make "the latest value" ambiguous; keep the newest of any duplicates.
    op.execute("DELETE FROM measurement WHERE id NOT IN (SELECT MAX(id) FROM measurement "
               "GROUP BY COALESCE(measure_id, -1), COALESCE(wig_id, -1), period_start)")
    _one_per_period("measurement")

    op.create_table(
        "interim_target",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("measure_id", sa.Integer(),
                  sa.ForeignKey("performance_measure.id", name="fk_interim_target_measure_id_performance_measure",
                                ondelete="CASCADE"), nullable=True),
        sa.Column("wig_id", sa.Integer(),
                  sa.ForeignKey("wig.id", name="fk_interim_target_wig_id_wig", ondelete="CASCADE"), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.UniqueConstraint("uuid", name="uq_interim_target_uuid"),
        sa.CheckConstraint("(measure_id IS NULL) <> (wig_id IS NULL)", name="one_subject"),
        sa.CheckConstraint("period_end >= period_start", name="period_order"),
    )
    op.create_index("ix_interim_target_measure_id", "interim_target", ["measure_id"])
    op.create_index("ix_interim_target_wig_id", "interim_target", ["wig_id"])
    _one_per_period("interim_target")


def downgrade() -> None:
    op.drop_table("interim_target")
    for subject in ("measure", "wig"):
        op.drop_index(f"uq_measurement_{subject}_period", "measurement")
    with op.batch_alter_table("measurement") as batch:
        batch.drop_column("evidence")
    with op.batch_alter_table("performance_measure") as batch:
        batch.drop_column("allow_over_100")
    with op.batch_alter_table("wig") as batch:
        batch.drop_column("weight")
    with op.batch_alter_table("plan") as batch:
        for column in ("rollup_at_risk", "rollup_on_track", "rollup_rule", "at_risk_tolerance",
                       "on_track_tolerance"):
            batch.drop_column(column)
