"""Alembic environment: always driven from planner.store with an open connection, never from a URL."""

from alembic import context

from planner.model import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - guards against running `alembic` by hand on a user's file
    raise RuntimeError("Planner migrations run through planner.store, which passes an open connection.")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite alters tables by copy-and-move; batch mode does that safely
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
