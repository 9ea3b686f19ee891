"""The value sums (planner.model.ValueSums) kept by the database itself: triggers on `measurement` add a
logged value to its goal's or measure's sums, and work a subject's sums out again from its values when one
is changed or deleted (a delete cannot take a minimum back), so the sums are always those of the values as
they are, written in the same transaction as the value, by every writer (the window, the command line, an
import, psql on a server). Spelled here for SQLite and for PostgreSQL; nothing else knows the SQL.

What a trigger writes is the same a GROUP BY over the values gives (`refill` makes the table that way), so a
kept test can compare the two after any mix of writes."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Connection

from planner.model.measurement import SUMS_DAY0

TABLE = "value_sums"
SUBJECTS = (("w", "wig_id"), ("m", "measure_id"))  # a WIG's own values, a performance measure's
_TRIGGERS = ("value_sums_insert", "value_sums_update", "value_sums_delete")
_FUNCTIONS = ("planner_value_sums()", "planner_value_sums_again(integer, integer)")
# the columns whose change moves a subject's sums (a note, evidence or who entered it does not)
_MOVING = "measure_id, wig_id, period_end, value"


def _x(when: str, dialect: str) -> str:
    """A period end's day number less SUMS_DAY0, as the sums count x."""
    if dialect == "postgresql":
        return f"({when} - DATE '{date.fromordinal(SUMS_DAY0).isoformat()}')"
    # julianday() of a day's midnight is its day number (date.toordinal) plus 1721424.5
    return f"(julianday({when}) - {1721424.5 + SUMS_DAY0})"


def _sums_of(subject: str, column: str, where: str, dialect: str) -> str:
    """SELECT of one subject kind's sums row by row, from the values WHERE says."""
    x = _x("period_end", dialect)
    has = "value IS NOT NULL"
    return (f"SELECT '{subject}', {column}, max(period_end), min(CASE WHEN {has} THEN period_end END), "
            f"max(CASE WHEN {has} THEN period_end END), count(value), "
            f"coalesce(sum(CASE WHEN {has} THEN {x} END), 0), coalesce(sum(value), 0), "
            f"coalesce(sum(CASE WHEN {has} THEN {x} * {x} END), 0), coalesce(sum({x} * value), 0) "
            f"FROM measurement WHERE {where} GROUP BY {column}")


_COLUMNS = "(subject, subject_id, newest, first_day, last_day, n, sx, sy, sxx, sxy)"


def _again(wig: str, measure: str, dialect: str) -> list[str]:
    """Statements working the sums of the subject of one value (`wig`, `measure`: its two keys) out again."""
    return [f"DELETE FROM {TABLE} WHERE (subject = 'w' AND subject_id = {wig}) "
            f"OR (subject = 'm' AND subject_id = {measure})",
            f"INSERT INTO {TABLE} {_COLUMNS} {_sums_of('w', 'wig_id', f'wig_id = {wig}', dialect)}",
            f"INSERT INTO {TABLE} {_COLUMNS} {_sums_of('m', 'measure_id', f'measure_id = {measure}', dialect)}"]


def _add_new(dialect: str) -> list[str]:
    """Statements adding the NEW value to its subject's sums (a first value makes the subject's row)."""
    subject = "CASE WHEN NEW.wig_id IS NOT NULL THEN 'w' ELSE 'm' END"
    key = "coalesce(NEW.wig_id, NEW.measure_id)"
    x = _x("NEW.period_end", dialect)
    has = "NEW.value IS NOT NULL"
    make = (f"INSERT INTO {TABLE} (subject, subject_id, n, sx, sy, sxx, sxy) VALUES ({subject}, {key}, 0, 0, 0, 0, 0) "
            "ON CONFLICT (subject, subject_id) DO NOTHING")
    add = (f"UPDATE {TABLE} SET "
           "newest = CASE WHEN newest IS NULL OR NEW.period_end > newest THEN NEW.period_end ELSE newest END, "
           f"first_day = CASE WHEN {has} AND (first_day IS NULL OR NEW.period_end < first_day) "
           "THEN NEW.period_end ELSE first_day END, "
           f"last_day = CASE WHEN {has} AND (last_day IS NULL OR NEW.period_end > last_day) "
           "THEN NEW.period_end ELSE last_day END, "
           f"n = n + CASE WHEN {has} THEN 1 ELSE 0 END, "
           f"sx = sx + CASE WHEN {has} THEN {x} ELSE 0 END, "
           "sy = sy + coalesce(NEW.value, 0), "
           f"sxx = sxx + CASE WHEN {has} THEN {x} * {x} ELSE 0 END, "
           f"sxy = sxy + coalesce({x} * NEW.value, 0) "
           f"WHERE subject = {subject} AND subject_id = {key}")
    return [make, add]


