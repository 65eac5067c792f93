"""A fake Telegram Bot API for end-to-end tests of the real python-telegram-bot client.

It answers like the real Bot API (``{"ok": true, "result": ...}`` with Message, User and Chat
objects PTB de-serialises, and Telegram's own error bodies), records what the bot sent, queues
updates for ``getUpdates`` long polling, injects failures and can enforce flood limits. It runs
as an aiohttp server on 127.0.0.1 or, through :meth:`FakeBotApi.as_request`, in-process.

Usage::

    @pytest.fixture
    async def fake_bot_api() -> AsyncIterator[FakeBotApi]:
        async with FakeBotApi(token="123:ABC") as api:
            yield api

    async def test_start(fake_bot_api: FakeBotApi) -> None:
        app = (
            ApplicationBuilder().token(fake_bot_api.token)
            .base_url(fake_bot_api.base_url).base_file_url(fake_bot_api.base_file_url)
            .build()
        )
        ...  # add handlers; initialize(), start(), updater.start_polling(poll_interval=0)
        fake_bot_api.push_text(42, "/start", language_code="sv")
        [reply] = await fake_bot_api.wait_for_sent(lambda s: s.chat_id == 42)
        assert fake_bot_api.buttons(reply)[0] == ("Svenska", "lang:sv")

Without sockets: ``ApplicationBuilder().token(api.token).request(api.as_request())
.get_updates_request(api.as_request())``. Tokens and request bodies are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import logging
import math
import re
import socket
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from aiohttp import web
from telegram.request import BaseRequest, RequestData

_LOGGER = logging.getLogger(__name__)

JSONDict = dict[str, Any]
Upload = tuple[str, bytes, str]
"""An uploaded file: (filename, content, mime type)."""
Handler = Callable[[str, JSONDict, dict[str, Upload]], Any]

VISIBLE_METHODS: Final = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageReplyMarkup"}
)
_RATE_LIMITED = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
_JSON_PARAMS = frozenset(
    {"reply_markup", "entities", "caption_entities", "allowed_updates", "commands", "scope"}
    | {"link_preview_options", "reply_parameters"}
)
_INT_PARAMS = frozenset({"chat_id", "message_id", "offset", "limit", "timeout", "cache_time"})
_BOOL_PARAMS = frozenset({"disable_notification", "protect_content", "show_alert"})
_BUTTON_ACTIONS = frozenset(
    {"callback_data", "url", "login_url", "switch_inline_query", "callback_game", "pay"}
    | {"switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "web_app"}
    | {"copy_text"}
)
_PATH = re.compile(r"^/(file/)?bot([^/]+)/(.+)$")
_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?")
_BOT_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_HTML_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)(\s[^<>]*)?>")
_HTML_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a"}
    | {"tg-emoji", "code", "pre", "blockquote"}
)
_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are"
    " exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description and optional parameters."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after

    def body(self) -> JSONDict:
        """Return the JSON body Telegram sends with this error."""
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _flood(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


@dataclass(frozen=True)
class Sent:
    """One outbound call the bot made, as the fake recorded it."""

    method: str
    chat_id: int | str | None = None
    text: str | None = None
    caption: str | None = None
    reply_markup: JSONDict | None = None
    photo: bytes | None = None
    document: bytes | None = None
    filename: str | None = None
    message_id: int | None = None
    params: JSONDict = field(default_factory=dict)

    def describe(self) -> str:
        """Return a one-line summary for failure messages."""
        shown = self.text if self.text is not None else self.caption
        what = f" {shown[:60]!r}" if shown is not None else ""
        return f"{self.method} chat={self.chat_id} msg={self.message_id}{what}"


class FakeBotApi:
    """A fake Bot API; ``async with FakeBotApi() as api`` serves it on 127.0.0.1.

    Args:
        token: The bot token the client must use; other tokens get 401 Unauthorized.
        max_poll_wait: Upper bound in seconds for one ``getUpdates`` long poll.

    Attributes:
        listeners: Called with each recorded :class:`Sent` as it is recorded (for tests that
            follow many chats at once without rescanning :attr:`sent`).
    """

    def __init__(self, token: str = "123:ABC", *, max_poll_wait: float = 10.0) -> None:
        self.token, self.max_poll_wait = token, max_poll_wait
        prefix = token.split(":", 1)[0]
        self.bot_user: JSONDict = {
            "id": int(prefix) if prefix.isdigit() else 1,
            "is_bot": True,
            "first_name": "Omavalvonta Test Bot",
            "username": "omavalvonta_test_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.sent: list[Sent] = []
        self.listeners: list[Callable[[Sent], None]] = []
        self.messages: dict[tuple[int | str, int], JSONDict] = {}
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.files: dict[str, Upload] = {}
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.violations = self.max_global_rate_observed = 0
        self.polls_waiting = 0
        self._updates: deque[JSONDict] = deque()
        self._allowed_updates: frozenset[str] = frozenset()
        self._users: dict[int, JSONDict] = {}
        self._callbacks: dict[str, int] = {}
        self._taken: set[int] = set()
        self._failures: dict[str, deque[tuple[int, int, str | None]]] = {}
        self._blocked: set[int | str] = set()
        self._deleted: set[int | str] = set()
        self._ids, self._next_update_id = itertools.count(1), 1
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._limits: tuple[int, int] | None = None
        self._clock: Callable[[], float] = time.monotonic
        self._time_scale, self._t0 = 1.0, time.monotonic()
        self._global_times: deque[float] = deque()
        self._chat_times: dict[int | str | None, deque[float]] = {}
        handlers: dict[str, Handler] = {
            "getMe": lambda *_: self.bot_user,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message,
            "editMessageReplyMarkup": self._edit_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendPhoto": self._send_file,
            "sendDocument": self._send_file,
            "sendChatAction": self._record_true,
            "setMyCommands": self._my_commands,
            "getMyCommands": self._my_commands,
            "deleteMyCommands": self._my_commands,
            "getFile": self._get_file,
            "close": self._record_true,
            "logOut": self._record_true,
        }
        self._methods = {name.lower(): (name, handler) for name, handler in handlers.items()}

    # ----------------------------------------------------------------- server lifecycle
    async def __aenter__(self) -> FakeBotApi:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle_http)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock).start()
        self._closing = False
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = self._port = None

    @property
    def base_url(self) -> str:
        """The URL for ``ApplicationBuilder.base_url`` (PTB appends the token)."""
        return f"http://127.0.0.1:{self._require_port()}/bot"

    @property
    def base_file_url(self) -> str:
        """The URL for ``ApplicationBuilder.base_file_url`` (PTB appends the token)."""
        return f"http://127.0.0.1:{self._require_port()}/file/bot"

    def _require_port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeBotApi is not serving; use 'async with FakeBotApi()'")
        return self._port

    def as_request(self) -> BaseRequest:
        """Return a PTB request object that calls this fake in-process, with no sockets."""
        return InProcessRequest(self)

    # ------------------------------------------------------------------- test-side API
    def push_text(
        self, user_id: int, text: str, *, first_name: str = "Test", language_code: str = "fi"
    ) -> int:
        """Queue a private-chat text message from a user and return its update_id.

        Commands get ``bot_command`` entities with UTF-16 offsets, as Telegram sends them.
        """
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        self._users[user_id] = user | {"language_code": language_code}
        message = self._message(user_id, self._users[user_id], text=text)
        entities = [
            {"type": "bot_command", "offset": _utf16_len(text[: m.start()]), "length": len(m[0])}
            for m in _COMMAND.finditer(text)
        ]
        if entities:
            message["entities"] = entities
        return self.push_raw({"message": message})

    def push_callback(
        self, user_id: int, data: str, *, message_id: int, check_button: bool = True
    ) -> int:
        """Queue a button press on a message the bot sent to ``user_id``; return the update_id.

        Raises:
            KeyError: The bot sent no such message to that chat.
            ValueError: ``check_button`` is set and the message has no button with ``data``.
        """
        message = self.messages.get((user_id, message_id))
        if message is None:
            raise KeyError(f"the bot sent no message {message_id} to chat {user_id}")
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        datas = [button.get("callback_data") for row in rows for button in row]
        if check_button and data not in datas:
            raise ValueError(f"message {message_id} has no button {data!r}; it has {datas}")
        query_id = str(next(self._ids))
        self._callbacks[query_id] = user_id
        user = self._users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": "Test"}
        return self.push_raw(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": dict(message),
                    "chat_instance": str(user_id),
                    "data": data,
                }
            }
        )

    def push_raw(self, update: Mapping[str, Any]) -> int:
        """Queue any update dict (stickers, photos, edited messages...); return its update_id."""
        queued = {"update_id": self._next_update_id, **update}
        self._next_update_id = max(self._next_update_id, int(queued["update_id"])) + 1
        self._updates.append(queued)
        self._notify()
        return int(queued["update_id"])

    async def take_update(self, update_id: int) -> JSONDict:
        """Hand out one queued update as ``getUpdates`` does, for ``Application.process_update``.

        Raises:
            RuntimeError: No update ``update_id`` is queued.
        """
        status, body = await self.route(
            f"/bot{self.token}/getUpdates", {"offset": update_id, "timeout": 0}, {}
        )
        found = [u for u in json.loads(body)["result"] if u["update_id"] == update_id]
        if status != 200 or not found:
            raise RuntimeError(f"the fake did not hand out update {update_id}")
        update: JSONDict = found[0]
        return update

    def add_file(self, content: bytes, *, filename: str = "file.bin", mime: str = "") -> str:
        """Store a file the bot can fetch with getFile and download; return its file_id."""
        file_id = f"F{next(self._ids)}"
        self.files[file_id] = (filename, content, mime or "application/octet-stream")
        return file_id

    def sent_to(self, chat_id: int | str) -> list[Sent]:
        """Return the recorded calls addressed to ``chat_id``, oldest first."""
        return [s for s in self.sent if s.chat_id == chat_id]

    def last_text(self, chat_id: int | str) -> str | None:
        """Return the text of the last sendMessage or editMessageText to ``chat_id``."""
        texts = [s.text for s in self.sent_to(chat_id) if s.text is not None]
        return texts[-1] if texts else None

    @staticmethod
    def buttons(sent: Sent) -> list[tuple[str, str | None]]:
        """Return ``(text, callback_data)`` of each inline button of ``sent``, row by row."""
        rows = (sent.reply_markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data")) for row in rows for b in row]

    def commands_for(self, language_code: str = "", scope: JSONDict | None = None) -> list[str]:
        """Return the command names set with setMyCommands for a language and scope."""
        return [c["command"] for c in self.commands.get(_commands_key(scope, language_code), [])]

    def clear(self) -> None:
        """Forget the recorded calls (and which of them :meth:`wait_for_sent` returned)."""
        self.sent.clear()
        self._taken.clear()

    async def wait_for_sent(
        self,
        predicate: Callable[[Sent], bool] | None = None,
        *,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - the deadline is part of this helper's contract
    ) -> list[Sent]:
        """Wait until ``count`` matching calls were recorded and return them.

        Each call is returned by at most one ``wait_for_sent``, so a test can alternate pushes
        and waits like a conversation. The default predicate matches what shows in a chat
        (:data:`VISIBLE_METHODS`).

        Raises:
            TimeoutError: Fewer than ``count`` matched within ``timeout`` seconds; the message
                lists everything recorded.
        """
        match = predicate or (lambda s: s.method in VISIBLE_METHODS)

        def matching() -> list[int]:
            return [i for i, s in enumerate(self.sent) if i not in self._taken and match(s)]

        if not await self._wait_until(lambda: len(matching()) >= count, timeout):
            dump = "\n".join(f"  {i}: {s.describe()}" for i, s in enumerate(self.sent))
            raise TimeoutError(
                f"waited {timeout}s for {count} matching call(s), found {len(matching())};"
                f" recorded:\n{dump or '  (nothing)'}"
            )
        found = matching()[:count]
        self._taken.update(found)
        return [self.sent[i] for i in found]

    async def wait_polling(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 - as above
        """Wait until a ``getUpdates`` call is long-polling, i.e. the bot is listening.

        Raises:
            TimeoutError: No long poll started within ``timeout`` seconds.
        """
        if not await self._wait_until(lambda: self.polls_waiting > 0, timeout):
            raise TimeoutError(f"no getUpdates long poll within {timeout}s")

    async def _wait_until(self, check: Callable[[], bool], timeout: float) -> bool:  # noqa: ASYNC109
        """Wait, woken by each change, until ``check()`` holds; False after ``timeout`` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not check():
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return True

    # --------------------------------------------------------------- failure injection
    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with ``status``.

        429 carries ``retry_after``; other statuses get Telegram's usual description (400 chat
        not found, 403 blocked, 409 conflict, 5xx) unless ``description`` is given.
        """
        queue = self._failures.setdefault(method.lower(), deque())
        queue.extend([(status, retry_after, description)] * times)

    def block_chat(self, chat_id: int | str) -> None:
        """Answer every call to ``chat_id`` with 403 "Forbidden: bot was blocked by the user"."""
        self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int | str) -> None:
        """Undo :meth:`block_chat` (the user restarted the bot)."""
        self._blocked.discard(chat_id)

    def delete_chat(self, chat_id: int | str) -> None:
        """Answer every call to ``chat_id`` with 400 "Bad Request: chat not found"."""
        self._deleted.add(chat_id)

    def enforce_limits(
        self,
        global_per_second: int = 30,
        per_chat_per_second: int = 1,
        time_scale: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Answer 429 to sendMessage/sendPhoto/sendDocument calls above the flood limits.

        Args:
            global_per_second: Sends allowed in any 1 s window over all chats.
            per_chat_per_second: Sends allowed in any 1 s window to one chat.
            time_scale: Scaled seconds per real second; with 10 one real second counts as ten,
                so ten times more real throughput passes. ``retry_after`` is in scaled seconds.
            clock: The monotonic clock to measure with.
        """
        self._limits = (global_per_second, per_chat_per_second)
        self._clock, self._time_scale, self._t0 = clock, time_scale, clock()
        self._global_times.clear()
        self._chat_times.clear()

    # ------------------------------------------------------------------------ dispatch
    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _handle_http(self, request: web.Request) -> web.StreamResponse:
        params: JSONDict = dict(request.query)
        files: dict[str, Upload] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                for key, value in (await request.post()).items():
                    if isinstance(value, web.FileField):
                        files[key] = (value.filename, value.file.read(), value.content_type)
                    else:
                        params[key] = value if isinstance(value, str) else value.decode()
        status, body = await self.route(request.path, params, files)
        ctype = "application/json" if body[:1] == b"{" else "application/octet-stream"
        return web.Response(body=body, status=status, content_type=ctype)

    async def route(
        self, path: str, params: Mapping[str, Any], files: dict[str, Upload]
    ) -> tuple[int, bytes]:
        """Answer one request to ``/bot<token>/<method>`` or ``/file/bot<token>/<file_path>``.

        Args:
            path: The URL path.
            params: Parameters as sent: strings (form encoding) or JSON values.
            files: Uploaded multipart files by part name.

        Returns:
            The HTTP status and the response body.
        """
        found = _PATH.match(path)
        if found is None:
            return 404, json.dumps(ApiError(404, "Not Found").body()).encode()
        is_file, token, name = found.groups()
        if token != self.token:
            return 401, json.dumps(ApiError(401, "Unauthorized").body()).encode()
        if is_file:
            upload = self.files.get(name.removeprefix("files/"))
            if upload is None:
                return 404, json.dumps(ApiError(404, "Not Found").body()).encode()
            return 200, upload[1]
        entry = self._methods.get(name.lower())
        try:
            if entry is None:
                raise ApiError(404, "Not Found")
            method, handler = entry
            decoded = {key: _decode(key, value) for key, value in params.items()}
            self._check_failures(method, decoded)
            result = handler(method, decoded, files)
            if asyncio.iscoroutine(result):
                result = await result
            status, answer = 200, {"ok": True, "result": result}
        except ApiError as err:
            status, answer = err.status, err.body()
        _LOGGER.debug("fake Bot API %s -> %s", entry[0] if entry else "unknown method", status)
        return status, json.dumps(answer).encode()

    def _check_failures(self, method: str, params: JSONDict) -> None:
        queue = self._failures.get(method.lower())
        if queue:
            status, retry_after, description = queue.popleft()
            if status == 429:
                raise _flood(retry_after)
            raise ApiError(status, description or _DESCRIPTIONS.get(status, "Bad Request"))
        chat_id = params.get("chat_id")
        if chat_id in self._blocked:
            raise ApiError(403, _DESCRIPTIONS[403])
        if chat_id in self._deleted:
            raise ApiError(400, _DESCRIPTIONS[400])
        if method in _RATE_LIMITED:
            self._admit(chat_id)

    def _admit(self, chat_id: int | str | None) -> None:
        now = (self._clock() - self._t0) * self._time_scale
        windows = [self._global_times, self._chat_times.setdefault(chat_id, deque())]
        for times in windows:
            while times and times[0] <= now - 1.0:
                times.popleft()
        for times, limit in zip(windows, self._limits or (), strict=False):
            if len(times) >= limit:
                self.violations += 1
                raise _flood(max(1, math.ceil(times[-limit] + 1.0 - now)))
        for times in windows:
            times.append(now)
        self.max_global_rate_observed = max(self.max_global_rate_observed, len(windows[0]))

    def _record(self, method: str, params: JSONDict, **extra: Any) -> Sent:
        fields: JSONDict = {
            "chat_id": params.get("chat_id"),
            "text": params.get("text") if method in {"sendMessage", "editMessageText"} else None,
            "caption": params.get("caption"),
            "reply_markup": params.get("reply_markup"),
        }
        sent = Sent(method=method, params=dict(params), **(fields | extra))
        self.sent.append(sent)
        for listener in self.listeners:
            listener(sent)
        self._notify()
        return sent

    def _chat(self, chat_id: int | str) -> JSONDict:
        if isinstance(chat_id, int) and chat_id < 0:
            return {"id": chat_id, "type": "group", "title": "Test group"}
        user = self._users.get(chat_id) if isinstance(chat_id, int) else None
        return {
            "id": chat_id,
            "type": "private",
            "first_name": user["first_name"] if user else "Test",
        }

    def _message(self, chat_id: int | str, sender: JSONDict, **content: Any) -> JSONDict:
        message_id = next(self._ids)
        return {
            "message_id": message_id,
            "from": sender,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
        } | {key: value for key, value in content.items() if value is not None}

    # ------------------------------------------------------------------------- methods
    async def _get_updates(self, _: str, params: JSONDict, __: dict[str, Upload]) -> list[Any]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active;"
                " use deleteWebhook to delete the webhook first",
            )
        if "allowed_updates" in params:
            self._allowed_updates = frozenset(params["allowed_updates"] or ())
        offset = int(params.get("offset") or 0)
        while (
            self._updates
            and offset
            and (
                self._updates[0]["update_id"] < offset
                if offset > 0
                else len(self._updates) > -offset
            )
        ):
            self._updates.popleft()
        limit = int(params.get("limit") or 100)

        def ready() -> list[JSONDict]:
            allowed = self._allowed_updates
            return [u for u in self._updates if not allowed or allowed & u.keys()][:limit]

        if not ready():
            self.polls_waiting += 1
            self._notify()
            try:
                timeout = min(float(params.get("timeout") or 0), self.max_poll_wait)
                await self._wait_until(lambda: bool(ready()), timeout)
            finally:
                self.polls_waiting -= 1
        return ready()

    def _set_webhook(self, method: str, params: JSONDict, _: dict[str, Upload]) -> bool:
        self.webhook_url = params.get("url", "") if method == "setWebhook" else ""
        self.webhook_secret = params.get("secret_token")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._record(method, params)
        return True

    def _get_webhook_info(self, *_: Any) -> JSONDict:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _send_message(self, method: str, params: JSONDict, _: dict[str, Upload]) -> JSONDict:
        text = _check_text(params, "text", 4096)
        markup = _check_markup(params.get("reply_markup"))
        chat_id = _required(params, "chat_id")
        message = self._message(chat_id, self.bot_user, text=text, reply_markup=markup)
        self.messages[(chat_id, message["message_id"])] = message
        self._record(method, params, message_id=message["message_id"])
        return message

    def _edit_message(self, method: str, params: JSONDict, _: dict[str, Upload]) -> Any:
        if "inline_message_id" in params:
            self._record(method, params)
            return True
        chat_id, message_id = params.get("chat_id"), params.get("message_id")
        message = self.messages.get((chat_id, message_id)) if chat_id and message_id else None
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        markup = _check_markup(params.get("reply_markup"))
        text = message.get("text")
        if method == "editMessageText":
            if "text" not in message:
                raise ApiError(400, "Bad Request: there is no text in the message to edit")
            text = _check_text(params, "text", 4096)
        if text == message.get("text") and markup == message.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        message.pop("reply_markup", None)
        message.update({"edit_date": int(time.time())} | ({"text": text} if text else {}))
        message.update({"reply_markup": markup} if markup else {})
        self._record(method, params, message_id=message_id)
        return dict(message)

    def _answer_callback_query(self, method: str, params: JSONDict, _: Any) -> bool:
        user_id = self._callbacks.pop(str(params.get("callback_query_id")), None)
        if user_id is None:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._record(method, params, chat_id=user_id, text=params.get("text"))
        return True

    def _send_file(self, method: str, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        kind = "photo" if method == "sendPhoto" else "document"
        ref = str(params.get(kind, ""))
        upload = files.get(ref.removeprefix("attach://") if ref.startswith("attach://") else kind)
        if upload is None:
            upload = self.files.get(ref)
        if upload is None:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        if not upload[1]:
            raise ApiError(400, "Bad Request: file must be non-empty")
        caption = _check_text(params, "caption", 1024) if params.get("caption") else None
        file_id = self.add_file(upload[1], filename=upload[0], mime=upload[2])
        meta = {"file_id": file_id, "file_unique_id": f"U{file_id}", "file_size": len(upload[1])}
        if kind == "photo":
            width, height = _image_size(upload[1])
            content: Any = [meta | {"width": width, "height": height}]
        else:
            content = meta | {"file_name": upload[0], "mime_type": upload[2]}
        markup = _check_markup(params.get("reply_markup"))
        chat_id = _required(params, "chat_id")
        message = self._message(chat_id, self.bot_user, caption=caption, reply_markup=markup)
        message[kind] = content
        self.messages[(chat_id, message["message_id"])] = message
        self._record(
            method,
            params,
            message_id=message["message_id"],
            filename=upload[0],
            **{kind: upload[1]},
        )
        return message

    def _my_commands(self, method: str, params: JSONDict, _: dict[str, Upload]) -> Any:
        key = _commands_key(params.get("scope"), params.get("language_code") or "")
        if method == "getMyCommands":
            return self.commands.get(key, [])
        if method == "deleteMyCommands":
            self.commands.pop(key, None)
        else:
            commands = params.get("commands") or []
            if any(not _BOT_COMMAND.match(str(c.get("command", ""))) for c in commands):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            self.commands[key] = commands
        self._record(method, params)
        return True

    def _get_file(self, _: str, params: JSONDict, __: dict[str, Upload]) -> JSONDict:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"U{file_id}",
            "file_size": len(self.files[file_id][1]),
            "file_path": f"files/{file_id}",
        }

    def _record_true(self, method: str, params: JSONDict, _: dict[str, Upload]) -> bool:
        self._record(method, params)
        return True


