"""Automatic backups of a plan file: made with SQLite's backup API (safe while the file is open), at most one
per half hour, kept on a daily / weekly / monthly schedule, listed and restored on request."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from planner.store.backup import backup_file

MIN_INTERVAL = timedelta(minutes=30)
KEEP_RECENT, KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY = 6, 12, 10, 9
STAMP = "%Y-%m-%d %H%M%S"
NAME = re.compile(r"^(?P<stem>.+) (?P<stamp>\d{4}-\d{2}-\d{2} \d{6})(?: \(\d+\))?\.planner$")


@dataclass(frozen=True)
class Backup:
    path: Path
    taken: datetime


def folder_for(backups_root: Path, plan_path: Path) -> Path:
    """Each plan file has its own backup folder, named after it."""
    return backups_root / plan_path.stem


def list_backups(folder: Path) -> list[Backup]:
    """Newest first."""
    found = []
    if folder.is_dir():
        for path in folder.glob("*.planner"):
            match = NAME.match(path.name)
            if match:
                found.append(Backup(path, datetime.strptime(match["stamp"], STAMP)))
    return sorted(found, key=lambda b: (b.taken, b.path.name), reverse=True)


def make_backup(plan_path: Path, folder: Path, now: datetime, *, force: bool = False) -> Path | None:
    """A new backup unless the newest is under 30 minutes old (or `force`). Returns its path."""
    existing = list_backups(folder)
    if existing and not force and now - existing[0].taken < MIN_INTERVAL:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{plan_path.stem} {now.strftime(STAMP)}.planner"
    n = 1
    while dest.exists():  # two in the same second (a forced one): never overwrite a backup
        n += 1
        dest = folder / f"{plan_path.stem} {now.strftime(STAMP)} ({n}).planner"
    backup_file(plan_path, dest)  # written under a temporary name, quick_check-ed, then renamed
    prune(folder)
    return dest


def keep(backups: list[Backup], daily: int = KEEP_DAILY, weekly: int = KEEP_WEEKLY,
         monthly: int = KEEP_MONTHLY, recent: int = KEEP_RECENT) -> set[Path]:
    """Which backups the schedule keeps: the `recent` newest, and the newest of each of the last `daily`
    days that have one, of the last `weekly` weeks and of the last `monthly` months."""
    kept: set[Path] = {b.path for b in backups[:recent]}
    for count, bucket in ((daily, lambda t: t.date()), (weekly, lambda t: t.isocalendar()[:2]),
                          (monthly, lambda t: (t.year, t.month))):
        seen: list[object] = []
        for b in backups:  # newest first
            key = bucket(b.taken)
            if key not in seen:
                seen.append(key)
                if len(seen) > count:
                    break
                kept.add(b.path)
    if backups:
        kept.add(backups[0].path)
    return kept


def prune(folder: Path) -> list[Path]:
    backups = list_backups(folder)
    kept = keep(backups)
    removed = [b.path for b in backups if b.path not in kept]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def is_good(path: Path) -> bool:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return bool(conn.execute("PRAGMA quick_check").fetchone()[0] == "ok")
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def newest_good(folder: Path) -> Backup | None:
    return next((b for b in list_backups(folder) if is_good(b.path)), None)


def restore(backup: Path, plan_path: Path, folder: Path, now: datetime) -> Path | None:
    """Put a backup in place of the plan file, after saving the current file as a backup itself (when it
    can still be read). The plan file must be closed. Returns the backup made of the current file."""
    saved = None
    if plan_path.exists() and is_good(plan_path):
        saved = make_backup(plan_path, folder, now, force=True)
    elif plan_path.exists():
        damaged = folder / f"{plan_path.stem} damaged {now.strftime(STAMP)}.planner.bad"
        folder.mkdir(parents=True, exist_ok=True)
        plan_path.replace(damaged)  # kept, for whoever wants to look at it
    for suffix in ("-wal", "-shm"):
        plan_path.with_name(plan_path.name + suffix).unlink(missing_ok=True)
    backup_file(backup, plan_path)
    return saved
