"""The local terminal chat: a thin transport that talks to the engine over stdin and stdout.

It translates and decides nothing. Each line becomes an :class:`Inbound`: ``/command args``
a command, ``#3`` presses the option printed as ``[3]`` (a number no option has is answered
here, in the person's language), anything else is text (so a bare ``3`` is always the answer
3, never a button). Replies are printed, options numbered
``[1] label``; pictures and documents are saved under ``./chat-out/`` and their
path printed. EOF or ``/quit`` ends the chat.

The transport name is ``terminal`` and the person's external id is their handle
(``manager``, ``staff1``...), so the demo's people and anyone who joins with ``/start CODE``
here keep their conversation across runs like on any other transport.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol, TextIO

from collectors.i18n import N_, translator
from collectors.messages import (
    Delivery,
    DeliveryOutcome,
    DocumentReply,
    ImageReply,
    Inbound,
    InboundKind,
    Option,
    Outbound,
    Sender,
    TextReply,
)

TRANSPORT = "terminal"
QUIT_WORDS = frozenset({"/quit", "/exit"})
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_PRESS = re.compile(r"#\s*\d+")


class MessageHandler(Protocol):
    """What the terminal talks to: :class:`collectors.engine.Engine` or a test double."""

    def handle(self, message: Inbound) -> list[Outbound]:
        """Handle one message and return the replies for its sender."""
        ...


def parse_line(line: str, options: tuple[Option, ...], sender: Sender) -> Inbound | None:
    """Turn one typed line into an inbound message (``None`` for an empty line).

    Args:
        line: What the person typed, without the newline.
        options: The options currently shown, in their printed order.
        sender: The terminal person.

    Returns:
        A command, a pressed option, text, or ``None`` when there is nothing to send.
    """
    text = line.strip()
    if not text:
        return None
    if text.startswith("/") and len(text) > 1:
        name, *args = text[1:].split()
        return Inbound(
            sender, InboundKind.COMMAND, text=text, command=name.lower(), args=tuple(args)
        )
    number = text[1:].strip()
    if text.startswith("#") and number.isdecimal() and options and 1 <= int(number) <= len(options):
        return Inbound(sender, InboundKind.CHOICE, choice=options[int(number) - 1].data)
    return Inbound(sender, InboundKind.TEXT, text=text)


def render_text(reply: TextReply, first_number: int = 1) -> str:
    """A text reply with its options numbered from ``first_number``, ``columns`` per row."""
    lines = [reply.text]
    columns = max(reply.columns, 1)
    row: list[str] = []
    for offset, option in enumerate(reply.options):
        number = str(first_number + offset)
        # A button labelled with its own number in a row of them (the review's "edit item 3")
        # needs no label; alone on its line (the middle of a 1-5 scale) it would look empty.
        bare = option.label == number and columns > 1
        row.append(f"[{number}]" if bare else f"[{number}] {option.label}")
        if len(row) == columns:
            lines.append("   ".join(row))
            row = []
    if row:
        lines.append("   ".join(row))
    return "\n".join(lines)


class TerminalTransport:
    """One person's chat with the engine in a terminal; also a :class:`Deliverer`.

    Args:
        engine: The conversation engine.
        handle: The person's handle, used as the terminal external id and chat id.
        out: Where replies are printed.
        files_dir: Where pictures and documents are saved (created when needed).
        language_hint: The language to greet someone new in.
        language_of: The person's own language by handle (``None`` while it is unknown), for
            the chat's own words ("picture saved to", "Bye."); read after every step, so they
            follow ``/lang``. Without it, or while unknown: ``language_hint``, else English.
    """

    transport = TRANSPORT

    def __init__(
        self,
        engine: MessageHandler | None,
        handle: str,
        *,
        out: TextIO,
        files_dir: Path = Path("chat-out"),
        language_hint: str | None = None,
        language_of: Callable[[str], str | None] | None = None,
    ) -> None:
        self.engine = engine
        self.handle = handle
        self.out = out
        self.files_dir = files_dir
        self.sender = Sender(TRANSPORT, handle, handle, handle, language_hint)
        self.options: tuple[Option, ...] = ()
        self._saved = 0
        self._language_of = language_of
        self.language = language_hint or "en"
        """The language of the chat's own words: the person's, once known."""

    # rendering ----------------------------------------------------------------------------
    def show(self, replies: Iterable[Outbound]) -> None:
        """Print replies; the options of this batch become the numbered choices."""
        options: list[Option] = []
        for reply in replies:
            if isinstance(reply, TextReply):
                self._print(render_text(reply, len(options) + 1))
                options.extend(reply.options)
            else:
                self._print(self._save(reply))
        self.options = tuple(options)

    def _print(self, text: str) -> None:
        self.out.write(text.rstrip("\n") + "\n\n")
        self.out.flush()

    def _save(self, reply: ImageReply | DocumentReply) -> str:
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self._saved += 1
        name = _SAFE_NAME.sub("_", Path(reply.filename).name).strip("._") or "file"
        path = self.files_dir / f"{self._saved:03d}-{name}"
        while path.exists():
            self._saved += 1
            path = self.files_dir / f"{self._saved:03d}-{name}"
        path.write_bytes(reply.content)
        _ = translator(self.language)
        picture = isinstance(reply, ImageReply)
        saved = N_("(picture saved to {path})") if picture else N_("(document saved to {path})")
        caption = f"{reply.caption}\n" if reply.caption else ""
        return caption + _(saved, path=str(path))

    # chatting -----------------------------------------------------------------------------
    def send(self, line: str) -> list[Outbound]:
        """Hand one typed line to the engine, print and return its replies."""
        if self.engine is None:
            raise RuntimeError("this terminal transport only delivers; it has no engine")
        message = parse_line(line, self.options, self.sender)
        if message is None:
            return []
        if message.kind is InboundKind.TEXT and _PRESS.fullmatch(message.text):
            self._print(self._no_such_option(message.text))  # a press of no option shown
            return []
        replies = self.engine.handle(message)
        if self._language_of is not None:  # /lang, or a newcomer's first choice
            self.language = self._language_of(self.handle) or self.language
        self.show(replies)
        return replies

    def run(self, read_line: Callable[[], str | None]) -> None:
        """Chat until ``read_line`` returns ``None`` (end of input) or ``/quit`` is typed."""
        if self._language_of is not None:
            self.language = self._language_of(self.handle) or self.language
        while True:
            try:
                line = read_line()
            except (EOFError, KeyboardInterrupt):
                line = None
            if line is None or line.strip().lower() in QUIT_WORDS:
                _ = translator(self.language)
                self.out.write(_("Bye.") + "\n")
                self.out.flush()
                return
            self.send(line)

    def _no_such_option(self, typed: str) -> str:
        _ = translator(self.language)
        if not self.options:
            return _("There is nothing to press here: type your answer.")
        return _(
            "There is no option {typed} here: press one of #1–#{last}, or type your answer.",
            typed=typed.replace(" ", ""),
            last=len(self.options),
        )

    # delivering ---------------------------------------------------------------------------
    async def deliver(self, delivery: Delivery) -> DeliveryOutcome:
        """Print a message the bot sends on its own initiative (a reminder) to this terminal."""
        try:
            self.out.write(
                f"--- message for {delivery.chat_id} (person {delivery.person_id}) ---\n"
            )
            reply = delivery.reply
            if isinstance(reply, TextReply):
                self._print(render_text(reply))
            else:
                self._print(self._save(reply))
        except OSError:
            return DeliveryOutcome.FAILED
        return DeliveryOutcome.SENT


def line_reader(stream: TextIO, out: TextIO, prompt: str = "> ") -> Callable[[], str | None]:
    """Read lines from ``stream``; with a prompt and line editing when it is a terminal."""
    interactive = stream.isatty()
    if interactive:
        with contextlib.suppress(ImportError):  # not on every platform
            import readline  # noqa: F401  (line editing and history for input())

    def read() -> str | None:
        if interactive:
            try:
                return input(prompt)
            except EOFError:
                out.write("\n")
                return None
        line = stream.readline()
        if not line:
            return None
        out.write(f"{prompt}{line.rstrip()}\n")
        return line.rstrip("\n")

    return read


__all__ = [
    "TRANSPORT",
    "MessageHandler",
    "TerminalTransport",
    "line_reader",
    "parse_line",
    "render_text",
]
