"""The status summary as pages: laid out once to know the page count, then painted with QPainter on a
PDF writer or a printer. A WIG block is never split across pages; every page has a header and "page x of
y"; status reads as a word and a hatch pattern as well as a colour, so it survives black-and-white printing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QLineF, QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)

from planner.render.sparkline import paint_sparkline
from planner.render.status_style import COLOR, PATTERN, label
from planner.services.progress import SEVERITY, Status
from planner.services.report import SECTIONS, Summary, WigBlock

FONT = "DejaVu Sans"
NO_LIGATURES = [QFont.Tag(name) for name in ("liga", "clig", "dlig", "hlig")]
PAPER = {"Letter": QPageSize.PageSizeId.Letter, "A4": QPageSize.PageSizeId.A4}


# The margin a page gets unless one is asked for: three quarters of an inch on US Letter, 20 mm on A4.
DEFAULT_MARGIN = {"Letter": (0.75, QPageLayout.Unit.Inch), "A4": (20.0, QPageLayout.Unit.Millimeter)}


@dataclass
class PageOptions:
    paper: str = "Letter"
    landscape: bool = False
    margins_mm: float | None = None  # a margin in millimetres; None: the paper's usual margin
    sections: set[str] = field(default_factory=lambda: set(SECTIONS))
    margins_in: float | None = None  # a margin in inches (wins over margins_mm): how Letter paper is measured

    def margin(self) -> tuple[float, QPageLayout.Unit]:
        if self.margins_in is not None:
            return self.margins_in, QPageLayout.Unit.Inch
        if self.margins_mm is not None:
            return self.margins_mm, QPageLayout.Unit.Millimeter
        return DEFAULT_MARGIN.get(self.paper, DEFAULT_MARGIN["Letter"])

    def layout(self) -> QPageLayout:
        orientation = QPageLayout.Orientation.Landscape if self.landscape else QPageLayout.Orientation.Portrait
        m, unit = self.margin()
        return QPageLayout(QPageSize(PAPER[self.paper]), orientation, QMarginsF(m, m, m, m), unit)


Painter = Callable[[QPainter, QRectF], None]


@dataclass
class Block:
    height: float
    paint: Painter
    new_page: bool = False  # starts on a fresh page
    full_page: bool = False  # has a page to itself (a wall scoreboard)
    keep_with_next: bool = False  # a heading: never the last thing on a page


def plural(n: int, word: str, many: str | None = None) -> str:
    """ "1 WIG", "2 WIGs": a count the way a person writes it."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


