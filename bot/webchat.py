"""The local web chat: the terminal chat's people, in a browser on this machine only.

A thin transport like :mod:`bot.terminal`: it translates and decides nothing. A typed line
becomes text or a ``/command`` (``#3`` is text here: buttons are pressed, not typed); a
pressed button sends back its signed data, checked as on Telegram, so the buttons of a page
left open across a restart still work (with the same ``OMABOT_SECRET``). Pictures are shown
in the conversation, documents offered as downloads. When a button's reply asks to be shown
in place (the ticks of a multiple choice), the pressed message is replaced; otherwise its
buttons are taken off, as the Telegram transport does.

It listens on 127.0.0.1 only and has no login: whoever can open the page can chat as any of
its people. So it answers only requests addressed to a loopback name (a page of another site
cannot reach it through DNS rebinding), and only JSON posts without a foreign ``Origin`` (a
form of another site cannot post to it).

People are the terminal chat's: transport ``terminal``, external id the handle, so the demo's
people and anyone who joined in the terminal keep their conversation in either.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import secrets
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from aiohttp import web

from bot.signing import ButtonSigner
from bot.terminal import TRANSPORT, MessageHandler, parse_line
from collectors.i18n import N_, translator
from collectors.messages import ImageReply, Inbound, InboundKind, Outbound, Sender, TextReply

MAX_TEXT = 4096  # as on Telegram
MAX_BODY = 64 * 1024
MAX_ENTRIES = 300  # kept per person for a reloaded page
MAX_FILES = 50  # pictures and documents kept in memory, the newest
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
log = logging.getLogger(__name__)
PAGE = resources.files("bot").joinpath("webchat.html").read_text(encoding="utf-8")


def _host_name(host: str) -> str:
    """``localhost`` of ``localhost:8765``, ``::1`` of ``[::1]:8765``."""
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_loopback(host: str | None) -> bool:
    """Whether an HTTP ``Host`` (or an origin's host) names this machine's loopback."""
    return host is not None and _host_name(host.strip().lower()) in LOOPBACK_NAMES


@dataclass
class Entry:
    """One message of the conversation as the page shows it."""

    id: int
    mine: bool
    text: str = ""
    buttons: list[list[dict[str, str]]] = field(default_factory=list)
    file: dict[str, str] | None = None
    file_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The entry for the page."""
        found: dict[str, Any] = {
            "id": self.id,
            "from": "me" if self.mine else "bot",
            "text": self.text,
            "buttons": self.buttons,
        }
        if self.file is not None:
            found["file"] = self.file
        return found


@dataclass(frozen=True)
class _Refusal:
    """Why a post got no step: a message to translate once the reader's language is known."""

    message: str
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass
class _Person:
    sender: Sender
    label: str
    entries: deque[Entry]
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def find(self, entry_id: object) -> Entry | None:
        return next((e for e in self.entries if e.id == entry_id), None)


class WebChat:
    """The web chat's state and its aiohttp application.

    Args:
        engine: The conversation engine (or a test double).
        people: Handle to the label the page shows for them, in the picker's order.
        secret: The installation's secret, which signs the buttons.
        language: The language of the page's own words, for people whose own is not known.
        language_hint: The language to greet someone new in.
        language_of: A person's own language by handle (``None`` while it is unknown): the
            page's words follow it, so they change when someone types ``/lang``.
    """

    def __init__(
        self,
        engine: MessageHandler,
        people: Mapping[str, str],
        *,
        secret: bytes,
        language: str,
        language_hint: str | None = None,
        language_of: Callable[[str], str | None] | None = None,
    ) -> None:
        if not people:
            raise ValueError("the web chat needs at least one person to chat as")
        self.engine = engine
        self.language = language
        self._language_of = language_of
        self.signer = ButtonSigner(secret)
        self._people = {
            handle: _Person(
                Sender(TRANSPORT, handle, handle, handle, language_hint),
                label,
                deque(maxlen=MAX_ENTRIES),
            )
            for handle, label in people.items()
        }
        self._files: OrderedDict[int, tuple[bytes, str, str]] = OrderedDict()
        self._last_id = 0

    # translating ---------------------------------------------------------------------------
    def _next_id(self) -> int:
        self._last_id += 1
        return self._last_id

    def _chat_id(self, handle: str) -> str:
        return f"{TRANSPORT}:{handle}"

    def _entry(self, handle: str, reply: Outbound, entry_id: int | None = None) -> Entry:
        entry = Entry(entry_id if entry_id is not None else self._next_id(), mine=False)
        if isinstance(reply, TextReply):
            entry.text = reply.text
            columns = max(reply.columns, 1)
            row: list[dict[str, str]] = []
            for option in reply.options:
                signed = self.signer.sign(self._chat_id(handle), option.data)
                row.append({"label": option.label, "data": signed})
                if len(row) == columns:
                    entry.buttons.append(row)
                    row = []
            if row:
                entry.buttons.append(row)
            return entry
        entry.text = reply.caption
        mime = "image/png" if isinstance(reply, ImageReply) else reply.mime_type
        file_id = self._next_id()
        self._files[file_id] = (reply.content, mime, reply.filename)
        while len(self._files) > MAX_FILES:
            self._files.popitem(last=False)
        # A tall summary comes as a PNG document (Telegram would shrink a photo): show it too.
        kind = "image" if mime.startswith("image/") else "document"
        url = f"/files/{file_id}"
        entry.file = {"kind": kind, "url": url, "name": reply.filename}
        entry.file_id = file_id
        return entry

    async def _step(self, message: Inbound) -> list[Outbound]:
        return await asyncio.to_thread(self.engine.handle, message)

    async def say(self, handle: str, text: str) -> dict[str, Any]:
        """Hand a typed line to the engine; the new entries (the line first) and changed ones."""
        person = self._people[handle]
        async with person.lock:
            mine = Entry(self._next_id(), mine=True, text=text)
            message = parse_line(text, (), person.sender)
            if message is None:
                return {"entries": [], "updated": []}
            person.entries.append(mine)
            replies = await self._step(message)
            added = [self._entry(handle, reply) for reply in replies]
            person.entries.extend(added)
            return {"entries": [mine.as_json(), *(e.as_json() for e in added)], "updated": []}

    async def press(self, handle: str, signed: str, message_id: object) -> dict[str, Any] | None:
        """Hand a pressed button to the engine; ``None`` when its data is not ours."""
        person = self._people[handle]
        data = self.signer.verify(self._chat_id(handle), signed)
        if data is None:
            return None
        async with person.lock:
            replies = await self._step(Inbound(person.sender, InboundKind.CHOICE, choice=data))
            pressed = person.find(message_id)
            updated: list[Entry] = []
            first = replies[0] if replies else None
            if pressed is not None and isinstance(first, TextReply) and first.in_place:
                replaced = self._entry(handle, first, pressed.id)
                pressed.text, pressed.buttons = replaced.text, replaced.buttons
                updated.append(pressed)
                replies = replies[1:]
            elif pressed is not None and pressed.buttons:
                pressed.buttons = []
                updated.append(pressed)
            added = [self._entry(handle, reply) for reply in replies]
            person.entries.extend(added)
            return {
                "entries": [e.as_json() for e in added],
                "updated": [e.as_json() for e in updated],
            }

    def transcript(self, handle: str) -> list[dict[str, Any]]:
        """Everything kept of ``handle``'s conversation since this web chat started.

        A picture or document no longer kept (only the newest :data:`MAX_FILES` are) is
        marked ``gone``, so that the page says so instead of showing a broken picture.
        """
        found = []
        for entry in self._people[handle].entries:
            shown = entry.as_json()
            if entry.file is not None and entry.file_id not in self._files:
                shown["file"] = {**entry.file, "kind": "gone"}
            found.append(shown)
        return found

    # serving -------------------------------------------------------------------------------
    def application(self) -> web.Application:
        """The aiohttp application: the page, its JSON API and the files."""
        app = web.Application(middlewares=[self._guard], client_max_size=MAX_BODY)
        app.router.add_get("/", self._page)
        app.router.add_get("/api/chat/{handle}", self._get_chat)
        app.router.add_post("/api/chat/{handle}", self._post_chat)
        app.router.add_get("/files/{file_id:\\d+}", self._file)
        return app

    def _problem(self, status: int, message: str) -> web.Response:
        return web.json_response({"error": message}, status=status)

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        _ = translator(self.language)
        if not is_loopback(request.host):
            return self._problem(403, _("The local chat answers only on this computer."))
        if request.method == "POST":
            origin = request.headers.get("Origin")
            if origin is not None and not is_loopback(origin.split("://", 1)[-1]):
                return self._problem(403, _("The local chat answers only on this computer."))
            if request.content_type != "application/json":
                return self._problem(415, _("The local chat takes JSON only."))
        try:
            response: web.StreamResponse = await handler(request)
        except web.HTTPException:
            raise
        except Exception:
            log.exception("the web chat failed to answer %s %s", request.method, request.path)
            return self._problem(
                500,
                _(
                    "Sorry, something went wrong on our side. Your earlier answers are safe; please try again."
                ),
            )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response

    def _person(self, request: web.Request) -> str:
        handle = request.match_info["handle"]
        if handle not in self._people:
            _ = translator(self.language)
            raise web.HTTPNotFound(
                text=json.dumps(
                    {"error": _("Nobody called {handle} is in this chat.", handle=handle)}
                ),
                content_type="application/json",
            )
        return handle

    async def _language(self, handle: str) -> str:
        """The language of ``handle``'s own, else the page's."""
        if self._language_of is None:
            return self.language
        own = await asyncio.to_thread(self._language_of, handle)
        return own or self.language

    @staticmethod
    def _words(language: str) -> dict[str, str]:
        _ = translator(language)
        return {
            "lang": language,
            "title": _("Local chat"),
            "as": _("Chatting as"),
            "placeholder": _("Type a message"),
            "send": _("Send"),
            "unreachable": _("The bot cannot be reached. Is omabot still running?"),
            "gone": _("That file is no longer kept; ask for it again."),
        }

    async def _page(self, request: web.Request) -> web.Response:
        # In the first person's language; the script follows whoever is picked (and /lang).
        language = await self._language(next(iter(self._people)))
        words = self._words(language)
        people = [{"handle": h, "label": p.label} for h, p in self._people.items()]
        setup = json.dumps({"words": words, "people": people}, ensure_ascii=False)
        nonce = secrets.token_urlsafe(16)
        body = (
            PAGE.replace("{{lang}}", html.escape(language))
            .replace("{{title}}", html.escape(words["title"]))
            .replace("{{nonce}}", nonce)
            .replace("{{setup}}", setup.replace("<", "\\u003c"))  # no tag can end the block
        )
        response = web.Response(text=body, content_type="text/html", charset="utf-8")
        # Only this page's own script and style run, and no other site may frame it and have
        # its buttons pressed unseen (there is no login to stop that).
        response.headers["Content-Security-Policy"] = (
            f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
            "img-src 'self'; connect-src 'self'; form-action 'none'; base-uri 'none'; "
            "frame-ancestors 'none'"
        )
        response.headers["X-Frame-Options"] = "DENY"
        return response

    async def _get_chat(self, request: web.Request) -> web.Response:
        handle = self._person(request)
        words = self._words(await self._language(handle))
        return web.json_response({"entries": self.transcript(handle), "words": words})

    async def _post_chat(self, request: web.Request) -> web.Response:
        handle = self._person(request)
        status, body = await self._answer(request, handle)
        # Looked up once, after the step: the step may have changed it (/lang).
        _ = translator(await self._language(handle))
        if isinstance(body, _Refusal):
            return self._problem(status, _(body.message, **body.values))
        body["words"] = self._words(_.language)
        return web.json_response(body, status=status)

    async def _answer(
        self, request: web.Request, handle: str
    ) -> tuple[int, dict[str, Any] | _Refusal]:
        """The status and body of a post: the step's entries, or why there was none."""
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return 400, _Refusal(N_("The local chat takes JSON only."))
        text, signed = body.get("text"), body.get("press")
        if isinstance(text, str):
            if len(text) > MAX_TEXT:
                too_long = N_("That message is too long: at most {count} characters.")
                return 413, _Refusal(too_long, {"count": MAX_TEXT})
            return 200, await self.say(handle, text)
        if isinstance(signed, str):
            found = await self.press(handle, signed, body.get("message"))
            if found is None:
                foreign = N_(
                    "That button is not one this chat sent. Please use the latest message."
                )
                return 400, _Refusal(foreign)
            return 200, found
        return 400, _Refusal(N_("Send a text or press a button."))

    async def _file(self, request: web.Request) -> web.Response:
        found = self._files.get(int(request.match_info["file_id"]))
        if found is None:
            _ = translator(self.language)
            return self._problem(404, _("That file is no longer kept; ask for it again."))
        content, mime, name = found
        disposition = "inline" if mime.startswith("image/") else "attachment"
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name) or "file"
        return web.Response(
            body=content,
            content_type=mime,
            headers={"Content-Disposition": f'{disposition}; filename="{safe}"'},
        )


def serve(chat: WebChat, port: int) -> None:
    """Serve ``chat`` on 127.0.0.1:``port`` until Ctrl-C or SIGTERM."""
    web.run_app(chat.application(), host="127.0.0.1", port=port, print=None)


__all__ = ["MAX_TEXT", "Entry", "WebChat", "is_loopback", "serve"]
