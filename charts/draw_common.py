"""Small matplotlib helpers shared by the chart drawers (imported only when drawing)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from matplotlib.axes import Axes
from matplotlib.figure import FigureBase
from matplotlib.ticker import FuncFormatter, MaxNLocator

from charts.fmt import format_number, format_value
from charts.layout import SIDE_PAD_IN, line_in, title_lines
from charts.style import GREY, LIGHT_GREY, MUTED, STATUS_STYLES, TITLE_PT, pt


def add_title(fig: FigureBase, title: str, width_in: float) -> None:
    """A bold, left-aligned, wrapped title at the top of a (sub)figure."""
    fig.suptitle(
        "\n".join(title_lines(title, width_in)),
        x=SIDE_PAD_IN / width_in,
        ha="left",
        fontsize=pt(TITLE_PT),
        fontweight="bold",
        linespacing=1.15,
    )


def inch_axes(fig: FigureBase, width_in: float, height_in: float) -> Axes:
    """An invisible axes over the whole (sub)figure whose data units are inches from top left.

    Used for tables and text blocks, which are laid out by hand (see :mod:`charts.layout`).
    """
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, width_in)
    ax.set_ylim(height_in, 0)
    ax.axis("off")
    return ax


def value_ticks(ax: Axes, axis: Literal["x", "y"], locale: str, unit: str) -> None:
    """Format the value axis ticks in the locale (``"50 %"``, ``"1 050"``, ``"2,5"``)."""

    def tick(value: float, _pos: int | None) -> str:
        if unit.strip() == "%":
            return format_value(value, locale, "%")
        return format_number(value, locale)

    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_formatter(FuncFormatter(tick))
    target.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))


def light_grid(ax: Axes, axis: Literal["x", "y"]) -> None:
    """Faint grid lines behind the data along one axis."""
    ax.grid(axis=axis, color=LIGHT_GREY, linewidth=0.8)
    ax.set_axisbelow(True)


def status_marker(ax: Axes, x: float, y: float, status: str, size: float = 11.0) -> None:
    """A traffic-light marker whose shape and fill also tell the status."""
    colour, marker, filled = STATUS_STYLES.get(status, (GREY, "o", False))
    ax.plot(
        [x],
        [y],
        marker=marker,
        markersize=pt(size),
        color=colour,
        markerfacecolor=colour if filled else "white",
        markeredgecolor=colour if filled else MUTED,
        markeredgewidth=2.0,
        linestyle="none",
        clip_on=False,
    )


def text_lines(
    ax: Axes,
    x: float,
    y: float,
    lines: Sequence[str],
    font_pt: float,
    spacing: float = 1.3,
    **style: Any,
) -> float:
    """Write lines one by one from ``(x, y)`` down (inch axes); returns the y under them.

    Each line is its own text so that line heights match :func:`charts.layout.line_in`
    exactly, whatever letters the lines hold.
    """
    step = line_in(font_pt, spacing)
    for i, line in enumerate(lines):
        ax.text(x, y + i * step, line, va="top", fontsize=pt(font_pt), **style)
    return y + len(lines) * step
