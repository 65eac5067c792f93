"""Figure 5: start-up time, resident memory, and matplotlib kept out until the first chart.

Measured in child processes, each started afresh:

- ``omabot --help`` (the command line's imports and click), against ``python -c pass``;
- :func:`bot.telegram.run_bot` on the 600-unit county (SQLite, schema check, organisation
  sync, web server, command menus) until its first ``getUpdates`` long poll reaches the fake
  Bot API on 127.0.0.1, against a bare python-telegram-bot application polling the same fake;
- the bot's resident memory (``VmRSS``) when ready, after a manager's whole report up to the
  review, and after sending it (which draws the summary picture: the first chart);
- whether ``matplotlib`` is in ``sys.modules`` at each of those moments, as the bot reports it.

The bot process is asked with a line on its stdin by a small service passed to ``run_bot``; it
answers with one JSON line. It is stopped with SIGTERM, as a service manager would.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, Row, median, ms, ratio, rss_mib, timed
from benchmarks.replay import SCRIPT
from benchmarks.world import Member, add_people, county_config, prepare, reporting_units
from collectors.config import AppConfig
from collectors.period_sequence import period_containing, period_to_report, previous_period
from collectors.periods import manual_period
from collectors.reporting import local_today, store_period
from storage.db import Database, utcnow
from tests.fakebotapi import FakeBotApi, Sent

TOKEN = "123:BENCH"
USER = 4242
PYTHON = sys.executable
PICTURES = frozenset({"sendPhoto", "sendDocument"})


# -------------------------------------------------------------------------- in the parent
def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["OMABOT_SECRET"] = "benchmark-secret"
    env["PYTHONPATH"] = str(ROOT)
    return env


def command_seconds(command: Sequence[str], runs: int) -> float:
    """Median wall time of a command that exits by itself."""

    def run() -> None:
        subprocess.run(command, cwd=ROOT, env=_environment(), capture_output=True, check=True)

    run()
    return median(timed(run, runs))


class Child:
    """A started child process of this module."""

    def __init__(self, process: asyncio.subprocess.Process, started: float) -> None:
        self.process = process
        self.started = started

    @classmethod
    async def spawn(cls, *args: str) -> Child:
        """Start ``python -m benchmarks.footprint_child ARGS``."""
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            PYTHON,
            "-m",
            "benchmarks.footprint_child",
            *args,
            cwd=ROOT,
            env=_environment(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        return cls(process, started)

    async def line(self) -> dict[str, Any]:
        """The next JSON line the child printed."""
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), 30)
        if not raw:
            raise RuntimeError("the bot process ended early")
        found: dict[str, Any] = json.loads(raw)
        return found

    async def status(self) -> dict[str, Any]:
        """Ask the bot for its memory and modules."""
        assert self.process.stdin is not None
        self.process.stdin.write(b"status\n")
        await self.process.stdin.drain()
        return await self.line()

    async def stop(self) -> tuple[int, float]:
        """SIGTERM, then wait; returns the exit code and the seconds it took."""
        if self.process.stdin is not None:
            self.process.stdin.close()  # ends the probe's reading thread
        start = time.perf_counter()
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.process.wait(), 15)
        except TimeoutError:
            self.process.kill()
            code = await self.process.wait()
        return code, time.perf_counter() - start


async def _until_polling(api: FakeBotApi, child: Child) -> float:
    await api.wait_polling(timeout=30)
    return time.perf_counter() - child.started


async def _exchange(api: FakeBotApi, expect: str, picture: bool) -> list[Sent]:
    found = await api.wait_for_sent(
        lambda s: s.chat_id == USER and expect in (s.text or ""), timeout=15
    )
    if picture:
        found += await api.wait_for_sent(
            lambda s: s.chat_id == USER and s.method in PICTURES, timeout=30
        )
    return found


async def _report(api: FakeBotApi, child: Child) -> tuple[dict[str, Any], dict[str, Any]]:
    """Drive the whole report; return the bot's status before sending it and after."""
    shown: list[Sent] = []
    before: dict[str, Any] = {}
    for step in SCRIPT:
        last = step is SCRIPT[-1]
        if last:
            before = await child.status()
        if step.press:
            sent, data = next(
                (s, d)
                for s in reversed(shown)
                for text, d in FakeBotApi.buttons(s)
                if d is not None and text.startswith(step.value)
            )
            api.push_callback(USER, data, message_id=sent.message_id or 0)
        else:
            api.push_text(USER, step.value, language_code="en")
        shown = await _exchange(api, step.expect, picture=last)
    return before, await child.status()


