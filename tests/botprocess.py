"""The real bot (``omabot run``) as a separate process, talking to a fake Bot API in the test.

A :class:`BotProcess` writes a configuration file whose ``[telegram]`` URLs point at a
:class:`~tests.fakebotapi.FakeBotApi` served by the test on 127.0.0.1, sets the token and the
secret in the environment, and starts ``omabot --config FILE run`` exactly as an operator
would. :meth:`BotProcess.kill` sends SIGKILL: no shutdown code runs, nothing is flushed or
confirmed, as when the machine loses power or the kernel's OOM killer strikes. The fake keeps
every update that no later ``getUpdates`` offset has confirmed, so the next process gets it
again, as from Telegram.

Each process writes its output to ``bot-N.log`` in the work directory; :meth:`log_tail` shows
the end of it when a test fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.fakebotapi import FakeBotApi

SECRET = "crash-test-secret-of-32-characters"
START_TIMEOUT = 30.0


def omabot_command() -> list[str]:
    """The ``omabot`` console script of this environment (or the same entry point)."""
    script = Path(sys.executable).with_name("omabot")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from bot.cli import main; main()"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string (no astral characters)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def to_toml(data: Mapping[str, Any]) -> str:
    """Write a configuration dict as TOML: top-level keys, then one table per section."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, Mapping)]
    for section, table in data.items():
        if isinstance(table, Mapping):
            lines += ["", f"[{section}]"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


class BotProcess:
    """Starts, kills and restarts ``omabot run`` on one configuration and database.

    Args:
        api: The fake Bot API the bot talks to (its token is the bot's token).
        workdir: Where the configuration, the logs and the process's working directory are.
        config: The configuration as a dict; ``telegram`` URLs and ``server`` are filled in.
        database_url: The database the bot uses.
    """

    def __init__(
        self, api: FakeBotApi, workdir: Path, config: Mapping[str, Any], database_url: str
    ) -> None:
        self.api, self.workdir, self.database_url = api, workdir, database_url
        self.config = dict(config)
        self.config_path = workdir / "config.toml"
        self.process: asyncio.subprocess.Process | None = None
        self.port = 0
        self.starts = 0

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OMABOT_")}
        env["OMABOT_TELEGRAM_TOKEN"] = self.api.token
        env["OMABOT_SECRET"] = SECRET
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def write_config(self) -> Path:
        """Write the configuration with the fake's URLs and a free port for the web server."""
        self.port = free_port()
        data = dict(self.config)
        data["telegram"] = {
            **dict(data.get("telegram", {})),
            "api_base_url": self.api.base_url,
            "api_file_url": self.api.base_file_url,
        }
        data["server"] = {"host": "127.0.0.1", "port": self.port}
        data["database_url"] = self.database_url
        self.config_path.write_text(to_toml(data), encoding="utf-8")
        return self.config_path

    @property
    def log_path(self) -> Path:
        """The current (latest) process's log file."""
        return self.workdir / f"bot-{self.starts}.log"

    async def start(self) -> None:
        """Start a new bot process (the previous one must be gone)."""
        if self.process is not None and self.process.returncode is None:
            raise RuntimeError("a bot process is still running")
        self.write_config()
        self.starts += 1
        with self.log_path.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                *omabot_command(),
                "--config",
                str(self.config_path),
                "run",
                cwd=self.workdir,
                env=self._environment(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        """The running process's id."""
        if self.process is None:
            raise RuntimeError("no bot process was started")
        return self.process.pid

    async def kill(self) -> None:
        """SIGKILL the process and reap it: no shutdown code of the bot runs."""
        if self.process is None or self.process.returncode is not None:
            raise AssertionError(f"the bot process is not running:\n{self.log_tail()}")
        os.kill(self.pid, signal.SIGKILL)
        code = await asyncio.wait_for(self.process.wait(), START_TIMEOUT)
        assert code == -signal.SIGKILL, f"exit code {code}\n{self.log_tail()}"

    async def terminate(self) -> int | None:
        """Stop the process gracefully (SIGTERM), or kill it after a timeout."""
        if self.process is None or self.process.returncode is not None:
            return None if self.process is None else self.process.returncode
        self.process.terminate()
        try:
            return await asyncio.wait_for(self.process.wait(), START_TIMEOUT)
        except TimeoutError:
            self.process.kill()
            return await self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        """The end of the latest process's output."""
        with contextlib.suppress(OSError):
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
            return "\n".join(text.splitlines()[-lines:])
        return "(no log)"

    async def __aenter__(self) -> BotProcess:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


__all__ = ["SECRET", "BotProcess", "free_port", "omabot_command", "to_toml"]
