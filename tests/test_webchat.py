"""The local web chat: the demo's people in a browser, served on 127.0.0.1 by aiohttp."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp import web as aioweb
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner

from bot.cli import cli
from bot.demo import prepare_demo
from bot.demo_banner import people_labels
from bot.webchat import MAX_TEXT, WebChat, is_loopback
from collectors.app import build_engine
from collectors.config import AppConfig
from collectors.engine import Engine
from collectors.messages import DocumentReply, ImageReply, Inbound, Option, Outbound, TextReply
from storage import reports
from storage.people import Role, find_person
from tests.support import REPORT_DAY, SMALL_CONFIG, Clock, invite
from tests.test_cli import write_config

SECRET = b"web-secret"
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1:8765", True),
        ("localhost:8765", True),
        ("LOCALHOST", True),
        ("[::1]:8765", True),
        ("::1", True),
        ("evil.example:8765", False),
        ("127.0.0.1.evil.example", False),
        ("192.168.1.5:8765", False),
        ("", False),
        (None, False),
    ],
)
def test_is_loopback(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.fixture
def demo_db(tmp_path: Path, config: AppConfig) -> Any:
    db, seed = prepare_demo(config, tmp_path / "demo.db", REPORT_DAY, "en")
    yield db, seed
    db.dispose()


async def client_for(chat: WebChat) -> TestClient[Any, Any]:
    client: TestClient[Any, Any] = TestClient(TestServer(chat.application(), host="127.0.0.1"))
    await client.start_server()
    return client


@pytest.fixture
async def web(demo_db: Any, config: AppConfig) -> AsyncIterator[TestClient[Any, Any]]:
    db, seed = demo_db
    engine = build_engine(db, config, clock=Clock(), secret=SECRET)
    people = people_labels(config, seed, "en", first="manager")
    client = await client_for(WebChat(engine, people, secret=SECRET, language="en"))
    yield client
    await client.close()


async def say(client: TestClient[Any, Any], handle: str, text: str) -> dict[str, Any]:
    response = await client.post(f"/api/chat/{handle}", json={"text": text})
    assert response.status == 200, await response.text()
    found: dict[str, Any] = await response.json()
    return found


async def press(
    client: TestClient[Any, Any], handle: str, entry: dict[str, Any], label: str
) -> dict[str, Any]:
    data = next(b["data"] for row in entry["buttons"] for b in row if b["label"].startswith(label))
    response = await client.post(
        f"/api/chat/{handle}", json={"press": data, "message": entry["id"]}
    )
    assert response.status == 200, await response.text()
    found: dict[str, Any] = await response.json()
    return found


def labels(entry: dict[str, Any]) -> list[str]:
    return [b["label"] for row in entry["buttons"] for b in row]


async def test_the_page_offers_every_demo_person_in_its_language(
    web: TestClient[Any, Any],
) -> None:
    response = await web.get("/")
    page = await response.text()
    assert response.status == 200 and response.content_type == "text/html"
    assert '<html lang="en">' in page and "Chatting as" in page and "Type a message" in page
    assert '"handle": "manager"' in page and '"handle": "leader"' in page
    assert '"handle": "staff1"' in page
    assert page.index('"handle": "manager"') < page.index('"handle": "leader"')
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Content-Security-Policy"]
    nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'<script nonce="{nonce}">' in page and f'<style nonce="{nonce}">' in page
    assert "frame-ancestors 'none'" in policy and response.headers["X-Frame-Options"] == "DENY"
    again = await web.get("/")
    assert again.headers["Content-Security-Policy"] != policy  # a new nonce for each page


async def test_a_label_cannot_end_the_page_s_script(config: AppConfig) -> None:
    class Silent:
        def handle(self, message: Inbound) -> list[Outbound]:
            return []

    people = {"x": "</script><script>alert(1)</script>"}
    client = await client_for(WebChat(Silent(), people, secret=SECRET, language="en"))
    try:
        page = await (await client.get("/")).text()
        assert "<script>alert(1)" not in page
        assert "\\u003c/script>\\u003cscript>alert(1)\\u003c/script>" in page
    finally:
        await client.close()


async def test_a_manager_answers_typing_and_pressing(
    web: TestClient[Any, Any], demo_db: Any
) -> None:
    started = await say(web, "manager", "/report")
    mine, *bot = started["entries"]
    assert mine == {"id": mine["id"], "from": "me", "text": "/report", "buttons": []}
    question = bot[-1]
    assert "1/11" in question["text"]
    assert labels(question)[0].startswith("Same as last period")

    typed = await say(web, "manager", "1 050 kpl")
    assert "2/11" in typed["entries"][-1]["text"]
    assert typed["updated"] == []  # a typed answer leaves the old buttons, as on Telegram

    second = typed["entries"][-1]
    pressed = await press(web, "manager", second, "Same as last period")
    assert [e["id"] for e in pressed["updated"]] == [second["id"]]
    assert pressed["updated"][0]["buttons"] == []  # the pressed question's buttons are off
    assert "3/11" in pressed["entries"][-1]["text"]

    db, _seed = demo_db
    with db.session() as session:
        submission = reports.get_submission(session, "2025-T2", "kotihoito-a")
        assert submission is not None and submission.id is not None
        answers = reports.answers_of(session, submission.id)
        last = reports.previous_answers(session, "kotihoito-a", "2025-T1")
    assert answers["decisions"].value == 1050
    assert answers["assessments_7d"].value == last["assessments_7d"].value

    transcript = (await (await web.get("/api/chat/manager")).json())["entries"]
    assert [e["text"] for e in transcript if e["from"] == "me"] == ["/report", "1 050 kpl"]
    assert transcript[-1] == pressed["entries"][-1]
    assert next(e for e in transcript if e["id"] == second["id"])["buttons"] == []


async def test_a_multiple_choice_ticks_in_place(web: TestClient[Any, Any]) -> None:
    await say(web, "manager", "/report")
    entry = (await say(web, "manager", "1 050"))["entries"][-1]
    await press(web, "manager", entry, "Same as last period")
    for answer in ("0:13:25", "3"):
        entry = (await say(web, "manager", answer))["entries"][-1]
    assert "5/11" in entry["text"]
    ticked = await press(web, "manager", entry, "Medication")
    assert ticked["entries"] == []
    assert [e["id"] for e in ticked["updated"]] == [entry["id"]]
    assert "✓ Medication" in labels(ticked["updated"][0])
    assert "✓ Medication" not in labels(entry)


async def test_pictures_and_documents_are_served(config: AppConfig) -> None:
    class Pictures:
        def handle(self, message: Inbound) -> list[Outbound]:
            return [
                ImageReply(b"\x89PNG fake", "trend chart.png", "Sick leave"),
                DocumentReply(b"%PDF fake", "../report.pdf", mime_type="application/pdf"),
                TextReply("Pick", (Option("A", "a"), Option("B", "b"), Option("C", "c")), 2),
                DocumentReply(b"\x89PNG tall", "summary.png", mime_type="image/png"),
            ]

    client = await client_for(WebChat(Pictures(), {"x": "X"}, secret=SECRET, language="en"))
    try:
        image, document, text, tall = (await say(client, "x", "/chart"))["entries"][1:]
        assert tall["file"]["kind"] == "image"  # a tall summary sent as a document is shown
        assert document["file"]["kind"] == "document"
        assert image["text"] == "Sick leave" and image["file"]["kind"] == "image"
        picture = await client.get(image["file"]["url"])
        assert picture.content_type == "image/png" and await picture.read() == b"\x89PNG fake"
        pdf = await client.get(document["file"]["url"])
        assert pdf.content_type == "application/pdf" and await pdf.read() == b"%PDF fake"
        assert pdf.headers["Content-Disposition"] == 'attachment; filename=".._report.pdf"'
        assert [[b["label"] for b in row] for row in text["buttons"]] == [["A", "B"], ["C"]]
        gone = await client.get("/files/999")
        assert gone.status == 404 and "no longer kept" in (await gone.json())["error"]
    finally:
        await client.close()


async def test_bad_requests_get_a_clear_answer_and_nothing_is_lost(
    web: TestClient[Any, Any], demo_db: Any
) -> None:
    question = (await say(web, "manager", "/report"))["entries"][-1]
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"data": "text=hi", "headers": {"Content-Type": "text/plain"}}, 415, "JSON only"),
        ({"data": "{not json", "headers": JSON}, 400, "JSON only"),
        ({"json": ["a list"]}, 400, "JSON only"),
        ({"json": {"nothing": 1}}, 400, "Send a text or press a button"),
        ({"json": {"text": "1" * (MAX_TEXT + 1)}}, 413, f"at most {MAX_TEXT} characters"),
        ({"json": {"press": "forged|na", "message": question["id"]}}, 400, "not one this"),
    ]
    for kwargs, status, words in cases:
        response = await web.post("/api/chat/manager", **kwargs)
        assert response.status == status, kwargs
        assert words in (await response.json())["error"]
    # a button signed for another person's chat is refused too
    data = question["buttons"][0][0]["data"]
    stolen = await web.post("/api/chat/leader", json={"press": data, "message": question["id"]})
    assert stolen.status == 400
    nobody = await web.get("/api/chat/nobody")
    assert nobody.status == 404 and "Nobody called nobody" in (await nobody.json())["error"]
    # the report goes on where it was
    assert "2/11" in (await say(web, "manager", "1 050"))["entries"][-1]["text"]


async def test_only_this_computer_is_answered(web: TestClient[Any, Any]) -> None:
    rebound = await web.get("/", headers={"Host": "evil.example:8765"})
    assert rebound.status == 403 and "only on this computer" in (await rebound.json())["error"]
    foreign = await web.post(
        "/api/chat/manager", json={"text": "/help"}, headers={"Origin": "http://evil.example"}
    )
    assert foreign.status == 403
    local = await web.post(
        "/api/chat/manager",
        json={"text": "/help"},
        headers={"Origin": f"http://localhost:{web.port}"},
    )
    assert local.status == 200


async def test_the_page_speaks_finnish_and_swedish(demo_db: Any, config: AppConfig) -> None:
    db, seed = demo_db
    engine = build_engine(db, config, clock=Clock(), secret=SECRET)
    for language, words in (("fi", "Kirjoita viesti"), ("sv", "Skriv ett meddelande")):
        people = people_labels(config, seed, language, first="leader")
        client = await client_for(WebChat(engine, people, secret=SECRET, language=language))
        try:
            page = await (await client.get("/")).text()
            assert f'<html lang="{language}">' in page and words in page
            refused = await client.post("/api/chat/leader", json={"nothing": 1})
            assert (await refused.json())["error"] != "Send a text or press a button."
        finally:
            await client.close()


def visit_once(monkeypatch: pytest.MonkeyPatch, handle: str, text: str) -> dict[str, Any]:
    """Let ``web.run_app`` serve one visit: the page, then ``text`` from ``handle``."""
    served: dict[str, Any] = {}

    def run_app(app: aioweb.Application, *, host: str, port: int, print: Any) -> None:
        served.update(host=host, port=port)

        async def visit() -> None:
            runner = aioweb.AppRunner(app)
            await runner.setup()
            site = aioweb.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port_used = runner.addresses[0][1]
            async with ClientSession(f"http://127.0.0.1:{port_used}") as session:
                page = await session.get("/")
                served["page"] = await page.text()
                answer = await session.post(f"/api/chat/{handle}", json={"text": text})
                served["answer"] = await answer.json()
            await runner.cleanup()

        asyncio.run(visit())

    monkeypatch.setattr("bot.webchat.web.run_app", run_app)
    return served


def test_demo_web_serves_until_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``omabot demo --web`` serves the page on 127.0.0.1 and the manager can start a report."""
    config_path = write_config(tmp_path / "small.toml", SMALL_CONFIG)
    served = visit_once(monkeypatch, "manager", "/report")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli,
        ["--config", str(config_path), "demo", "--web", "--port", "8799", "--lang", "en"],
    )
    assert result.exit_code == 0, result.output
    assert served["host"] == "127.0.0.1" and served["port"] == 8799
    assert "Open http://127.0.0.1:8799/ in a browser" in result.output
    assert "Every demo person is in the list at the top of the page." in result.output
    assert "#3" not in result.output
    assert '"handle": "staff1"' in served["page"]
    assert "1/11" in served["answer"]["entries"][-1]["text"]


