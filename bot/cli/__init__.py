"""The ``omabot`` command line: one click group, one module per area of commands.

Each area module defines click commands and a ``register(group)`` function; ``main`` adds
them all. Every command takes ``--config PATH`` (default ``./config.toml``, then
``config.example.toml``) and ``--database-url URL``, before or after the command name.

Problems are reported as one line on stderr with a non-zero exit code: 2 for an invalid
configuration, 1 for anything else. A traceback is shown only with ``--verbose``.
"""

from __future__ import annotations

import getpass
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, NoReturn

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from collectors.config import AppConfig, ConfigError, default_config_path, load_config
from collectors.organisation import sync_units
from storage.db import Database

log = logging.getLogger(__name__)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` as one line on stderr and exit with ``code``."""
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(code)


def safe_url(url: str) -> str:
    """A database URL for display, with any password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable database URL)"


@dataclass
class CliState:
    """What every command needs: the configuration and, lazily, the database."""

    config_path: Path
    database_url: str | None = None

    @cached_property
    def config(self) -> AppConfig:
        """The loaded configuration; exits with code 2 and one line per problem when invalid."""
        try:
            return load_config(self.config_path)
        except ConfigError as problem:
            for line in problem.lines:
                click.echo(line, err=True)
            raise SystemExit(2) from None

    @cached_property
    def actor(self) -> str:
        """Who the audit log names for this command: ``cli:`` and the operating-system user."""
        try:
            return f"cli:{getpass.getuser()}"
        except (KeyError, OSError):  # no user name in the environment or the password file
            return "cli"

    @property
    def url(self) -> str:
        """The database URL: ``--database-url``, else OMABOT_DATABASE_URL, else the config's."""
        return (
            self.database_url or os.environ.get("OMABOT_DATABASE_URL") or self.config.database_url
        )

    def open_database(self) -> Database:
        """The database at :attr:`url`, not yet migrated; exits with one line when unusable."""
        try:
            return Database(self.url)
        except (ArgumentError, ImportError) as exc:
            fail(f"cannot use the database URL {safe_url(self.url)}: {exc}")

    @cached_property
    def db(self) -> Database:
        """The database, migrated and with the organisation synced from the configuration."""
        database = self.open_database()
        database.upgrade()
        with database.session() as session:
            sync_units(session, self.config)
        return database


pass_state = click.make_pass_decorator(CliState)


def _override(attribute: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value is None:
            return
        state = ctx.find_object(CliState)
        if state is not None:
            if attribute == "config_path":
                state.config_path = Path(value)
            else:
                state.database_url = str(value)

    return callback


def _shared_options() -> list[click.Option]:
    """``--config`` and ``--database-url`` as accepted after a command's name."""
    return [
        click.Option(
            ["--config", "config_override"],
            type=click.Path(dir_okay=False),
            default=None,
            expose_value=False,
            is_eager=True,
            callback=_override("config_path"),
            help="Configuration file (default: ./config.toml, then config.example.toml).",
        ),
        click.Option(
            ["--database-url", "database_url_override"],
            default=None,
            expose_value=False,
            is_eager=True,
            callback=_override("database_url"),
            help="Override the configuration's database URL (also OMABOT_DATABASE_URL).",
        ),
    ]


def _add_shared_options(command: click.Command) -> None:
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _add_shared_options(sub)
        return
    taken = {opt for param in command.params for opt in getattr(param, "opts", ())}
    for option in _shared_options():
        if not taken & set(option.opts):
            command.params.append(option)


class OmabotGroup(click.Group):
    """The top-level group: shared options on every command, one-line errors."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        """Add a command (or a group of commands) with ``--config`` and ``--database-url``."""
        _add_shared_options(cmd)
        super().add_command(cmd, name)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; database and unexpected errors become one line on stderr."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except SQLAlchemyError as exc:
            log.debug("database error", exc_info=True)
            original = getattr(exc, "orig", None)
            detail = (str(original or exc).splitlines() or [""])[0]
            fail(f"database error ({exc.__class__.__name__}): {detail}")
        except Exception as exc:
            log.debug("unexpected error", exc_info=True)
            first = str(exc).splitlines()[0] if str(exc) else ""
            fail(f"unexpected {exc.__class__.__name__}: {first} (run with --verbose for details)")


@click.group(cls=OmabotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Configuration file (default: ./config.toml, then config.example.toml).",
)
@click.option(
    "--database-url",
    default=None,
    envvar="OMABOT_DATABASE_URL",
    help="Override the configuration's database URL (also OMABOT_DATABASE_URL).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log more, and show tracebacks.")
@click.pass_context
def cli(
    ctx: click.Context, config_path: Path | None, database_url: str | None, verbose: bool
) -> None:
    """omavalvonta-bot: self-monitoring reports and anonymous staff surveys over chat."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # URLs with the bot token must never reach the logs.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if not verbose:  # migrations announce every step, and fontTools a PDF's every font, at INFO
        for chatty in ("alembic", "fontTools"):
            logging.getLogger(chatty).setLevel(logging.WARNING)
    ctx.obj = CliState(default_config_path(config_path), database_url)


def main() -> None:
    """Console entry point (``omabot``)."""
    from bot.cli import admin, charts, ops, reminders, surveys  # areas register on the group

    for area in (admin, surveys, reminders, charts, ops):
        area.register(cli)
    cli(prog_name="omabot")
