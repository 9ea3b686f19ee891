"""The form for one plan node: every field of its level, saved as soon as a field is left, with the service's
validation message shown at the field. The WIG form reads its sentence live."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QIcon, QPainter, QPaintEvent, QPixmap, QStandardItem
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from planner.errors import ValidationError
from planner.services.dates import parse_date
from planner.services.plan_nodes import FIELDS, KIND_LABEL, Field, FieldType, Kind, NodeKey
from planner.services.wig_parser import disagreements, format_number, parse_wig
from planner.services.wig_ties import NO_STRATEGY

DATE_HINT = "YYYY-MM-DD or M/D/YYYY"  # what planner.services.dates.parse_date reads


class CommitTextEdit(QPlainTextEdit):
    """Multi-line text that commits when focus leaves it, like a line edit's editingFinished. Reached by Tab
    or by the program (a new node's first field), it selects its text as a line edit does, so typing
    replaces a default such as "New key lever" instead of appending to it; a click places the cursor."""

    editingFinished = Signal()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if event.reason() in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason,
                              Qt.FocusReason.ShortcutFocusReason, Qt.FocusReason.OtherFocusReason):
            self.selectAll()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.editingFinished.emit()


class FieldError(QLabel):
    """A field's problem, in a line whose space is kept whether or not it shows: an error appearing never
    moves the fields below it (a click aimed at the next field lands there). A message too long for the line
    is cut with "…" and given whole in the tooltip; text() is always the whole message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet("color: #a40000;")
        self.setWordWrap(False)
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)  # a long message must not widen the form
        self.setSizePolicy(policy)
        self.setFixedHeight(self.fontMetrics().height() + 2)
        self.hide()

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.width())
        painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), shown)


def _calendar_icon() -> QIcon:
    """A small calendar drawn here (no icon theme is needed): a page with a header and day dots."""
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setPen(QColor(90, 90, 90))
    painter.drawRect(1, 2, 13, 12)
    painter.fillRect(2, 3, 12, 3, QColor(166, 40, 40))
    for x in (4, 7, 10):
        for y in (8, 11):
            painter.fillRect(x, y, 2, 2, QColor(90, 90, 90))
    painter.end()
    return QIcon(pixmap)


