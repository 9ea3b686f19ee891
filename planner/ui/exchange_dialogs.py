"""File > Export Workbook and File > Import Workbooks: the checks before export, the preview before import."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from planner.services.exchange_rows import ExportScope
from planner.services.xlsx_import import ImportPlan


class ExportDialog(QDialog):
    """Choose the scope; see what the data-quality check found; export anyway or go and fix it."""

    def __init__(self, scopes: list[tuple[str, ExportScope]], check: object, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export Workbook")
        self.check = check  # callable: ExportScope -> list[str]
        self.scope = QComboBox()
        self.scope.setObjectName("scope")
        self.scope.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.scope.setMinimumContentsLength(40)
        for text, scope in scopes:
            self.scope.addItem(text, scope)
        self.summary = QLabel()
        self.summary.setObjectName("quality_summary")
        self.summary.setWordWrap(True)
        self.problems = QTreeWidget()
        self.problems.setObjectName("quality")
        self.problems.setHeaderHidden(True)
        self.problems.setWordWrap(True)  # at 150% a line ran past the dialog's edge
        self.problems.setRootIsDecorated(False)
        self.problems.header().setStretchLastSection(True)
        self.problems.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.problems.setAccessibleName("Checks before export")
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton("Close and Fix First", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Scope:", self.scope)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)
        self.resize(720, 480)
        self.scope.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def chosen(self) -> tuple[ExportScope, str]:
        return self.scope.currentData(), self.scope.currentText()

    def refresh(self) -> None:
        found: list[str] = self.check(self.scope.currentData())  # type: ignore[operator]
        self.problems.clear()
        for text in found:
            QTreeWidgetItem(self.problems, [text]).setToolTip(0, text)  # a long line is cut at the edge
        if found:
            self.summary.setText(f"The data-quality check found {len(found)} things the central office will ask "
                                 "about: what Due Now lists for this scope, then what is checked before sending "
                                 "though it is not due. Fix them first, or export anyway.")
            self.export_button.setText("Export Anyway…")
        else:
            self.summary.setText("The data-quality check found nothing to fix.")
            self.export_button.setText("Export…")


class ImportPreview(QDialog):
    """What each file would add, change and leave in conflict, and its problems, before anything is written.
    Tick a conflict to take the workbook's version; unticked conflicts stay as they are here."""

    def __init__(self, plan: ImportPlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import Workbooks")
        self.plan = plan
        self.tree = QTreeWidget()
        self.tree.setObjectName("preview")
        self.tree.setHeaderLabels(["What", "Details"])
        self.tree.setColumnWidth(0, 360)
        self.conflicts: list[tuple[QTreeWidgetItem, str]] = []
        good = 0
        for file in plan.files:
            top = QTreeWidgetItem(self.tree)
            if file.problems:
                top.setText(0, f"✖ {file.path.name}: refused, nothing from it will be imported")
                top.setText(1, f"{len(file.problems)} problems")
                for problem in file.problems:
                    QTreeWidgetItem(top, [str(problem)])
                top.setExpanded(True)
                continue
            good += 1
            top.setText(0, f"✔ {file.path.name}" + (f" ({file.department})" if file.department else ""))
            top.setText(1, f"{file.count('add')} to add, {file.count('update')} to update, "
                           f"{file.count('conflict')} in conflict, {file.unchanged} unchanged"
                           + (f", {file.count('locked')} in locked periods" if file.count("locked") else "")
                           + (f", {file.count('older')} older than already taken" if file.count("older") else ""))
            if file.notes:
                group = QTreeWidgetItem(top, [f"Not taken, or taken differently: {len(file.notes)}"])
                group.setExpanded(True)
                for said in file.notes[:200]:
                    line = QTreeWidgetItem(group, [str(said).removeprefix(f"{file.path.name}, ")])
                    line.setFirstColumnSpanned(True)
                    line.setToolTip(0, str(said))
            for action, title in (("add", "Add"), ("update", "Update"), ("locked", "Held back (period locked)"),
                                  ("older", "Kept here (this workbook is older than one already taken)")):
                rows = [c for c in file.changes if c.action == action]
                if rows:
                    group = QTreeWidgetItem(top, [f"{title}: {len(rows)}"])
                    for change in rows[:200]:
                        line = QTreeWidgetItem(group, [f"{change.sheet}: {change.label}", change.detail])
                        line.setToolTip(1, change.detail or change.uuid)
            for change in (c for c in file.changes if c.action == "conflict"):
                item = QTreeWidgetItem(top, [f"Conflict — {change.label}", "changed here and in the workbook "
                                             "since its export: tick to take the workbook's version"])
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(0, Qt.CheckState.Unchecked)
                item.setToolTip(0, "Tick to take the workbook's version; leave unticked to keep this file's.")
                item.setToolTip(1, change.detail)
                for text in change.lines:
                    QTreeWidgetItem(item, [text]).setFirstColumnSpanned(True)
                item.setExpanded(True)
                self.conflicts.append((item, change.uuid))
            top.setExpanded(True)
        note = QLabel("Files with problems change nothing; the others each go in whole." if good < len(plan.files)
                      else "Nothing is written until you press Import.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.import_button = buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(good > 0)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(860, 520)

    def take_theirs(self) -> set[str]:
        return {u for item, u in self.conflicts if item.checkState(0) == Qt.CheckState.Checked}
