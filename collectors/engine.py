"""The conversation engine: one message in, replies out, state in the database.

``Engine.handle`` runs each message in one database transaction: the update's
de-duplication key, the person's conversation state and every answer are committed together,
so a crash either loses the whole step (and the redelivered update redoes it) or none of it.

Conversations (``Flow``), commands and global buttons are registered by the feature
modules; see :func:`collectors.app.build_engine`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlmodel import Session

from collectors.access import Access
from collectors.config import AppConfig
from collectors.i18n import Translator, pick_language, translator
from collectors.messages import Inbound, InboundKind, Outbound, Sender, TextReply
from collectors.storable import storable
from storage import conversations, notifications
from storage.conversations import ConversationRow
from storage.db import Database, utcnow
from storage.models import Unit
from storage.people import PersonRow, units_by_id
from storage.speakers import find_speaker

log = logging.getLogger(__name__)

MAX_TEXT = 2000
STEP_SEPARATOR = "|"
T = TypeVar("T")


class UserError(Exception):
    """An expected problem with a localized, user-facing reason (never a crash)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AnswersWaiting(UserError):
    """Another conversation would replace one whose answers are kept nowhere else; the step
    is undone and the reason shown."""


@dataclass
class Ctx:
    """Everything a step needs: the transaction, the person, their rights and language."""

    engine: Engine
    session: Session
    sender: Sender
    person: PersonRow
    access: Access
    now: datetime
    conversation: ConversationRow | None
    replies: list[Outbound] = field(default_factory=list)
    _read_once: dict[Hashable, Any] = field(default_factory=dict)

    def once(self, key: Hashable, read: Callable[[], T]) -> T:
        """``read()`` on the first call with ``key`` in this step, the same value afterwards.

        For data the step reads more than once and does not change itself (last period's
        answers while this period's are being written).
        """
        if key not in self._read_once:
            self._read_once[key] = read()
        return self._read_once[key]

    @property
    def config(self) -> AppConfig:
        """The loaded configuration."""
        return self.engine.config

    @property
    def _(self) -> Translator:
        """The translator for the person's language."""
        return translator(self.person.language)

    @property
    def language(self) -> str:
        """The person's language code."""
        return self._.language

    @property
    def person_id(self) -> int:
        """The person's id."""
        return self.person.id

    def save(self, kind: str, state: dict[str, Any]) -> int:
        """Store the conversation state; returns the step token for this step's buttons.

        Raises:
            AnswersWaiting: The current conversation is another kind's whose unsent answers
                live only in it (a survey's): they would be lost.
        """
        current = self.engine.flows.get(self.conversation.kind) if self.conversation else None
        if current is not None and current.kind != kind and current.unsent_answers:
            raise AnswersWaiting(self._(current.unsent_answers))
        self.conversation = conversations.save(self.session, self.person_id, kind, state, self.now)
        return self.conversation.step

    def end(self) -> None:
        """Finish the current conversation."""
        conversations.clear(self.session, self.person_id)
        self.conversation = None

    def step_data(self, data: str) -> str:
        """Bind a button to the current step so that a stale or replayed press is refused."""
        step = self.conversation.step if self.conversation is not None else 0
        return f"{step}{STEP_SEPARATOR}{data}"


class Flow(Protocol):
    """A conversation with explicit states kept in the person's stored conversation state."""

    kind: str
    unsent_answers: str | None
    """For a flow whose unsent answers live only in its state: why another conversation may
    not replace it (an English msgid); ``None`` when its answers are stored as they come."""

    def resume(self, ctx: Ctx, state: dict[str, Any]) -> list[Outbound]:
        """Show the current step again."""
        ...

    def on_text(self, ctx: Ctx, state: dict[str, Any], text: str) -> list[Outbound]:
        """Handle typed text."""
        ...

    def on_choice(self, ctx: Ctx, state: dict[str, Any], data: str) -> list[Outbound]:
        """Handle a pressed button (``data`` without the step token)."""
        ...

    def on_cancel(self, ctx: Ctx, state: dict[str, Any]) -> list[Outbound]:
        """Stop the conversation, keeping whatever must be kept."""
        ...


CommandHandler = Callable[[Ctx, tuple[str, ...]], list[Outbound]]
ChoiceHandler = Callable[[Ctx, str], list[Outbound]]
StrangerHandler = Callable[["Engine", Session, Inbound, datetime], list[Outbound]]


@dataclass(frozen=True)
class Command:
    """A slash command: who sees it in the menu and what it does."""

    name: str
    description: str  # an English msgid, translated for the menu
    handler: CommandHandler
    roles: frozenset[str] = frozenset()  # roles that see it in the menu; empty = everyone


