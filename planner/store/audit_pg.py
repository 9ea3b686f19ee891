"""The change history and the period locks on PostgreSQL: the same rules as audit.py's SQLite triggers, in
plpgsql.

One trigger function serves every audited table (it reads the row as JSON, so a migration that adds a column
needs no new trigger); it runs as the schema's owner (SECURITY DEFINER), so a person's role may read the
history but never write it by hand. Who and why come from the transaction's settings (server.py sets them);
a client that sets none is recorded under its own role.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

AUDIT_FUNCTION = """
CREATE OR REPLACE FUNCTION planner_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$
DECLARE
    old_row jsonb;
    new_row jsonb;
    act text;
    one jsonb;
BEGIN
    -- Only the plan's own tables are recorded: a trigger someone attached to a table of their own (a temporary
    -- table named like one of the plan's) must not write the history in the schema owner's name
    IF TG_TABLE_SCHEMA <> 'public' OR TG_WHEN <> 'AFTER' OR TG_LEVEL <> 'ROW'
       OR TG_NAME <> 'audit_' || TG_TABLE_NAME THEN
        RAISE EXCEPTION 'planner_audit() records the plan''s own tables only';
    END IF;
    -- row_version is the server's count of a row's changes (row_versions below), not a value of the plan
    IF TG_OP = 'INSERT' THEN
        new_row := to_jsonb(NEW) - 'row_version'; act := 'add';
    ELSIF TG_OP = 'UPDATE' THEN
        old_row := to_jsonb(OLD) - 'row_version'; new_row := to_jsonb(NEW) - 'row_version'; act := 'change';
        IF (old_row - 'updated_at') = (new_row - 'updated_at') THEN
            RETURN NULL;  -- a save that changed nothing but the time is not a change
        END IF;
    ELSE
        old_row := to_jsonb(OLD) - 'row_version'; act := 'delete';
    END IF;
    one := coalesce(new_row, old_row);
    -- signed_in_as: the role that signed in (session_user), whatever name the client declared as the actor
    INSERT INTO public.change_log (at, actor, reason, batch, action, table_name, row_id, row_uuid, before, after,
                                   signed_in_as)
    VALUES (clock_timestamp() AT TIME ZONE 'UTC',
            coalesce(nullif(current_setting('planner.actor', true), ''), session_user::text),
            coalesce(current_setting('planner.reason', true), ''),
            coalesce(current_setting('planner.batch', true), ''),
            act, TG_TABLE_NAME, (one->>'id')::integer, one->>'uuid', old_row::text, new_row::text,
            session_user::text);
    -- Every Planner listening is told at the commit (one notice per transaction: the same payload is sent once)
    PERFORM pg_notify('planner_changes', json_build_object(
        'batch', coalesce(current_setting('planner.batch', true), ''), 'role', session_user::text,
        'actor', coalesce(nullif(current_setting('planner.actor', true), ''), session_user::text))::text);
    RETURN NULL;
END
$fn$
"""

APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION planner_change_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'The change history is append-only: its entries cannot be changed.';
    END IF;
    RAISE EXCEPTION 'The change history is append-only: its entries cannot be deleted.';
END
$fn$
"""

LOCK_MESSAGE = ("That value is in a locked period (it was sent to the central office); unlock the period first, "
                "giving a reason.")

LOCK_FUNCTION = f"""
CREATE OR REPLACE FUNCTION planner_period_lock() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM public.period_lock p
                   WHERE OLD.period_end BETWEEN p.period_start AND p.period_end) THEN
            RAISE EXCEPTION '{LOCK_MESSAGE}';
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM public.period_lock p
                   WHERE NEW.period_end BETWEEN p.period_start AND p.period_end) THEN
            RAISE EXCEPTION '{LOCK_MESSAGE}';
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
END
$fn$
"""


# The history keeps each row as JSON text (searchable with LIKE, as on SQLite). A field of it is read with the
# JSON operator ->>, which PostgreSQL defines for json and jsonb only; this gives text the same operator.
JSON_FIELD = [
    "CREATE OR REPLACE FUNCTION planner_json_field(doc text, field text) RETURNS text "
    "LANGUAGE sql IMMUTABLE STRICT AS $fn$ SELECT (doc::jsonb) ->> field $fn$",
    "DROP OPERATOR IF EXISTS ->> (text, text)",
    "CREATE OPERATOR ->> (LEFTARG = text, RIGHTARG = text, FUNCTION = planner_json_field)",
]