def test_chat_web_serves_one_person(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: AppConfig
) -> None:
    """``omabot chat --as leader --web`` offers only that person, on the default port."""
    config_path = write_config(tmp_path / "small.toml", SMALL_CONFIG)
    db, _seed = prepare_demo(config, tmp_path / "real.db", REPORT_DAY, "en")
    db.dispose()
    served = visit_once(monkeypatch, "leader", "/help")
    url = f"sqlite:///{tmp_path / 'real.db'}"
    arguments = ["--config", str(config_path), "--database-url", url, "chat", "--as", "leader"]
    result = CliRunner().invoke(cli, [*arguments, "--web"])
    assert result.exit_code == 0, result.output
    assert served["port"] == 8765
    assert "Chatting as leader (person" in result.output
    assert result.output.count("Ctrl-C ends.") == 1
    assert '"handle": "leader"' in served["page"] and '"handle": "manager"' not in served["page"]
    assert '<html lang="en">' in served["page"]  # the leader's own language, not the default
    assert "/summary" in served["answer"]["entries"][-1]["text"]


def test_a_port_in_use_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_path = write_config(tmp_path / "small.toml", SMALL_CONFIG)
    monkeypatch.chdir(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            cli, ["--config", str(config_path), "demo", "--web", "--port", str(port)]
        )
    assert result.exit_code != 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.output and "try --port" in result.output


