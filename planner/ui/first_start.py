"""The first start: who you are. Your name (what the history and every logged value say entered it, not the
computer's login) and your department, picked from the divisions' departments with groups such as "All
Central Office Departments" apart. Both are kept in the settings the window is given (never the global
QSettings()), so every tab, New Project, the export and the summary can start on your department."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from planner.errors import ValidationError
from planner.services.plan_outline import DepartmentOption, department_options, list_plans, signed_in_department
from planner.services.text import check_text
from planner.ui.department_choice import GROUPS_HEADING, sorted_names
from planner.ui.document import DEPARTMENT_KEY, NAME_KEY, Store

ASKED_KEY = "user/asked"  # the first start has been answered
WHOLE_DISTRICT = "The whole district (no one department)"
OTHER_HEADING = "Other departments"
MAX_NAME = 100


@dataclass(frozen=True)
class WhoYouAre:
    name: str
    department: str  # "" for the whole district


def needs_first_start(settings: QSettings) -> bool:
    return not _true(settings.value(ASKED_KEY, False))


def remembered(settings: QSettings) -> WhoYouAre:
    return WhoYouAre(str(settings.value(NAME_KEY, "") or ""), str(settings.value(DEPARTMENT_KEY, "") or ""))


def remember(settings: QSettings, who: WhoYouAre) -> None:
    settings.setValue(NAME_KEY, who.name)
    settings.setValue(DEPARTMENT_KEY, who.department)
    settings.setValue(ASKED_KEY, True)
    settings.sync()


def _true(value: object) -> bool:
    return value is True or str(value).lower() in ("true", "1")  # an ini file gives the text back


def check_name(text: str) -> str:
    """A person's name as typed, or a ValidationError saying what is wrong with it."""
    name = " ".join(text.split())
    if not name:
        raise ValidationError("Type your name: it is what the history says entered each change.", field="name")
    if len(name) > MAX_NAME:
        raise ValidationError(f"Your name is {len(name)} characters long; at most {MAX_NAME} fit.", field="name")
    return check_text(name, "Your name", field="name", one_line=True)


class DepartmentPicker(QComboBox):
    """The plan's departments under their divisions' names, then those no division lists, then the groups;
    the first line is the whole district. Headings are shown and never chosen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("first_start_department")
        self.setAccessibleName("Your department")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(36)
        self.setMaxVisibleItems(20)

    def load(self, options: list[DepartmentOption], department: str = "") -> None:
        self.clear()
        self.addItem(WHOLE_DISTRICT, "")
        divisions: dict[str, list[DepartmentOption]] = {}
        for option in options:
            if not option.group and option.division is not None:
                divisions.setdefault(option.division, []).append(option)
        others = [o for o in options if not o.group and o.division is None]
        groups = [o for o in options if o.group]
        for heading, members in [*divisions.items(), (OTHER_HEADING, others), (GROUPS_HEADING, groups)]:
            if not members:
                continue
            self._heading(heading)
            for _, name in sorted_names([(o.id, o.name) for o in members]):
                self.addItem(f"    {name}", name)
                self.setItemData(self.count() - 1, name, Qt.ItemDataRole.AccessibleTextRole)
                self.setItemData(self.count() - 1, heading, Qt.ItemDataRole.ToolTipRole)
        found = self.findData(department) if department else 0
        self.setCurrentIndex(found if found >= 0 else 0)

    def _heading(self, text: str) -> None:
        self.addItem(text)
        model = self.model()
        if isinstance(model, QStandardItemModel):
            item = model.item(self.count() - 1)
            item.setEnabled(False)
            item.setSelectable(False)
            font = item.font()
            font.setBold(True)
            item.setFont(font)

    def chosen(self) -> str:
        value = self.currentData()
        return value if isinstance(value, str) else ""

    def names(self) -> list[str]:
        """The departments that can be chosen, in the list's order (the whole district first, as "")."""
        return [self.itemData(row) for row in range(self.count()) if isinstance(self.itemData(row), str)]

    def headings(self) -> list[str]:
        return [self.itemText(row) for row in range(self.count()) if self.itemData(row) is None]


class FirstStartDialog(QDialog):
    """Asks who you are; on OK the answer is in `who` and in the settings."""

    def __init__(self, store: Store | None, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.who: WhoYouAre | None = None
        self.setWindowTitle("Welcome to Planner")
        before = remembered(settings)
        intro = QLabel("Planner starts every tab, the workbook export and the printed summary on your "
                       "department; the whole district stays one click away. Your name is what the history "
                       "and every value you log say entered it.")
        intro.setWordWrap(True)
        self.name = QLineEdit(before.name)
        self.name.setObjectName("first_start_name")
        self.name.setAccessibleName("Your name")
        self.name.setPlaceholderText("e.g. Jordan Lee")
        self.name.setMaxLength(MAX_NAME + 20)
        self.department = DepartmentPicker()
        plan_id = next((p.id for p in list_plans(store) if not p.archived), None) if store is not None else None
        # on a district server, the department the signed-in role leads is offered first
        offered = before.department if not needs_first_start(settings) or store is None else (
            signed_in_department(store) or before.department)
        self.department.load(department_options(store, plan_id) if store is not None and plan_id is not None
                             else [], offered)
        self.error = QLabel()
        self.error.setObjectName("first_start_error")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        # the message has its place from the start: showing one never moves the fields under the mouse
        self.error.setMinimumHeight(self.error.fontMetrics().lineSpacing() * 2)
        form = QFormLayout()
        form.addRow("Your &name:", self.name)
        form.addRow("Your &department:", self.department)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Later")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.name.textChanged.connect(lambda _text: self.error.clear())
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.name.setFocus()

    def accept(self) -> None:
        try:
            name = check_name(self.name.text())
        except ValidationError as error:
            self.error.setText(str(error))
            self.name.setFocus()
            return
        self.who = WhoYouAre(name, self.department.chosen())
        remember(self.settings, self.who)
        super().accept()


__all__ = ["ASKED_KEY", "DEPARTMENT_KEY", "NAME_KEY", "DepartmentPicker", "FirstStartDialog", "WhoYouAre",
           "check_name", "needs_first_start", "remember", "remembered"]