class InProcessRequest(BaseRequest):
    """A PTB request that calls a :class:`FakeBotApi` directly instead of over HTTP.

    Args:
        api: The fake to dispatch to; any base URL works, only the path is used.
    """

    def __init__(self, api: FakeBotApi) -> None:
        self._api = api

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout; getUpdates waits are bounded by the fake itself."""
        return 5.0

    async def initialize(self) -> None:
        """Nothing to set up: there is no connection."""

    async def shutdown(self) -> None:
        """Nothing to release: there is no connection."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Encode the request like PTB's HTTPXRequest does and let the fake answer it."""
        params = request_data.json_parameters if request_data else {}
        files: dict[str, Upload] = {}
        for name, (filename, content, mime) in (
            request_data.multipart_data.items() if request_data else ()
        ):
            data = content if isinstance(content, bytes) else content.read()
            files[name] = (filename or name, data, mime or "application/octet-stream")
        return await self._api.route(urlsplit(url).path, params, files)


def _decode(key: str, value: Any) -> Any:
    """Turn one form-encoded parameter back into its JSON value (JSON bodies pass through)."""
    if not isinstance(value, str):
        return value
    if key in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from None
    if key in _INT_PARAMS:
        with contextlib.suppress(ValueError):
            return int(value)
    if key in _BOOL_PARAMS or key.startswith("drop_"):
        return value == "true"
    return value


