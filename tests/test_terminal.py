"""The terminal transport and ``omabot demo``: lines in, the engine's replies out."""

from __future__ import annotations

import copy
import io
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from click.testing import CliRunner
from sqlmodel import col, select

from bot.cli import cli
from bot.cli.admin_run import language_reader
from bot.demo import demo_value, prepare_demo, reporting_units
from bot.terminal import TerminalTransport, line_reader, parse_line, render_text
from collectors.config import AppConfig, load_config
from collectors.engine import Engine
from collectors.i18n import translator
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
from collectors.report_answers import Accepted, interpret
from storage import reports
from storage.db import Database
from storage.models import ReportingPeriod
from storage.people import Role, active_grants, find_person
from storage.survey_models import SurveyAnswer, SurveyRound
from tests.support import REPORT_DAY, SMALL_CONFIG, invite
from tests.test_cli import write_config

SENDER = Sender("terminal", "matti", "matti", "matti")
OPTIONS = (Option("Yes", "7|c:0"), Option("No", "7|c:1"), Option("Not available", "7|na"))
EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


# parsing and rendering ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "kind", "value"),
    [
        ("/Report kotihoito-a", InboundKind.COMMAND, ("report", ("kotihoito-a",))),
        ("#2", InboundKind.CHOICE, "7|c:1"),
        ("2", InboundKind.TEXT, "2"),  # a bare number is always an answer
        ("#4", InboundKind.TEXT, "#4"),  # no fourth option: text, which the engine refuses
        (" 1 050 kpl ", InboundKind.TEXT, "1 050 kpl"),
        ("0", InboundKind.TEXT, "0"),
    ],
)
def test_parse_line(line: str, kind: InboundKind, value: Any) -> None:
    message = parse_line(line, OPTIONS, SENDER)
    assert message is not None and message.kind is kind and message.sender == SENDER
    if kind is InboundKind.COMMAND:
        assert (message.command, message.args) == value
    elif kind is InboundKind.CHOICE:
        assert message.choice == value
    else:
        assert message.text == value


def test_parse_line_without_options_and_empty() -> None:
    assert parse_line("   ", OPTIONS, SENDER) is None
    message = parse_line("2", (), SENDER)
    assert message is not None and message.kind is InboundKind.TEXT and message.text == "2"


def test_render_text_numbers_options_in_rows() -> None:
    reply = TextReply("Was the plan updated?", OPTIONS, columns=2)
    assert render_text(reply, 3).splitlines() == [
        "Was the plan updated?",
        "[3] Yes   [4] No",
        "[5] Not available",
    ]
    numbered = TextReply("Review", (Option("1", "e:0"), Option("Send", "submit")), columns=6)
    assert render_text(numbered).splitlines()[1] == "[1]   [2] Send"
    scale = TextReply("Safe?", tuple(Option(str(n), f"v:{n}") for n in (1, 2, 3)))
    assert render_text(scale).splitlines()[1:] == ["[1] 1", "[2] 2", "[3] 3"]


# chatting with the engine ---------------------------------------------------------------------
def terminal(engine: Engine | Any, handle: str = "matti", **kwargs: Any) -> TerminalTransport:
    return TerminalTransport(engine, handle, out=io.StringIO(), language_hint="en", **kwargs)


def output(chat: TerminalTransport) -> str:
    text = chat.out.getvalue()  # type: ignore[attr-defined]
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def test_join_and_answer_with_numbers(engine: Engine) -> None:
    chat = terminal(engine)
    chat.send(f"/start {invite(engine, Role.MANAGER, 'kotihoito-a')}")
    assert "You are now registered as unit manager of Kotihoito A (en)" in output(chat)
    assert "[1] English   [2] Suomi   [3] Svenska" in output(chat)
    chat.send("#1")
    assert "I will speak English with you." in output(chat)
    chat.send("/report")
    assert "Client decisions (pcs)" in output(chat)
    assert [o.label for o in chat.options] == ["Not available", "Continue later"]
    chat.send("#1")  # Not available
    assert "2/11" in output(chat)
    chat.send("3")  # the number 3 as an answer, although [3] is an option
    assert "3/11" in output(chat)
    with engine.db.session() as session:
        submission = reports.get_submission(session, "2025-T2", "kotihoito-a")
        assert submission is not None and submission.id is not None
        answers = reports.answers_of(session, submission.id)
    assert answers["decisions"].status == "not_available"
    assert answers["assessments_7d"].value == 3


