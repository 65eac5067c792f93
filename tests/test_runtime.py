"""The bot's process tuning: its threads kept on one CPU (``server.cpu``)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TypedDict

import pytest

from bot.runtime import CpuNotAllowed, current_cpu, keep_on_one_cpu
from bot.telegram import serve
from bot.telegram_transport import BotStartError, TelegramTransport
from collectors.config import AppConfig, ServerConfig
from collectors.engine import Engine
from tests.botprocess import BotProcess
from tests.fakebotapi import FakeBotApi
from tests.support import SMALL_CONFIG

pytestmark = pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="needs a system that pins threads (Linux) and two CPUs to choose from",
)

ROOT = Path(__file__).resolve().parent.parent

# Run in a child process: pinning this one would pin the rest of the test session.
PINNED = """
import json, os, sys, threading
from bot.runtime import keep_on_one_cpu

started = threading.Event()
stop = threading.Event()
before = threading.Thread(target=lambda: (started.set(), stop.wait(10)))
before.start()
started.wait(5)
cpu = keep_on_one_cpu(json.loads(sys.argv[1]))
later = []
after = threading.Thread(target=lambda: later.append(sorted(os.sched_getaffinity(0))))
after.start()
after.join(5)
tasks = {int(t): sorted(os.sched_getaffinity(int(t))) for t in os.listdir("/proc/self/task")}
stop.set()
before.join(5)
print(json.dumps({"cpu": cpu, "threads": list(tasks.values()), "later": later[0]}))
"""


class Pinned(TypedDict):
    """What the child process saw: the CPU chosen, each thread's CPUs, a later thread's."""

    cpu: int | None
    threads: list[list[int]]
    later: list[int]


def run_child(setting: object) -> Pinned:
    done = subprocess.run(
        [sys.executable, "-c", PINNED, json.dumps(setting)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found: Pinned = json.loads(done.stdout)
    return found


def test_one_keeps_every_thread_and_every_later_one_on_the_cpu_it_runs_on() -> None:
    found = run_child("one")
    cpu = found["cpu"]
    assert isinstance(cpu, int) and cpu in os.sched_getaffinity(0)
    threads = found["threads"]
    assert isinstance(threads, list) and len(threads) >= 2  # the main thread and one before
    assert all(allowed == [cpu] for allowed in threads)
    assert found["later"] == [cpu]


def test_a_cpu_number_is_that_cpu() -> None:
    cpu = max(os.sched_getaffinity(0))
    found = run_child(cpu)
    assert found["cpu"] == cpu
    assert found["threads"] == [[cpu]] * len(found["threads"])


def test_any_leaves_the_threads_where_the_system_puts_them() -> None:
    found = run_child("any")
    everywhere = sorted(os.sched_getaffinity(0))
    assert found["cpu"] is None
    assert found["later"] == everywhere
    assert all(allowed == everywhere for allowed in found["threads"])


def test_a_cpu_the_process_may_not_use_is_refused_and_nothing_is_pinned() -> None:
    before = os.sched_getaffinity(0)
    outside = max(before) + 1
    with pytest.raises(CpuNotAllowed, match=f"server.cpu = {outside}, but this process may run"):
        keep_on_one_cpu(outside)
    assert os.sched_getaffinity(0) == before


def test_current_cpu_is_one_this_process_may_use() -> None:
    assert current_cpu() in os.sched_getaffinity(0)


async def test_serve_refuses_to_start_on_a_cpu_it_may_not_use(
    engine: Engine, config: AppConfig, fake_api: FakeBotApi
) -> None:
    outside = max(os.sched_getaffinity(0)) + 1
    settings = config.model_copy(update={"server": ServerConfig(cpu=outside)})
    transport = TelegramTransport(engine, settings, fake_api.token)
    with pytest.raises(BotStartError, match=f"server.cpu = {outside}"):
        await serve(transport, asyncio.Event())
    assert not transport.running
    assert fake_api.sent == []


def cpus_allowed(pid: int) -> set[str]:
    """The ``Cpus_allowed_list`` of each thread of process ``pid``."""
    return {
        (task / "status").read_text().split("Cpus_allowed_list:")[1].split()[0]
        for task in Path(f"/proc/{pid}/task").iterdir()
    }


@pytest.mark.slow
async def test_the_running_bot_keeps_all_its_threads_on_one_cpu(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    config = dict(SMALL_CONFIG) | {"default_language": "en"}
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    async with BotProcess(fake_api, tmp_path, config, url) as process:
        await process.start()
        await fake_api.wait_polling(timeout=60)
        allowed = await asyncio.to_thread(cpus_allowed, process.pid)
        assert len(allowed) == 1 and allowed.pop().isdigit(), allowed
        assert "threads kept on CPU" in process.log_tail(200)