def _required(params: JSONDict, key: str) -> Any:
    if params.get(key) in (None, ""):
        raise ApiError(400, f"Bad Request: {key} is empty")
    return params[key]


def _check_text(params: JSONDict, key: str, limit: int) -> str:
    """Validate a text or caption like Telegram and return what the chat shows."""
    raw = str(params.get(key) or "")
    shown = _check_html(raw) if str(params.get("parse_mode", "")).upper() == "HTML" else raw
    if not shown.strip():
        raise ApiError(400, f"Bad Request: message {key} is empty")
    if len(shown) > limit:
        which = "caption" if key == "caption" else "message"
        raise ApiError(400, f"Bad Request: {which} is too long")
    return shown


def _check_html(text: str) -> str:
    """Reject HTML Telegram cannot parse (stray '<', unknown or unbalanced tags); strip tags."""
    open_tags: list[str] = []
    position = text.find("<")
    while position != -1:
        tag = _HTML_TAG.match(text, position)
        offset = len(text[:position].encode())
        if tag is None or tag[2].lower() not in _HTML_TAGS:
            name = tag[2] if tag else text[position + 1 : position + 2]
            raise ApiError(
                400,
                f'Bad Request: can\'t parse entities: Unsupported start tag "{name}"'
                f" at byte offset {offset}",
            )
        if tag[1] and (not open_tags or open_tags.pop() != tag[2].lower()):
            raise ApiError(
                400, f"Bad Request: can't parse entities: Unmatched end tag at byte offset {offset}"
            )
        if not tag[1]:
            open_tags.append(tag[2].lower())
        position = text.find("<", tag.end())
    if open_tags:
        raise ApiError(400, "Bad Request: can't parse entities: Can't find end tag")
    return html.unescape(_HTML_TAG.sub("", text))


def _check_markup(markup: Any) -> JSONDict | None:
    """Validate an inline keyboard; return it if the message keeps it (inline keyboards only)."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            if not _BUTTON_ACTIONS & button.keys():
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def _commands_key(scope: JSONDict | None, language_code: str) -> tuple[str, str]:
    return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _image_size(data: bytes) -> tuple[int, int]:
    """Return a PNG's width and height from its header, or 1280x720 for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 1280, 720
