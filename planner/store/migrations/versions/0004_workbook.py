"""The project-management workbook: projects, milestones, tasks and their dependencies, RAID log, weekly
status updates; the utilization window per plan.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PROJECT_STATUS = ("Not started", "On track", "At risk", "Off track", "On hold", "Complete")


def _record() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    ]


def _enum(name: str, values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def _fk(column: str, target: str, table: str, ondelete: str, nullable: bool) -> sa.Column[Any]:
    return sa.Column(column, sa.Integer(),
                     sa.ForeignKey(f"{target}.id", name=f"fk_{table}_{column}_{target}", ondelete=ondelete),
                     nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("plan") as batch:
        batch.add_column(sa.Column("utilization_window_days", sa.Integer(), nullable=False, server_default="30"))

    op.create_table(
        "project",
        *_record(),
        _fk("key_lever_id", "key_lever", "project", "SET NULL", True),
        _fk("wig_id", "wig", "project", "SET NULL", True),
        _fk("strategy_id", "strategy", "project", "SET NULL", True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("sponsor", sa.Text(), nullable=False),
        sa.Column("lead", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("status", _enum("project_status", PROJECT_STATUS), nullable=False),
        sa.Column("percent_complete", sa.Float(), nullable=False),
        sa.Column("budget", sa.Float(), nullable=True),
        sa.Column("spent", sa.Float(), nullable=True),
        sa.UniqueConstraint("uuid", name="uq_project_uuid"),
        sa.CheckConstraint("key_lever_id IS NOT NULL OR wig_id IS NOT NULL OR strategy_id IS NOT NULL",
                           name="tied_to_plan"),
        sa.CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates"),
        sa.CheckConstraint("percent_complete >= 0 AND percent_complete <= 100", name="percent"),
    )
    for column in ("key_lever_id", "wig_id", "strategy_id"):
        op.create_index(f"ix_project_{column}", "project", [column])

    op.create_table(
        "milestone",
        *_record(),
        _fk("project_id", "project", "milestone", "CASCADE", False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.UniqueConstraint("uuid", name="uq_milestone_uuid"),
    )
    op.create_index("ix_milestone_project_id", "milestone", ["project_id"])

    op.create_table(
        "task",
        *_record(),
        _fk("project_id", "project", "task", "CASCADE", False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("status", _enum("task_status", ("Not started", "In progress", "Blocked", "Done")), nullable=False),
        sa.Column("percent_complete", sa.Float(), nullable=False),
        sa.UniqueConstraint("uuid", name="uq_task_uuid"),
        sa.CheckConstraint("due IS NULL OR start_date IS NULL OR due >= start_date", name="dates"),
        sa.CheckConstraint("percent_complete >= 0 AND percent_complete <= 100", name="percent"),
    )
    op.create_index("ix_task_project_id", "task", ["project_id"])

    op.create_table(
        "task_dependency",
        sa.Column("task_id", sa.Integer(),
                  sa.ForeignKey("task.id", name="fk_task_dependency_task_id_task", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("depends_on_id", sa.Integer(),
                  sa.ForeignKey("task.id", name="fk_task_dependency_depends_on_id_task", ondelete="CASCADE"),
                  primary_key=True),
        sa.CheckConstraint("task_id <> depends_on_id", name="not_itself"),
    )

    op.create_table(
        "raid_item",
        *_record(),
        _fk("project_id", "project", "raid_item", "CASCADE", False),
        sa.Column("type", _enum("raid_type", ("Risk", "Assumption", "Issue", "Dependency")), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=True),
        sa.Column("status", _enum("raid_status", ("Open", "Monitoring", "Closed")), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("likelihood", sa.Integer(), nullable=True),
        sa.Column("impact", sa.Integer(), nullable=True),
        sa.UniqueConstraint("uuid", name="uq_raid_item_uuid"),
        sa.CheckConstraint("likelihood IS NULL OR (likelihood BETWEEN 1 AND 5)", name="likelihood"),
        sa.CheckConstraint("impact IS NULL OR (impact BETWEEN 1 AND 5)", name="impact"),
    )
    op.create_index("ix_raid_item_project_id", "raid_item", ["project_id"])

    op.create_table(
        "status_update",
        *_record(),
        _fk("project_id", "project", "status_update", "CASCADE", False),
        sa.Column("update_date", sa.Date(), nullable=False),
        sa.Column("status", _enum("update_status", PROJECT_STATUS), nullable=False),
        sa.Column("accomplishments", sa.Text(), nullable=False),
        sa.Column("next_steps", sa.Text(), nullable=False),
        sa.Column("blockers", sa.Text(), nullable=False),
        sa.UniqueConstraint("uuid", name="uq_status_update_uuid"),
    )
    op.create_index("ix_status_update_project_id", "status_update", ["project_id"])


def downgrade() -> None:
    for table in ("status_update", "raid_item", "task_dependency", "task", "milestone", "project"):
        op.drop_table(table)
    with op.batch_alter_table("plan") as batch:
        batch.drop_column("utilization_window_days")
