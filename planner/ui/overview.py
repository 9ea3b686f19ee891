"""The plan overview shown when a file opens: the plans in it, their frame and how much each holds."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from planner.services.plan_file import PlanSummary


class PlanOverview(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setAccessibleName("Plan overview")
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(24, 20, 24, 20)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.RichText)  # all plan text is escaped: it is data, not markup
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label)
        layout.addStretch(1)
        self.setWidget(body)

    def show_summaries(self, summaries: list[PlanSummary], *, read_only: bool) -> None:
        if not summaries:
            self.label.setText("<h2>This plan file is empty</h2><p>It holds no plan yet.</p>")
            return
        parts: list[str] = []
        if read_only:
            parts.append("<p><b>Read-only:</b> another Planner window has this file open for changes.</p>")
        for summary in summaries:
            counts = summary.counts
            title = escape(counts.plan) + (" <i>(archived)</i>" if counts.archived else "")
            year = f" · annual plan {escape(summary.plan_year)}" if summary.plan_year else ""
            parts.append(f"<h2>{title}</h2><p style='color:#555'>{escape(summary.period_label)}{year}</p>")
            for heading, text in (("Mission", summary.mission), ("Vision", summary.vision),
                                  ("Strategy", summary.strategy_statement)):
                if text:
                    parts.append(f"<p><b>{heading}.</b> {escape(text)}</p>")
            for heading, names in (("Goals", summary.goals), ("Guardrails", summary.guardrails)):
                if names:
                    parts.append(f"<p><b>{heading}:</b> " + " · ".join(escape(n) for n in names) + "</p>")
            if summary.pillars:
                level = escape(counts.level_names[0]) + "s"
                items = "".join(f"<li><b>{escape(code)}</b> {escape(name)}</li>" for code, name in summary.pillars)
                parts.append(f"<p><b>{level}</b></p><ul>{items}</ul>")
            rows = "".join(f"<tr><td>{escape(label)}</td><td align='right'>&nbsp;&nbsp;{n}</td></tr>"
                           for label, n in counts.labelled())
            parts.append(f"<p><b>In this plan</b></p><table cellspacing='2'>{rows}</table><br>")
        self.label.setText("".join(parts))
