"""The child processes of figure 5: the bot, or a bare python-telegram-bot, polling a fake.

``python -m benchmarks.footprint_child bot BASE_URL FILE_URL DATABASE_URL PORT`` runs
:func:`bot.telegram.run_bot` with a :class:`Probe` service; ``... bare BASE_URL FILE_URL``
runs a bare echo bot. Only what each needs is imported.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from benchmarks.common import rss_mib

TOKEN = "123:BENCH"


def _status() -> dict[str, Any]:
    return {"rss": rss_mib(), "matplotlib": "matplotlib" in sys.modules}


class Probe:
    """A service for ``run_bot`` that answers each line on stdin with one JSON line."""

    name = "probe"

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    async def start(self, transport: Any) -> None:
        """Say that the bot is ready, then answer questions."""
        print(json.dumps({"ready": True, **_status()}), flush=True)
        self._task = asyncio.create_task(self._answer())

    async def _answer(self) -> None:
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                return
            print(json.dumps(_status()), flush=True)

    async def stop(self) -> None:
        """Stop answering."""
        if self._task is not None:
            self._task.cancel()

    def healthy(self) -> bool:
        """Always healthy."""
        return True


def bot(base_url: str, file_url: str, database: str, port: str) -> None:
    """Run the bot on the benchmark county against the fake."""
    from benchmarks.world import county_config
    from bot.telegram import run_bot

    config = county_config(
        database_url=database,
        telegram={"api_base_url": base_url, "api_file_url": file_url},
        server={"host": "127.0.0.1", "port": int(port)},
    )
    run_bot(config, TOKEN, services=[Probe()])


def bare(base_url: str, file_url: str) -> None:
    """The floor: a bare python-telegram-bot echo bot polling the fake."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message is not None and update.message.text:
            await update.message.reply_text(update.message.text)

    app = ApplicationBuilder().token(TOKEN).base_url(base_url).base_file_url(file_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(poll_interval=0, timeout=10)


if __name__ == "__main__":
    if sys.argv[1:2] == ["bot"]:
        bot(*sys.argv[2:6])
    elif sys.argv[1:2] == ["bare"]:
        bare(*sys.argv[2:4])
    else:
        raise SystemExit("usage: python -m benchmarks.footprint_child bot|bare ARGS")
