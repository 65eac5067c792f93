"""How the bot's process runs, apart from what it does: what :func:`bot.telegram.serve` tunes.

- :func:`keep_on_one_cpu`: every thread of the process on one CPU (``server.cpu``).
- :func:`keep_long_lived_out_of_collections`: the heap that lives as long as the process is set
  aside from the garbage collector's full collections.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
from pathlib import Path

from collectors.config import CpuSetting
from collectors.engine import Engine

log = logging.getLogger(__name__)


class CpuNotAllowed(ValueError):
    """``server.cpu`` names a CPU this process may not run on."""


def current_cpu() -> int | None:
    """The CPU the calling thread runs on now; ``None`` where the system does not say (not Linux)."""
    try:
        stat = Path("/proc/thread-self/stat").read_text()
    except OSError:
        return None
    # The fields after the command (which may hold spaces) start at field 3; "processor" is 39.
    fields = stat.rsplit(")", 1)[-1].split()
    return int(fields[36]) if len(fields) > 36 and fields[36].isdigit() else None


def _threads() -> list[int]:
    try:
        return [int(task) for task in os.listdir("/proc/self/task")]
    except OSError:
        return [0]  # the calling thread alone


def keep_on_one_cpu(setting: CpuSetting) -> int | None:
    """Keep every thread of the process, and those it starts later, on one CPU.

    The bot is Python under one interpreter lock: its event loop and the thread its steps run in
    never compute at the same time, but on different CPUs each step finds what the loop just
    touched in the other CPU's cache. On one CPU, an answer takes a tenth to a third less
    time (benchmarks/RESULTS.md, figure 1); a second CPU is left to the database and the system.

    Args:
        setting: ``"one"`` (the CPU the process runs on now), ``"any"`` (leave it to the
            system) or a CPU number.

    Returns:
        The CPU, or ``None`` when the threads are left where the system puts them (also where
        the system cannot pin threads).

    Raises:
        CpuNotAllowed: ``setting`` is a CPU this process may not run on.
    """
    if setting == "any" or not hasattr(os, "sched_setaffinity"):
        return None
    allowed = os.sched_getaffinity(0)
    if isinstance(setting, int):
        if setting not in allowed:
            raise CpuNotAllowed(
                f"server.cpu = {setting}, but this process may run only on CPUs {sorted(allowed)}"
            )
        cpu = setting
    else:
        here = current_cpu()
        cpu = here if here in allowed else min(allowed)
    for thread in _threads():
        with contextlib.suppress(OSError):  # a thread that has just ended
            os.sched_setaffinity(thread, {cpu})
    log.info("threads kept on CPU %d of %s (server.cpu)", cpu, sorted(allowed))
    return cpu


def freeze_heap() -> None:
    """Set every object alive now aside from the garbage collector's full collections.

    After one last collection, :func:`gc.freeze` moves what is left (what lives as long as the
    process) where full collections do not look; what is made later is collected as before.
    """
    gc.collect()
    gc.freeze()


def keep_long_lived_out_of_collections(engine: Engine) -> None:
    """Freeze start-up's heap now and matplotlib's after the first chart.

    Start-up leaves a large heap of objects that live as long as the process (configuration,
    units, translations, the libraries' own), and the first chart adds matplotlib's. Every
    full collection walked all of it: 30-170 ms in the middle of whichever answer was being
    handled (benchmarks/RESULTS.md, figure 1).
    """
    freeze_heap()
    engine.after_first_chart(freeze_heap)


__all__ = [
    "CpuNotAllowed",
    "current_cpu",
    "freeze_heap",
    "keep_long_lived_out_of_collections",
    "keep_on_one_cpu",
]
