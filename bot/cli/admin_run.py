"""Running the bot: ``omabot run`` (Telegram), ``omabot chat`` (terminal or browser), ``omabot demo``."""

from __future__ import annotations

import os
import re
import secrets
import sys
from collections.abc import Callable
from pathlib import Path

import click
from sqlmodel import select

from bot.cli import CliState, fail, pass_state
from bot.terminal import TRANSPORT, TerminalTransport, line_reader
from collectors.app import build_engine
from collectors.config import LANGUAGES, AppConfig
from storage.audit import record
from storage.db import Database, utcnow
from storage.models import ChatIdentity, Person
from storage.people import find_person

HANDLE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
WEB_CHAT_PORT = 8765


def engine_secret(config: AppConfig, *, warn: bool = True) -> bytes:
    """The key for signed buttons and survey receipts, from the configured variable.

    Without it a random key for this process is used (fine for the demo and local chats).
    """
    value = os.environ.get(config.security.secret_env, "")
    if value:
        return value.encode("utf-8")
    if warn:
        click.echo(
            f"Note: {config.security.secret_env} is not set; using a temporary key for this run.",
            err=True,
        )
    return secrets.token_bytes(32)


# run ------------------------------------------------------------------------------------------
@click.command("run")
@pass_state
def run_command(state: CliState) -> None:
    """Run the Telegram bot.

    The token is read from the environment variable named by telegram.token_env.
    """
    config = state.config
    variable = config.telegram.token_env
    token = os.environ.get(variable, "").strip()
    if not token:
        fail(
            f"the Telegram bot token is missing: set the environment variable {variable} "
            "(the token from @BotFather); `omabot demo` runs without one",
            code=2,
        )
    from bot.scheduler import ReminderService
    from bot.telegram import BotStartError, run_bot

    try:
        run_bot(config, token, db=state.db, services=[ReminderService()])
    except BotStartError as problem:
        fail(str(problem), code=2)


# chat -----------------------------------------------------------------------------------------
def resolve_handle(db: Database, who: str, actor: str = "cli") -> tuple[str, Person | None]:
    """The terminal handle for ``who`` (a handle or a numeric person id) and the person.

    A person id without a terminal account gets one (``person-ID``, audited), so that an
    administrator can act as anyone locally. An unknown handle is a newcomer who can join
    with ``/start CODE``. ``actor`` is who the audit log names.

    Raises:
        LookupError: For an unknown person id or an unusable handle.
    """
    now = utcnow()
    with db.session() as session:
        if who.isdecimal():
            person = session.get(Person, int(who))
            if person is None or person.forgotten_at is not None:
                raise LookupError(f"no person with id {who}")
            identity = session.exec(
                select(ChatIdentity).where(
                    ChatIdentity.person_id == person.id, ChatIdentity.transport == TRANSPORT
                )
            ).first()
            if identity is not None:
                return identity.external_id, person
            handle = f"person-{person.id}"
            session.add(
                ChatIdentity(
                    person_id=int(who), transport=TRANSPORT, external_id=handle, chat_id=handle
                )
            )
            record(
                session,
                now=now,
                actor=actor,
                action="terminal.identity_added",
                target=f"person:{person.id}",
            )
            return handle, person
        if not HANDLE_RE.fullmatch(who):
            raise LookupError(
                f"{who!r} is not a usable handle (letters, digits, '.', '_', '@', '-')"
            )
        return who, find_person(session, TRANSPORT, who)


def chat_as(
    db: Database,
    config: AppConfig,
    handle: str,
    *,
    language: str | None,
    secret: bytes,
    files_dir: Path = Path("chat-out"),
) -> None:
    """Run the terminal chat for ``handle`` on stdin and stdout until EOF or ``/quit``."""
    engine = build_engine(db, config, secret=secret)
    out = sys.stdout
    transport = TerminalTransport(
        engine,
        handle,
        out=out,
        files_dir=files_dir,
        language_hint=language or config.default_language,
        language_of=language_reader(db),
    )
    transport.run(line_reader(sys.stdin, out))


def language_reader(db: Database) -> Callable[[str], str | None]:
    """A chat person's own language by handle, ``None`` while nobody has that handle."""

    def language_of(handle: str) -> str | None:
        with db.session() as session:
            person = find_person(session, TRANSPORT, handle)
            return None if person is None else person.language

    return language_of