async def test_a_newcomer_joins_with_an_invitation(engine: Engine) -> None:
    chat = WebChat(engine, {"uusi": "uusi"}, secret=SECRET, language="en", language_hint="en")
    client = await client_for(chat)
    try:
        hello = (await say(client, "uusi", "/help"))["entries"][-1]["text"]
        assert "invited staff only" in hello
        code = invite(engine, Role.MANAGER, "kotihoito-a")
        joined = await say(client, "uusi", f"/start {code}")
        shown = "\n".join(e["text"] for e in joined["entries"])
        assert "You are now registered as unit manager of Kotihoito A (en)" in shown
        language = next(e for e in joined["entries"] if e["buttons"])
        assert labels(language) == ["English", "Suomi", "Svenska"]
        chosen = await press(client, "uusi", language, "English")
        assert "I will speak English with you." in "\n".join(e["text"] for e in chosen["entries"])
    finally:
        await client.close()
    with engine.db.session() as session:
        assert find_person(session, "terminal", "uusi") is not None  # the terminal's people


async def test_a_failing_engine_is_a_clear_answer(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        def handle(self, message: Inbound) -> list[Outbound]:
            raise RuntimeError("database gone")

    client = await client_for(WebChat(Broken(), {"x": "X"}, secret=SECRET, language="sv"))
    try:
        response = await client.post("/api/chat/x", json={"text": "4,6"})
        assert response.status == 500
        assert "Dina tidigare svar" in (await response.json())["error"]
    finally:
        await client.close()
    assert "the web chat failed to answer POST /api/chat/x" in caplog.text
    assert "4,6" not in caplog.text  # what was typed is never logged


async def test_the_page_s_words_follow_the_person_s_language(
    demo_db: Any, config: AppConfig
) -> None:
    db, seed = demo_db
    engine = build_engine(db, config, clock=Clock(), secret=SECRET)

    def language_of(handle: str) -> str | None:
        with db.session() as session:
            person = find_person(session, "terminal", handle)
            return None if person is None else person.language

    people = people_labels(config, seed, "en", first="staff1")
    chat = WebChat(engine, people, secret=SECRET, language="fi", language_of=language_of)
    client = await client_for(chat)
    try:
        before = await (await client.get("/api/chat/staff1")).json()
        assert before["words"]["lang"] == "en" and before["words"]["send"] == "Send"
        switched = await say(client, "staff1", "/lang sv")
        assert switched["words"]["lang"] == "sv" and switched["words"]["send"] == "Skicka"
        refused = await client.post("/api/chat/staff1", json={"nothing": 1})
        assert (await refused.json())["error"] == "Skriv ett meddelande eller tryck på en knapp."
        after = await (await client.get("/api/chat/leader")).json()
        assert after["words"]["lang"] == "en"  # everyone else keeps their own
    finally:
        await client.close()


async def test_a_picture_no_longer_kept_is_said_so(monkeypatch: pytest.MonkeyPatch) -> None:
    class Charts:
        def handle(self, message: Inbound) -> list[Outbound]:
            return [ImageReply(message.text.encode(), f"{message.text}.png")]

    monkeypatch.setattr("bot.webchat.MAX_FILES", 2)
    client = await client_for(WebChat(Charts(), {"x": "X"}, secret=SECRET, language="en"))
    try:
        for name in ("first", "second", "third"):
            await say(client, "x", name)
        found = await (await client.get("/api/chat/x")).json()
        files = [e["file"] for e in found["entries"] if "file" in e]
        assert [(f["name"], f["kind"]) for f in files] == [
            ("first.png", "gone"),
            ("second.png", "image"),
            ("third.png", "image"),
        ]
        assert (await client.get(files[0]["url"])).status == 404
        assert await (await client.get(files[2]["url"])).read() == b"third"
        assert "no longer kept" in found["words"]["gone"]
    finally:
        await client.close()
