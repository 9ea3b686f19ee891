"""Rights kept by the district server: each person signs in as their own role, and row-level security lets a
department lead change only their department's rows; the central office changes everything.

`planner_role` maps a role to its department (or marks it the central office's); the central office edits it
(`planner server grant`). The role that set the server up (the tables' owner) is the central office too.
Everyone may read the whole plan. A row's department is the department of the goal, measure or project it
belongs to; rows of the plan's frame (pillars, strategies, years, locks) belong to the central office alone.
The policies are made by revision 0008 and remade by any later revision that adds a table.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

# The department a row belongs to, as an expression over its columns ({r} is where the row's name goes: nothing
# in a policy, OLD. in a trigger); a table not named here belongs to the central office (NULL: no lead may change
# it). The department row itself is the plan's structure: the central office's.
OWNER = {
    "wig": "{r}department_id",
    "performance_measure": "coalesce({r}department_id, planner_wig_department({r}wig_id))",
    "measurement": "coalesce(planner_measure_department({r}measure_id), planner_wig_department({r}wig_id))",
    "interim_target": "coalesce(planner_measure_department({r}measure_id), planner_wig_department({r}wig_id))",
    "key_lever": "planner_wig_department({r}wig_id)",
    "commitment": "planner_wig_department({r}wig_id)",
    "project": "coalesce(planner_wig_department({r}wig_id), planner_key_lever_department({r}key_lever_id))",
    "milestone": "planner_project_department({r}project_id)",
    "raid_item": "planner_project_department({r}project_id)",
    "status_update": "planner_project_department({r}project_id)",
    "task": "planner_project_department({r}project_id)",
    "task_dependency": "planner_task_department({r}task_id)",
    # what an export or import recorded of a row as it went out or came in: the department of that row; a
    # row of no department (the plan's frame a workbook shows, or one gone since) is anyone's to record
    "exchange_state": "coalesce(planner_row_department({r}table_name, {r}row_uuid), "
                      "planner_role_department(session_user))",
}
# The rows an owner is read through. When a delete cascades, the row it came from is already gone: a row whose
# owner is unknown because its parent was deleted in this same change follows that parent, whose delete was
# checked (a row with its own department, like a measure another department leads, is checked on its own).
PARENTS = {
    "performance_measure": [("wig_id", "wig")],
    "measurement": [("measure_id", "performance_measure"), ("wig_id", "wig")],
    "interim_target": [("measure_id", "performance_measure"), ("wig_id", "wig")],
    "key_lever": [("wig_id", "wig")],
    "commitment": [("wig_id", "wig")],
    "project": [("wig_id", "wig"), ("key_lever_id", "key_lever")],
    "milestone": [("project_id", "project")],
    "raid_item": [("project_id", "project")],
    "status_update": [("project_id", "project")],
    "task": [("project_id", "project")],
    "task_dependency": [("task_id", "task")],
}
NO_UUID = frozenset({"exchange_state", "task_dependency"})  # no row of theirs has a UUID a base is kept by
# written by the server's triggers and migrations only
READ_ONLY = frozenset({"change_log", "alembic_version", "value_sums"})

_DEFINER = "LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public"
FUNCTIONS = [
    f"CREATE OR REPLACE FUNCTION planner_wig_department(wig integer) RETURNS integer {_DEFINER} AS "
    "$fn$ SELECT department_id FROM public.wig WHERE id = $1 $fn$",
    f"CREATE OR REPLACE FUNCTION planner_measure_department(measure integer) RETURNS integer {_DEFINER} AS "
    "$fn$ SELECT coalesce(m.department_id, w.department_id) FROM public.performance_measure m "
    "LEFT JOIN public.wig w ON w.id = m.wig_id WHERE m.id = $1 $fn$",
    f"CREATE OR REPLACE FUNCTION planner_key_lever_department(lever integer) RETURNS integer {_DEFINER} AS "
    "$fn$ SELECT w.department_id FROM public.key_lever k JOIN public.wig w ON w.id = k.wig_id "
    "WHERE k.id = $1 $fn$",
    f"CREATE OR REPLACE FUNCTION planner_project_department(proj integer) RETURNS integer {_DEFINER} AS "
    "$fn$ SELECT coalesce(public.planner_wig_department(p.wig_id), public.planner_key_lever_department("
    "p.key_lever_id)) FROM public.project p WHERE p.id = $1 $fn$",
    f"CREATE OR REPLACE FUNCTION planner_task_department(t integer) RETURNS integer {_DEFINER} AS "
    "$fn$ SELECT public.planner_project_department(project_id) FROM public.task WHERE id = $1 $fn$",
    f"CREATE OR REPLACE FUNCTION planner_role_department(who name) RETURNS integer {_DEFINER} AS "
    "$fn$ SELECT department_id FROM public.planner_role WHERE role_name = $1 $fn$",
    # The central office: a role marked so in planner_role, the tables' owner, or a superuser.
    f"CREATE OR REPLACE FUNCTION planner_is_central(who name) RETURNS boolean {_DEFINER} AS "
    "$fn$ SELECT EXISTS (SELECT 1 FROM public.planner_role WHERE role_name = $1 AND central_office) "
    "OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1 AND rolsuper) "
    "OR pg_has_role($1, (SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'plan'), "
    "'MEMBER') $fn$",
    # Run as the person (not the owner): current_user is the role signed in, or the one SET ROLE chose; the
    # role signed in (session_user) must be allowed too, since a cascade runs as the table's owner.
    "CREATE OR REPLACE FUNCTION planner_may_change(dept integer) RETURNS boolean "
    "LANGUAGE sql STABLE SET search_path = pg_catalog, public AS "
    "$fn$ SELECT (public.planner_is_central(current_user) "
    "OR ($1 IS NOT NULL AND $1 = public.planner_role_department(current_user))) "
    "AND (public.planner_is_central(session_user) "
    "OR ($1 IS NOT NULL AND $1 = public.planner_role_department(session_user))) $fn$",
    # A refusal in words: what the row is, whose it is, and what the role may change
    "CREATE OR REPLACE FUNCTION planner_refuse(tbl text, dept integer) RETURNS void "
    "LANGUAGE plpgsql SET search_path = pg_catalog, public AS $fn$ "
    "DECLARE theirs text; mine text; BEGIN "
    "SELECT name INTO theirs FROM public.department WHERE id = dept; "
    "SELECT d.name INTO mine FROM public.department d WHERE d.id = public.planner_role_department(session_user); "
    "RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = "
    "'your role on the district server may not change that: this ' || replace(tbl, '_', ' ') || ' ' || "
    "CASE WHEN theirs IS NULL THEN 'is the central office''s to change' ELSE 'belongs to ' || theirs END || "
    "', and your role (' || session_user || ') changes ' || "
    "CASE WHEN mine IS NULL THEN 'nothing of the plan' ELSE mine || '''s rows' END || ' only'; "
    "END $fn$",
]
FUNCTION_NAMES = ["planner_may_change(integer)", "planner_is_central(name)", "planner_role_department(name)",
                  "planner_task_department(integer)", "planner_project_department(integer)",
                  "planner_key_lever_department(integer)", "planner_measure_department(integer)",
                  "planner_wig_department(integer)", "planner_row_department(text, uuid)",
                  "planner_refuse(text, integer)"]
POLICIES = ("planner_read", "planner_change", "planner_add", "planner_remove")


def _rights_function(table: str) -> str:
    """The check of a row before it is changed or deleted (row-level security alone would hide another
    department's row from the change, which then changes nothing without a word, and never sees a cascade)."""
    owner = OWNER.get(table, "NULL").replace("{r}", "OLD.")
    gone = " OR ".join(f"(OLD.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.{parent} "
                       f"WHERE id = OLD.{column}))" for column, parent in PARENTS.get(table, []))
    followed = f"(dept IS NULL AND ({gone}))" if gone else "false"
    return (f'CREATE OR REPLACE FUNCTION "planner_rights_{table}"() RETURNS trigger LANGUAGE plpgsql '
            "SET search_path = pg_catalog, public AS $fn$ DECLARE dept integer; BEGIN "
            f"dept := {owner}; "
            f"IF NOT coalesce(public.planner_may_change(dept), false) AND NOT {followed} THEN "
            "PERFORM public.planner_refuse(TG_TABLE_NAME, dept); END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $fn$")


def _adding_function(table: str) -> str:
    """The check of a row before it is added: the policies refuse another department's new row too, but in
    SQLSTATE 42501's words ("new row violates row-level security policy"), which name no department; this
    names whose the row is, as a change or a delete is refused."""
    owner = OWNER.get(table, "NULL").replace("{r}", "NEW.")
    return (f'CREATE OR REPLACE FUNCTION "planner_rights_add_{table}"() RETURNS trigger LANGUAGE plpgsql '
            "SET search_path = pg_catalog, public AS $fn$ DECLARE dept integer; BEGIN "
            f"dept := {owner}; "
            "IF NOT coalesce(public.planner_may_change(dept), false) THEN "
            "PERFORM public.planner_refuse(TG_TABLE_NAME, dept); END IF; RETURN NEW; END $fn$")


def install_adding_checks(conn: Connection) -> None:
    """A named refusal of a new row of another department's, on every table a lead may change rows of."""
    for table in _tables(conn):
        if table in READ_ONLY or table == "planner_role":
            continue
        conn.exec_driver_sql(_adding_function(table))
        conn.exec_driver_sql(f'REVOKE ALL ON FUNCTION "planner_rights_add_{table}"() FROM PUBLIC')
        conn.exec_driver_sql(f'DROP TRIGGER IF EXISTS planner_rights_add ON "{table}"')
        conn.exec_driver_sql(f'CREATE TRIGGER planner_rights_add BEFORE INSERT ON "{table}" '
                             f'FOR EACH ROW EXECUTE FUNCTION "planner_rights_add_{table}"()')


def drop_adding_checks(conn: Connection) -> None:
    for table in _tables(conn):
        conn.exec_driver_sql(f'DROP TRIGGER IF EXISTS planner_rights_add ON "{table}"')
        conn.exec_driver_sql(f'DROP FUNCTION IF EXISTS "planner_rights_add_{table}"()')


def create_role_table(conn: Connection) -> None:
    conn.exec_driver_sql(
        "CREATE TABLE planner_role ("
        "role_name name PRIMARY KEY, "
        "department_id integer REFERENCES department (id) ON DELETE CASCADE, "
        "central_office boolean NOT NULL DEFAULT false, "
        "CONSTRAINT ck_planner_role_has_scope CHECK (central_office OR department_id IS NOT NULL))")


def _tables(conn: Connection) -> list[str]:
    return [row[0] for row in conn.exec_driver_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")]


def _row_department_function() -> str:
    """planner_row_department(table, uuid): the department of the row of `table` with that UUID (the names
    are the plan's own tables, compared as text, never run as SQL)."""
    cases = " ".join(
        f"{'IF' if n == 0 else 'ELSIF'} tbl = '{table}' THEN SELECT {expr.replace('{r}', 't.')} INTO dept "
        f"FROM public.{table} t WHERE t.uuid = u;"
        for n, (table, expr) in enumerate(item for item in OWNER.items() if item[0] not in NO_UUID))
    return ("CREATE OR REPLACE FUNCTION planner_row_department(tbl text, u uuid) RETURNS integer LANGUAGE plpgsql "
            "STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$ DECLARE dept integer; BEGIN "
            f"{cases} END IF; RETURN dept; END $fn$")


def install_policies(conn: Connection) -> None:
    """(Re)make the functions and every table's policies: read for everyone, change by the row's department's
    lead or the central office."""
    for statement in FUNCTIONS:
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql(_row_department_function())
    for table in _tables(conn):
        conn.exec_driver_sql(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        for policy in POLICIES:
            conn.exec_driver_sql(f'DROP POLICY IF EXISTS {policy} ON "{table}"')
        conn.exec_driver_sql(f'DROP TRIGGER IF EXISTS planner_rights ON "{table}"')
        conn.exec_driver_sql(f'CREATE POLICY planner_read ON "{table}" FOR SELECT USING (true)')
        if table in READ_ONLY:
            continue
        # the new row: the policies; the row as it was (every row a change or its cascade reaches): a trigger
        rule = f"planner_may_change({OWNER.get(table, 'NULL').replace('{r}', '')})"
        conn.exec_driver_sql(f'CREATE POLICY planner_add ON "{table}" FOR INSERT WITH CHECK ({rule})')
        conn.exec_driver_sql(f'CREATE POLICY planner_change ON "{table}" FOR UPDATE USING (true) '
                             f"WITH CHECK ({rule})")
        conn.exec_driver_sql(f'CREATE POLICY planner_remove ON "{table}" FOR DELETE USING (true)')
        conn.exec_driver_sql(_rights_function(table))
        conn.exec_driver_sql(f'REVOKE ALL ON FUNCTION "planner_rights_{table}"() FROM PUBLIC')
        conn.exec_driver_sql(f'CREATE TRIGGER planner_rights BEFORE UPDATE OR DELETE ON "{table}" '
                             f'FOR EACH ROW EXECUTE FUNCTION "planner_rights_{table}"()')


def _granted_roles(conn: Connection) -> list[str]:
    """The roles planner_role names that the server still has."""
    return [row[0] for row in conn.exec_driver_sql(
        "SELECT r.role_name FROM planner_role r JOIN pg_roles p ON p.rolname = r.role_name")]


def read_only_table(conn: Connection, table: str) -> None:
    """A table made after the policies (one of READ_ONLY): everyone reads it, and the roles granted before it
    existed may read it too, change it never (its triggers write it as its owner)."""
    assert table in READ_ONLY
    conn.exec_driver_sql(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    conn.exec_driver_sql(f'DROP POLICY IF EXISTS planner_read ON "{table}"')
    conn.exec_driver_sql(f'CREATE POLICY planner_read ON "{table}" FOR SELECT USING (true)')
    for role in _granted_roles(conn):
        quoted = conn.dialect.identifier_preparer.quote(role)  # a name, never SQL
        conn.exec_driver_sql(f'GRANT SELECT ON "{table}" TO {quoted}')


def drop_policies(conn: Connection) -> None:
    """Undo install_policies and every grant: with no policies left, a role still granted could change every
    department's rows, so each role planner_role names loses its rights on the plan's tables first."""
    for role in _granted_roles(conn):
        quoted = conn.dialect.identifier_preparer.quote(role)  # a name, never SQL
        conn.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}")
        conn.exec_driver_sql(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {quoted}")
    for table in _tables(conn):
        for policy in POLICIES:
            conn.exec_driver_sql(f'DROP POLICY IF EXISTS {policy} ON "{table}"')
        conn.exec_driver_sql(f'DROP TRIGGER IF EXISTS planner_rights ON "{table}"')
        conn.exec_driver_sql(f'DROP FUNCTION IF EXISTS "planner_rights_{table}"()')
        conn.exec_driver_sql(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
    conn.exec_driver_sql("DROP TABLE IF EXISTS planner_role")
    for function in FUNCTION_NAMES:
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}")


class OwnerIsCentralOffice(Exception):
    """The plan's tables' owner cannot be made one department's lead: an owner passes every policy."""


def grant(conn: Connection, role: str, department_id: int | None) -> None:
    """Let `role` sign in to the plan: read everything, change its department's rows (or, with no department,
    everything, as the central office). The role itself is the server's: its administrator creates it."""
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}).first()
    if exists is None:
        raise LookupError(role)
    quoted = conn.dialect.identifier_preparer.quote(role)  # a name, never SQL
    owner = conn.exec_driver_sql("SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() "
                                 "AND tablename = 'plan'").scalar()
    if role == owner and department_id is not None:
        raise OwnerIsCentralOffice(role)
    if role != owner:
        # The tables' owner has every right already, and the history's and the sums' triggers write as the
        # owner: taking the read-only tables' writes from it would refuse every change, by every role.
        conn.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}")
        conn.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
        for table in sorted(READ_ONLY):
            conn.exec_driver_sql(f'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "{table}" FROM {quoted}')
    conn.exec_driver_sql(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON planner_role FROM {quoted}"
                         if department_id is not None else "SELECT 1")
    conn.execute(text(
        "INSERT INTO planner_role (role_name, department_id, central_office) VALUES (:role, :dept, :central) "
        "ON CONFLICT (role_name) DO UPDATE SET department_id = EXCLUDED.department_id, "
        "central_office = EXCLUDED.central_office"),
        {"role": role, "dept": department_id, "central": department_id is None})