class DateLine(QLineEdit):
    """A date typed as the services read it (2026-09-01 or 9/1/2026), or picked from a calendar that the
    button at its right end opens. Still a plain line edit: typing is never lost, the calendar only writes
    the chosen day into it and commits it as leaving the field would."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setPlaceholderText(DATE_HINT)
        self.setToolTip(f"Type a date as {DATE_HINT}, or pick it from the calendar at the right")
        self.pick_action = self.addAction(_calendar_icon(), QLineEdit.ActionPosition.TrailingPosition)
        self.pick_action.setToolTip("Pick the date from a calendar")
        self.pick_action.triggered.connect(self.open_calendar)
        self.calendar: QCalendarWidget | None = None

    def open_calendar(self) -> None:
        calendar = QCalendarWidget(self)
        calendar.setWindowFlags(Qt.WindowType.Popup)
        calendar.setObjectName("date_popup")
        try:
            current = parse_date(self.text()) if self.text().strip() else None
        except ValidationError:
            current = None
        if current is not None:
            calendar.setSelectedDate(QDate(current.year, current.month, current.day))
        calendar.clicked.connect(lambda day: self.choose(day.toPython()))
        calendar.activated.connect(lambda day: self.choose(day.toPython()))
        calendar.move(self.mapToGlobal(self.rect().bottomLeft()))
        self.calendar = calendar
        calendar.show()

    def choose(self, day: Any) -> None:
        """Write the picked day and commit it."""
        self.setText(day.isoformat())
        if self.calendar is not None:
            self.calendar.close()
            self.calendar = None
        self.setFocus()
        self.editingFinished.emit()


class StrategyField(QWidget):
    """A WIG's strategy: the plan's strategies under their pillars (the Carries picker's list, so it is
    searchable the same way by code and words), "(no strategy)" first, and the chosen one's whole statement
    below. `chosen(id or None)` when the person picks one."""

    chosen = Signal(object)

    def __init__(self, choices: list[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from planner.ui.project_forms import CarriesPicker  # it uses this module's date line and error label

        self.picker = CarriesPicker()
        self.picker.setObjectName("strategy_picker")
        self.picker.setAccessibleName("Strategy")
        self.picker.setPlaceholderText("Choose the strategy this goal serves…")
        self.picker.set_choices(choices)
        none = QStandardItem(NO_STRATEGY)
        none.setToolTip("The goal serves no district strategy (a department's own goal)")
        self.picker.items.insertRow(0, none)
        self.finder = self.picker.finder
        self.finder.setObjectName("strategy_find")
        self.finder.setAccessibleName("Find a strategy")
        self.finder.setPlaceholderText("Find a strategy by code or words")
        self.statement = QLabel()
        self.statement.setObjectName("strategy_statement")
        self.statement.setWordWrap(True)
        self.statement.setTextFormat(Qt.TextFormat.PlainText)
        self.statement.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(self.picker)
        box.addWidget(self.finder)
        box.addWidget(self.statement)
        self.picker.chosen.connect(lambda key: self.chosen.emit(key.id))
        self.picker.activated.connect(self._activated)
        self.picker.currentIndexChanged.connect(lambda _i: self._show_statement())

    def select(self, strategy_id: int | None) -> None:
        if strategy_id is None:
            self.picker.blockSignals(True)
            self.picker.setCurrentIndex(0)
            self.picker.blockSignals(False)
        elif not self.picker.select_key(NodeKey(Kind.STRATEGY, strategy_id)):
            self.picker.setCurrentIndex(-1)
        self._show_statement()

    def current(self) -> int | None:
        key = self.picker.current_key()
        return key.id if key is not None else None

    def _activated(self, row: int) -> None:
        if row == 0:
            self.chosen.emit(None)

    def _show_statement(self) -> None:
        tip = self.picker.currentData(Qt.ItemDataRole.ToolTipRole) if self.picker.currentIndex() > 0 else ""
        self.statement.setText(str(tip or ""))
        self.statement.setVisible(bool(tip))


def natural_heading(key: NodeKey, heading: str, values: dict[str, Any],
                    departments: list[tuple[int, str]]) -> str:
    """The form's heading as a person would say it: "Department: Educational Technology" rather than
    "Department Department", "WIG 1 · Educational Technology" rather than "WIG 1 · Department"."""
    word = KIND_LABEL[key.kind][:1].upper() + KIND_LABEL[key.kind][1:]
    if key.kind in (Kind.DEPARTMENT, Kind.DIVISION):
        name = str(values.get("name") or "").strip()
        return f"{word}: {name}" if name else heading
    bare = {"Department", "Division", "Department:", "Division:"}
    department = dict(departments).get(values.get("department_id"))  # type: ignore[arg-type]
    parts = []
    for part in heading.split(" · "):
        if part.strip() in bare:
            if department:
                parts.append(department)
            continue
        parts.append(part)
    return " · ".join(parts) or heading


def _editor_text(editor: QWidget) -> str | None:
    """A text field's text (None for other editors)."""
    if isinstance(editor, QPlainTextEdit):
        return editor.toPlainText()
    if isinstance(editor, QLineEdit):
        return editor.text()
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format_number(value).replace(",", "")
    return str(value)


