"""The fake Bot API answers the real python-telegram-bot client like Telegram does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.fakebotapi import FakeBotApi

pytestmark = pytest.mark.filterwarnings(
    # PTB itself reads RetryAfter.retry_after while building the error message.
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)

TOKEN = "123:ABC"
# A PNG header is enough for the fake to read the size from; Telegram would re-encode.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (640).to_bytes(4, "big") + (480).to_bytes(4, "big")
KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Kyllä", callback_data="yes")],
        [InlineKeyboardButton("Ei", callback_data="no")],
    ]
)


@pytest.fixture
async def fake_bot_api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as api:
        yield api


@pytest.fixture
async def bot(fake_bot_api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(
        TOKEN, base_url=fake_bot_api.base_url, base_file_url=fake_bot_api.base_file_url
    ) as real_bot:
        yield real_bot


def polling_app(api: FakeBotApi) -> Application:
    return (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )


async def test_get_me_answers_the_bot_user(bot: Bot) -> None:
    me = await asyncio.wait_for(bot.get_me(), 5)

    assert (me.id, me.is_bot, me.username) == (123, True, "omavalvonta_test_bot")


async def test_wrong_token_and_unknown_method_fail_like_telegram(
    fake_bot_api: FakeBotApi, bot: Bot
) -> None:
    stranger = Bot("999:XYZ", base_url=fake_bot_api.base_url)
    with pytest.raises(InvalidToken):
        await asyncio.wait_for(stranger.get_me(), 5)
    with pytest.raises(EndPointNotFound):
        await asyncio.wait_for(bot.do_api_request("noSuchMethod"), 5)


async def test_send_message_with_inline_keyboard_is_recorded_and_returned(
    fake_bot_api: FakeBotApi, bot: Bot
) -> None:
    message = await asyncio.wait_for(
        bot.send_message(42, "Onko raportti valmis?", reply_markup=KEYBOARD), 5
    )

    [sent] = fake_bot_api.sent_to(42)
    assert (sent.method, sent.text, sent.message_id) == (
        "sendMessage",
        "Onko raportti valmis?",
        message.message_id,
    )
    assert fake_bot_api.buttons(sent) == [("Kyllä", "yes"), ("Ei", "no")]
    assert message.reply_markup == KEYBOARD
    assert message.chat.id == 42
    assert message.from_user is not None
    assert message.from_user.is_bot
    assert fake_bot_api.last_text(42) == "Onko raportti valmis?"


async def test_html_that_telegram_cannot_parse_is_a_bad_request(bot: Bot) -> None:
    ok = await asyncio.wait_for(bot.send_message(1, "<b>4,6 %</b> &lt;3", parse_mode="HTML"), 5)
    assert ok.text == "4,6 % <3"
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await asyncio.wait_for(bot.send_message(1, "NPS <3", parse_mode=ParseMode.HTML), 5)


async def test_send_photo_and_document_keep_bytes_filename_and_caption(
    fake_bot_api: FakeBotApi, bot: Bot
) -> None:
    photo = await asyncio.wait_for(bot.send_photo(7, PNG, caption="NPS 2025"), 5)
    document = await asyncio.wait_for(
        bot.send_document(7, b"a;b\n1;2\n", filename="raportti.csv", caption="CSV"), 5
    )

    sent_photo, sent_document = fake_bot_api.sent_to(7)
    assert (sent_photo.photo, sent_photo.caption) == (PNG, "NPS 2025")
    assert (photo.photo[-1].width, photo.photo[-1].height) == (640, 480)
    assert sent_document.document == b"a;b\n1;2\n"
    assert (sent_document.filename, sent_document.caption) == ("raportti.csv", "CSV")
    assert document.document is not None
    assert document.document.file_name == "raportti.csv"
    downloaded = await (await bot.get_file(document.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"a;b\n1;2\n"


async def test_commands_are_recorded_per_language_and_scope(
    fake_bot_api: FakeBotApi, bot: Bot
) -> None:
    await bot.set_my_commands([BotCommand("raportti", "Täytä raportti")], language_code="fi")
    await bot.set_my_commands([BotCommand("rapport", "Fyll i rapporten")], language_code="sv")

    sv = await asyncio.wait_for(bot.get_my_commands(language_code="sv"), 5)
    assert [c.command for c in sv] == ["rapport"]
    assert fake_bot_api.commands_for("fi") == ["raportti"]
    assert fake_bot_api.commands_for("en") == []
    await bot.delete_my_commands(language_code="fi")
    assert fake_bot_api.commands_for("fi") == []
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Raportti", "Iso alkukirjain")])


async def test_edit_message_text_updates_and_refuses_unchanged_edits(
    fake_bot_api: FakeBotApi, bot: Bot
) -> None:
    message = await bot.send_message(5, "Vastaa", reply_markup=KEYBOARD)

    edited = await asyncio.wait_for(bot.edit_message_text("Kiitos", 5, message.message_id), 5)

    assert isinstance(edited, Message)
    assert edited.text == "Kiitos"
    assert edited.reply_markup is None  # Telegram drops the keyboard unless it is sent again
    assert fake_bot_api.last_text(5) == "Kiitos"
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Kiitos", 5, message.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("Kiitos", 5, 9999)


async def test_injected_429_surfaces_as_retry_after_once(
    fake_bot_api: FakeBotApi, bot: Bot
) -> None:
    fake_bot_api.fail_next("sendMessage", retry_after=3)

    with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
        await asyncio.wait_for(bot.send_message(1, "hei"), 5)
    await asyncio.wait_for(bot.send_message(1, "hei"), 5)
    assert [s.text for s in fake_bot_api.sent] == ["hei"]


async def test_blocked_and_deleted_chats_answer_403_and_400(
    fake_bot_api: FakeBotApi, bot: Bot
) -> None:
    fake_bot_api.block_chat(8)
    fake_bot_api.delete_chat(9)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await asyncio.wait_for(bot.send_message(8, "muistutus"), 5)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await asyncio.wait_for(bot.send_photo(9, PNG), 5)
    assert fake_bot_api.sent == []


async def test_long_poll_returns_as_soon_as_an_update_is_pushed(
    fake_bot_api: FakeBotApi, bot: Bot
) -> None:
    assert await asyncio.wait_for(bot.get_updates(timeout=0), 5) == ()
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await fake_bot_api.wait_polling()  # the update arrives while the poll waits
    update_id = fake_bot_api.push_text(42, "Moi 👋 /raportti", first_name="Aino")

    [update] = await asyncio.wait_for(poll, 5)

    assert update.update_id == update_id
    assert update.message is not None
    assert update.message.text == "Moi 👋 /raportti"
    assert update.message.parse_entities(["bot_command"]) == {
        update.message.entities[0]: "/raportti"
    }
    assert update.message.from_user is not None
    assert update.message.from_user.language_code == "fi"
    confirmed = await asyncio.wait_for(bot.get_updates(offset=update_id + 1, timeout=0), 5)
    assert confirmed == ()


async def test_allowed_updates_filter_what_get_updates_returns(
    fake_bot_api: FakeBotApi, bot: Bot
) -> None:
    fake_bot_api.push_raw({"edited_message": {"message_id": 1, "date": 0, "chat": {}}})
    text_id = fake_bot_api.push_text(3, "hei")

    updates = await asyncio.wait_for(bot.get_updates(allowed_updates=["message"], timeout=0), 5)

    assert [u.update_id for u in updates] == [text_id]


async def test_application_polling_receives_text_and_callback_and_answers(
    fake_bot_api: FakeBotApi,
) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, "Valmis?", reply_markup=KEYBOARD)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("OK")
        await query.edit_message_text(f"Valitsit: {query.data}")

    app = polling_app(fake_bot_api)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    await asyncio.wait_for(app.initialize(), 5)
    await app.start()
    assert app.updater is not None
    try:
        await asyncio.wait_for(app.updater.start_polling(poll_interval=0, timeout=1), 5)
        fake_bot_api.push_text(42, "/start")
        [question] = await fake_bot_api.wait_for_sent(lambda s: s.chat_id == 42)
        assert fake_bot_api.buttons(question) == [("Kyllä", "yes"), ("Ei", "no")]
        assert question.message_id is not None

        fake_bot_api.push_callback(42, "no", message_id=question.message_id)
        answer, edit = await fake_bot_api.wait_for_sent(
            lambda s: s.method in {"answerCallbackQuery", "editMessageText"}, count=2
        )
    finally:
        await asyncio.wait_for(app.updater.stop(), 5)
        await app.stop()
        await app.shutdown()

    assert (answer.method, answer.chat_id, answer.text) == ("answerCallbackQuery", 42, "OK")
    assert (edit.method, edit.text) == ("editMessageText", "Valitsit: no")
    assert [s.method for s in fake_bot_api.sent][:1] == ["deleteWebhook"]


async def test_push_callback_checks_the_bot_sent_that_button(
    fake_bot_api: FakeBotApi, bot: Bot
) -> None:
    message = await bot.send_message(4, "?", reply_markup=KEYBOARD)

    with pytest.raises(ValueError, match="no button"):
        fake_bot_api.push_callback(4, "maybe", message_id=message.message_id)
    with pytest.raises(KeyError):
        fake_bot_api.push_callback(4, "yes", message_id=message.message_id + 100)
    assert fake_bot_api.push_callback(4, "maybe", message_id=message.message_id, check_button=False)


async def test_wait_for_sent_times_out_with_a_dump_of_what_was_sent(
    fake_bot_api: FakeBotApi, bot: Bot
) -> None:
    await bot.send_message(1, "ensimmäinen")

    with pytest.raises(TimeoutError, match=r"(?s)found 0.*sendMessage chat=1 .*'ensimmäinen'"):
        await fake_bot_api.wait_for_sent(lambda s: s.chat_id == 2, timeout=0.05)
    [first] = await fake_bot_api.wait_for_sent()
    with pytest.raises(TimeoutError):  # a call is returned only once
        await fake_bot_api.wait_for_sent(timeout=0.05)
    assert first.text == "ensimmäinen"


async def test_enforced_limits_answer_429_and_count_violations(bot: Bot) -> None:
    api = FakeBotApi(token=TOKEN)
    now = [0.0]
    api.enforce_limits(global_per_second=3, per_chat_per_second=1, clock=lambda: now[0])
    offline = Bot(TOKEN, request=api.as_request())

    await offline.send_message(1, "a")
    with pytest.raises(RetryAfter):
        await offline.send_message(1, "b")  # same chat within one second
    await offline.send_message(2, "c")
    await offline.send_message(3, "d")
    with pytest.raises(RetryAfter):
        await offline.send_message(4, "e")  # fourth send in the same second overall
    now[0] = 1.5
    await offline.send_message(1, "f")

    assert api.violations == 2
    assert api.max_global_rate_observed == 3
    assert [s.text for s in api.sent] == ["a", "c", "d", "f"]


async def test_time_scale_compresses_the_window() -> None:
    api = FakeBotApi(token=TOKEN)
    now = [0.0]
    api.enforce_limits(per_chat_per_second=1, time_scale=10.0, clock=lambda: now[0])
    offline = Bot(TOKEN, request=api.as_request())

    await offline.send_message(1, "a")
    now[0] = 0.11  # 1.1 scaled seconds later
    await offline.send_message(1, "b")

    assert api.violations == 0


async def test_in_process_request_serves_application_process_update() -> None:
    api = FakeBotApi(token=TOKEN)
    seen: list[str] = []

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        assert update.effective_message.text
        seen.append(update.effective_message.text)
        await update.effective_message.reply_text("kuittaus")

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(api.as_request())
        .get_updates_request(api.as_request())
        .build()
    )
    app.add_handler(CommandHandler("raportti", echo))
    await asyncio.wait_for(app.initialize(), 5)
    try:
        api.push_text(77, "/raportti 2025")
        [update] = await asyncio.wait_for(app.bot.get_updates(timeout=0), 5)
        await asyncio.wait_for(app.process_update(update), 5)
        await asyncio.wait_for(app.bot.send_photo(77, PNG, caption="kaavio"), 5)
    finally:
        await app.shutdown()

    assert seen == ["/raportti 2025"]
    reply, photo = api.sent_to(77)
    assert (reply.method, reply.text) == ("sendMessage", "kuittaus")
    assert (photo.photo, photo.caption) == (PNG, "kaavio")


async def test_get_updates_conflicts_with_an_active_webhook(
    fake_bot_api: FakeBotApi, bot: Bot
) -> None:
    await bot.set_webhook("https://bot.example.fi/telegram", secret_token="s3cret")
    assert fake_bot_api.webhook_secret == "s3cret"

    with pytest.raises(Conflict, match="webhook is active"):
        await asyncio.wait_for(bot.get_updates(timeout=0), 5)
    await bot.delete_webhook()
    assert await asyncio.wait_for(bot.get_updates(timeout=0), 5) == ()
