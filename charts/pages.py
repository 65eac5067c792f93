"""Page planning of the A4 report: which blocks go on which page (pure, no matplotlib).

The cover is page 1. Each section starts on a new page; its heading, paragraphs (split into
chunks of lines) and charts flow down the pages. Each unit summary gets one page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from charts.data import Chart, ReportDocument, ReportSection
from charts.layout import chart_height_in, line_in, paginate
from charts.prepare import chars_per_line, wrap
from charts.style import A4_PORTRAIT_IN, PAGE_MARGIN_IN, PDF_SCALE

PAGE_WIDTH_IN, PAGE_HEIGHT_IN = A4_PORTRAIT_IN
FOOTER_IN = 0.35
CONTENT_WIDTH_IN = PAGE_WIDTH_IN - 2 * PAGE_MARGIN_IN
CONTENT_HEIGHT_IN = PAGE_HEIGHT_IN - 2 * PAGE_MARGIN_IN - FOOTER_IN
LAYOUT_WIDTH_IN = CONTENT_WIDTH_IN / PDF_SCALE
"""The content width in layout inches: pages are laid out at this width, drawn scaled."""
LAYOUT_HEIGHT_IN = CONTENT_HEIGHT_IN / PDF_SCALE

HEADING_PT = 18.0
PARAGRAPH_PT = 11.0
BLOCK_GAP_IN = 0.14


@dataclass(frozen=True)
class Block:
    """A vertical piece of a section page: a heading, some text lines or a chart."""

    kind: Literal["heading", "text", "chart"]
    height_in: float
    lines: tuple[str, ...] = ()
    chart: Chart | None = None


@dataclass(frozen=True)
class PagePlan:
    """One page of the report."""

    kind: Literal["cover", "section", "unit"]
    blocks: tuple[Block, ...] = ()
    section: int | None = None  # index into document.sections
    unit: int | None = None  # index into document.unit_pages


def section_blocks(section: ReportSection, width_in: float = LAYOUT_WIDTH_IN) -> list[Block]:
    """Cut a section into blocks no taller than a page (in layout inches).

    Args:
        section: The section.
        width_in: The text width in layout inches.

    Returns:
        Heading, paragraph chunks and charts, in order.
    """
    heading = wrap(section.heading, chars_per_line(width_in, HEADING_PT * 1.05))
    blocks = [Block("heading", len(heading) * line_in(HEADING_PT) + 0.25, tuple(heading))]
    line_height = line_in(PARAGRAPH_PT, 1.4)
    max_lines = max(int((LAYOUT_HEIGHT_IN - BLOCK_GAP_IN) / line_height), 1)
    per_line = chars_per_line(width_in, PARAGRAPH_PT)
    for paragraph in section.paragraphs:
        lines = wrap(paragraph, per_line)
        for start in range(0, len(lines), max_lines):
            chunk = tuple(lines[start : start + max_lines])
            blocks.append(Block("text", len(chunk) * line_height + BLOCK_GAP_IN, chunk))
    for chart in section.charts:
        height = min(chart_height_in(chart, width_in) + BLOCK_GAP_IN, LAYOUT_HEIGHT_IN)
        blocks.append(Block("chart", height, chart=chart))
    return blocks


def plan_pages(document: ReportDocument) -> list[PagePlan]:
    """Plan every page of the report.

    Args:
        document: The report.

    Returns:
        The pages in order: cover, section pages, unit pages.
    """
    pages = [PagePlan("cover")]
    for index, section in enumerate(document.sections):
        blocks = section_blocks(section)
        for indexes in paginate([b.height_in for b in blocks], LAYOUT_HEIGHT_IN):
            pages.append(PagePlan("section", tuple(blocks[i] for i in indexes), section=index))
    pages += [PagePlan("unit", unit=i) for i in range(len(document.unit_pages))]
    return pages


def first_pages(plans: list[PagePlan]) -> tuple[dict[int, int], int | None]:
    """Page numbers (1-based) where each section starts, and where the unit pages start."""
    sections: dict[int, int] = {}
    units: int | None = None
    for number, plan in enumerate(plans, start=1):
        if plan.kind == "section" and plan.section is not None:
            sections.setdefault(plan.section, number)
        if plan.kind == "unit" and units is None:
            units = number
    return sections, units
