"""A small, bounded, thread-safe LRU cache of rendered charts.

The key is a SHA-256 over a canonical JSON form of the chart's data (type names included, so
two kinds of chart with equal fields never collide), the format and the size. Asking twice for
the same chart returns the same bytes without drawing again; concurrent requests for one key
draw it once.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from charts.data import Chart, SummaryPage
from charts.render import render_png

log = logging.getLogger(__name__)


class PngRenderer(Protocol):
    """The signature of :func:`charts.render.render_png`."""

    def __call__(
        self, chart: Chart | SummaryPage, *, width_px: int = ..., dpi: float | None = ...
    ) -> bytes:
        """Render a chart to PNG bytes."""
        ...


def canonical(value: object) -> Any:
    """A JSON-ready, order-stable form of chart data.

    Args:
        value: A chart dataclass or any value inside one.

    Returns:
        Nested dicts, lists and scalars; dataclasses carry their type name.

    Raises:
        TypeError: For a value that charts never contain.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"__type__": type(value).__qualname__, **fields}
    if isinstance(value, tuple | list):
        return [canonical(item) for item in value]
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"cannot key chart data of type {type(value).__name__}")


def chart_key(chart: object, *, fmt: str, width_px: int, dpi: float | None) -> str:
    """A stable hash of a chart's data, format and size.

    Args:
        chart: The chart dataclass.
        fmt: The output format, e.g. ``"png"``.
        width_px: The image width.
        dpi: The resolution asked for (``None`` for the default).

    Returns:
        A hex SHA-256 digest.
    """
    text = json.dumps(
        {"chart": canonical(chart), "format": fmt, "width_px": width_px, "dpi": dpi},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ChartCache:
    """An LRU cache of rendered bytes bounded by entry count and total size.

    Args:
        max_entries: At most this many images are kept.
        max_bytes: At most this many bytes in total; a larger single image is not kept.
        render: The PNG renderer (injectable for tests).
    """

    def __init__(
        self,
        *,
        max_entries: int = 128,
        max_bytes: int = 64 * 1024 * 1024,
        render: PngRenderer = render_png,
    ) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("a chart cache needs room for at least one entry and one byte")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._render = render
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    @property
    def total_bytes(self) -> int:
        """Bytes currently held."""
        with self._lock:
            return self._bytes

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _lookup(self, key: str) -> bytes | None:
        """The cached bytes for a key, marked as recently used (hold ``_lock``)."""
        data = self._entries.get(key)
        if data is not None:
            self._entries.move_to_end(key)
            self.hits += 1
        return data

    def _store(self, key: str, data: bytes) -> None:
        """Keep bytes and evict the least recently used beyond the bounds (hold ``_lock``)."""
        if len(data) > self.max_bytes:
            log.debug("chart of %s bytes not cached (limit %s)", len(data), self.max_bytes)
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old)
        self._entries[key] = data
        self._bytes += len(data)
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= len(evicted)

    def get_or_render(self, key: str, produce: Callable[[], bytes]) -> bytes:
        """The cached bytes for ``key``, or ``produce()``'s, which are then kept.

        Concurrent callers with the same key wait for one ``produce()``.

        Args:
            key: A key from :func:`chart_key`.
            produce: Renders the bytes on a miss.

        Returns:
            The bytes.
        """
        with self._lock:
            data = self._lookup(key)
            if data is not None:
                return data
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                data = self._lookup(key)
                if data is not None:
                    return data
                self.misses += 1
            try:
                data = produce()
                with self._lock:
                    self._store(key, data)
            finally:
                with self._lock:
                    self._key_locks.pop(key, None)
        return data

    def png(
        self, chart: Chart | SummaryPage, *, width_px: int = 1080, dpi: float | None = None
    ) -> bytes:
        """A chart (or summary page) as PNG bytes, rendered at most once per data and size.

        Args:
            chart: The chart.
            width_px: As in :func:`charts.render.render_png`.
            dpi: As in :func:`charts.render.render_png`.

        Returns:
            The PNG bytes.
        """
        key = chart_key(chart, fmt="png", width_px=width_px, dpi=dpi)
        return self.get_or_render(key, lambda: self._render(chart, width_px=width_px, dpi=dpi))


DEFAULT_CACHE = ChartCache()
"""The process-wide cache used by :func:`cached_render_png`."""


def cached_render_png(
    chart: Chart | SummaryPage,
    *,
    width_px: int = 1080,
    dpi: float | None = None,
    cache: ChartCache | None = None,
) -> bytes:
    """Like :func:`charts.render.render_png`, but from the cache when the data is unchanged.

    Args:
        chart: The chart (or summary page).
        width_px: The image width in pixels.
        dpi: As in :func:`charts.render.render_png`.
        cache: The cache to use; the process-wide one by default.

    Returns:
        The PNG bytes.
    """
    chosen = cache if cache is not None else DEFAULT_CACHE
    return chosen.png(chart, width_px=width_px, dpi=dpi)
