"""The Telegram transport end to end: real python-telegram-bot, polling a fake Bot API.

Each person's message is pushed into the fake as Telegram would deliver it; the test waits
until the application has handled that very update (a handler in a later group records it)
and then reads what the bot sent to that chat. No sleeps: every wait is bounded and woken.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from telegram import Chat, Message, Update
from telegram.ext import TypeHandler

from bot.signing import MAX_DATA_BYTES, TAG_CHARS, ButtonDataTooLong, ButtonSigner
from bot.telegram import TelegramTransport
from bot.telegram_inbound import ChatOrderedProcessor, parse_text
from bot.telegram_render import post, split_text
from collectors.app import build_engine
from collectors.config import AppConfig, TelegramConfig
from collectors.engine import Engine
from collectors.messages import (
    Delivery,
    DeliveryOutcome,
    DocumentReply,
    ImageReply,
    InboundKind,
    Option,
    Sender,
    TextReply,
)
from storage import reports
from storage.db import Database
from storage.people import Role
from tests.fakebotapi import FakeBotApi, Sent
from tests.fakechat import SHOWN
from tests.support import Clock, invite, submit_last_period

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (640).to_bytes(4, "big") + (480).to_bytes(4, "big")


def telegram_config(config: AppConfig, api: FakeBotApi) -> AppConfig:
    telegram = TelegramConfig(api_base_url=api.base_url, api_file_url=api.base_file_url)
    return config.model_copy(update={"telegram": telegram})


class Harness:
    """A running transport and a record of which updates it has finished handling."""

    def __init__(self, api: FakeBotApi, engine: Engine, config: AppConfig) -> None:
        self.api = api
        self.transport = TelegramTransport(engine, telegram_config(config, api), api.token)
        self.handled: set[int] = set()
        self._changed = asyncio.Event()
        self.transport.application.add_handler(TypeHandler(Update, self._done), group=1)

    async def _done(self, update: Update, context: Any) -> None:
        self.handled.add(update.update_id)
        self._changed.set()

    async def wait_handled(self, update_id: int) -> None:
        async with asyncio.timeout(5):
            while update_id not in self.handled:
                self._changed.clear()
                await self._changed.wait()

    async def __aenter__(self) -> Harness:
        await asyncio.wait_for(self.transport.start(poll_timeout=1), 5)
        await self.api.wait_polling()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.wait_for(self.transport.stop(), 5)


class Person:
    """One Telegram user talking to the bot; ``last`` holds the replies to the latest update."""

    def __init__(self, bot: Harness, user_id: int, language: str = "en") -> None:
        self.bot, self.api, self.user_id, self.language = bot, bot.api, user_id, language
        self.last: list[Sent] = []

    async def _exchange(self, push: Any) -> Person:
        mark = len(self.api.sent)
        update_id = push()
        await self.bot.wait_handled(update_id)
        self.last = [
            s for s in self.api.sent[mark:] if s.chat_id == self.user_id and s.method in SHOWN
        ]
        return self

    async def send(self, text: str) -> Person:
        return await self._exchange(
            lambda: self.api.push_text(self.user_id, text, language_code=self.language)
        )

    async def sticker(self) -> Person:
        sticker = {"file_id": "S1", "file_unique_id": "US1", "width": 512, "height": 512}
        sticker |= {"is_animated": False, "is_video": False, "type": "regular"}
        message = {
            "message_id": 9000 + len(self.api.sent),
            "from": {"id": self.user_id, "is_bot": False, "first_name": "Test"},
            "chat": {"id": self.user_id, "type": "private", "first_name": "Test"},
            "date": 0,
            "sticker": sticker,
        }
        return await self._exchange(lambda: self.api.push_raw({"message": message}))

    def button(self, label: str) -> tuple[Sent, str]:
        found = [
            (sent, data)
            for sent in self.last
            for text, data in self.api.buttons(sent)
            if data is not None and (text == label or text.startswith(label))
        ]
        assert found, f"no button {label!r} in {[self.api.buttons(s) for s in self.last]}"
        return found[0]

    async def press(self, label: str) -> Person:
        sent, data = self.button(label)
        return await self.press_data(data, sent)

    async def press_data(self, data: str, sent: Sent) -> Person:
        assert sent.message_id is not None
        return await self._exchange(
            lambda: self.api.push_callback(
                self.user_id, data, message_id=sent.message_id or 0, check_button=False
            )
        )

    @property
    def text(self) -> str:
        texts = [s.text or s.caption or "" for s in self.last]
        return "\n---\n".join(texts).replace("\u00a0", " ").replace("\u202f", " ")

    def expect(self, *fragments: str) -> Person:
        for fragment in fragments:
            assert fragment in self.text, f"{fragment!r} not in replies:\n{self.text}"
        return self


@pytest.fixture
async def bot(fake_api: FakeBotApi, engine: Engine, config: AppConfig) -> AsyncIterator[Harness]:
    async with Harness(fake_api, engine, config) as harness:
        yield harness


async def manager(bot: Harness, engine: Engine, user_id: int = 501) -> Person:
    person = Person(bot, user_id)
    code = invite(engine, Role.MANAGER, "kotihoito-a")
    (await person.send(f"/start {code}")).expect("Welcome! You are now registered as")
    (await person.press("English")).expect("I will speak English with you.")
    return person


def submission_answers(engine: Engine) -> dict[str, Any]:
    with engine.db.session() as session:
        sub = reports.get_submission(session, "2025-T2", "kotihoito-a")
        assert sub is not None and sub.id is not None
        return {"status": sub.status, "version": sub.version, **reports.answers_of(session, sub.id)}


async def test_invitation_language_and_a_whole_report(bot: Harness, engine: Engine) -> None:
    person = Person(bot, 501)
    code = invite(engine, Role.MANAGER, "kotihoito-a")
    await person.send(f"/start {code}")
    person.expect("Welcome! You are now registered as", "Choose your language")
    language_message, _data = person.button("English")
    await person.press("English")
    person.expect("I will speak English with you.")
    assert "reply_markup" not in bot.api.messages[(501, language_message.message_id or 0)]
    methods = [s.method for s in bot.api.sent_to(501)]
    assert {"answerCallbackQuery", "editMessageReplyMarkup"} <= set(methods)

    (await person.send("/report")).expect("Period report of Kotihoito A", "1/11")
    (await person.send("1 050 kpl")).expect("2/11", "Assessments within 7 weekdays")
    (await person.send("4,6 %")).expect("3/11", "Mean queue time")
    (await person.send("0:13:25")).expect("4/11", "HaiPro")
    (await person.send("7 (6)")).expect("5/11", "Most common event types")
    question, _data = person.button("Medication")
    (await person.press("Medication")).expect("5/11")
    # A toggle ticks the same keyboard: the pressed message is edited, nothing new is sent.
    assert [(s.method, s.message_id) for s in person.last] == [
        ("editMessageText", question.message_id)
    ]
    assert person.button("✓ Medication")
    await person.press("Accident/fall")
    (await person.press("Done")).expect("6/11", "Handling time")
    assert [s.method for s in person.last] == ["sendMessage"]
    edited = bot.api.messages[(501, question.message_id or 0)]
    assert "reply_markup" not in edited and "5/11" in edited["text"]
    (await person.send("12,5")).expect("7/11", "Was the plan updated?")
    (await person.press("Yes")).expect("8/11", "Client NPS")
    (await person.send("−42")).expect("9/11", "Sick leave")
    (await person.send("4.6")).expect("10/11", "Absence goal status")
    (await person.press("On schedule")).expect("11/11", "Corrective actions")
    (await person.send("Kaksoistarkistus <b>käyttöön</b>.")).expect("Review", "1,050 pcs")
    assert "Kaksoistarkistus <b>käyttöön</b>." in person.text  # plain text, never markup
    assert all("parse_mode" not in s.params for s in bot.api.sent)
    (await person.press("Send the report")).expect("Thank you!")

    answers = submission_answers(engine)
    assert answers["status"] == "submitted"
    assert answers["decisions"].value == 1050 and answers["decisions"].raw == "1 050 kpl"
    assert answers["incident_types"].choices == ["medication", "fall"]
    assert answers["client_nps"].value == -42
    assert answers["actions"].text == "Kaksoistarkistus <b>käyttöön</b>."


async def test_a_toggle_on_a_message_that_cannot_be_edited_is_sent_anew(
    bot: Harness, engine: Engine
) -> None:
    person = await manager(bot, engine)
    await person.send("/report")
    for answer in ("10", "95", "13:25", "5"):
        await person.send(answer)
    question, _data = person.button("Medication")
    bot.api.fail_next(
        "editMessageText", status=400, description="Bad Request: message can't be edited"
    )
    (await person.press("Medication")).expect("5/11")
    assert [s.method for s in person.last] == ["sendMessage"]
    assert "reply_markup" not in bot.api.messages[(501, question.message_id or 0)]
    assert person.button("✓ Medication")
    (await person.press("Done")).expect("6/11")
    assert submission_answers(engine)["incident_types"].choices == ["medication"]


async def test_bad_input_at_every_kind(bot: Harness, engine: Engine) -> None:
    person = await manager(bot, engine)
    await person.send("/REPORT@omavalvonta_test_bot")
    (await person.send("abc")).expect("I could not read that as a number.", "1/11")
    (await person.send("10")).expect("2/11")
    (await person.send("150 %")).expect("The value must be between 0% and 100%", "2/11")
    (await person.send("95")).expect("3/11")
    (await person.send("1:99:00")).expect("I could not read that as a duration.", "3/11")
    (await person.send("13:25")).expect("4/11")
    (await person.send("5")).expect("5/11")
    (await person.send("something else")).expect("I did not find “something else”", "5/11")
    (await person.send("1, 3")).expect("6/11")
    (await person.send("")).expect("I did not get a number.", "6/11")
    (await person.send("x" * 3000)).expect("too long", "6/11")
    (await person.sticker()).expect("I can only read text and buttons.", "6/11")
    (await person.send("4,5")).expect("7/11")
    answers = submission_answers(engine)
    assert answers["decisions"].value == 10
    assert answers["incident_types"].choices == ["medication", "fall"]
    assert answers["handling_days"].value == 4.5


async def test_back_skip_not_available_and_last_period(bot: Harness, engine: Engine) -> None:
    submit_last_period(engine, {"decisions": 1000, "assessments_7d": 96})
    person = await manager(bot, engine)
    (await person.send("/report")).expect("Last period: 1,000 pcs")
    (await person.press("Same as last period")).expect("2/11", "Last period: 96%")
    (await person.press("◀ Back")).expect("1/11", "Your answer: 1,000 pcs")
    (await person.send("1 200")).expect("2/11")
    (await person.press("Not available")).expect("3/11")
    (await person.press("◀ Back")).expect("2/11", "Your answer: not available")
    (await person.press("Keep: not available")).expect("3/11")  # a button the bot signed
    (await person.press("Skip")).expect("4/11")
    answers = submission_answers(engine)
    assert answers["decisions"].value == 1200
    assert answers["assessments_7d"].status == "not_available"
    assert answers["queue_time"].status == "skipped"


async def test_review_edit_submit_and_correct(bot: Harness, engine: Engine, clock: Clock) -> None:
    person = await manager(bot, engine)
    await person.send("/report")
    for typed in ["1050", "95", "13:25", "2", "1", "12", "1", "5", "4,6", "1", "-"]:
        await person.send(typed)
    person.expect("Review")
    (await person.press("1")).expect("1/11")
    (await person.send("1060")).expect("Review", "1. Client decisions: 1,060 pcs")
    (await person.press("Send the report")).expect("Thank you!")
    clock.advance(days=2)
    (await person.send("/report")).expect("was sent on Wed, Sep 10, 2025")
    (await person.press("Correct it")).expect("Review")
    await person.press("9")
    (await person.send("4,2")).expect("9. Sick leave: 4.2%")
    (await person.press("Send corrections")).expect("corrections")
    answers = submission_answers(engine)
    assert (answers["status"], answers["version"]) == ("submitted", 2)
    with engine.db.session() as session:
        revisions = reports.revisions_of(session, answers["sick_leave"].id)
    assert [r.value for r in revisions] == [4.6]


async def test_forged_and_copied_buttons_are_refused(bot: Harness, engine: Engine) -> None:
    person = await manager(bot, engine)
    await person.send("/report")
    sent, data = person.button("Not available")
    forged = data[:-1] + ("x" if data[-1] != "x" else "y")
    (await person.press_data(forged, sent)).expect("That button is no longer in use.", "1/11")
    (await person.press_data(data[11:], sent)).expect("no longer in use", "1/11")
    assert [s.method for s in bot.api.sent_to(501)].count("answerCallbackQuery") == 3

    other = Person(bot, 502)
    code = invite(engine, Role.MANAGER, "kotihoito-b")
    await other.send(f"/start {code}")
    language_message, _own = other.button("English")
    copied = person.button("Not available")[1]
    (await other.press_data(copied, language_message)).expect("no longer in use")
    assert bot.transport.counters["invalid_buttons"] == 3
    assert set(submission_answers(engine)) == {"status", "version"}  # nothing was answered


async def test_strangers_and_expired_codes_are_refused(
    bot: Harness, engine: Engine, clock: Clock
) -> None:
    stranger = Person(bot, 601)
    (await stranger.send("/report")).expect("invited staff only")
    (await stranger.send("hello")).expect("invited staff only")
    expired = invite(engine, Role.MANAGER, "kotihoito-a", days=1)
    clock.advance(days=2)
    (await stranger.send(f"/start {expired}")).expect("That invitation has expired.")
    (await stranger.send("/report")).expect("invited staff only")


async def test_group_chats_get_a_polite_refusal(bot: Harness, engine: Engine) -> None:
    user = {"id": 701, "is_bot": False, "first_name": "Test", "language_code": "en"}
    message = {
        "message_id": 1,
        "from": user,
        "chat": {"id": -100, "type": "group", "title": "Yksikkö"},
        "date": 0,
        "text": "/report",
        "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
    }
    before = engine.counters.get("updates", 0)
    await bot.wait_handled(bot.api.push_raw({"message": message}))
    [reply] = [s for s in bot.api.sent if s.chat_id == -100]
    assert reply.text is not None and "private chat" in reply.text
    assert engine.counters.get("updates", 0) == before


async def test_a_restart_resumes_at_the_same_question(
    fake_api: FakeBotApi, engine: Engine, config: AppConfig, clock: Clock
) -> None:
    async with Harness(fake_api, engine, config) as first:
        person = await manager(first, engine)
        await person.send("/report")
        await person.send("1050")
        (await person.send("95")).expect("3/11")
    engine.db.dispose()
    fresh = build_engine(Database(engine.db.url), config, clock=clock, secret=b"test-secret")
    async with Harness(fake_api, fresh, config) as second:
        person.bot = second
        (await person.send("/report")).expect("Welcome back! 2 answers are saved", "3/11")
        (await person.send("13:25")).expect("4/11")
    fresh.db.dispose()
    answers = submission_answers(engine)
    assert answers["queue_time"].value == 13 * 60 + 25


async def test_steps_run_in_the_transports_own_thread_which_ends_with_it(
    fake_api: FakeBotApi, engine: Engine, config: AppConfig
) -> None:
    threads: list[threading.Thread] = []
    handle = engine.handle

    def recorded(message: Any) -> Any:
        threads.append(threading.current_thread())
        return handle(message)

    engine.handle = recorded  # type: ignore[method-assign]
    async with Harness(fake_api, engine, config) as bot:
        await manager(bot, engine)  # /start and a press: two steps
    assert len(threads) == 2 and len(set(threads)) == 1  # one thread on SQLite: one writer
    assert threads[0].name.startswith("engine-step")
    threads[0].join(timeout=5)
    assert not threads[0].is_alive()  # stop() let it go


async def test_command_menus_are_set_per_language(bot: Harness) -> None:
    for language in ("fi", "sv", "en", ""):
        names = bot.api.commands_for(language)
        assert {"start", "help", "lang", "cancel", "report"} <= set(names), language
    [english] = [
        s
        for s in bot.api.sent
        if s.method == "setMyCommands" and s.params.get("language_code") == "en"
    ]
    descriptions = {c["command"]: c["description"] for c in english.params["commands"]}
    assert descriptions["report"] == "Fill in the period report"


async def test_deliveries_sent_blocked_failed_and_retried(bot: Harness) -> None:
    deliver = bot.transport.deliver
    outcome = await deliver(Delivery(1, "telegram", "801", TextReply("Muistutus")))
    assert outcome is DeliveryOutcome.SENT
    assert bot.api.last_text(801) == "Muistutus"

    bot.api.block_chat(802)
    assert await deliver(Delivery(2, "telegram", "802", TextReply("x"))) is DeliveryOutcome.BLOCKED
    bot.api.delete_chat(803)
    assert await deliver(Delivery(3, "telegram", "803", TextReply("x"))) is DeliveryOutcome.BLOCKED
    bot.api.fail_next("sendMessage", status=500)
    assert await deliver(Delivery(4, "telegram", "804", TextReply("x"))) is DeliveryOutcome.FAILED
    assert bot.api.sent_to(804) == [] and bot.api.sent_to(806) == []

    elsewhere = Delivery(6, "terminal", "806", TextReply("x"))
    assert await deliver(elsewhere) is DeliveryOutcome.FAILED

    bot.api.fail_next("sendMessage", status=429, retry_after=1)
    outcome = await deliver(Delivery(5, "telegram", "805", TextReply("Uudelleen")))
    assert outcome is DeliveryOutcome.SENT
    assert [s.text for s in bot.api.sent_to(805)] == ["Uudelleen"]
    assert bot.transport.counters["deliveries_sent"] == 2


@pytest.mark.filterwarnings("error::telegram.warnings.PTBUserWarning")
async def test_texts_go_out_as_the_bot_api_json_without_a_warning(bot: Harness) -> None:
    options = (Option("Kyllä", "y"), Option("Ei", "n"), Option("En tiedä", "?"))
    reply = TextReply("Valitse", options=options, columns=2)
    outcome = await bot.transport.deliver(Delivery(1, "telegram", "811", reply))
    assert outcome is DeliveryOutcome.SENT
    (sent,) = bot.api.sent_to(811)
    assert (sent.method, sent.text) == ("sendMessage", "Valitse")
    rows = sent.reply_markup["inline_keyboard"] if sent.reply_markup else []
    assert [[button["text"] for button in row] for row in rows] == [["Kyllä", "Ei"], ["En tiedä"]]
    signer = ButtonSigner(bot.transport.engine.secret)
    assert [signer.verify(811, data or "") for _, data in bot.api.buttons(sent)] == ["y", "n", "?"]
    with pytest.raises(ValueError, match="sendPhoto"):
        await post(bot.transport.application.bot, "sendPhoto", chat_id=811)


async def test_pictures_files_and_long_texts_are_rendered(bot: Harness) -> None:
    deliver = bot.transport.deliver
    await deliver(Delivery(1, "telegram", "901", ImageReply(PNG, "trend.png", "Trendi")))
    csv = DocumentReply(b"a;b\n1;2\n", "raportti.csv", "Raportti", "text/csv")
    await deliver(Delivery(1, "telegram", "901", csv))
    long = "\n".join(f"Rivi {n}: " + "x" * 90 for n in range(100))
    await deliver(Delivery(1, "telegram", "901", TextReply(long)))
    photo, document, *texts = bot.api.sent_to(901)
    assert (photo.method, photo.photo, photo.caption) == ("sendPhoto", PNG, "Trendi")
    assert (document.filename, document.document) == ("raportti.csv", b"a;b\n1;2\n")
    assert len(texts) == 3 and "\n".join(t.text or "" for t in texts) == long


# building blocks ---------------------------------------------------------------------------
def test_button_data_is_signed_for_one_chat() -> None:
    signer = ButtonSigner(b"k")
    signed = signer.sign(42, "12|c:0")
    assert len(signed) == TAG_CHARS + len("12|c:0")
    assert signer.verify(42, signed) == signer.verify("42", signed) == "12|c:0"
    assert signer.verify(43, signed) is None
    assert signer.verify(42, signed[:-1] + "1") is None
    assert signer.verify(42, signed[:TAG_CHARS] + "12|c:1") is None
    assert ButtonSigner(b"other").verify(42, signed) is None
    assert signer.verify(42, "12|c:0") is None
    assert len(signer.sign(42, "x" * MAX_DATA_BYTES).encode()) == 64
    with pytest.raises(ButtonDataTooLong):
        signer.sign(42, "ä" * (MAX_DATA_BYTES // 2 + 1))
    with pytest.raises(ValueError, match="secret"):
        ButtonSigner(b"")


def test_typed_text_commands_and_lookalikes() -> None:
    sender = Sender("telegram", "1", "1")
    command = parse_text(sender, "/Start@omavalvonta_bot ABC def", "telegram:9")
    assert (command.kind, command.command, command.args) == (
        InboundKind.COMMAND,
        "start",
        ("ABC", "def"),
    )
    assert command.update_key == "telegram:9"
    for text in ("1/2", "/ 5", "6+1", "", "/ääkkönen"):
        assert parse_text(sender, text).kind is InboundKind.TEXT, text


def test_long_texts_split_at_line_breaks_in_utf16_units() -> None:
    assert split_text("") == [] and split_text(" \n ") == []
    assert split_text("a\nb", limit=3) == ["a\nb"]
    assert split_text("aa\nbb", limit=3) == ["aa", "bb"]
    assert split_text("x" * 7, limit=3) == ["xxx", "xxx", "x"]
    assert split_text("😀" * 3, limit=4) == ["😀😀", "😀"]  # an emoji is two units


def _update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, "private")
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat))


async def test_one_chat_in_order_while_other_chats_overlap() -> None:
    processor = ChatOrderedProcessor(8)
    steps: list[str] = []
    gate = asyncio.Event()

    async def step(name: str, wait: asyncio.Event | None = None) -> None:
        steps.append(f"{name}+")
        if wait is not None:
            await wait.wait()
        steps.append(f"{name}-")

    first = asyncio.create_task(processor.process_update(_update(1, 1), step("a1", gate)))
    second = asyncio.create_task(processor.process_update(_update(2, 1), step("a2")))
    await asyncio.create_task(processor.process_update(_update(3, 2), step("b1")))
    assert steps == ["a1+", "b1+", "b1-"]  # chat 2 went past chat 1's slow step
    gate.set()
    await asyncio.gather(first, second)
    assert steps == ["a1+", "b1+", "b1-", "a1-", "a2+", "a2-"]
    assert processor.chats_in_hand == 0
