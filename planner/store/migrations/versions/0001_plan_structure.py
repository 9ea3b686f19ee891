"""The plan structure: plan frame, pillars to key levers, divisions, departments, performance measures.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _record() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    ]


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def upgrade() -> None:
    op.create_table(
        "plan",
        *_record(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("period_label", sa.Text(), nullable=False),
        sa.Column("plan_year", sa.Text(), nullable=False),
        sa.Column("year_start", sa.Date(), nullable=True),
        sa.Column("year_end", sa.Date(), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("level_names", sa.JSON(), nullable=False),
        sa.Column("mission", sa.Text(), nullable=False),
        sa.Column("vision", sa.Text(), nullable=False),
        sa.Column("strategy_statement", sa.Text(), nullable=False),
        sa.Column("tagline", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.UniqueConstraint("uuid", name="uq_plan_uuid"),
    )
    for table in ("district_goal", "guardrail"):
        op.create_table(
            table,
            *_record(),
            sa.Column("plan_id", sa.Integer(),
                      sa.ForeignKey("plan.id", name=f"fk_{table}_plan_id_plan", ondelete="CASCADE"),
                      nullable=False),
            sa.Column("position", sa.Integer(), nullable=False),
            sa.Column("name", sa.Text(), nullable=False),
            sa.UniqueConstraint("uuid", name=f"uq_{table}_uuid"),
        )
        op.create_index(f"ix_{table}_plan_id", table, ["plan_id"])

    op.create_table(
        "division",
        *_record(),
        sa.Column("plan_id", sa.Integer(),
                  sa.ForeignKey("plan.id", name="fk_division_plan_id_plan", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("annual_plan_title", sa.Text(), nullable=False),
        sa.UniqueConstraint("uuid", name="uq_division_uuid"),
        sa.UniqueConstraint("plan_id", "name", name="uq_division_plan_id_name"),
    )
    op.create_index("ix_division_plan_id", "division", ["plan_id"])

    op.create_table(
        "department",
        *_record(),
        sa.Column("plan_id", sa.Integer(),
                  sa.ForeignKey("plan.id", name="fk_department_plan_id_plan", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("division_id", sa.Integer(),
                  sa.ForeignKey("division.id", name="fk_department_division_id_division", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.UniqueConstraint("uuid", name="uq_department_uuid"),
        sa.UniqueConstraint("plan_id", "name", name="uq_department_plan_id_name"),
    )
    op.create_index("ix_department_plan_id", "department", ["plan_id"])
    op.create_index("ix_department_division_id", "department", ["division_id"])

    op.create_table(
        "pillar",
        *_record(),
        sa.Column("plan_id", sa.Integer(),
                  sa.ForeignKey("plan.id", name="fk_pillar_plan_id_plan", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("commitment", sa.Text(), nullable=False),
        sa.Column("tagline", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.UniqueConstraint("uuid", name="uq_pillar_uuid"),
        sa.UniqueConstraint("plan_id", "code", name="uq_pillar_plan_id_code"),
    )
    op.create_index("ix_pillar_plan_id", "pillar", ["plan_id"])

    op.create_table(
        "priority",
        *_record(),
        sa.Column("pillar_id", sa.Integer(),
                  sa.ForeignKey("pillar.id", name="fk_priority_pillar_id_pillar", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.UniqueConstraint("uuid", name="uq_priority_uuid"),
        sa.UniqueConstraint("pillar_id", "code", name="uq_priority_pillar_id_code"),
    )
    op.create_index("ix_priority_pillar_id", "priority", ["pillar_id"])

    op.create_table(
        "strategy",
        *_record(),
        sa.Column("priority_id", sa.Integer(),
                  sa.ForeignKey("priority.id", name="fk_strategy_priority_id_priority", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("division_id", sa.Integer(),
                  sa.ForeignKey("division.id", name="fk_strategy_division_id_division", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.UniqueConstraint("uuid", name="uq_strategy_uuid"),
        sa.UniqueConstraint("priority_id", "code", name="uq_strategy_priority_id_code"),
    )
    op.create_index("ix_strategy_priority_id", "strategy", ["priority_id"])
    op.create_index("ix_strategy_division_id", "strategy", ["division_id"])

    op.create_table(
        "strategy_collaborator",
        sa.Column("strategy_id", sa.Integer(),
                  sa.ForeignKey("strategy.id", name="fk_strategy_collaborator_strategy_id_strategy",
                                ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("department_id", sa.Integer(),
                  sa.ForeignKey("department.id", name="fk_strategy_collaborator_department_id_department",
                                ondelete="CASCADE"),
                  primary_key=True),
    )

    op.create_table(
        "wig",
        *_record(),
        sa.Column("strategy_id", sa.Integer(),
                  sa.ForeignKey("strategy.id", name="fk_wig_strategy_id_strategy", ondelete="CASCADE"),
                  nullable=True),
        sa.Column("department_id", sa.Integer(),
                  sa.ForeignKey("department.id", name="fk_wig_department_id_department", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("department_position", sa.Integer(), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("kind", _enum("wig_kind", "number", "percent", "milestone"), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("direction", _enum("direction", "increase", "decrease"), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.UniqueConstraint("uuid", name="uq_wig_uuid"),
        sa.CheckConstraint("strategy_id IS NOT NULL OR department_id IS NOT NULL", name="has_owner"),
    )
    op.create_index("ix_wig_strategy_id", "wig", ["strategy_id"])
    op.create_index("ix_wig_department_id", "wig", ["department_id"])

    op.create_table(
        "key_lever",
        *_record(),
        sa.Column("wig_id", sa.Integer(),
                  sa.ForeignKey("wig.id", name="fk_key_lever_wig_id_wig", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.UniqueConstraint("uuid", name="uq_key_lever_uuid"),
    )
    op.create_index("ix_key_lever_wig_id", "key_lever", ["wig_id"])

    op.create_table(
        "performance_measure",
        *_record(),
        sa.Column("wig_id", sa.Integer(),
                  sa.ForeignKey("wig.id", name="fk_performance_measure_wig_id_wig", ondelete="CASCADE"),
                  nullable=True),
        sa.Column("strategy_id", sa.Integer(),
                  sa.ForeignKey("strategy.id", name="fk_performance_measure_strategy_id_strategy",
                                ondelete="CASCADE"),
                  nullable=True),
        sa.Column("department_id", sa.Integer(),
                  sa.ForeignKey("department.id", name="fk_performance_measure_department_id_department",
                                ondelete="SET NULL"),
                  nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("department_position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("frequency",
                  _enum("frequency", "daily", "weekly", "monthly", "quarterly", "semesterly", "annually"),
                  nullable=False),
        sa.UniqueConstraint("uuid", name="uq_performance_measure_uuid"),
        sa.CheckConstraint("wig_id IS NOT NULL OR strategy_id IS NOT NULL OR department_id IS NOT NULL",
                           name="has_owner"),
    )
    for col in ("wig_id", "strategy_id", "department_id"):
        op.create_index(f"ix_performance_measure_{col}", "performance_measure", [col])


def downgrade() -> None:
    for table in ("performance_measure", "key_lever", "wig", "strategy_collaborator", "strategy",
                  "priority", "pillar", "department", "division", "guardrail", "district_goal", "plan"):
        op.drop_table(table)
