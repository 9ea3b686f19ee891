"""A district server's own: row versions, roles mapped to departments, and row-level security on every table.

On PostgreSQL every row gets a version the server counts (audit_pg.install_row_versions).
It makes `planner_role` (which role leads which department, or is the central office's) and
the policies that let a lead change only their department's rows (planner/store/rights_pg.py). A plan file
has one writer and no roles: on SQLite the revision changes nothing.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from alembic import op

from planner.store import audit_pg, rights_pg

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    audit_pg.install_row_versions(bind)
    rights_pg.create_role_table(bind)
    rights_pg.install_policies(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    rights_pg.drop_policies(bind)
    audit_pg.drop_row_versions(bind)
