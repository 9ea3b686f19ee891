"""Schema migrations: a fresh file is at head and matches the model; an old file with data is backed up and
migrated with its data intact."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

from planner.model import Base, Measurement, Pillar, Plan
from planner.store import create_plan_file, open_plan_file
from planner.store.migrate import head_revision, known_revisions


def test_revisions_are_a_single_line() -> None:
    assert known_revisions() == {"0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009"}
    assert head_revision() == "0009"


def test_a_new_file_is_at_head_and_matches_the_model(tmp_path: Path) -> None:
    store = create_plan_file(tmp_path / "new.planner")
    try:
        assert store.schema_revision() == head_revision()
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == [], f"the migrations and the model disagree: {diff}"
    finally:
        store.close()


def test_a_file_at_the_first_revision_is_backed_up_and_migrated_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.planner"
    create_plan_file(path, revision="0001").close()
    plan_uuid = uuid.uuid4()
    conn = sqlite3.connect(path)
    now = "2024-09-01 12:00:00.000000"
    conn.execute(
        "INSERT INTO plan (uuid, created_at, updated_at, name, period_label, plan_year, archived, level_names, "
        "mission, vision, strategy_statement, tagline, description, position) "
        "VALUES (?, ?, ?, 'Dept plan', '2024-29', '2024-25', 0, '[\"Pillar\"]', 'M', 'V', 'S', '', '', 0)",
        (plan_uuid.hex, now, now))
    conn.execute(
        "INSERT INTO pillar (uuid, created_at, updated_at, plan_id, position, code, name, commitment, tagline, "
        "description) VALUES (?, ?, ?, 1, 0, 'Ae', 'Academic Excellence', '', '', '')", (uuid.uuid4().hex, now, now))
    conn.commit()
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert "measurement" not in tables

    store = open_plan_file(path)
    try:
        assert store.schema_revision() == head_revision()
        with store.reader() as s:
            plan = s.scalars(select(Plan)).one()
            assert (plan.uuid, plan.name, plan.mission) == (plan_uuid, "Dept plan", "M")
            assert s.scalars(select(Pillar)).one().name == "Academic Excellence"
            assert s.scalars(select(Measurement)).all() == []
    finally:
        store.close()

    backups = list(tmp_path.glob("old.before-upgrade-from-0001-*.planner"))
    assert len(backups) == 1
    conn = sqlite3.connect(backups[0])
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
    assert conn.execute("SELECT name FROM plan").fetchone()[0] == "Dept plan"
    conn.close()


def test_opening_a_current_file_makes_no_backup(plan_path: Path) -> None:
    open_plan_file(plan_path).close()
    assert list(plan_path.parent.glob("*before-upgrade*")) == []
