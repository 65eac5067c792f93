"""The ``omabot`` command line: one click group, one module per area of commands.

Each area module defines click commands and a ``register(group)`` function; ``main`` adds
them all. Every command takes ``--config PATH`` (default ``./config.toml``, then
``config.example.toml``).
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import click

from collectors.config import AppConfig, ConfigError, default_config_path, load_config
from collectors.organisation import sync_units
from storage.db import Database


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
    def db(self) -> Database:
        """The database, migrated and with the organisation synced from the configuration."""
        url = self.database_url or os.environ.get("OMABOT_DATABASE_URL") or self.config.database_url
        database = Database(url)
        database.upgrade()
        with database.session() as session:
            sync_units(session, self.config)
        return database


pass_state = click.make_pass_decorator(CliState)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
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
    ctx.obj = CliState(default_config_path(config_path), database_url)


def main() -> None:
    """Console entry point (``omabot``)."""
    from bot.cli import admin  # areas register themselves on the group

    for area in (admin,):
        area.register(cli)
    cli(prog_name="omabot")
