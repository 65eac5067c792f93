"""Colours, markers, sizes and matplotlib settings shared by every chart.

The palette is Okabe-Ito (safe for the common colour-vision deficiencies); every colour
distinction is doubled by a marker shape, a hatch, a line style or a word. Plain values only:
nothing here imports matplotlib.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# Okabe & Ito (2008), "Color Universal Design".
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
BLACK = "#000000"
GREY = "#999999"
LIGHT_GREY = "#DDDDDD"
TEXT = "#222222"
MUTED = "#555555"

SERIES_STYLES: tuple[tuple[str, str, str], ...] = (
    (BLUE, "o", "-"),
    (ORANGE, "s", "--"),
    (BLUISH_GREEN, "^", "-."),
    (REDDISH_PURPLE, "D", ":"),
    (VERMILLION, "v", "-"),
    (SKY_BLUE, "P", "--"),
    (BLACK, "X", "-."),
)
"""(colour, marker, line style) per trend series, cycled."""

CURRENT_COLOUR = BLUE
PREVIOUS_COLOUR = SKY_BLUE
PREVIOUS_HATCH = "///"
TARGET_COLOUR = BLACK
BASELINE_COLOUR = MUTED

SEGMENT_COLOURS: dict[str, str] = {
    "detractors": VERMILLION,
    "passives": LIGHT_GREY,
    "promoters": BLUE,
}
SEGMENT_HATCHES: dict[str, str] = {"detractors": "\\\\", "passives": "", "promoters": ""}

STATUS_STYLES: dict[str, tuple[str, str, bool]] = {
    "on_schedule": (BLUISH_GREEN, "o", True),
    "challenges": (ORANGE, "^", True),
    "not_started": (GREY, "o", False),
    "done": (BLUE, "s", True),
}
"""Status -> (colour, marker, filled): shape and fill tell the status without colour."""

# Phone layout: every PNG is laid out on a figure this wide and rasterised to the wanted
# pixel width, so text keeps its proportions at every size (1080 px -> 216 dpi).
PHONE_WIDTH_IN = 5.0
A4_PORTRAIT_IN = (8.27, 11.69)
PAGE_MARGIN_IN = 0.6

TITLE_PT = 15.0
SUBTITLE_PT = 12.0
BASE_PT = 12.0
TICK_PT = 11.0
SMALL_PT = 10.5

PDF_SCALE = 0.8
"""Text on paper is this size of the phone's: an A4 page is laid out like a phone image
8.8 in wide, then drawn 7.07 in wide (12 pt body text prints at 9.6 pt)."""

_SCALE: ContextVar[float] = ContextVar("charts_scale", default=1.0)


def pt(size: float) -> float:
    """A font or marker size in points at the current drawing scale."""
    return size * _SCALE.get()


@contextmanager
def scaled(factor: float) -> Iterator[None]:
    """Draw text and markers at ``factor`` times their nominal size inside the block."""
    token = _SCALE.set(factor)
    try:
        yield
    finally:
        _SCALE.reset(token)


def rc_params(scale: float = 1.0) -> dict[RcKeyType, Any]:
    """The matplotlib settings of every chart, with font sizes at ``scale``."""
    params = dict(RC_PARAMS)
    keys: tuple[RcKeyType, ...] = (
        "font.size",
        "axes.titlesize",
        "axes.labelsize",
        "xtick.labelsize",
        "ytick.labelsize",
        "legend.fontsize",
    )
    for key in keys:
        params[key] = RC_PARAMS[key] * scale
    return params


RC_PARAMS: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": BASE_PT,
    "axes.titlesize": TITLE_PT,
    "axes.labelsize": BASE_PT,
    "xtick.labelsize": TICK_PT,
    "ytick.labelsize": TICK_PT,
    "legend.fontsize": SMALL_PT,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": TEXT,
    "text.color": TEXT,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "axes.unicode_minus": True,
    "text.parse_math": False,  # a "$" in a unit name is text, not TeX
    "text.usetex": False,
    "hatch.linewidth": 1.2,
    "pdf.fonttype": 42,  # embed TrueType: selectable, searchable text in the PDF
    "svg.fonttype": "none",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}
