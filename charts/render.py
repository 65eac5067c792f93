"""Render charts to PNG (phone size) and reports to PDF (A4).

matplotlib is imported on the first render, not when this module is imported. Every figure is
a standalone :class:`matplotlib.figure.Figure` on an Agg canvas (no pyplot state); rendering
is serialised by a lock because matplotlib's settings and font caches are process-wide.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from charts.data import Chart, ReportDocument, SummaryPage
from charts.layout import chart_height_in
from charts.style import PDF_SCALE, PHONE_WIDTH_IN, rc_params, scaled
from charts.summary_layout import summary_parts_in

if TYPE_CHECKING:
    from matplotlib.figure import Figure

log = logging.getLogger(__name__)

RENDER_LOCK = threading.RLock()
"""Held while matplotlib draws; matplotlib is not thread-safe across figures."""

MAX_WIDTH_PX = 4000
MAX_HEIGHT_PX = 10000
"""Telegram refuses photos whose width and height add up to more than 10 000 px."""
PNG_COMPRESS_LEVEL = 3


def _dpi(width_px: int, dpi: float | None) -> float:
    if not 16 <= width_px <= MAX_WIDTH_PX:
        raise ValueError(f"width_px must be 16..{MAX_WIDTH_PX}, got {width_px}")
    if dpi is None:
        return width_px / PHONE_WIDTH_IN
    if dpi <= 0:
        raise ValueError(f"dpi must be positive, got {dpi}")
    return float(dpi)


def new_figure(width_px: int, height_px: int, dpi: float) -> Figure:
    """A constrained-layout figure rasterising to exactly ``width_px`` × ``height_px``.

    Half a pixel is added to the size in inches so that Agg's truncation to whole pixels
    cannot lose one.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    fig = Figure(
        figsize=((width_px + 0.5) / dpi, (height_px + 0.5) / dpi),
        dpi=dpi,
        layout=ConstrainedLayoutEngine(w_pad=0.06, h_pad=0.06),
    )
    FigureCanvasAgg(fig)
    return fig


def png_height_px(chart: Chart | SummaryPage, *, width_px: int, dpi: float | None = None) -> int:
    """The height in pixels a chart is rendered at for a width (it follows the content).

    Args:
        chart: A chart or summary page.
        width_px: The image width.
        dpi: As in :func:`render_png`.

    Returns:
        The image height.

    Raises:
        ValueError: If the size is out of range or the chart would be taller than
            :data:`MAX_HEIGHT_PX` (too many rows: split them).
    """
    resolution = _dpi(width_px, dpi)
    width_in = width_px / resolution
    if isinstance(chart, SummaryPage):
        height_in = sum(summary_parts_in(chart, width_in))
    else:
        height_in = chart_height_in(chart, width_in)
    height_px = max(round(height_in * resolution), 16)
    if height_px > MAX_HEIGHT_PX:
        raise ValueError(
            f"chart too tall for one image ({height_px} px > {MAX_HEIGHT_PX}); "
            "split its rows over several charts"
        )
    return height_px


def build_figure(chart: Chart | SummaryPage, *, width_px: int, dpi: float | None = None) -> Figure:
    """Draw a chart or summary page on a new figure (call inside :func:`drawing`).

    Args:
        chart: A chart or summary page.
        width_px: The image width in pixels.
        dpi: As in :func:`render_png`.

    Returns:
        The figure, ready to save.
    """
    from charts.compose import draw_chart, draw_summary, settle_layout

    resolution = _dpi(width_px, dpi)
    width_in = width_px / resolution
    height_px = png_height_px(chart, width_px=width_px, dpi=dpi)
    fig = new_figure(width_px, height_px, resolution)
    if isinstance(chart, SummaryPage):
        draw_summary(fig, chart, width_in)
    else:
        draw_chart(fig, chart, width_in, height_px / resolution)
    settle_layout(fig)
    return fig


@contextmanager
def drawing(scale: float = 1.0) -> Iterator[None]:
    """Hold the render lock with the charts' matplotlib settings applied.

    Args:
        scale: Text and markers are drawn at this multiple of their nominal size.
    """
    import matplotlib

    with RENDER_LOCK, matplotlib.rc_context(), scaled(scale):
        matplotlib.rcParams.update(rc_params(scale))
        yield


def encode_png(fig: Figure) -> bytes:
    """Draw a figure on its Agg canvas and encode it as an RGB PNG.

    The figures are opaque (a white face), so the alpha channel is dropped: a quarter fewer
    bytes to compress. zlib level :data:`PNG_COMPRESS_LEVEL` compresses these flat charts
    about as well as the default level 6 in two thirds of the time.
    """
    from PIL import Image

    canvas = fig.canvas
    canvas.draw()
    width, height = canvas.get_width_height(physical=True)
    rgba = canvas.buffer_rgba()  # type: ignore[attr-defined]
    image = Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="png", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def _png_bytes(chart: Chart | SummaryPage, width_px: int, dpi: float | None) -> bytes:
    with drawing():
        content = encode_png(build_figure(chart, width_px=width_px, dpi=dpi))
    log.debug("rendered %s png at %s px", type(chart).__name__, width_px)
    return content


def render_png(
    chart: Chart | SummaryPage, *, width_px: int = 1080, dpi: float | None = None
) -> bytes:
    """Render one chart as a PNG sized for a phone.

    The height follows the content (more rows, taller image).

    Args:
        chart: Any chart dataclass (a :class:`SummaryPage` is accepted too).
        width_px: The image width in pixels.
        dpi: Pixels per inch. By default the layout is the same at every width (the figure is
            5 in wide: 1080 px = 216 dpi); a smaller dpi gives more room with smaller text.

    Returns:
        The PNG file's bytes.

    Raises:
        ValueError: If the size is out of range or the chart too tall (see
            :func:`png_height_px`).
    """
    return _png_bytes(chart, width_px, dpi)


def render_summary_png(
    page: SummaryPage, *, width_px: int = 1080, dpi: float | None = None
) -> bytes:
    """Render a one-page unit or division summary as one tall PNG.

    Args:
        page: The summary page.
        width_px: The image width in pixels.
        dpi: As in :func:`render_png`.

    Returns:
        The PNG file's bytes.
    """
    return _png_bytes(page, width_px, dpi)


def render_pdf(document: ReportDocument) -> bytes:
    """Render the interim report as a multi-page A4 PDF.

    Pages: a cover with contents, the sections (each from a new page), one page per unit.

    Args:
        document: The report.

    Returns:
        The PDF file's bytes.
    """
    from charts.pdf import write_report

    buffer = io.BytesIO()
    with drawing(PDF_SCALE):
        pages = write_report(document, buffer)
    log.debug("rendered report pdf with %s pages", pages)
    return buffer.getvalue()