class NodeForm(QWidget):
    """Shows one node's fields. Emits `commit(key, changes)`; the page saves and calls `show_error`."""

    commit = Signal(object, dict)
    log_requested = Signal()
    typing_began = Signal(object)  # the node's key: a field now holds typing not yet saved

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key: NodeKey | None = None
        self.values: dict[str, Any] = {}
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.read_only = False
        self._loading = False
        self._built_key: NodeKey | None = None  # whose fields are on screen (the page may set `key` to None)
        self._committing = False  # inside a field's commit: the page is saving it (and may redraw the form)
        self._parked: list[QWidget] = []  # old rows taken out during a save, deleted once it is over
        self._typing = False  # typing_began said since the form was drawn or last saved
        # who last changed a node's row, when it was someone else (the page asks the change history)
        self.who_changed: Callable[[NodeKey], str] | None = None
        self._choices: dict[str, list[tuple[int, str]]] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 8, 12, 8)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)
        outer.addWidget(self.heading)
        self.body = QWidget()
        self.form = QFormLayout(self.body)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        outer.addWidget(self.body)
        outer.addStretch(1)
        self.parsed_label: QLabel | None = None
        self.use_parsed: QPushButton | None = None
        self.mismatch: QLabel | None = None
        self.references: dict[str, list[Any]] = {}

    # ---- building ----------------------------------------------------------------------------------------
    def show_node(self, key: NodeKey, heading: str, values: dict[str, Any], *,
                  divisions: list[tuple[int, str]], departments: list[tuple[int, str]], read_only: bool) -> None:
        """Show the node. The node already shown, drawn again (a change elsewhere, an import, someone's change
        on the server) while a field holds typing not yet saved: the other fields take the new values in
        place and the typing stays, with a note beside it when the value under it changed meanwhile. Drawn
        again from inside that field's own save (refused, or their change kept), it shows the file."""
        if (key == self._built_key and read_only == self.read_only and not self._committing
                and self._choices == {"division": divisions, "department": departments} and self.unsaved()):
            self._redraw_keeping_typing(key, heading, values, departments)
            return
        self.flush()
        self._loading = True  # widgets being torn down emit focus-out; none of that is the user's edit
        try:
            self._build(key, heading, values, divisions=divisions, departments=departments, read_only=read_only)
        finally:
            self._loading = False

    def unsaved(self) -> dict[str, str]:
        """The text fields whose text differs from the node's saved value: typing not yet saved."""
        found = {}
        for name, editor in self.editors.items():
            text = _editor_text(editor)
            if text is not None and text.strip() != _text(self.values.get(name)).strip():
                found[name] = text
        return found

    def _redraw_keeping_typing(self, key: NodeKey, heading: str, values: dict[str, Any],
                               departments: list[tuple[int, str]]) -> None:
        before = self.values
        typing = self.unsaved()
        self.key = key
        self.references = dict(getattr(values, "references", {}))
        self.values = dict(values)
        self.heading.setText(natural_heading(key, heading, values, departments))
        self._loading = True
        try:
            self._show_values(keep=set(typing))
        finally:
            self._loading = False
        for name in typing:
            theirs = _text(values.get(name)).strip()
            if theirs != _text(before.get(name)).strip():
                shown = theirs if len(theirs) <= 60 else theirs[:59] + "…"
                who = self.who_changed(key) if self.who_changed is not None else ""
                by = f" by {who}" if who else ""
                self.show_note(name, f"Changed{by} meanwhile to “{shown or '(empty)'}”; your typing is kept here")
        self._refresh_parse_preview()

    def flush(self) -> None:
        """Commit the field being typed in, before the form moves to another node."""
        focused: QWidget | None = self.focusWidget()  # None when nothing in the form has the focus
        if focused is None:
            return
        for name, editor in self.editors.items():
            if editor is focused or editor.isAncestorOf(focused):
                if isinstance(editor, QPlainTextEdit):
                    self._changed(name, editor.toPlainText())
                elif isinstance(editor, QLineEdit):
                    self._changed(name, editor.text())

    def _build(self, key: NodeKey, heading: str, values: dict[str, Any], *,
               divisions: list[tuple[int, str]], departments: list[tuple[int, str]], read_only: bool) -> None:
        self.key = key
        self.references = dict(getattr(values, "references", {}))  # plan_edit.NodeValues: what pickers offer
        self.values = dict(values)
        self.read_only = read_only
        self._choices = {"division": divisions, "department": departments}
        self.heading.setText(natural_heading(key, heading, values, departments))
        self._built_key = key
        self._typing = False
        self._discard_rows()
        self.editors.clear()
        self.errors.clear()
        self.parsed_label = self.use_parsed = self.mismatch = None
        for spec in FIELDS[key.kind]:
            editor = self._editor(spec)
            editor.setObjectName(f"field_{spec.name}")
            editor.setAccessibleName(spec.label)
            editor.setEnabled(not read_only)
            error = FieldError()
            error.setObjectName(f"error_{spec.name}")
            error.setAccessibleName(f"{spec.label}: problem")
            holder = QWidget()
            box = QVBoxLayout(holder)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(2)
            box.addWidget(editor)
            box.addWidget(error)
            label = spec.label + (" *" if spec.required else "")
            self.form.addRow(label, holder)
            self.editors[spec.name] = editor
            self.errors[spec.name] = error
            if key.kind is Kind.WIG and spec.name == "sentence":
                self._add_parse_preview()
        if key.kind in (Kind.WIG, Kind.MEASURE):
            log = QPushButton("Log Value…")
            log.setObjectName("form_log_value")
            log.setToolTip("Log a value for a period (Ctrl+L)")
            log.setEnabled(not read_only)
            log.clicked.connect(self.log_requested)
            self.form.addRow("", log)
        self._refresh_parse_preview()

    def _discard_rows(self) -> None:
        """The old rows out of the form, their widgets deleted once control is back in the event loop: the
        form is often drawn again from inside one of its fields' own handlers (a multi-line field's focus-out
        saves, the save is refused, the page redraws), and a widget deleted under its own handler crashes the
        window. Hidden and nameless until then, so nothing finds them."""
        while self.form.rowCount():
            row = self.form.takeRow(0)
            for item in (row.labelItem, row.fieldItem):
                widget = item.widget() if item is not None else None
                if widget is None:
                    continue
                widget.hide()
                for part in [widget, *widget.findChildren(QWidget)]:
                    part.setObjectName("")
                if self._committing:
                    # a save under way may be showing a message or the conflict choice, whose own event loop
                    # would run a deleteLater made now, with the saving field's handler still below it
                    self._parked.append(widget)
                else:
                    widget.deleteLater()

    def _editor(self, spec: Field) -> QWidget:
        value = self.values.get(spec.name)
        if spec.type is FieldType.STRATEGY:
            strategy = StrategyField(self.references.get(spec.name, []))
            strategy.select(value)
            strategy.chosen.connect(lambda ident, n=spec.name: self._changed(n, ident))
            return strategy
        if spec.type is FieldType.LONG_TEXT:
            edit = CommitTextEdit()
            edit.setPlainText(_text(value))
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(88 if spec.name != "sentence" else 104)
            edit.editingFinished.connect(lambda n=spec.name, e=edit: self._changed(n, e.toPlainText()))
            edit.textChanged.connect(self._typed)
            if spec.name == "sentence":
                edit.textChanged.connect(self._refresh_parse_preview)
            return edit
        if spec.type in (FieldType.CHOICE, FieldType.DIVISION, FieldType.DEPARTMENT):
            combo = QComboBox()
            # long department names must not widen the form past its pane
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(16)
            if spec.type is FieldType.CHOICE:
                for choice in spec.choices:
                    combo.addItem(choice, choice)
            else:
                combo.addItem("(none)", None)
                for ident, name in self._choices["division" if spec.type is FieldType.DIVISION else "department"]:
                    combo.addItem(name, ident)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.activated.connect(lambda _i, n=spec.name, c=combo: self._changed(n, c.currentData()))
            return combo
        if spec.type is FieldType.DEPARTMENTS:
            listing = QListWidget()
            listing.setFixedHeight(120)
            chosen = set(value or [])
            for ident, name in self._choices["department"]:
                item = QListWidgetItem(name)
                item.setData(Qt.ItemDataRole.UserRole, ident)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if ident in chosen else Qt.CheckState.Unchecked)
                listing.addItem(item)
            listing.itemChanged.connect(lambda _item, n=spec.name, w=listing: self._changed(n, self._checked(w)))
            return listing
        if spec.type is FieldType.FLAG:
            check = QCheckBox()
            check.setChecked(bool(value))
            check.toggled.connect(lambda on, n=spec.name: self._changed(n, on))
            return check
        if spec.type is FieldType.DATE:
            date_line = DateLine(_text(value))
            date_line.editingFinished.connect(lambda n=spec.name, e=date_line: self._changed(n, e.text()))
            date_line.textEdited.connect(self._typed)
            return date_line
        line = QLineEdit(_text(value))
        if spec.type is FieldType.NUMBER:
            line.setPlaceholderText("a number, or empty")
        elif spec.type is FieldType.CODE and not spec.required:
            line.setPlaceholderText("(no code)")
        line.editingFinished.connect(lambda n=spec.name, e=line: self._changed(n, e.text()))
        line.textEdited.connect(self._typed)
        return line

    @staticmethod
    def _checked(listing: QListWidget) -> list[int]:
        return [int(listing.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(listing.count())
                if listing.item(i).checkState() == Qt.CheckState.Checked]

    def _add_parse_preview(self) -> None:
        self.parsed_label = QLabel()
        self.parsed_label.setObjectName("parsed")
        self.parsed_label.setWordWrap(True)
        self.parsed_label.setAccessibleName("What Planner reads from the goal")
        self.use_parsed = QPushButton("Use These Values")
        self.use_parsed.setObjectName("use_parsed")
        self.use_parsed.setToolTip("Set kind, baseline, target, unit, direction and deadline from the sentence")
        self.use_parsed.setEnabled(not self.read_only)
        self.use_parsed.clicked.connect(self._apply_parsed)
        # the goal's fields disagreeing with its sentence: said, never refused (a correction may be on purpose)
        self.mismatch = QLabel()
        self.mismatch.setObjectName("numbers_disagree")
        self.mismatch.setWordWrap(True)
        self.mismatch.setTextFormat(Qt.TextFormat.PlainText)
        self.mismatch.setAccessibleName("The goal's numbers and its sentence disagree")
        self.mismatch.setStyleSheet("color: #8a5300;")
        self.mismatch.hide()
        holder = QWidget()
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.parsed_label)
        box.addWidget(self.mismatch)
        box.addWidget(self.use_parsed, alignment=Qt.AlignmentFlag.AlignLeft)
        self.form.addRow("Reads as", holder)

    def _sentence(self) -> str:
        editor = self.editors.get("sentence")
        return editor.toPlainText() if isinstance(editor, QPlainTextEdit) else ""

    def _refresh_parse_preview(self) -> None:
        if self.parsed_label is None:
            return
        parsed = parse_wig(self._sentence(), default_start=self.values.get("start_date"))
        self.parsed_label.setText(f"{parsed.describe()} · {parsed.kind.value}")
        if self.mismatch is not None:
            # the saved sentence against the saved fields: a sentence being typed is judged once it is saved
            found = disagreements(str(self.values.get("sentence") or ""), self.values,
                                  default_start=self.values.get("start_date"))
            self.mismatch.setText("\n".join(f"⚠ {line}" for line in found))
            self.mismatch.setVisible(bool(found))

    def _apply_parsed(self) -> None:
        parsed = parse_wig(self._sentence(), default_start=self.values.get("start_date"))
        self._emit({"sentence": self._sentence(), "kind": parsed.kind.value, "baseline": parsed.baseline,
                    "target": parsed.target, "unit": parsed.unit, "direction": parsed.direction.value,
                    "deadline": parsed.deadline})

    # ---- committing --------------------------------------------------------------------------------------
    def _typed(self, *_args: Any) -> None:
        """A text field edited: the first edit since the form was drawn or saved is said (the page notes which
        read of the row the typing began from, for the server's conflict check when it is saved)."""
        if self._loading or self._typing or self.key is None or not self.unsaved():
            return
        self._typing = True
        self.typing_began.emit(self.key)

    def _changed(self, name: str, raw: Any) -> None:
        if self.read_only or self.key is None or self._loading:
            return
        current = self.values.get(name)
        same = raw == current if isinstance(raw, (list, bool)) else _text(raw).strip() == _text(current).strip()
        if same:
            self.clear_error(name)
            self._typing = bool(self.unsaved())
            return
        self._emit({name: raw})

    def _emit(self, changes: dict[str, Any]) -> None:
        if self.key is None:
            return
        committing, self._committing = self._committing, True
        try:
            self.commit.emit(self.key, changes)
        finally:
            self._committing = committing
            if not committing:  # the outermost save is over: what it parked goes once its handler returns
                parked, self._parked = self._parked, []
                for widget in parked:
                    widget.deleteLater()

    def accept_saved(self, values: dict[str, Any]) -> None:
        """The page saved a change: these are the node's values now. No rebuild, so typing is not lost."""
        typing = self.unsaved()
        self.values = dict(values)
        self.clear_error()
        self._loading = True
        try:
            self._show_values(keep={n for n, text in typing.items()
                                    if text.strip() != _text(self.values.get(n)).strip()})
        finally:
            self._loading = False
        self._typing = bool(self.unsaved())
        self._refresh_parse_preview()

    def _show_values(self, keep: set[str]) -> None:
        """Every editor shows the node's values, but the focused one and those named in `keep` (typing)."""
        for name, editor in self.editors.items():
            if editor.hasFocus() or name in keep:
                continue
            value = self.values.get(name)
            if isinstance(editor, QLineEdit) and editor.text() != _text(value):
                editor.setText(_text(value))
            elif isinstance(editor, QPlainTextEdit) and editor.toPlainText() != _text(value):
                editor.setPlainText(_text(value))
            elif isinstance(editor, QComboBox):
                editor.setCurrentIndex(max(0, editor.findData(value)))
            elif isinstance(editor, StrategyField):
                editor.select(value)
            elif isinstance(editor, QCheckBox) and editor.isChecked() != bool(value):
                editor.blockSignals(True)
                editor.setChecked(bool(value))
                editor.blockSignals(False)
            elif isinstance(editor, QListWidget) and self._checked(editor) != sorted(value or []):
                chosen = set(value or [])
                editor.blockSignals(True)
                for i in range(editor.count()):
                    item = editor.item(i)
                    on = item.data(Qt.ItemDataRole.UserRole) in chosen
                    item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
                editor.blockSignals(False)

    def show_note(self, name: str, message: str) -> None:
        """A word beside a field that is not a refusal (what changed under the typing), focus left alone."""
        label = self.errors.get(name)
        if label is not None:
            label.setText(f"ⓘ {message}")
            label.show()

    def show_error(self, name: str | None, message: str) -> None:
        label = self.errors.get(name or "")
        if label is None:  # a rule about the whole node: put it under the first field
            label = next(iter(self.errors.values()), None)
        if label is None:
            return
        label.setText(f"⚠ {message}")
        label.show()
        editor = self.editors.get(name or "")
        if editor is not None:
            editor.setFocus()

    def clear_error(self, name: str | None = None) -> None:
        for field_name, label in self.errors.items():
            if name is None or field_name == name:
                label.clear()
                label.hide()

    def visible_errors(self) -> dict[str, str]:
        return {n: label.text() for n, label in self.errors.items() if not label.isHidden() and label.text()}
