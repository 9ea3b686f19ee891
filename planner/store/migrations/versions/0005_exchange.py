"""Workbook exchange: the base values and the source of every row exported or imported.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("row_uuid", sa.Uuid(), nullable=False),
        sa.Column("table_name", sa.String(40), nullable=False),
        sa.Column("base_hash", sa.String(64), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("source_department", sa.Text(), nullable=False),
        sa.Column("source_exported_at", sa.DateTime(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("uuid", name="uq_exchange_state_uuid"),
        sa.UniqueConstraint("row_uuid", name="uq_exchange_state_row_uuid"),
    )


def downgrade() -> None:
    op.drop_table("exchange_state")