def test_a_press_of_no_option_shown_is_answered_by_the_terminal(engine: Engine) -> None:
    chat = terminal(engine, language_of=language_reader(engine.db))
    chat.send(f"/start {invite(engine, Role.MANAGER, 'kotihoito-a')}")
    chat.send("#1")
    chat.send("/report")
    assert chat.send("#7") == []  # nothing handed to the engine
    assert "There is no option #7 here: press one of #1–#2, or type your answer." in output(chat)
    chat.send("/lang fi")
    assert chat.send("# 9") == []
    assert "Täällä ei ole vaihtoehtoa #9: valitse jokin #1–#2 tai kirjoita vastauksesi." in (
        output(chat)
    )
    chat.options = ()
    chat.send("#1")
    assert output(chat).rstrip().endswith("Täällä ei ole mitään painettavaa: kirjoita vastauksesi.")
    chat.send("10")
    assert "2/11" in output(chat)  # the report went on where it was


def test_run_until_quit_or_end_of_input(engine: Engine) -> None:
    chat = terminal(engine)
    script = iter(["/help", "/quit", "/help"])
    chat.run(lambda: next(script, None))
    assert output(chat).count("Hello! This bot collects") == 1
    assert output(chat).endswith("Bye.\n")
    assert next(script) == "/help"  # nothing read after /quit

    chat = terminal(engine)
    chat.run(line_reader(io.StringIO("/help\n"), chat.out))
    assert output(chat).startswith("> /help\n")
    assert output(chat).endswith("Bye.\n")


class Pictures:
    """A stand-in for the engine that answers with a chart and a document."""

    def handle(self, message: Inbound) -> list[Outbound]:
        return [
            ImageReply(b"\x89PNG fake", "../trend chart.png", "Sick leave"),
            DocumentReply(b"%PDF fake", "report.pdf"),
        ]


def test_pictures_and_documents_are_saved(tmp_path: Path) -> None:
    chat = terminal(Pictures(), files_dir=tmp_path / "chat-out")
    chat.send("/chart")
    chat.send("/chart")
    saved = sorted(p.name for p in (tmp_path / "chat-out").iterdir())
    assert saved == [
        "001-trend_chart.png",
        "002-report.pdf",
        "003-trend_chart.png",
        "004-report.pdf",
    ]
    assert (tmp_path / "chat-out" / "002-report.pdf").read_bytes() == b"%PDF fake"
    assert f"Sick leave\n(picture saved to {tmp_path / 'chat-out' / '001-trend_chart.png'})" in (
        output(chat)
    )
    assert chat.options == ()


def test_the_chats_own_words_follow_the_persons_language(engine: Engine, tmp_path: Path) -> None:
    chat = terminal(engine, language_of=language_reader(engine.db))
    script = iter([f"/start {invite(engine, Role.MANAGER, 'kotihoito-a')}", "#3", "/quit"])
    chat.run(lambda: next(script, None))
    assert "Valt språk: Svenska." in output(chat)
    assert output(chat).endswith("Hej då.\n")  # the language chosen, not the greeting's (en)

    pictures = terminal(Pictures(), files_dir=tmp_path, language_of=lambda handle: "fi")
    pictures.send("/chart")
    assert f"(kuva tallennettu: {tmp_path / '001-trend_chart.png'})" in output(pictures)
    assert f"(tiedosto tallennettu: {tmp_path / '002-report.pdf'})" in output(pictures)


async def test_deliver_prints_for_the_recipient(tmp_path: Path) -> None:
    chat = terminal(None, files_dir=tmp_path)
    reply = TextReply("The report period is open.", (Option("Start now", "rem:start"),))
    outcome = await chat.deliver(Delivery(7, "terminal", "manager", reply))
    assert outcome is DeliveryOutcome.SENT
    assert output(chat).splitlines()[:3] == [
        "--- message for manager (person 7) ---",
        "The report period is open.",
        "[1] Start now",
    ]
    picture = await chat.deliver(Delivery(7, "terminal", "manager", ImageReply(b"png")))
    assert picture is DeliveryOutcome.SENT and (tmp_path / "001-chart.png").exists()
    with pytest.raises(RuntimeError):
        chat.send("hello")


