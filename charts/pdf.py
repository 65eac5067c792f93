"""Drawing the planned report pages into a multi-page PDF (imports matplotlib).

Call :func:`write_report` inside :func:`charts.render.drawing`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure, SubFigure

from charts.compose import draw_chart, draw_summary, settle_layout, stack
from charts.data import ReportDocument, SummaryPage, TrendChart
from charts.draw_common import inch_axes, text_lines
from charts.fmt import format_date
from charts.layout import fit_heights, line_in
from charts.pages import (
    BLOCK_GAP_IN,
    CONTENT_HEIGHT_IN,
    CONTENT_WIDTH_IN,
    FOOTER_IN,
    HEADING_PT,
    LAYOUT_HEIGHT_IN,
    LAYOUT_WIDTH_IN,
    PAGE_HEIGHT_IN,
    PAGE_WIDTH_IN,
    PARAGRAPH_PT,
    PagePlan,
    first_pages,
    plan_pages,
)
from charts.prepare import chars_per_line, wrap
from charts.style import BASE_PT, MUTED, PAGE_MARGIN_IN, SMALL_PT, SUBTITLE_PT, pt
from charts.summary_layout import summary_parts_in
from charts.words import word

COVER_TITLE_PT = 26.0


def _page(footer: str) -> tuple[Figure, SubFigure]:
    """An A4 figure and its content area inside the margins, with a footer line."""
    fig = Figure(figsize=(PAGE_WIDTH_IN, PAGE_HEIGHT_IN), layout="constrained")
    grid = fig.add_gridspec(
        3,
        3,
        width_ratios=[PAGE_MARGIN_IN, CONTENT_WIDTH_IN, PAGE_MARGIN_IN],
        height_ratios=[PAGE_MARGIN_IN, CONTENT_HEIGHT_IN, PAGE_MARGIN_IN + FOOTER_IN],
        left=0.0,
        right=1.0,
        bottom=0.0,
        top=1.0,
        wspace=0.0,
        hspace=0.0,
    )
    content = fig.add_subfigure(grid[1, 1])
    fig.text(
        0.5,
        (PAGE_MARGIN_IN * 0.8) / PAGE_HEIGHT_IN,
        footer,
        ha="center",
        va="center",
        fontsize=pt(SMALL_PT * 0.85),
        color=MUTED,
    )
    return fig, content


def _cover(content: SubFigure, document: ReportDocument, plans: list[PagePlan]) -> None:
    locale = document.locale
    width, height = LAYOUT_WIDTH_IN, LAYOUT_HEIGHT_IN
    ax = inch_axes(content, width, height)
    title = wrap(document.title, chars_per_line(width, COVER_TITLE_PT * 1.05))
    y = text_lines(ax, 0, height * 0.22, title, COVER_TITLE_PT, 1.25, fontweight="bold")
    subtitle = wrap(document.subtitle, chars_per_line(width, SUBTITLE_PT + 4))
    y = text_lines(ax, 0, y + 0.2, subtitle, SUBTITLE_PT + 4, color=MUTED)
    extra = list(document.cover_lines)
    if document.date is not None:
        extra.append(format_date(document.date, locale))
    y = text_lines(ax, 0, y + 0.35, extra, BASE_PT, 1.5)

    sections, units = first_pages(plans)
    entries = [(s.heading, sections.get(i)) for i, s in enumerate(document.sections)]
    if units is not None:
        entries.append((word("unit_pages", locale), units))
    if not entries:
        return
    y = max(y + 0.6, height * 0.55)
    y = text_lines(ax, 0, y, [word("contents", locale)], BASE_PT + 2, 1.8, fontweight="bold")
    step = line_in(BASE_PT, 1.6)
    for heading, number in entries:
        if y > height - step:
            break
        label = wrap(heading, chars_per_line(width - 0.6, BASE_PT))[0]
        ax.text(0, y, label, va="top", fontsize=pt(BASE_PT))
        ax.text(
            width,
            y,
            "" if number is None else str(number),
            va="top",
            ha="right",
            fontsize=pt(BASE_PT),
        )
        y += step


def _section_page(content: SubFigure, plan: PagePlan) -> None:
    heights = [block.height_in for block in plan.blocks]
    filler = max(LAYOUT_HEIGHT_IN - sum(heights), 0.01)
    parts = stack(content, [*heights, filler])
    for subfig, block in zip(parts, plan.blocks, strict=False):
        if block.kind == "chart" and block.chart is not None:
            draw_chart(subfig, block.chart, LAYOUT_WIDTH_IN, block.height_in - BLOCK_GAP_IN)
            continue
        ax = inch_axes(subfig, LAYOUT_WIDTH_IN, block.height_in)
        if block.kind == "heading":
            text_lines(ax, 0, 0.05, block.lines, HEADING_PT, fontweight="bold")
        else:
            text_lines(ax, 0, 0.0, block.lines, PARAGRAPH_PT, 1.4)


def _unit_page(content: SubFigure, page: SummaryPage) -> None:
    parts = summary_parts_in(page, LAYOUT_WIDTH_IN)
    kinds = [None, None, *page.charts, None]
    fitted = fit_heights(parts, [isinstance(k, TrendChart) for k in kinds], LAYOUT_HEIGHT_IN)
    if sum(fitted) > LAYOUT_HEIGHT_IN:
        fitted = fit_heights(fitted, [k is not None for k in kinds], LAYOUT_HEIGHT_IN)
    filler = max(LAYOUT_HEIGHT_IN - sum(fitted), 0.01)
    draw_summary(content, page, LAYOUT_WIDTH_IN, [*fitted, filler])


def iter_pages(document: ReportDocument) -> Iterator[Figure]:
    """Draw the report's pages one by one (call inside :func:`charts.render.drawing`).

    Args:
        document: The report.

    Yields:
        Each finished A4 page figure, in order.
    """
    plans = plan_pages(document)
    page_word = word("page", document.locale)
    for number, plan in enumerate(plans, start=1):
        fig, content = _page(f"{document.title} · {page_word} {number} / {len(plans)}")
        if plan.kind == "cover":
            _cover(content, document, plans)
        elif plan.kind == "section":
            _section_page(content, plan)
        elif plan.unit is not None:
            _unit_page(content, document.unit_pages[plan.unit])
        settle_layout(fig)
        yield fig


def write_report(document: ReportDocument, file: BinaryIO) -> int:
    """Write the report as a PDF into a binary file object.

    Args:
        document: The report.
        file: Where the PDF goes.

    Returns:
        The number of pages written.
    """
    metadata = {
        "Title": document.title,
        "Subject": document.subtitle,
        "Creator": "omavalvonta-bot",
        "CreationDate": None,
    }
    count = 0
    with PdfPages(file, metadata=metadata) as pdf:
        for fig in iter_pages(document):
            pdf.savefig(fig)
            count += 1
    return count
