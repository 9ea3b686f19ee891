"""Plan years: a strategic plan keeps its frame once and one annual plan per school year.

Each plan's current annual plan (plan.plan_year, year_start, year_end) becomes its first `plan_year` row;
every WIG and performance measure of the plan belongs to it. WIGs, key levers and measures get a lineage
(the UUID of the first year's row, shared by every later copy) and the row they were carried from.

The new columns carry foreign keys, so batch mode copies and moves `wig`, `key_lever` and
`performance_measure` (migrate.py runs every revision with foreign keys off, so dropping the old copy
cascades nothing); the plan's old columns are dropped in place. The history triggers are dropped first
(SQLite refuses to drop a column a trigger names) and reinstalled from the new columns at the end.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from planner.store.audit import drop_triggers, install_triggers

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    drop_triggers(bind)
    op.create_table(
        "plan_year",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("plan.id", name="fk_plan_year_plan_id_plan",
                                                         ondelete="CASCADE"), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("carried_from_id", sa.Integer(),
                  sa.ForeignKey("plan_year.id", name="fk_plan_year_carried_from_id_plan_year", ondelete="SET NULL"),
                  nullable=True),
        sa.UniqueConstraint("uuid", name="uq_plan_year_uuid"),
        sa.UniqueConstraint("plan_id", "label", name="uq_plan_year_plan_id_label"),
        sa.CheckConstraint("end_date > start_date", name="ck_plan_year_ordered"),
    )
    op.create_index("ix_plan_year_plan_id", "plan_year", ["plan_id"])
    for table in ("wig", "key_lever", "performance_measure"):
        with op.batch_alter_table(table) as batch:
            if table != "key_lever":
                batch.add_column(sa.Column("year_id", sa.Integer(), sa.ForeignKey(
                    "plan_year.id", name=f"fk_{table}_year_id_plan_year", ondelete="CASCADE"), nullable=True))
                batch.create_index(f"ix_{table}_year_id", ["year_id"])
            batch.add_column(sa.Column("carried_from_id", sa.Integer(), sa.ForeignKey(
                f"{table}.id", name=f"fk_{table}_carried_from_id_{table}", ondelete="SET NULL"), nullable=True))
            batch.add_column(sa.Column("lineage_uuid", sa.Uuid(), nullable=True))
            batch.create_index(f"ix_{table}_lineage_uuid", ["lineage_uuid"])
            if table == "performance_measure":  # one quantity of a WIG that names several
                batch.add_column(sa.Column("goal_baseline", sa.Float(), nullable=True))
                batch.add_column(sa.Column("goal_target", sa.Float(), nullable=True))
            if table == "wig":  # a goal can now keep a level ("Maintain a 100% success rate")
                batch.add_column(sa.Column("relative_change", sa.Float(), nullable=True))
                batch.drop_constraint(op.f("ck_wig_direction"), type_="check")
                batch.create_check_constraint("direction", "direction IN ('increase', 'decrease', 'maintain')")
        op.execute(f"UPDATE {table} SET lineage_uuid = uuid")

    # Each plan with a year becomes a plan with its first year. The UUID is made in SQL so the revision
    # needs no Python per row: on SQLite 32 hex digits, the form the Uuid column stores there.
    # On PostgreSQL the same in its own words: a native UUID, to_char for the year.
    if bind.dialect.name == "postgresql":
        new_uuid, year_of = "gen_random_uuid()", "to_char({}, 'YYYY')"
    else:
        new_uuid, year_of = "lower(hex(randomblob(16)))", "strftime('%Y', {})"
    op.execute(
        "INSERT INTO plan_year (uuid, created_at, updated_at, plan_id, label, start_date, end_date) "
        f"SELECT {new_uuid}, created_at, updated_at, id, "
        "CASE WHEN plan_year <> '' THEN plan_year "
        f"ELSE {year_of.format('year_start')} || '-' || substr({year_of.format('year_end')}, 3, 2) END, "
        "year_start, year_end FROM plan "
        "WHERE year_start IS NOT NULL AND year_end IS NOT NULL AND year_end > year_start")
    plan_of_wig = (
        "COALESCE((SELECT p.plan_id FROM strategy s JOIN priority r ON s.priority_id = r.id "
        "JOIN pillar p ON r.pillar_id = p.id WHERE s.id = {t}.strategy_id), "
        "(SELECT d.plan_id FROM department d WHERE d.id = {t}.department_id))")
    op.execute("UPDATE wig SET year_id = (SELECT y.id FROM plan_year y WHERE y.plan_id = "
               + plan_of_wig.format(t="wig") + ")")
    op.execute("UPDATE performance_measure SET year_id = COALESCE("
               "(SELECT w.year_id FROM wig w WHERE w.id = performance_measure.wig_id), "
               "(SELECT y.id FROM plan_year y WHERE y.plan_id = " + plan_of_wig.format(t="performance_measure")
               + "))")
    for column in ("plan_year", "year_start", "year_end"):
        op.execute(f"ALTER TABLE plan DROP COLUMN {column}")
    install_triggers(bind)


def downgrade() -> None:
    bind = op.get_bind()
    drop_triggers(bind)
    op.execute("ALTER TABLE plan ADD COLUMN plan_year TEXT NOT NULL DEFAULT ''")
    op.execute("ALTER TABLE plan ADD COLUMN year_start DATE")
    op.execute("ALTER TABLE plan ADD COLUMN year_end DATE")
    op.execute("UPDATE plan SET (plan_year, year_start, year_end) = (SELECT label, start_date, end_date "
               "FROM plan_year y WHERE y.plan_id = plan.id ORDER BY start_date DESC LIMIT 1) "
               "WHERE EXISTS (SELECT 1 FROM plan_year y WHERE y.plan_id = plan.id)")
    op.execute("UPDATE wig SET direction = 'increase' WHERE direction = 'maintain'")
    for table in ("wig", "key_lever", "performance_measure"):
        with op.batch_alter_table(table) as batch:
            if table == "wig":
                batch.drop_constraint(op.f("ck_wig_direction"), type_="check")
                batch.create_check_constraint("direction", "direction IN ('increase', 'decrease')")
                batch.drop_column("relative_change")
            batch.drop_index(f"ix_{table}_lineage_uuid")
            batch.drop_column("lineage_uuid")
            batch.drop_column("carried_from_id")
            if table == "performance_measure":
                batch.drop_column("goal_target")
                batch.drop_column("goal_baseline")
            if table != "key_lever":
                batch.drop_index(f"ix_{table}_year_id")
                batch.drop_column("year_id")
    op.drop_table("plan_year")
    install_triggers(bind)
