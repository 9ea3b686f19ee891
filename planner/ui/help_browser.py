"""Help > User Guide: the guide shipped as HTML in resources/help, read offline in a text browser with its
contents beside it and a search over every page.

The contents are the links of the guide's index page, in its order; a search keeps the pages that hold
every word typed (in any case) and marks the words on the page shown; Enter opens the first such page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTextBrowser,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from planner.paths import resource

INDEX = "index.html"
_LINK = re.compile(r'<li><a href="([^"#]+\.html)">(.*?)</a></li>', re.S)
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def help_dir() -> Path:
    return resource("help")


@dataclass(frozen=True)
class HelpPage:
    name: str  # the file, e.g. "status.html"
    title: str
    text: str  # the page as plain text, folded to lower case, for the search


def guide_pages(folder: Path) -> list[HelpPage]:
    """The guide's pages: its index first, then the pages its contents link to, in their order."""
    index = (folder / INDEX).read_text(encoding="utf-8")
    names = [(INDEX, _title(index) or "Contents")]
    names += [(name, _plain(title)) for name, title in _LINK.findall(index) if (folder / name).is_file()]
    pages = []
    for name, title in names:
        html = (folder / name).read_text(encoding="utf-8")
        document = QTextDocument()
        document.setHtml(html)
        pages.append(HelpPage(name, title, document.toPlainText().casefold()))
    return pages


def _title(html: str) -> str:
    found = _TITLE.search(html)
    return _plain(found.group(1)) if found else ""


def _plain(html: str) -> str:
    document = QTextDocument()
    document.setHtml(html)
    return document.toPlainText().strip()


def matching(pages: list[HelpPage], query: str) -> list[HelpPage]:
    """The pages holding every word of the query (all pages for an empty one)."""
    words = query.casefold().split()
    return [p for p in pages if all(w in p.text or w in p.title.casefold() for w in words)]


class HelpBrowser(QWidget):
    """The guide: a search box and the contents on the left, the page on the right."""

    page_shown = Signal(str)

    def __init__(self, folder: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder = folder or help_dir()
        self.pages = guide_pages(self.folder)
        self.search = QLineEdit()
        self.search.setObjectName("help_search")
        self.search.setPlaceholderText("Search the guide")
        self.search.setAccessibleName("Search the guide")
        self.search.setClearButtonEnabled(True)
        self.found = QLabel()
        self.found.setObjectName("help_found")
        self.contents = QListWidget()
        self.contents.setObjectName("help_contents")
        self.contents.setAccessibleName("Contents")
        # a long title wraps rather than hiding its end behind a scroll bar (at 150% it did)
        self.contents.setWordWrap(True)
        self.contents.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.contents.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.browser = QTextBrowser()
        self.browser.setObjectName("help_page")
        self.browser.setOpenExternalLinks(True)  # a web address opens in the browser; the guide's own pages here
        self.browser.setSearchPaths([str(self.folder)])
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.search)
        column.addWidget(self.found)
        column.addWidget(self.contents)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.browser)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([300, 700])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._open_first)
        self.contents.currentItemChanged.connect(self._chosen)
        self.browser.sourceChanged.connect(self._followed)
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.activated.connect(self.search.setFocus)
        self._filter("")
        self.show_page(INDEX)

    # ---- pages -----------------------------------------------------------------------------------------
    def current_page(self) -> str:
        return Path(self.browser.source().toLocalFile()).name

    def show_page(self, name: str) -> None:
        if self.current_page() != name:
            self.browser.setSource(QUrl.fromLocalFile(str(self.folder / name)))
        self._mark()

    def _chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        if item is not None:
            self.show_page(item.data(Qt.ItemDataRole.UserRole))

    def _followed(self, url: QUrl) -> None:
        """A link was followed inside the guide: the contents follow it."""
        name = Path(url.toLocalFile()).name
        for row in range(self.contents.count()):
            item = self.contents.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == name and self.contents.currentItem() is not item:
                self.contents.blockSignals(True)
                self.contents.setCurrentItem(item)
                self.contents.blockSignals(False)
        self._mark()
        self.page_shown.emit(name)

    # ---- search ----------------------------------------------------------------------------------------
    def _filter(self, query: str) -> None:
        shown = matching(self.pages, query)
        current = self.current_page() if self.browser.source().isValid() else ""
        self.contents.blockSignals(True)
        self.contents.clear()
        for page in shown:
            item = QListWidgetItem(page.title)
            item.setData(Qt.ItemDataRole.UserRole, page.name)
            item.setToolTip(page.name)
            self.contents.addItem(item)
            if page.name == current:
                self.contents.setCurrentItem(item)
        self.contents.blockSignals(False)
        if query.strip():
            self.found.setText(f"{len(shown)} page{'s' if len(shown) != 1 else ''} found" if shown else
                               f"No page mentions “{query.strip()}”.")
        else:
            self.found.setText("")
        self.found.setVisible(bool(query.strip()))
        self._mark()

    def _open_first(self) -> None:
        if self.contents.count():
            first = self.contents.item(0)
            self.contents.setCurrentItem(first)
            self.show_page(first.data(Qt.ItemDataRole.UserRole))
            self.browser.moveCursor(QTextCursor.MoveOperation.Start)
            words = self.search.text().split()
            if words:
                self.browser.find(words[0])

    def _mark(self) -> None:
        """Every word of the search, marked on the page shown."""
        words = self.search.text().split()
        marks = []
        document = self.browser.document()
        look = QTextCharFormat()
        look.setBackground(QColor(255, 230, 120))
        for word in words:
            cursor = document.find(word)
            while not cursor.isNull():
                mark = QTextEdit.ExtraSelection()
                mark.cursor = cursor
                mark.format = look
                marks.append(mark)
                cursor = document.find(word, cursor)
        self.browser.setExtraSelections(marks)

    def marked(self) -> list[str]:
        return [m.cursor.selectedText() for m in self.browser.extraSelections()]


class HelpWindow(QDialog):
    """The guide in a window of its own, beside the work (not modal)."""

    def __init__(self, parent: QWidget | None = None, folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Planner User Guide")
        self.setModal(False)
        self.guide = HelpBrowser(folder, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.guide)
        self.resize(1000, 700)


__all__ = ["HelpBrowser", "HelpPage", "HelpWindow", "guide_pages", "help_dir", "matching"]
