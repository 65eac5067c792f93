"""The rendered-chart cache: stable keys, no re-rendering, bounds, threads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from charts.cache import ChartCache, cached_render_png, canonical, chart_key
from charts.data import Chart, PairedBarsChart, SummaryPage, TargetBars
from charts.render import render_png


class CountingRenderer:
    """The real renderer, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(
        self, chart: Chart | SummaryPage, *, width_px: int = 1080, dpi: float | None = None
    ) -> bytes:
        with self._lock:
            self.calls += 1
        return render_png(chart, width_px=width_px, dpi=dpi)


def bars(value: float = 79.0, locale: str = "fi") -> TargetBars:
    return TargetBars("Arvioinnit", (("Kotihoito", value, 50.0),), locale)


def test_key_is_stable_and_follows_the_data() -> None:
    key = chart_key(bars(), fmt="png", width_px=320, dpi=None)
    assert key == chart_key(bars(), fmt="png", width_px=320, dpi=None)
    assert len(key) == 64 and int(key, 16) >= 0
    assert key != chart_key(bars(80.0), fmt="png", width_px=320, dpi=None)
    assert key != chart_key(bars(locale="sv"), fmt="png", width_px=320, dpi=None)
    assert key != chart_key(bars(), fmt="png", width_px=321, dpi=None)
    assert key != chart_key(bars(), fmt="pdf", width_px=320, dpi=None)


def test_canonical_form_names_types_and_orders_mappings() -> None:
    form = canonical(bars())
    assert form["__type__"] == "TargetBars"
    assert form["rows"] == [["Kotihoito", 79.0, 50.0]]
    assert canonical({"b": 1, "a": (2,)}) == {"a": [2], "b": 1}
    with pytest.raises(TypeError):
        canonical(object())


def test_same_chart_is_rendered_once_and_returns_identical_bytes() -> None:
    renderer = CountingRenderer()
    cache = ChartCache(render=renderer)
    first = cache.png(bars(), width_px=240)
    second = cache.png(bars(), width_px=240)  # an equal, separately built chart
    assert first == second
    assert first.startswith(b"\x89PNG")
    assert renderer.calls == 1
    assert (cache.hits, cache.misses) == (1, 1)
    cache.png(bars(), width_px=260)
    cache.png(bars(50.0), width_px=240)
    assert renderer.calls == 3
    assert len(cache) == 3


def test_entry_bound_evicts_least_recently_used() -> None:
    renderer = CountingRenderer()
    cache = ChartCache(max_entries=2, render=renderer)
    a, b, c = bars(10), bars(20), bars(30)
    cache.png(a, width_px=200)
    cache.png(b, width_px=200)
    cache.png(a, width_px=200)  # a is now the most recent
    cache.png(c, width_px=200)  # evicts b
    assert len(cache) == 2 and renderer.calls == 3
    cache.png(a, width_px=200)
    assert renderer.calls == 3
    cache.png(b, width_px=200)
    assert renderer.calls == 4


def test_byte_bound_evicts_and_oversized_images_are_not_kept() -> None:
    cache = ChartCache(max_bytes=25, render=lambda chart, **_: b"x" * 10)
    for value in (1, 2, 3):
        cache.png(bars(value))
    assert len(cache) == 2 and cache.total_bytes == 20
    tiny = ChartCache(max_bytes=5, render=lambda chart, **_: b"x" * 10)
    assert tiny.png(bars()) == b"x" * 10
    assert len(tiny) == 0 and tiny.total_bytes == 0
    cache.clear()
    assert len(cache) == 0 and cache.total_bytes == 0


def test_failed_render_is_not_cached() -> None:
    outcomes: list[Exception | bytes] = [RuntimeError("boom"), b"png"]

    def flaky(chart: Chart | SummaryPage, **_: object) -> bytes:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    cache = ChartCache(render=flaky)
    with pytest.raises(RuntimeError):
        cache.png(bars())
    assert cache.png(bars()) == b"png"


def test_concurrent_requests_for_one_chart_render_it_once() -> None:
    renderer = CountingRenderer()
    cache = ChartCache(render=renderer)
    chart = PairedBarsChart("T", "kpl", "now", "before", (("a", 1, 2),), None, "en")
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: cache.png(chart, width_px=200), range(12)))
    assert len(set(results)) == 1
    assert renderer.calls == 1


def test_module_level_cached_render_png_uses_the_given_or_default_cache() -> None:
    renderer = CountingRenderer()
    cache = ChartCache(render=renderer)
    assert cached_render_png(bars(), width_px=200, cache=cache) == cached_render_png(
        bars(), width_px=200, cache=cache
    )
    assert renderer.calls == 1
    assert cached_render_png(bars(), width_px=200) == render_png(bars(), width_px=200)


def test_bounds_must_be_positive() -> None:
    with pytest.raises(ValueError, match="room"):
        ChartCache(max_entries=0)