async def _bot(database: str) -> dict[str, Any]:
    async with FakeBotApi(TOKEN, max_poll_wait=1.0) as api:
        child = await Child.spawn(
            "bot", api.base_url, api.base_file_url, database, str(free_port())
        )
        try:
            ready = await _until_polling(api, child)
            first = await child.line()
            rss_ready = rss_mib(child.process.pid)
            before, after = await _report(api, child)
            rss_after = rss_mib(child.process.pid)
        finally:
            code, stopping = await child.stop()
    return {
        "ready": ready,
        "rss_ready": rss_ready,
        "rss_after": rss_after,
        "mpl_ready": first["matplotlib"],
        "mpl_before_chart": before["matplotlib"],
        "mpl_after_chart": after["matplotlib"],
        "exit": code,
        "stop": stopping,
    }


async def _bare() -> tuple[float, float]:
    async with FakeBotApi(TOKEN, max_poll_wait=1.0) as api:
        child = await Child.spawn("bare", api.base_url, api.base_file_url)
        try:
            ready = await _until_polling(api, child)
            rss = rss_mib(child.process.pid)
        finally:
            await child.stop()
    return ready, rss


def open_a_period(db: Database, config: AppConfig) -> None:
    """Make one period open today (the bot runs on the real clock), as ``omabot demo`` does."""
    now = utcnow()
    today = local_today(config, now)
    with db.session() as session:
        current = period_to_report(today, config.periods)
        if current is not None:
            store_period(session, current, now, manual=False)
            return
        ended = previous_period(period_containing(today, config.periods), config.periods)
        assert ended is not None
        deadline = today + timedelta(days=14)
        opened = manual_period(
            ended.id, ended.start, ended.end, deadline, opens_on=min(ended.opens_on, today)
        )
        store_period(session, opened, now, manual=True)


def measure(runs: int = 3) -> list[Row]:
    """Run figure 5; return the table rows."""
    help_seconds = command_seconds([str(Path(PYTHON).parent / "omabot"), "--help"], runs)
    bare_python = command_seconds([PYTHON, "-c", "pass"], runs)
    imports = subprocess.run(
        [
            PYTHON,
            "-c",
            "import sys, bot.cli, bot.telegram, collectors.app, charts;"
            " print('matplotlib' in sys.modules)",
        ],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    config = county_config()
    results: list[dict[str, Any]] = []
    bare: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory(prefix="omabot-bench-") as folder:
        for run in range(runs):
            url = f"sqlite:///{Path(folder) / f'bot{run}.db'}"
            db = prepare(Database(url), config)
            add_people(db, [Member(USER, "manager", reporting_units(config)[0])])
            open_a_period(db, config)
            db.dispose()
            results.append(asyncio.run(_bot(url)))
            bare.append(asyncio.run(_bare()))
    ready = median(r["ready"] for r in results)
    bare_ready = median(b[0] for b in bare)
    rss_ready = median(r["rss_ready"] for r in results)
    rss_after = median(r["rss_after"] for r in results)
    bare_rss = median(b[1] for b in bare)
    late = not any(r["mpl_ready"] or r["mpl_before_chart"] for r in results)
    clean = all(r["exit"] == 0 for r in results)
    return [
        Row(
            "5 omabot --help",
            ms(help_seconds),
            f"python -c pass {ms(bare_python)}",
            ratio(help_seconds, bare_python),
        ),
        Row(
            "5 run_bot start until polling",
            ms(ready),
            f"bare PTB {ms(bare_ready)}",
            ratio(ready, bare_ready),
        ),
        Row(
            "5 resident memory when ready",
            f"{rss_ready:.0f} MiB",
            f"bare PTB {bare_rss:.0f} MiB",
            ratio(rss_ready, bare_rss),
        ),
        Row(
            "5 resident memory after a report (first chart)",
            f"{rss_after:.0f} MiB",
            f"bare PTB {bare_rss:.0f} MiB",
            ratio(rss_after, bare_rss),
        ),
        Row(
            "5 matplotlib imported before the first chart",
            "no" if late and imports == "False" else "YES",
            required="no (imports, start-up, answering)",
            ok=late and imports == "False",
        ),
        Row(
            "5 SIGTERM to exit (exit code 0)",
            f"{ms(median(r['stop'] for r in results))} ({'yes' if clean else 'NO'})",
            ok=None,
        ),
    ]


__all__ = ["measure"]


if __name__ == "__main__":
    from benchmarks.common import table

    print(table(measure(runs=2)))