class Engine:
    """Routes messages to commands, conversations and buttons."""

    def __init__(
        self,
        db: Database,
        config: AppConfig,
        *,
        clock: Callable[[], datetime] = utcnow,
        secret: bytes = b"",
    ) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.secret = secret
        self.commands: dict[str, Command] = {}
        self.flows: dict[str, Flow] = {}
        self.choices: dict[str, ChoiceHandler] = {}
        self.stranger_commands: dict[str, StrangerHandler] = {}
        self.after_submit: list[Callable[[Ctx, int], list[Outbound]]] = []
        self.idle_hints: list[Callable[[Ctx], list[str]]] = []
        """What a person may have left unfinished, told when they type with nothing waiting."""
        self.counters: dict[str, int] = {}
        self._counter_lock = threading.Lock()
        self._units: dict[str, Unit] | None = None
        self._units_lock = threading.Lock()
        self._after_first_chart: list[Callable[[], None]] = []
        self._hooks_lock = threading.Lock()

    # registration -------------------------------------------------------------------------
    def add_command(self, command: Command) -> None:
        """Register a slash command."""
        self.commands[command.name] = command

    def add_flow(self, flow: Flow) -> None:
        """Register a conversation kind."""
        self.flows[flow.kind] = flow

    def add_choice(self, prefix: str, handler: ChoiceHandler) -> None:
        """Register a handler for global buttons whose data starts with ``prefix + ':'``."""
        self.choices[prefix] = handler

    def add_stranger_command(self, name: str, handler: StrangerHandler) -> None:
        """Register a command that people without an account may use (``/start CODE``)."""
        self.stranger_commands[name] = handler

    def count(self, name: str, n: int = 1) -> None:
        """Bump an operational counter (exported as metrics by the server); thread-safe."""
        with self._counter_lock:
            self.counters[name] = self.counters.get(name, 0) + n

    def after_first_chart(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` once, after the first chart this engine draws (see
        :meth:`chart_drawn`)."""
        with self._hooks_lock:
            self._after_first_chart.append(hook)

    def chart_drawn(self) -> None:
        """Note that a chart was drawn: the hooks waiting for the first one run now."""
        with self._hooks_lock:
            hooks, self._after_first_chart = self._after_first_chart, []
        for hook in hooks:
            hook()

    def units(self, session: Session) -> dict[str, Unit]:
        """Every active unit by id, read from the database on the first step only.

        The units mirror the configuration (:func:`collectors.organisation.sync_units`), which
        does not change while the engine runs; reading 600 units on every step cost more than
        the rest of the step. Each caller gets its own dict of the shared, read-only rows,
        which belong to no session: a step that fails or is refused rolls its transaction
        back, and would otherwise leave them expired and unreadable for every later step.
        """
        with self._units_lock:
            if self._units is None:
                units = units_by_id(session)
                for unit in units.values():  # kept apart: a rolled-back step cannot expire them
                    session.expunge(unit)
                self._units = units
            return dict(self._units)

    # handling -----------------------------------------------------------------------------
    def handle(self, message: Inbound) -> list[Outbound]:
        """Handle one message and return the replies for its sender."""
        now = self.clock()
        message = storable(message)
        self.count("updates")
        try:
            with self.db.session() as session:
                if message.update_key is not None and conversations.seen_update(
                    session, message.update_key, now
                ):
                    self.count("duplicates")
                    return []
                return self._dispatch(session, message, now)
        except UserError as problem:
            return [TextReply(problem.message)]
        except Exception:
            self.count("errors")
            # Never log the message text: it may be a survey answer.
            log.exception(
                "failed to handle a %s message from %s:%s",
                message.kind,
                message.sender.transport,
                message.sender.external_id,
            )
            _ = translator(
                pick_language(message.sender.language_hint, self.config.default_language)
            )
            return [
                TextReply(
                    _(
                        "Sorry, something went wrong on our side. Your earlier answers are safe; please try again."
                    )
                )
            ]

    def _dispatch(self, session: Session, message: Inbound, now: datetime) -> list[Outbound]:
        sender = message.sender
        speaker = find_speaker(session, sender.transport, sender.external_id, now)
        if speaker is None:
            handler = self.stranger_commands.get(message.command or "")
            if message.kind is InboundKind.COMMAND and handler is not None:
                return handler(self, session, message, now)
            _ = translator(pick_language(sender.language_hint, self.config.default_language))
            return [
                TextReply(
                    _(
                        "Hello! This bot collects self-monitoring reports for invited staff only. "
                        "Please open the invitation link you were given, or ask your manager for one."
                    )
                )
            ]
        person = speaker.person
        if speaker.blocked:
            # Someone who writes again has unblocked the bot: reminders may reach them again.
            notifications.clear_blocked(session, sender.transport, sender.external_id)
        ctx = Ctx(
            engine=self,
            session=session,
            sender=sender,
            person=person,
            access=Access(person.id, speaker.grants, self.units(session)),
            now=now,
            conversation=speaker.conversation,
        )
        try:
            replies = self._route(ctx, message)
        except AnswersWaiting as problem:
            session.rollback()  # nothing of the refused step is kept
            replies = [TextReply(problem.message)]
        except UserError as problem:
            # Keep what earlier steps stored, and show the reason.
            replies = [TextReply(problem.message)]
        return replies

    def _route(self, ctx: Ctx, message: Inbound) -> list[Outbound]:
        _ = ctx._
        if message.kind is InboundKind.COMMAND:
            handler = self.stranger_commands.get(message.command)
            if message.command == "start" and message.args and handler is not None:
                return handler(self, ctx.session, message, ctx.now)
            command = self.commands.get(message.command)
            if command is None:
                return [TextReply(_("I do not know that command. /help lists what I can do."))]
            waiting = ctx.conversation
            replies = command.handler(ctx, message.args)
            asks = any(isinstance(reply, TextReply) and reply.options for reply in replies)
            if waiting is not None and ctx.conversation is waiting and not asks:
                # A command beside the questions (/status, a chart): they are not forgotten.
                note = _("Your questions wait: answer the last one above, or /cancel to stop.")
                replies.append(TextReply(note))
            return replies
        if message.kind is InboundKind.UNSUPPORTED:
            reply = TextReply(_("I can only read text and buttons. Please type your answer."))
            return [reply, *self.resume(ctx)]
        if message.kind is InboundKind.CHOICE:
            return self._choice(ctx, message.choice)
        if len(message.text) > MAX_TEXT:
            reply = TextReply(
                _("That message is too long (at most {limit} characters).", limit=MAX_TEXT)
            )
            return [reply, *self.resume(ctx)]
        flow = self._flow(ctx)
        if flow is None or ctx.conversation is None:
            lines = [_("Nothing is waiting for an answer right now. /help lists what I can do.")]
            lines += [hint for hints in self.idle_hints for hint in hints(ctx)]
            return [TextReply("\n".join(lines))]
        return flow.on_text(ctx, dict(ctx.conversation.state), message.text)

    def _flow(self, ctx: Ctx) -> Flow | None:
        if ctx.conversation is None:
            return None
        return self.flows.get(ctx.conversation.kind)

    def resume(self, ctx: Ctx) -> list[Outbound]:
        """Show the current step of the person's conversation again (empty when none)."""
        flow = self._flow(ctx)
        if flow is None or ctx.conversation is None:
            return []
        return flow.resume(ctx, dict(ctx.conversation.state))

    def _choice(self, ctx: Ctx, data: str) -> list[Outbound]:
        _ = ctx._
        step, separator, rest = data.partition(STEP_SEPARATOR)
        if separator:
            flow = self._flow(ctx)
            current = ctx.conversation.step if ctx.conversation is not None else None
            if flow is None or ctx.conversation is None or str(current) != step:
                stale = TextReply(_("That button belongs to an earlier question."))
                return [stale, *self.resume(ctx)]
            return flow.on_choice(ctx, dict(ctx.conversation.state), rest)
        prefix = data.split(":", 1)[0]
        handler = self.choices.get(prefix)
        if handler is None:
            return [TextReply(_("That button is no longer in use.")), *self.resume(ctx)]
        return handler(ctx, data)

    def cancel(self, ctx: Ctx) -> list[Outbound]:
        """End the current conversation through its flow (``/cancel``)."""
        flow = self._flow(ctx)
        if flow is None or ctx.conversation is None:
            return [TextReply(ctx._("Nothing to cancel."))]
        return flow.on_cancel(ctx, dict(ctx.conversation.state))

    def menu(self, language: str, roles: set[str] | None = None) -> list[tuple[str, str]]:
        """The command menu for a language: ``(name, description)`` pairs."""
        _ = translator(language)
        out = []
        for command in self.commands.values():
            if roles is None or not command.roles or command.roles & roles:
                out.append((command.name, _(command.description)))
        return out


__all__ = ["AnswersWaiting", "Command", "Ctx", "Engine", "Flow", "UserError"]
