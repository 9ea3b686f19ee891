"""File > Restore from Backup: the plan file's backups with their dates and what each holds."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from planner.store.backups import Backup


class RestoreDialog(QDialog):
    def __init__(self, plan_name: str, backups: list[tuple[Backup, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Restore from Backup")
        self.list = QTreeWidget()
        self.list.setObjectName("backups")
        self.list.setHeaderLabels(["Taken", "Holds"])
        self.list.setColumnWidth(0, 200)
        for backup, holds in backups:
            item = QTreeWidgetItem(self.list, [backup.taken.strftime("%a %d %b %Y, %H:%M"), holds])
            item.setData(0, Qt.ItemDataRole.UserRole, str(backup.path))
        first = self.list.topLevelItem(0)
        if first is not None:
            self.list.setCurrentItem(first)
        note = QLabel(f"Restoring replaces “{plan_name}” with the backup you choose. The file as it is now is "
                      "saved as a backup first, so this can be undone by restoring that one.")
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.restore_button = self.buttons.addButton("Restore", QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore_button.setEnabled(bool(backups))
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.resize(560, 380)

    def chosen(self) -> Path | None:
        item = self.list.currentItem()
        return Path(item.data(0, Qt.ItemDataRole.UserRole)) if item else None
