"""Help > User Guide: the shipped HTML guide, read offline, with its contents, links and search."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument

from planner.ui.help_browser import HelpBrowser, guide_pages, help_dir, matching

ROOT = Path(__file__).resolve().parents[1]


def test_every_page_of_the_guide_is_in_its_contents_and_every_link_and_picture_is_there(qapp) -> None:  # type: ignore[no-untyped-def]
    folder = help_dir()
    pages = guide_pages(folder)
    names = {p.name for p in pages}
    assert names == {p.name for p in folder.glob("*.html")}, "a page the contents do not reach"
    assert len(pages) >= 10
    for page in folder.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        for link in re.findall(r'href="([^"#:]+)"', html):
            assert (folder / link).is_file(), f"{page.name} links to a missing {link}"
        for picture in re.findall(r'src="([^"]+)"', html):
            assert (folder / picture).resolve().is_file(), f"{page.name} shows a missing {picture}"


def test_the_guide_says_what_each_status_means_with_the_real_numbers(qapp) -> None:  # type: ignore[no-untyped-def]
    from planner.services.progress import Status, Thresholds

    status = next(p for p in guide_pages(help_dir()) if p.name == "status.html")
    for s in Status:
        assert s.value.casefold() in status.text
    t = Thresholds()
    assert f"within {t.on_track:.0%}".replace("%", " points") in status.text
    assert f"{t.at_risk:.0%}".replace("%", " points") in status.text


def test_the_shortcuts_page_lists_the_menus_keys(qapp) -> None:  # type: ignore[no-untyped-def]
    shortcuts = next(p for p in guide_pages(help_dir()) if p.name == "shortcuts.html")
    for keys in ("ctrl+z", "ctrl+y", "ctrl+shift+n", "ctrl+f", "ctrl+l", "ctrl+e", "ctrl+p", "ctrl+1", "ctrl+6"):
        assert keys in shortcuts.text


def test_search_keeps_the_pages_holding_every_word(qapp) -> None:  # type: ignore[no-untyped-def]
    pages = guide_pages(help_dir())
    found = {p.name for p in matching(pages, "AT RISK points")}
    assert "status.html" in found and "files.html" not in found
    assert matching(pages, "") == pages
    assert matching(pages, "zebracorn") == []


def test_the_browser_shows_pages_follows_links_and_searches(qtbot) -> None:  # type: ignore[no-untyped-def]
    guide = HelpBrowser()
    qtbot.addWidget(guide)
    guide.resize(1000, 700)
    guide.show()
    assert guide.current_page() == "index.html"
    assert guide.browser.document().toPlainText().startswith("Planner user guide")
    titles = [guide.contents.item(i).text() for i in range(guide.contents.count())]
    assert "What each status means" in titles and "Typing in tables" in titles
    # a link inside a page opens the page it names, and the contents follow
    with qtbot.waitSignal(guide.page_shown):
        guide.browser.setSource(guide.browser.source().resolved("status.html"))
    assert guide.current_page() == "status.html"
    assert guide.contents.currentItem().text() == "What each status means"
    # searching: the contents narrow, the words are marked, Enter opens the first page that has them
    qtbot.keyClicks(guide.search, "paste")
    shown = [guide.contents.item(i).data(Qt.ItemDataRole.UserRole) for i in range(guide.contents.count())]
    assert "tables.html" in shown and "status.html" not in shown
    assert "found" in guide.found.text()
    qtbot.keyClick(guide.search, Qt.Key.Key_Return)
    assert guide.current_page() == shown[0]
    assert guide.marked() and all(m.casefold() == "paste" for m in guide.marked())
    guide.search.clear()
    qtbot.keyClicks(guide.search, "zebracorn")
    assert guide.contents.count() == 0 and "No page mentions" in guide.found.text()


def test_the_pictures_load(qtbot) -> None:  # type: ignore[no-untyped-def]
    guide = HelpBrowser()
    qtbot.addWidget(guide)
    image = guide.browser.document().resource(QTextDocument.ResourceType.ImageResource,
                                              guide.browser.source().resolved("../screenshots/main-window.png"))
    assert image is not None and not image.isNull()


def test_the_readme_shows_the_department_view_the_wall_scoreboard_and_the_user_guide() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("department-view.png", "wall-scoreboard.png", "user-guide.png"):
        assert f"resources/screenshots/{name}" in readme
        assert (ROOT / "resources" / "screenshots" / name).stat().st_size > 20_000