def audited_tables(conn: Connection, not_audited: frozenset[str]) -> dict[str, list[str]]:
    rows = conn.exec_driver_sql(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position").fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        if table not in not_audited:
            tables.setdefault(table, []).append(column)
    return tables


def drop_triggers(conn: Connection, prefix: str) -> None:
    rows = conn.execute(text(
        "SELECT DISTINCT event_object_table, trigger_name FROM information_schema.triggers "
        "WHERE trigger_schema = current_schema() AND starts_with(trigger_name, :prefix)"),
        {"prefix": prefix}).fetchall()
    for table, name in rows:
        conn.exec_driver_sql(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')


# The trigger functions run only as the plan's triggers: nobody else may attach them to a table of their own
# (a trigger's function is checked when the trigger is made, never when it fires).
def _revoke_from_public(conn: Connection, function: str) -> None:
    conn.exec_driver_sql(f"REVOKE ALL ON FUNCTION {function}() FROM PUBLIC")


def install_triggers(conn: Connection, tables: list[str], prefix: str) -> None:
    # who signed in, always, beside the name the person's Planner declares (actor)
    conn.exec_driver_sql("ALTER TABLE change_log ADD COLUMN IF NOT EXISTS signed_in_as text")
    conn.exec_driver_sql(AUDIT_FUNCTION)
    _revoke_from_public(conn, "planner_audit")
    for statement in JSON_FIELD:
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql(APPEND_ONLY_FUNCTION)
    _revoke_from_public(conn, "planner_change_log_append_only")
    for table in tables:
        conn.exec_driver_sql(f'CREATE TRIGGER "{prefix}{table}" AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
                             "FOR EACH ROW EXECUTE FUNCTION planner_audit()")
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS change_log_append_only ON change_log")
    conn.exec_driver_sql("CREATE TRIGGER change_log_append_only BEFORE UPDATE OR DELETE ON change_log "
                         "FOR EACH ROW EXECUTE FUNCTION planner_change_log_append_only()")
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS change_log_no_truncate ON change_log")
    conn.exec_driver_sql("CREATE TRIGGER change_log_no_truncate BEFORE TRUNCATE ON change_log "
                         "FOR EACH STATEMENT EXECUTE FUNCTION planner_change_log_append_only()")


def install_period_locks(conn: Connection) -> None:
    conn.exec_driver_sql(LOCK_FUNCTION)
    _revoke_from_public(conn, "planner_period_lock")
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS lock_measurement ON measurement")
    conn.exec_driver_sql("CREATE TRIGGER lock_measurement BEFORE INSERT OR UPDATE OR DELETE ON measurement "
                         "FOR EACH ROW EXECUTE FUNCTION planner_period_lock()")


def drop_cycle_triggers(conn: Connection) -> None:
    for statement in ("DROP TRIGGER IF EXISTS lock_measurement ON measurement",
                      "DROP TRIGGER IF EXISTS change_log_append_only ON change_log",
                      "DROP TRIGGER IF EXISTS change_log_no_truncate ON change_log"):
        conn.exec_driver_sql(statement)
    drop_triggers(conn, "audit_")
    conn.exec_driver_sql("DROP OPERATOR IF EXISTS ->> (text, text)")
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS planner_json_field(text, text)")
    for function in ("planner_audit", "planner_change_log_append_only", "planner_period_lock"):
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}()")


ROW_VERSION_FUNCTION = """
CREATE OR REPLACE FUNCTION planner_row_version() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    NEW.row_version := OLD.row_version + 1;
    RETURN NEW;
END
$fn$
"""


def install_row_versions(conn: Connection) -> None:
    """Every row of the plan has a version, counted by the server: 1 when added, one more at each change,
    whoever makes it and however (Planner, a script, psql)."""
    conn.exec_driver_sql(ROW_VERSION_FUNCTION)
    _revoke_from_public(conn, "planner_row_version")
    tables = [row[0] for row in conn.exec_driver_sql(
        "SELECT c.table_name FROM information_schema.columns c WHERE c.table_schema = current_schema() "
        "AND c.column_name = 'uuid' AND c.table_name <> 'exchange_state' ORDER BY c.table_name")]
    for table in tables:
        conn.exec_driver_sql(f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS row_version bigint NOT NULL DEFAULT 1')
        conn.exec_driver_sql(f'DROP TRIGGER IF EXISTS row_version ON "{table}"')
        conn.exec_driver_sql(f'CREATE TRIGGER row_version BEFORE UPDATE ON "{table}" '
                             "FOR EACH ROW EXECUTE FUNCTION planner_row_version()")


def drop_row_versions(conn: Connection) -> None:
    tables = [row[0] for row in conn.exec_driver_sql(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND column_name = 'row_version'")]
    for table in tables:
        conn.exec_driver_sql(f'DROP TRIGGER IF EXISTS row_version ON "{table}"')
        conn.exec_driver_sql(f'ALTER TABLE "{table}" DROP COLUMN row_version')
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS planner_row_version()")