def web_chat_as(
    db: Database,
    config: AppConfig,
    people: dict[str, str],
    *,
    language: str | None,
    secret: bytes,
    port: int,
) -> None:
    """Serve the web chat for ``people`` (handle to label) on 127.0.0.1 until Ctrl-C.

    ``language`` greets a newcomer. The page's own words are in the language of the person
    chatted as; until they have one, in ``language``, else the configuration's default.
    """
    from bot.webchat import WebChat, serve  # aiohttp: not for every command's start

    engine = build_engine(db, config, secret=secret)
    chat = WebChat(
        engine,
        people,
        secret=secret,
        language=language or config.default_language,
        language_hint=language,
        language_of=language_reader(db),
    )
    click.echo(f"Open http://127.0.0.1:{port}/ in a browser (this computer only). Ctrl-C ends.")
    try:
        serve(chat, port)
    except OSError as problem:
        fail(f"cannot listen on 127.0.0.1:{port}: {problem.strerror or problem}; try --port")


web_option = click.option(
    "--web",
    is_flag=True,
    help="Chat in a browser on this computer instead of the terminal.",
)
port_option = click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=WEB_CHAT_PORT,
    show_default=True,
    help="The port of the browser chat on 127.0.0.1 (with --web).",
)


@click.command("chat")
@click.option(
    "--as",
    "who",
    required=True,
    help="A handle (manager, leader, staff1, admin...) or a person id.",
)
@click.option(
    "--lang",
    "language",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language to greet a newcomer in (with --web, also the page's until they choose one).",
)
@web_option
@port_option
@pass_state
def chat_command(state: CliState, who: str, language: str | None, web: bool, port: int) -> None:
    """Chat with the bot in this terminal (or a browser) as a person.

    Options are numbered: type # and the number to press one (#3). Pictures and
    documents are saved under ./chat-out/. /quit or Ctrl-D ends the chat. With --web
    the chat opens at http://127.0.0.1:8765/ instead, with buttons to press.
    """
    config = state.config
    try:
        handle, person = resolve_handle(state.db, who, state.actor)
    except LookupError as problem:
        fail(str(problem))
    if person is None:
        click.echo(
            f"Nobody is known as {handle!r} yet: type /start CODE with an invitation code "
            "(`omabot invite create`) to join.",
            err=True,
        )
    else:
        ends = "" if web else " /quit ends."  # the web chat says how it ends when it is up
        click.echo(f"Chatting as {handle} (person {person.id}).{ends}", err=True)
    secret = engine_secret(config)
    if web:
        label = handle if person is None else f"{handle}: {person.display_name}"
        web_chat_as(state.db, config, {handle: label}, language=language, secret=secret, port=port)
    else:
        chat_as(state.db, config, handle, language=language, secret=secret)


# demo -----------------------------------------------------------------------------------------
@click.command("demo")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite file for the demo (default ./var/demo.db; recreated).",
)
@click.option(
    "--as",
    "who",
    default="manager",
    show_default=True,
    help="Whom to chat as: manager, manager2, leader, admin, staff1...",
)
@click.option(
    "--lang",
    "language",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of the demo people (default: the configuration's).",
)
@web_option
@port_option
@pass_state
def demo_command(
    state: CliState,
    db_path: Path | None,
    who: str,
    language: str | None,
    web: bool,
    port: int,
) -> None:
    """Try the bot locally with a demo county.

    Recreates a demo SQLite database with people in every role and last period's reports,
    then starts the terminal chat (as the manager of one unit by default). With --web the
    chat opens in a browser, where every demo person can be picked.
    """
    from bot.demo import DEFAULT_DB, prepare_demo
    from bot.demo_banner import banner, people_labels

    config = state.config
    lang = language or config.default_language
    path = db_path or DEFAULT_DB
    try:
        db, seed = prepare_demo(config, path, utcnow(), lang)
    except (OSError, ValueError) as problem:
        fail(f"cannot prepare the demo database {path}: {problem}")
    try:
        if who not in seed.people:
            fail(f"no demo person {who!r}; choose one of: {', '.join(seed.people)}")
        click.echo(banner(config, seed, who, path, lang, web=web))
        click.echo("")
        secret = engine_secret(config, warn=False)
        if web:
            people = people_labels(config, seed, lang, first=who)
            web_chat_as(db, config, people, language=lang, secret=secret, port=port)
        else:
            chat_as(db, config, who, language=lang, secret=secret)
    finally:
        db.dispose()


def register(group: click.Group) -> None:
    """Add ``run``, ``chat`` and ``demo`` to ``group``."""
    for command in (run_command, chat_command, demo_command):
        group.add_command(command)
