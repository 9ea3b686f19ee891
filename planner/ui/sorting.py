"""A table model that sorts its own rows: one key a row, worked out once by Python's sort, where a sorting proxy
asks the model's data() for two keys a comparison (seconds for thousands of rows). The selection and the current
cell follow their rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractItemModel


def sort_rows(model: QAbstractItemModel, rows: list[Any], key: Callable[[Any], Any], *, descending: bool) -> None:
    """Put `rows` (the model's own list, changed in place) in order by `key`, as one layout change."""
    model.layoutAboutToBeChanged.emit()
    before = model.persistentIndexList()
    ranked = sorted(range(len(rows)), key=lambda r: key(rows[r]), reverse=descending)
    moved_to = [0] * len(ranked)
    for new, old in enumerate(ranked):
        moved_to[old] = new
    rows[:] = [rows[r] for r in ranked]
    model.changePersistentIndexList(before, [model.index(moved_to[i.row()], i.column()) for i in before])
    model.layoutChanged.emit()
