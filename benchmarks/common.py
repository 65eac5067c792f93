"""What every benchmark shares: timing helpers, the result row and the table.

Every figure is the median of several runs, put beside a floor measured in the same process
on the same machine (or a fixed requirement from the issue), and marked as meeting its
requirement or not.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def median(values: Iterable[float]) -> float:
    """The median of the values (NaN when there are none)."""
    found = list(values)
    return statistics.median(found) if found else math.nan


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` percentile (0..100) by linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * share / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def timed(action: Callable[[], object], runs: int) -> list[float]:
    """Seconds taken by each of ``runs`` calls of ``action``."""
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        out.append(time.perf_counter() - start)
    return out


def rss_mib(pid: int | None = None) -> float:
    """Resident memory of a process (this one by default) in MiB, from /proc."""
    path = Path(f"/proc/{pid or os.getpid()}/status")
    for line in path.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


@dataclass(frozen=True)
class Row:
    """One line of the result table.

    Attributes:
        figure: The issue's figure number and what is measured.
        value: The measured value, formatted with its unit.
        floor: The floor it is compared with, formatted ("" when there is none).
        ratio: Measured / floor, formatted ("" when there is no measured floor).
        required: What the issue requires, in words.
        ok: Whether the requirement is met; ``None`` for figures reported without one.
    """

    figure: str
    value: str
    floor: str = ""
    ratio: str = ""
    required: str = ""
    ok: bool | None = None

    @property
    def verdict(self) -> str:
        """PASS, FAIL or "info"."""
        return "info" if self.ok is None else ("PASS" if self.ok else "FAIL")


def ms(seconds: float) -> str:
    """Seconds as milliseconds with sensible precision."""
    value = seconds * 1000
    return (
        f"{value:.2f} ms"
        if value < 10
        else f"{value:.0f} ms"
        if value >= 100
        else f"{value:.1f} ms"
    )


def ratio(value: float, floor: float) -> str:
    """``value / floor`` as ``"×1.23"``."""
    if not floor or math.isnan(value) or math.isnan(floor):
        return ""
    return f"×{value / floor:.2f}"


def table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table (readable on a terminal too)."""
    header = ("Figure", "Median", "Floor (same run)", "Ratio", "Required", "Result")
    lines = [(r.figure, r.value, r.floor, r.ratio, r.required, r.verdict) for r in rows]
    widths = [max(len(str(c)) for c in column) for column in zip(header, *lines, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(cells) for cells in lines]
    return "\n".join(out)


def machine() -> dict[str, str]:
    """The machine, Python, date and commit the figures were measured on."""
    cpu = platform.processor() or "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for text in cpuinfo.read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "nproc": str(os.cpu_count() or "?"),
        "cpu": cpu,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit or "unknown",
    }


__all__ = [
    "ROOT",
    "Row",
    "machine",
    "median",
    "ms",
    "percentile",
    "ratio",
    "rss_mib",
    "table",
    "timed",
]