def install(conn: Connection) -> None:
    """The triggers keeping the sums (made again if they exist)."""
    drop(conn)
    if conn.dialect.name == "postgresql":
        _install_pg(conn)
        return
    body = "; ".join
    conn.exec_driver_sql(f"CREATE TRIGGER value_sums_insert AFTER INSERT ON measurement BEGIN "
                         f"{body(_add_new('sqlite'))}; END")
    again_old = _again("OLD.wig_id", "OLD.measure_id", "sqlite")
    again_new = _again("NEW.wig_id", "NEW.measure_id", "sqlite")
    conn.exec_driver_sql(f"CREATE TRIGGER value_sums_update AFTER UPDATE OF {_MOVING} ON measurement BEGIN "
                         f"{body(again_old)}; {body(again_new)}; END")
    conn.exec_driver_sql(f"CREATE TRIGGER value_sums_delete AFTER DELETE ON measurement BEGIN "
                         f"{body(again_old)}; END")


def _install_pg(conn: Connection) -> None:
    # Security definer: a lead's role may read the sums but not write them (planner/store/rights_pg.py), and
    # the sums of their values are the server's to keep. Under the server's repeatable read, two people
    # logging values of one goal at once meet on its sums row: the second is refused and tries again,
    # never a sum missing a value.
    definer = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public"
    again = "; ".join(_again("w", "m", "postgresql"))
    conn.exec_driver_sql(f"CREATE OR REPLACE FUNCTION planner_value_sums_again(w integer, m integer) RETURNS void "
                         f"{definer} AS $fn$ BEGIN {again}; END $fn$")
    add = "; ".join(_add_new("postgresql"))
    conn.exec_driver_sql(
        f"CREATE OR REPLACE FUNCTION planner_value_sums() RETURNS trigger {definer} AS $fn$ BEGIN "
        f"IF TG_OP = 'INSERT' THEN {add}; RETURN NULL; END IF; "
        "PERFORM planner_value_sums_again(OLD.wig_id, OLD.measure_id); "
        "IF TG_OP = 'UPDATE' THEN PERFORM planner_value_sums_again(NEW.wig_id, NEW.measure_id); END IF; "
        "RETURN NULL; END $fn$")
    for function in _FUNCTIONS:
        conn.exec_driver_sql(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
    conn.exec_driver_sql("CREATE TRIGGER value_sums_insert AFTER INSERT ON measurement "
                         "FOR EACH ROW EXECUTE FUNCTION planner_value_sums()")
    conn.exec_driver_sql(f"CREATE TRIGGER value_sums_update AFTER UPDATE OF {_MOVING} ON measurement "
                         "FOR EACH ROW EXECUTE FUNCTION planner_value_sums()")
    conn.exec_driver_sql("CREATE TRIGGER value_sums_delete AFTER DELETE ON measurement "
                         "FOR EACH ROW EXECUTE FUNCTION planner_value_sums()")


def drop(conn: Connection) -> None:
    on_server = conn.dialect.name == "postgresql"
    for trigger in _TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}" + (" ON measurement" if on_server else ""))
    if on_server:
        for function in _FUNCTIONS:
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}")


def refill(conn: Connection) -> None:
    """Every subject's sums worked out again from its values (a file migrated to them, a copy made without
    them)."""
    conn.exec_driver_sql(f"DELETE FROM {TABLE}")
    for subject, column in SUBJECTS:
        conn.exec_driver_sql(f"INSERT INTO {TABLE} {_COLUMNS} "
                             f"{_sums_of(subject, column, f'{column} IS NOT NULL', conn.dialect.name)}")