class SummaryRenderer:
    def __init__(self, summary: Summary, options: PageOptions) -> None:
        self.summary = summary
        self.options = options

    # ---- fonts and text ----------------------------------------------------------------------------------
    @staticmethod
    def font(size: float, bold: bool = False) -> QFont:
        f = QFont(FONT)
        f.setPointSizeF(size)
        f.setBold(bold)
        # No ligatures: an "ff" drawn as one glyph copies out of the PDF as U+FB00, so "staff" would neither
        # paste nor search as the word it shows. Kerning and the rest of the shaping stay.
        for tag in NO_LIGATURES:
            f.setFeature(tag, 0)
        return f

    def text_height(self, text: str, font: QFont, width: float) -> float:
        metrics = QFontMetricsF(font, self.device)
        return metrics.boundingRect(QRectF(0, 0, width, 1e6), int(Qt.TextFlag.TextWordWrap), text).height()

    def draw_text(self, p: QPainter, rect: QRectF, text: str, font: QFont, color: QColor | None = None,
                  align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> float:
        p.setFont(font)
        p.setPen(color or QColor(20, 20, 20))
        height = self.text_height(text, font, rect.width())
        p.drawText(QRectF(rect.left(), rect.top(), rect.width(), height),
                   int(align | Qt.AlignmentFlag.AlignTop) | int(Qt.TextFlag.TextWordWrap), text)
        return height

    def pt(self, points: float) -> float:
        """Points to device units."""
        return points * self.device.logicalDpiY() / 72.0

    # ---- the whole document ------------------------------------------------------------------------------
    def render(self, device: QPagedPaintDevice) -> int:
        self.device = device
        device.setPageLayout(self.options.layout())
        painter = QPainter(device)
        try:
            page_rect = QRectF(painter.viewport())
            header, footer = self.pt(22), self.pt(22)
            body = QRectF(page_rect.left(), page_rect.top() + header, page_rect.width(),
                          page_rect.height() - header - footer)
            pages = self._paginate(self._blocks(body.width(), body.height()), body.height())
            for number, blocks in enumerate(pages, start=1):
                if number > 1:
                    device.newPage()
                self._header_footer(painter, page_rect, number, len(pages))
                y = body.top()
                for block in blocks:
                    height = body.height() if block.full_page else block.height
                    block.paint(painter, QRectF(body.left(), y, body.width(), height))
                    y += block.height + self.pt(8)
            return len(pages)
        finally:
            painter.end()

    def _paginate(self, blocks: list[Block], page_height: float) -> list[list[Block]]:
        """Blocks fill a page in turn; a block that does not fit starts the next page, a heading goes with
        the block after it, and only a wall scoreboard (or a block asking for it) takes a fresh page."""
        pages: list[list[Block]] = [[]]
        used = 0.0
        gap = self.pt(8)
        for i, block in enumerate(blocks):
            need = block.height
            if block.keep_with_next and i + 1 < len(blocks) and not blocks[i + 1].full_page:
                need += gap + blocks[i + 1].height
            fits = used + need <= page_height
            if pages[-1] and (block.new_page or block.full_page or not fits or used >= page_height):
                pages.append([])
                used = 0.0
            pages[-1].append(block)
            used += page_height if block.full_page else block.height + gap
        return [p for p in pages if p]

    def _header_footer(self, p: QPainter, page: QRectF, number: int, total: int) -> None:
        s = self.summary
        small = self.font(8)
        grey = QColor(90, 90, 90)
        top = QRectF(page.left(), page.top(), page.width(), self.pt(14))
        self.draw_text(p, top, f"{s.title} — {s.scope_label}", small, grey)
        self.draw_text(p, top, f"{s.today:%d %B %Y}", small, grey, Qt.AlignmentFlag.AlignRight)
        p.setPen(QPen(QColor(180, 180, 180), self.pt(0.5)))
        p.drawLine(QLineF(page.left(), top.bottom() + self.pt(2), page.right(), top.bottom() + self.pt(2)))
        bottom = QRectF(page.left(), page.bottom() - self.pt(12), page.width(), self.pt(12))
        self.draw_text(p, bottom, f"{s.plan_name} · annual plan {s.plan_year} · {s.generator}", small, grey)
        self.draw_text(p, bottom, f"Page {number} of {total}", small, grey, Qt.AlignmentFlag.AlignRight)

    # ---- blocks ------------------------------------------------------------------------------------------
    def _blocks(self, width: float, page_height: float) -> list[Block]:
        sections = self.options.sections
        s = self.summary
        blocks: list[Block] = []
        if "cover" in sections:
            blocks.append(self._cover(width))
        if "wigs" in sections:
            blocks.append(self._heading(f"Wildly Important Goals ({len(s.wigs)})", width, new_page=False))
            if not s.wigs:
                blocks.append(self._paragraph("No WIGs in this scope.", width))
            blocks += [self._wig(w, width, page_height) for w in s.wigs]
        if "years" in sections and s.years:
            blocks.append(self._heading("Year over year", width, new_page=False))
            for title, lines in s.years:
                blocks.append(self._paragraph(title + "".join(f"\n    {line}" for line in lines), width))
        if "projects" in sections:
            blocks.append(self._heading(f"Projects ({len(s.projects)})", width, new_page=False))
            if not s.projects:
                blocks.append(self._paragraph("No projects carry the WIGs in this scope yet.", width))
            for project in s.projects:
                end = f", ends {project.end:%d %b %Y}" if project.end else ""
                text = (f"{project.name} — {project.status}, {project.percent:.0f}% complete, "
                        f"lead {project.lead or '—'}{end}")
                extra = [f"Open issue: {i}" for i in project.open_issues]
                extra += [f"Overdue milestone: {m}" for m in project.overdue_milestones]
                blocks.append(self._paragraph(text + "".join(f"\n    {e}" for e in extra), width))
        if "raid" in sections:
            blocks.append(self._heading(f"Open RAID items ({len(s.raid)})", width, new_page=False))
            if not s.raid:
                blocks.append(self._paragraph("No open risks, assumptions, issues or dependencies.", width))
            for r in s.raid:
                score = f", score {r.score}" if r.score is not None else ""
                blocks.append(self._paragraph(f"{r.type} ({r.status}{score}) — {r.project}: {r.description}"
                                              f" [owner: {r.owner or '—'}]", width))
        if "index" in sections and s.index:
            blocks.append(self._heading("Department Plans Index", width, new_page=False))
            for dept, wigs, measures in s.index:
                text = dept + "".join(f"\n    WIG: {w}" for w in wigs)
                text += "".join(f"\n    Measure: {m}" for m in measures)
                blocks.append(self._paragraph(text, width))
        if "scoreboards" in sections:
            blocks += [self._scoreboard(w) for w in s.wigs]
        return blocks

    def _heading(self, text: str, width: float, *, new_page: bool = False) -> Block:
        font = self.font(14, True)
        space = self.pt(8)  # air above a section's heading, so sections sharing a page read apart
        height = space + self.text_height(text, font, width) + self.pt(3)

        def paint(p: QPainter, r: QRectF) -> None:
            y = r.top() + space
            y += self.draw_text(p, QRectF(r.left(), y, r.width(), r.height()), text, font)
            p.setPen(QPen(QColor(150, 150, 150), self.pt(0.6)))
            p.drawLine(QPointF(r.left(), y + self.pt(1)), QPointF(r.right(), y + self.pt(1)))

        return Block(height, paint, new_page=new_page, keep_with_next=True)

    def _paragraph(self, text: str, width: float) -> Block:
        font = self.font(9.5)
        height = self.text_height(text, font, width)

        def paint(p: QPainter, r: QRectF) -> None:
            self.draw_text(p, r, text, font)

        return Block(height, paint)

    def _cover(self, width: float) -> Block:
        """The briefing's opening: what, for whom, as of when, the WIGs per status at a glance, and how status
        is worked out. It takes the top of the first page; the sections follow on beneath it."""
        s = self.summary
        lines = [(f"{s.title}", self.font(22, True)), (s.scope_label, self.font(14))]
        if s.division:
            lines.append((f"Division: {s.division}", self.font(11)))
        lines += [(f"{s.plan_name} · annual plan {s.plan_year} · as of {s.today:%d %B %Y}", self.font(10))]
        total = sum(s.counts.values())
        counts = [f"{label(st)}: {s.counts.get(st, 0)}" for st in SEVERITY]
        body = [(f"{plural(total, 'WIG')} in this scope", self.font(11, True)), ("   ".join(counts), self.font(9.5)),
                ("Project workbook utilization", self.font(11, True)), (s.utilization, self.font(9.5)),
                ("How status is worked out", self.font(11, True)), (s.rules, self.font(9))]
        gap = self.pt(4)
        bar_h, bar_gap = self.pt(18), self.pt(10)
        height = (sum(self.text_height(t, f, width) + gap for t, f in lines + body) + bar_h + 2 * bar_gap)

        def paint(p: QPainter, r: QRectF) -> None:
            y = r.top()
            for text, font in lines:
                y += self.draw_text(p, QRectF(r.left(), y, r.width(), r.height()), text, font) + gap
            y += bar_gap
            bar = QRectF(r.left(), y, r.width(), bar_h)
            self._status_bar(p, bar)
            y += bar.height() + bar_gap
            for text, font in body:
                y += self.draw_text(p, QRectF(r.left(), y, r.width(), r.height()), text, font) + gap

        return Block(height, paint)

    def _status_bar(self, p: QPainter, rect: QRectF) -> None:
        """The WIGs per status as one stacked bar, each part hatched and labelled."""
        total = sum(self.summary.counts.values()) or 1
        x = rect.left()
        for status in SEVERITY:
            n = self.summary.counts.get(status, 0)
            if not n:
                continue
            w = rect.width() * n / total
            part = QRectF(x, rect.top(), w, rect.height())
            self._status_fill(p, part, status)
            if w > self.pt(18):
                self.draw_text(p, part.adjusted(0, self.pt(3), 0, 0), str(n), self.font(9, True),
                               align=Qt.AlignmentFlag.AlignHCenter)
            x += w

    def _status_fill(self, p: QPainter, rect: QRectF, status: Status) -> None:
        color = QColor(COLOR[status])
        light = QColor(color)
        light.setAlpha(70)
        p.setPen(QPen(color, self.pt(0.8)))
        p.setBrush(light)
        p.drawRect(rect)
        pattern = PATTERN[status]
        if pattern not in (Qt.BrushStyle.NoBrush, Qt.BrushStyle.SolidPattern):
            brush = QBrush(color, pattern)
            p.setBrush(brush)
            p.drawRect(rect)
        p.setBrush(Qt.BrushStyle.NoBrush)

    def _wig(self, w: WigBlock, width: float, page_height: float) -> Block:
        head = self.font(11, True)
        normal = self.font(9.5)
        small = self.font(8.5)
        chart_w, chart_h = width * 0.36, self.pt(110)
        text_w = width - chart_w - self.pt(12)
        parts: list[tuple[str, QFont]] = [
            (f"{w.code}" + (f" — {w.owner}" if w.owner and not w.code.startswith(w.owner) else ""), head),
            (w.sentence, normal),
            (f"{w.structure}.  Latest: {w.latest}.", normal),
            (w.reason, small),
        ]
        lists: list[tuple[str, QFont]] = []
        if w.key_levers:
            lists.append(("Key levers", self.font(9, True)))
            lists += [(f"• {k}", small) for k in w.key_levers]
        if w.measures:
            lists.append(("Performance measures (latest)", self.font(9, True)))
            lists += [(f"• {name}: {value}", small) for name, value in w.measures]
        if w.projects:
            lists.append(("Projects", self.font(9, True)))
            for pr in w.projects:
                lists.append((f"• {pr.name}: {pr.status}, {pr.percent:.0f}% complete", small))
                lists += [(f"    open issue: {i}", small) for i in pr.open_issues]
                lists += [(f"    overdue milestone: {m}", small) for m in pr.overdue_milestones]
        gap = self.pt(3)
        left = sum(self.text_height(t, f, text_w) + gap for t, f in parts) + self.pt(30)
        below = sum(self.text_height(t, f, width) + gap for t, f in lists)
        height = max(left, chart_h + self.pt(8)) + below + self.pt(14)
        if height > page_height:  # an enormous WIG: keep it whole by shrinking its lists to fit one page
            lists = [*lists[: max(3, int(len(lists) * page_height / height))], ("… (more in the plan file)", small)]
            below = sum(self.text_height(t, f, width) + gap for t, f in lists)
            height = min(page_height, max(left, chart_h + self.pt(8)) + below + self.pt(14))

        def paint(p: QPainter, r: QRectF) -> None:
            p.setPen(QPen(QColor(190, 190, 190), self.pt(0.6)))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(r.adjusted(-self.pt(4), -self.pt(4), self.pt(4), 0), self.pt(4), self.pt(4))
            y = r.top()
            for text, font in parts[:1]:
                y += self.draw_text(p, QRectF(r.left(), y, text_w, r.height()), text, font) + gap
            badge = QRectF(r.left(), y, self.pt(88), self.pt(16))
            self._status_fill(p, badge, w.status)
            self.draw_text(p, badge.adjusted(0, self.pt(2), 0, 0), label(w.status), self.font(9, True),
                           align=Qt.AlignmentFlag.AlignHCenter)
            bar = QRectF(badge.right() + self.pt(8), y + self.pt(4), text_w - badge.width() - self.pt(8), self.pt(8))
            p.setPen(QPen(QColor(120, 120, 120), self.pt(0.5)))
            p.drawRect(bar)
            share = max(0.0, min(1.0, w.share or 0.0))
            if w.share is not None:
                filled = QRectF(bar.left(), bar.top(), bar.width() * share, bar.height())
                p.fillRect(filled, QBrush(QColor(60, 60, 60), Qt.BrushStyle.Dense4Pattern))
                self.draw_text(p, QRectF(bar.left(), bar.bottom() + self.pt(1), bar.width(), self.pt(10)),
                               f"{w.share:.0%} of the way", self.font(7), QColor(80, 80, 80))
            y += badge.height() + self.pt(10)
            for text, font in parts[1:]:
                y += self.draw_text(p, QRectF(r.left(), y, text_w, r.height()), text, font) + gap
            chart = QRectF(r.right() - chart_w, r.top(), chart_w, chart_h)
            p.setFont(self.font(6.5))
            paint_sparkline(p, chart, w.chart, scale=self.pt(0.75), axes=True)
            y = max(y, chart.bottom() + self.pt(8))
            for text, font in lists:
                y += self.draw_text(p, QRectF(r.left(), y, r.width(), r.height()), text, font) + gap

        return Block(height, paint)

    def _scoreboard(self, w: WigBlock) -> Block:
        """One page per WIG for the wall: the lag measure against its path, the lead measures beside it."""

        def paint(p: QPainter, r: QRectF) -> None:
            y = r.top()
            y += self.draw_text(p, QRectF(r.left(), y, r.width(), r.height()), w.code, self.font(20, True))
            y += self.draw_text(p, QRectF(r.left(), y + self.pt(4), r.width(), r.height()), w.sentence,
                                self.font(14)) + self.pt(10)
            badge = QRectF(r.left(), y, self.pt(170), self.pt(30))
            self._status_fill(p, badge, w.status)
            self.draw_text(p, badge.adjusted(0, self.pt(5), 0, 0), label(w.status), self.font(16, True),
                           align=Qt.AlignmentFlag.AlignHCenter)
            latest = QRectF(badge.right() + self.pt(14), y + self.pt(4), r.width() - badge.width(), self.pt(30))
            self.draw_text(p, latest, f"Latest: {w.latest}", self.font(16))
            y += badge.height() + self.pt(14)
            chart_w = r.width() * (0.64 if w.measures else 1.0)
            chart = QRectF(r.left(), y, chart_w, r.bottom() - y - self.pt(24))
            p.setFont(self.font(12))
            paint_sparkline(p, chart, w.chart, scale=self.pt(2.2), axes=True)
            self.draw_text(p, QRectF(r.left(), chart.bottom() + self.pt(4), chart_w, self.pt(16)),
                           f"Goal: {w.structure}. Dashed: the path to the target; dotted: the target.", self.font(9),
                           QColor(80, 80, 80))
            if w.measures:
                x = r.left() + chart_w + self.pt(14)
                yy = y
                yy += self.draw_text(p, QRectF(x, yy, r.right() - x, r.height()), "Lead measures",
                                     self.font(14, True)) + self.pt(6)
                for name, value in w.measures:
                    yy += self.draw_text(p, QRectF(x, yy, r.right() - x, r.height()), name, self.font(11))
                    yy += self.draw_text(p, QRectF(x, yy, r.right() - x, r.height()), value, self.font(13, True))
                    yy += self.pt(8)

        return Block(0, paint, full_page=True)


def write_pdf(summary: Summary, path: Path, options: PageOptions | None = None) -> int:
    """Write the summary as a PDF (to a temporary name, then moved into place). Returns the page count."""
    options = options or PageOptions()
    path = Path(path)
    tmp = path.with_name(path.name + ".partial")
    writer = QPdfWriter(str(tmp))
    writer.setResolution(300)
    writer.setTitle(f"{summary.title} — {summary.scope_label}")
    writer.setCreator(summary.generator)
    try:
        pages = SummaryRenderer(summary, options).render(writer)
    except BaseException:
        del writer
        tmp.unlink(missing_ok=True)
        raise
    del writer  # flushes and closes the file
    tmp.replace(path)
    return pages


__all__ = ["PageOptions", "SummaryRenderer", "write_pdf"]