async def test_deliver_failure_is_an_outcome(tmp_path: Path) -> None:
    class Broken(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError("terminal gone")

    chat = TerminalTransport(None, "x", out=Broken(), files_dir=tmp_path)
    outcome = await chat.deliver(Delivery(1, "terminal", "x", TextReply("hi")))
    assert outcome is DeliveryOutcome.FAILED


# the demo -------------------------------------------------------------------------------------
@pytest.fixture
def small_config_path(tmp_path: Path) -> Path:
    data = copy.deepcopy(SMALL_CONFIG)
    data["database_url"] = f"sqlite:///{tmp_path / 'unused.db'}"
    return write_config(tmp_path / "small.toml", data)


def demo(config: Path, *args: str, stdin: str) -> Any:
    return CliRunner().invoke(cli, ["--config", str(config), "demo", *args], input=stdin)


# Each question of kotihoito-a in the small config, answered by typing or by number.
TRANSCRIPT = [
    "/report",
    "1 050 kpl",  # decisions
    "#1",  # assessments: [1] Same as last period
    "0:13:25",  # queue time
    "3",  # incidents: 3 (typed, although [3] is an option)
    "#1",  # event types: toggle Medication
    "#3",  # toggle Accident/fall
    "#6",  # Done (2)
    "12,5",  # handling time
    "1",  # plan updated: Yes (a typed option number is read by the engine itself)
    "#1",  # client NPS: Same as last period
    "4,6 %",  # sick leave
    "#1",  # goal: On schedule
    "Kaksoistarkistus käyttöön.",  # corrective actions
]


def test_demo_session_reaches_the_review(
    small_config_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with time_machine.travel(REPORT_DAY, tick=False):
        result = demo(small_config_path, "--lang", "en", stdin="\n".join(TRANSCRIPT) + "\n")
    assert result.exit_code == 0, result.output
    shown = result.stdout.replace("\u00a0", " ")
    assert "You are 'manager': Matti Mäkinen, manager of Kotihoito A (en)." in shown
    assert "Period 2025-T2 (01.05.2025–31.08.2025) is open" in shown
    assert "Last period:" in shown and "[1] Same as last period:" in shown
    assert "Review: Kotihoito A (en), T2/2025" in shown
    assert "Send the report" in shown and shown.endswith("Bye.\n")
    db = Database(f"sqlite:///{tmp_path / 'var' / 'demo.db'}")
    with db.session() as session:
        submission = reports.get_submission(session, "2025-T2", "kotihoito-a")
        assert submission is not None and submission.id is not None
        answers = reports.answers_of(session, submission.id)
        last = reports.previous_answers(session, "kotihoito-a", "2025-T1")
    db.dispose()
    assert len(answers) == 11
    assert answers["decisions"].value == 1050
    assert answers["assessments_7d"].value == last["assessments_7d"].value
    assert answers["incidents"].value == 3
    assert answers["incident_types"].choices == ["medication", "fall"]
    assert answers["plan_updated"].choices == ["yes"]
    assert answers["client_nps"].value == last["client_nps"].value


def test_demo_reopens_the_last_period_outside_a_window(
    small_config_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "demo.db"
    with time_machine.travel(datetime(2025, 10, 15, 9, 0, tzinfo=UTC), tick=False):
        first = demo(small_config_path, "--db", str(path), stdin="")
        again = demo(small_config_path, "--db", str(path), "--as", "leader", stdin="/help\n")
    assert first.exit_code == 0, first.output
    assert "Period 2025-T2 (01.05.2025–31.08.2025) has been reopened" in first.stdout
    assert "reports are due by 29.10.2025" in first.stdout
    assert again.exit_code == 0, again.output
    assert "You are 'leader': Leena Laine, leader of Koti- ja asumispalvelut." in again.stdout
    db = Database(f"sqlite:///{path}")
    with db.session() as session:
        period = session.get(ReportingPeriod, "2025-T2")
        assert period is not None and period.manual and period.deadline == date(2025, 10, 29)
        assert len(session.exec(select(ReportingPeriod)).all()) == 4  # recreated: no doubles
    db.dispose()


def test_demo_with_empty_input_exits_cleanly(small_config_path: Path, tmp_path: Path) -> None:
    result = demo(small_config_path, "--db", str(tmp_path / "d.db"), stdin="")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("Hei hei.\n")  # the demo manager speaks Finnish
    unknown = demo(small_config_path, "--db", str(tmp_path / "d.db"), "--as", "nobody", stdin="")
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("Error: no demo person 'nobody'; choose one of: admin,")


def test_demo_seed_people_and_history(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path / "c.toml", copy.deepcopy(SMALL_CONFIG)))
    db, seed = prepare_demo(config, tmp_path / "seed.db", REPORT_DAY, "sv")
    roles = {handle: (p.role, p.units) for handle, p in seed.people.items()}
    assert roles["admin"] == (Role.ADMIN, ())
    assert roles["leader"] == (Role.LEADER, ("koti",))
    assert roles["manager"] == (Role.MANAGER, ("kotihoito-a",))
    assert roles["manager2"] == (Role.MANAGER, ("kotihoito-b", "ohjaus"))
    assert [h for h in roles if h.startswith("staff")] == [f"staff{n}" for n in range(1, 7)]
    assert seed.period.id == "2025-T2" and not seed.opened_by_hand
    assert seed.previous is not None and seed.previous.id == "2025-T1"
    with db.session() as session:
        person = find_person(session, "terminal", "manager2")
        assert person is not None and person.language == "sv"
        assert {g.unit_id for g in active_grants(session, person.id or 0, REPORT_DAY)} == {
            "kotihoito-b",
            "ohjaus",
        }
        for period_id in ("2025-T1", "2024-T3", "2024-T2"):
            for unit in ("kotihoito-a", "kotihoito-b", "ohjaus"):
                submission = reports.get_submission(session, period_id, unit)
                assert submission is not None and submission.status == "submitted"
        assert reports.get_submission(session, "2025-T2", "kotihoito-a") is None
        rounds = session.exec(select(SurveyRound).order_by(col(SurveyRound.opens_at))).all()
        answers = session.exec(select(SurveyAnswer.question_id)).all()
    db.dispose()
    assert seed.survey_rounds == (3, True)
    assert [(r.label, r.closed_at is not None) for r in rounds] == [
        ("T2/2024", True),
        ("T3/2024", True),
        ("T1/2025", True),
        ("2025-09-10", False),
    ]
    assert rounds[-1].unit_ids == ["kotihoito-a"]
    assert rounds[-1].opens_at.replace(tzinfo=UTC) == REPORT_DAY
    assert {"nps", "nss", "improve"} <= set(answers)


def test_demo_staff_answer_the_open_round_and_leaders_read_the_closed_ones(
    small_config_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with time_machine.travel(REPORT_DAY, tick=False):
        staff = demo(small_config_path, "--lang", "en", "--as", "staff1", stdin="/survey\n9\n")
        leader = demo(small_config_path, "--lang", "en", "--as", "leader", stdin="/results\n")
    assert staff.exit_code == 0 and leader.exit_code == 0, staff.output + leader.output
    assert "staff1..staff6 answer it with /survey." in staff.stdout
    assert "1/3" in staff.stdout and "2/3" in staff.stdout  # the answer 9 was taken
    assert "3 earlier survey rounds are closed" in leader.stdout
    assert "T1/2025, closed on" in leader.stdout and "NPS" in leader.stdout


def configs() -> list[Any]:
    out: list[Any] = [pytest.param("small", id="small")]
    if EXAMPLE.exists():  # written by someone else; checked whenever it is there
        out.append(pytest.param("example", id="example"))
    return out


def load(which: str, tmp_path: Path) -> AppConfig:
    if which == "example":
        return load_config(EXAMPLE)
    return load_config(write_config(tmp_path / "c.toml", copy.deepcopy(SMALL_CONFIG)))


@pytest.mark.parametrize("which", configs())
def test_demo_values_read_back_as_typed(which: str, tmp_path: Path) -> None:
    config = load(which, tmp_path)
    _ = translator("fi")
    for unit in reporting_units(config):
        for metric in config.metrics_for(unit):
            for back in (1, 2, 3):
                value = demo_value(metric, unit, back, "fi")
                outcome = interpret(metric, value.raw, None, _)
                assert isinstance(outcome, Accepted), (unit, metric.id, value.raw)
                assert outcome.value.value == value.value, (metric.id, value.raw)
                assert tuple(outcome.value.choices or ()) == tuple(value.choices or ())


@pytest.mark.skipif(not EXAMPLE.exists(), reason="config.example.toml is not written yet")
def test_demo_on_the_example_config_reaches_the_review(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(EXAMPLE)
    questions = len(config.metrics_for(reporting_units(config)[0]))
    script = "/report\n" + "x\n" * questions
    with time_machine.travel(REPORT_DAY, tick=False):
        result = demo(EXAMPLE, "--lang", "en", stdin=script)
    assert result.exit_code == 0, result.output
    assert "Review: " in result.stdout
    assert f"{questions}. " in result.stdout


def test_a_pdf_in_the_demo_leaves_the_terminal_clean(
    small_config_path: Path, tmp_path: Path
) -> None:
    """The demo in its own process, as ``make demo`` runs it: no library's INFO chatter."""
    omabot = [sys.executable, "-c", "from bot.cli import main; main()"]
    args = ["demo", "--db", str(tmp_path / "demo.db"), "--lang", "en", "--as", "leader"]
    done = subprocess.run(
        [*omabot, "--config", str(small_config_path), *args],
        input="/pdf\n",
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(EXAMPLE.parent)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert ".pdf)" in done.stdout, done.stdout
    assert "fontTools" not in done.stderr and " INFO " not in done.stderr, done.stderr[:2000]
