"""``python -m benchmarks`` (``make bench``): every figure of issue 6 in one table.

Each figure is the median of several runs beside a floor measured in the same run; the exit
code is 1 when any requirement is missed (or a benchmark broke), 0 otherwise. Options::

    python -m benchmarks                  # everything (about six minutes on two cores)
    python -m benchmarks --only 1,4       # some figures
    python -m benchmarks --quick          # fewer runs, for a smoke test
    python -m benchmarks --no-postgres    # SQLite only
    python -m benchmarks --markdown FILE  # also write the machine and table as Markdown
    python -m benchmarks --cpu any        # threads where the system puts them (server.cpu)

The benchmark process places its threads as the bot does (``server.cpu``, by default all on
one CPU: :func:`bot.runtime.keep_on_one_cpu`), floors included.
"""

from __future__ import annotations

import argparse
import logging
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import Row, machine, table
from bot.runtime import keep_on_one_cpu
from collectors.config import CpuSetting, cpu_setting


def _cpu_setting(text: str) -> CpuSetting:
    try:
        return cpu_setting(int(text) if text.isdigit() else text)
    except ValueError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None


def _figures(quick: bool, postgres: bool) -> dict[str, Callable[[], list[Row]]]:
    def answers() -> list[Row]:
        from benchmarks import answers as module

        found, _memory = module.measure(
            runs=3 if quick else 5,
            one_by_one=3 if quick else 8,
            together=4 if quick else 12,
            postgres=postgres,
        )
        return found

    def surveys() -> list[Row]:
        from benchmarks import surveys as module

        return module.measure(runs=3 if quick else 9, postgres=postgres)

    def charts() -> list[Row]:
        from benchmarks import charts as module

        return module.measure(runs=5 if quick else 12)

    def reminders() -> list[Row]:
        from benchmarks import reminders as module

        return module.measure(runs=1 if quick else 3)

    def footprint() -> list[Row]:
        from benchmarks import footprint as module

        return module.measure(runs=1 if quick else 3)

    return {"1": answers, "2": surveys, "3": charts, "4": reminders, "5": footprint}


def main() -> int:
    """Run the chosen figures, print the table; 1 when a requirement is missed."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", default="1,2,3,4,5", help="figures to run, e.g. 1,3")
    parser.add_argument("--quick", action="store_true", help="fewer runs (a smoke test)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--markdown", type=Path, help="also write the results to this file")
    parser.add_argument(
        "--cpu",
        type=_cpu_setting,
        default="one",
        help='where the threads run, as the bot\'s server.cpu: "one" (default), "any" or a number',
    )
    options = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    warnings.filterwarnings("ignore", message=".*retry_after.*")
    cpu = keep_on_one_cpu(options.cpu)
    info = machine() | {"threads": "any CPU" if cpu is None else f"on CPU {cpu} (server.cpu)"}
    print(
        f"omavalvonta-bot benchmarks: {info['date']}, commit {info['commit']}, "
        f"{info['nproc']} × {info['cpu']}, Python {info['python']}, threads {info['threads']}",
        flush=True,
    )
    rows: list[Row] = []
    figures = _figures(options.quick, not options.no_postgres)
    for key in [k.strip() for k in options.only.split(",") if k.strip()]:
        start = time.perf_counter()
        try:
            found = figures[key]()
        except Exception as problem:
            traceback.print_exc()
            found = [Row(f"{key} (broken)", type(problem).__name__, required="runs", ok=False)]
        rows += found
        print(f"figure {key}: {time.perf_counter() - start:.0f} s", flush=True)
        print(table(found), flush=True)
    text = table(rows)
    print("\n" + text)
    missed = [r.figure for r in rows if r.ok is False]
    print(f"\n{len(missed)} requirement(s) missed" + (": " + "; ".join(missed) if missed else ""))
    if options.markdown is not None:
        header = "\n".join(f"- {key}: {value}" for key, value in info.items())
        options.markdown.write_text(f"{header}\n\n{text}\n")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
