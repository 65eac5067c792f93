"""/chart, /summary, /export, /pdf and the summary after a report, through the engine;
the same from the command line."""

from __future__ import annotations

import copy
import csv
import gc
import io
import re
import secrets
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from bot.cli import admin, cli
from bot.cli import charts as cli_charts
from bot.cli.docs_images import docs_charts, seed_history
from charts import IndexChart, SummaryPage, TrendChart
from charts.pages import plan_pages
from collectors import chart_commands
from collectors.chart_scope import Tree, find_metric, full_scope
from collectors.command_args import joined_period_texts
from collectors.config import AppConfig, load_config
from collectors.engine import Engine
from collectors.i18n import translator
from collectors.interim_report import interim_report
from collectors.messages import DocumentReply, ImageReply, Outbound
from collectors.organisation import sync_units
from collectors.periods import period_from_id
from storage import reports, surveys
from storage.db import Database
from storage.people import Role
from tests.support import REPORT_DAY, SMALL_CONFIG, Chat, join, send_blank_report
from tests.test_chart_data import seed
from tests.test_cli import write_config

REFUSED = "You can see figures only of your own units."
PNG = b"\x89PNG\r\n\x1a\n"


def person(engine: Engine, user: str, role: Role, unit: str | None) -> Chat:
    chat = join(engine, user, role, unit, "en")
    chat.press("English")
    return chat


def pictures(chat: Chat) -> list[bytes]:
    """The PNGs of the latest replies, sent as photos or (tall ones) as files."""
    out = []
    for reply in chat.replies:
        if isinstance(reply, ImageReply) or (
            isinstance(reply, DocumentReply) and reply.mime_type == "image/png"
        ):
            assert reply.content.startswith(PNG)
            out.append(reply.content)
    return out


def document(chat: Chat) -> DocumentReply:
    (found,) = [r for r in chat.replies if isinstance(r, DocumentReply)]
    return found


def filename(reply: Outbound) -> str:
    """The file name of a reply that must be a picture or a file."""
    assert isinstance(reply, ImageReply | DocumentReply), reply
    return reply.filename


def width(png: bytes) -> int:
    return int.from_bytes(png[16:20], "big")


def key(config: AppConfig, metric_id: str) -> str:
    figure = find_metric(config, metric_id)
    assert figure is not None
    return figure.key


@pytest.fixture
def seeded(engine: Engine, config: AppConfig) -> Engine:
    seed(engine.db, config)
    return engine


def test_chart_buttons_choose_figure_scope_and_span(seeded: Engine) -> None:
    leader = person(seeded, "leader", Role.LEADER, "koti")
    leader.send("/chart").expect("Which figure")
    assert all(o.data.startswith("ch:") and len(o.data.encode()) < 40 for o in leader.options)
    assert "Corrective actions" not in [o.label for o in leader.options]  # free text
    leader.press("Sick leave").expect("Which unit or division?")
    labels = [o.label for o in leader.options]
    assert labels == ["All of Koti- ja asumispalvelut (en)", "Kotihoito A (en)", "Kotihoito B (en)"]
    leader.press("All of").expect("How far back?").press("3 periods")
    trend, bars = pictures(leader)  # the division's trend, then its units side by side
    assert width(trend) == width(bars) == 1080
    assert [filename(r) for r in leader.replies] == [
        "sick_leave-koti-1.png",
        "sick_leave-koti-2.png",
    ]
    unit = Tree(seeded.config).index("kotihoito-b")
    leader.press_data(f"ch:s:{key(seeded.config, 'sick_leave')}:{unit}")
    leader.expect("How far back?")  # a unit has nothing below it: straight to the span


def test_summary_of_a_division_then_of_one_of_its_units(seeded: Engine) -> None:
    leader = person(seeded, "leader", Role.LEADER, "koti")
    leader.send("/summary 2025-T1").expect("The summary of one of its units")
    (division,) = pictures(leader)
    assert filename(leader.replies[0]) == "summary-koti-2025-T1.png"
    assert [o.label for o in leader.options] == ["Kotihoito A (en)", "Kotihoito B (en)"]
    leader.press("Kotihoito B")  # of the same period
    (unit,) = pictures(leader)
    assert unit != division and filename(leader.replies[0]) == "summary-kotihoito-b-2025-T1.png"
    leader.send("/summary").press("Kotihoito B")
    assert filename(leader.replies[0]) == "summary-kotihoito-b-2025-T2.png"  # the default


def test_a_span_or_period_named_goes_with_the_buttons_that_ask_for_the_rest(
    seeded: Engine,
) -> None:
    leader = person(seeded, "leader", Role.LEADER, "koti")
    leader.send("/chart sick_leave koti 3 2025-T1")
    quick = pictures(leader)
    leader.send("/chart sick_leave 2025-T1").expect("Which unit or division?")
    assert all(len(o.data.encode()) < 40 for o in leader.options)
    leader.press("All of").expect("How far back?").press("3 periods")
    assert pictures(leader) == quick  # T1/2025, not the default T2/2025
    leader.send("/chart sick_leave koti 3")
    assert pictures(leader) != quick
    leader.send("/chart sick_leave kotihoito-b 6 2024-T2")
    quick = pictures(leader)
    leader.send("/chart sick_leave 6 2024-T2").press("Kotihoito B")  # no span asked again
    assert pictures(leader) == quick
    leader.send("/chart sick_leave 2024-T2").press("Kotihoito B").press("6 periods")
    assert pictures(leader) == quick
    leader.send("/chart asiak 6 2024-T2").expect("Which of these figures do you mean?")
    leader.press("Client decisions").press("Kotihoito B").expect_not("How far back?")
    chosen = pictures(leader)
    leader.send("/chart decisions kotihoito-b 6 2024-T2")
    assert chosen == pictures(leader)
    leader.send("/chart sick_leave 6").press("All of").expect_not("How far back?")
    assert len(pictures(leader)) == 2  # the division's trend and its units side by side


def test_quick_form_and_figures_without_a_span(seeded: Engine) -> None:
    manager = person(seeded, "manager", Role.MANAGER, "kotihoito-a")
    after_first: list[int] = []  # e.g. freezing matplotlib's heap (bot.runtime)
    seeded.after_first_chart(lambda: after_first.append(seeded.counters["charts_drawn"]))
    manager.send("/chart sick_leave kotihoito-a 3 2025-T1")
    assert len(pictures(manager)) == 1  # the unit's trend alone
    assert after_first == [1]
    manager.send("/chart sick_leave").expect("How far back?")  # one unit: no scope question
    manager.send("/chart sick_leave_goal kotihoito-a 2025-T1")
    assert len(pictures(manager)) == 1  # the scorecard: no span to ask
    manager.send("/chart incident_types kotihoito-a")  # 2025 so far against 2024
    assert len(pictures(manager)) == 1
    manager.send("/chart client_nps kotihoito-a").expect("Nothing to draw yet", "T2/2025")
    manager.send("/chart no_such_metric").expect("I do not know the figure")
    manager.send("/chart sick_leave kotihoito-a banana").expect(
        "I did not understand “banana”. Name a unit or division, a period such as T2/2025, "
        "or a number of periods from 1 to 12."
    )
    # Every drawing is counted for /metrics, with the time it took.
    assert seeded.counters["charts_drawn"] == 3
    assert seeded.counters["chart_render_ms"] >= 0
    assert after_first == [1]  # once


def test_a_figure_is_found_by_its_name_in_any_language(seeded: Engine) -> None:
    manager = person(seeded, "manager", Role.MANAGER, "kotihoito-a")
    manager.send("/chart Sick leave kotihoito-a 3 2025-T1")  # two words, then the rest
    assert len(pictures(manager)) == 1
    manager.send("/chart sairauspoissaolot").expect("How far back?")  # Finnish, lower case
    manager.send("/chart sjukfrånvaro kotihoito-a 3 2025-T1")
    assert len(pictures(manager)) == 1
    manager.send("/chart haipro").expect("How far back?")  # the start of one name
    # The start of two names (Asiakaspäätökset, Asiakkaiden NPS): both offered as buttons.
    manager.send("/chart asiak").expect("Which of these figures do you mean?")
    assert [o.label for o in manager.options] == ["Client decisions", "Client NPS"]
    manager.press("Client NPS").expect("How far back?")
    manager.send("/chart as").expect("I do not know the figure “as”")  # too short to look up


def test_a_unit_is_found_by_its_name(seeded: Engine) -> None:
    leader = person(seeded, "leader", Role.LEADER, "koti")
    leader.send("/summary kotihoito b 2025-T1")  # its Finnish name, lower case
    pictures(leader)
    assert filename(leader.replies[0]) == "summary-kotihoito-b-2025-T1.png"
    leader.send("/chart Sick leave Kotihoito A (en) 3 2025-T1")  # a figure, then a unit, by name
    assert len(pictures(leader)) == 1
    leader.send("/summary Asiakasohjaus").expect("You can see figures only of your own units.")
    leader.send("/summary Kotihoito C").expect(
        "I did not understand “Kotihoito”. Name a unit or division, or a period such as T2/2025."
    )
    leader.send("/pdf Kotihoito C").expect("or a language: fi, sv or en.")
    leader.send("/lang fi").send("/summary Kotihoito C").expect(
        "En ymmärtänyt kohtaa ”Kotihoito”. Anna yksikkö tai toimiala tai jakso, esimerkiksi T2/2025."
    )


def test_a_drawing_leaves_no_garbage_for_a_later_answer_to_collect(seeded: Engine) -> None:
    """Without the collection in collectors.drawing, thousands of objects are left over."""
    manager = person(seeded, "manager", Role.MANAGER, "kotihoito-a")
    gc.collect()
    manager.send("/chart sick_leave kotihoito-a 3 2025-T1")
    assert len(pictures(manager)) == 1
    assert gc.collect() < 500


def test_leader_of_one_division_cannot_see_another(seeded: Engine) -> None:
    leader = person(seeded, "leader", Role.LEADER, "koti")
    for command in (
        "/chart sick_leave ohjaus 3",
        "/chart sick_leave county",
        "/summary ohjaus",
        "/summary asiakas",
        "/export 2025-T1 ohjaus",
        "/pdf ohjaus",
    ):
        leader.send(command).expect(REFUSED)
        assert not pictures(leader)
        assert not [r for r in leader.replies if isinstance(r, DocumentReply)]


def test_forged_button_data_naming_a_unit_outside_the_scope_is_refused(
    seeded: Engine, config: AppConfig
) -> None:
    tree = Tree(config)
    sick = key(config, "sick_leave")
    leader = person(seeded, "leader", Role.LEADER, "koti")
    manager = person(seeded, "manager", Role.MANAGER, "kotihoito-a")
    staff = person(seeded, "staff", Role.STAFF, "kotihoito-a")
    forged: list[tuple[Chat, str]] = [
        (leader, f"ch:n:{sick}:{tree.index('ohjaus')}:6"),
        (leader, f"ch:u:{sick}:{tree.index('asiakas')}"),
        (leader, f"ch:s:{sick}:{tree.index('county')}"),
        (leader, f"ch:y:{tree.index('ohjaus')}"),
        (manager, f"ch:n:{sick}:{tree.index('kotihoito-b')}:3"),
        (manager, f"ch:y:{tree.index('koti')}:2025-T1"),
        (staff, f"ch:n:{sick}:{tree.index('kotihoito-a')}:3"),  # no report figures at all
        (staff, f"ch:n:{key(config, 'nps')}:{tree.index('kotihoito-b')}:3"),
        (leader, f"ch:n:{sick}:999:3"),
        (leader, "ch:n:m999:1:3"),
    ]
    for chat, data in forged:
        chat.press_data(data).expect(REFUSED)
        assert not pictures(chat)
    leader.press_data("ch:zz").expect("no longer in use")


def test_manager_sees_only_their_unit(seeded: Engine) -> None:
    manager = person(seeded, "manager", Role.MANAGER, "kotihoito-a")
    manager.send("/chart sick_leave kotihoito-b").expect(REFUSED)
    manager.send("/summary koti").expect(REFUSED)
    manager.send("/export 2025-T1")
    book = load_workbook(io.BytesIO(document(manager).content))
    units = {row[2] for sheet in book.worksheets for row in sheet.iter_rows(2, values_only=True)}
    assert units == {"kotihoito-a"}
    manager.send("/summary 2025-T1")
    assert len(pictures(manager)) == 1
    assert filename(manager.replies[0]) == "summary-kotihoito-a-2025-T1.png"


def test_staff_get_only_their_units_survey_results(seeded: Engine, config: AppConfig) -> None:
    staff = person(seeded, "staff", Role.STAFF, "kotihoito-a")
    staff.send("/summary").expect("Nothing to show")  # no closed round yet
    with seeded.db.session() as session:
        row = surveys.create_round(
            session,
            survey_id="staff",
            unit_ids=["kotihoito-a", "kotihoito-b", "ohjaus"],
            label="2025/1",
            opens_at=REPORT_DAY - timedelta(days=20),
            closes_at=REPORT_DAY - timedelta(days=6),
            now=REPORT_DAY - timedelta(days=20),
        )
        for unit in ("kotihoito-a", "kotihoito-b", "ohjaus"):
            for value in (9, 10, 7, 3, 8):
                surveys.store_response(
                    session,
                    round_id=row.id,
                    unit_id=unit,
                    receipt=secrets.token_hex(32),
                    answers={"nps": value, "nss": 4},
                )
        surveys.close_round(session, row.id, REPORT_DAY - timedelta(days=5), conversation_kind="s")
    staff.send("/chart")
    assert [o.label for o in staff.options] == ["Employee NPS", "Net Safety Score (NSS)"]
    staff.send("/chart nps").expect("How far back?").press("3 rounds")
    assert len(pictures(staff)) == 1
    staff.send("/chart sick_leave kotihoito-a").expect("I do not know the figure")
    staff.send("/summary")
    assert len(pictures(staff)) == 1
    staff.send("/summary koti").expect(REFUSED)
    staff.send("/export").expect("Exports are for")
    staff.send("/pdf").expect("The interim report is for")


def test_export_of_everything_for_an_administrator_and_csv_on_request(seeded: Engine) -> None:
    admin = person(seeded, "admin", Role.ADMIN, None)
    admin.send("/export 2025-T1")
    sent = document(admin)
    assert sent.filename == "omavalvonta-2025-T1.xlsx" and "3 reports" in sent.caption
    book = load_workbook(io.BytesIO(sent.content))
    units = {row[2] for sheet in book.worksheets for row in sheet.iter_rows(2, values_only=True)}
    assert units == {"kotihoito-a", "kotihoito-b", "ohjaus"}
    admin.send("/export csv 2025-T1")
    text = document(admin).content.decode("utf-8")
    assert text.startswith("\ufeffperiod,unit_id")
    assert len(list(csv.reader(io.StringIO(text)))) == 1 + 7 + 5 + 2
    admin.send("/export 2023-T1").expect("I did not understand")  # before the first year
    # A period with nothing sent points to the newest earlier one with reports in scope.
    admin.send("/export 2024-T2 kotihoito-a").expect(
        "No reports have been sent for T2/2024 yet.",
        "The newest reports sent are for T1/2024: /export 2024-T1",
    )
    admin.send("/export 2025-T3").expect("for T1/2025: /export 2025-T1")  # a draft is not sent


def test_a_period_named_by_its_dates_as_written_in_reports(seeded: Engine) -> None:
    leader = person(seeded, "leader", Role.LEADER, "koti")
    for written in ("1.1.-30.4.2025", "1.1.2025 - 30.4.2025", "1-4/2025", "1-4.25", "T1/2025"):
        leader.send(f"/summary {written}").expect("The summary of one of its units")
        assert filename(leader.replies[0]) == "summary-koti-2025-T1.png", written
    # Dates that are no period of the scheme are told so, with how to name one.
    leader.send("/summary 1-6/2025").expect(
        "No reporting period runs exactly Jan 1\u2009–\u2009Jun 30, 2025.",
        "1.5.–31.8.2025 or 2025-T2",
    )
    leader.send("/summary 31.2.2025 - 30.4.2025").expect("I did not understand “31.2.2025”")
    finn = join(seeded, "johtaja", Role.LEADER, "koti", "fi")
    finn.press("Suomi").send("/summary 1-6/2025")
    finn.expect("Yhtäkään raportointikautta ei ole tasan 1.1.–30.6.2025.", "2025-T2")


def test_a_period_named_as_the_bot_shows_it(seeded: Engine) -> None:
    leader = person(seeded, "leader", Role.LEADER, "koti")
    for written in ("T1/2025", "t1/25", "T1 2025", "2025 T1"):
        leader.send(f"/summary {written}").expect("The summary of one of its units")
        assert filename(leader.replies[0]) == "summary-koti-2025-T1.png", written
    leader.send("/status T1 2025").expect("Reporting status of T1/2025")
    leader.send("/status T9/2025").expect("I do not know the period T9/2025.")
    leader.send("/export T1/2025 csv")
    assert document(leader).caption.startswith("Answers of T1/2025:")


def test_a_period_opened_by_hand_is_found_by_its_dates(seeded: Engine) -> None:
    with seeded.db.session() as session:
        reports.save_period(
            session,
            period_id="extra-2025",
            scheme="manual",
            start=date(2025, 6, 1),
            end=date(2025, 6, 15),
            opens_on=date(2025, 6, 16),
            deadline=date(2025, 6, 30),
            manual=True,
            now=REPORT_DAY,
        )
    admin = person(seeded, "admin", Role.ADMIN, None)
    admin.send("/export 1.6. - 15.6.2025 csv").expect("No reports have been sent", "extra-2025")


def test_arguments_split_at_the_spaces_of_a_period_are_joined_again() -> None:
    assert joined_period_texts(("1.5.2025", "-", "31.8.2025", "fi")) == [
        "1.5.2025 - 31.8.2025",
        "fi",
    ]
    assert joined_period_texts(("koti", "1.5.-", "31.8.2025")) == ["koti", "1.5.- 31.8.2025"]
    assert joined_period_texts(("5-8/2025", "6")) == ["5-8/2025", "6"]
    # Words that make no period together stay apart.
    assert joined_period_texts(("1.5.2025", "-", "koti")) == ["1.5.2025", "-", "koti"]
    assert joined_period_texts(()) == []


def test_pdf_in_the_requested_language(seeded: Engine, config: AppConfig) -> None:
    leader = person(seeded, "leader", Role.LEADER, "koti")
    leader.send("/pdf 2025-T1 sv")
    sent = document(leader)
    assert sent.filename == "omavalvonta-2025-T1-sv.pdf" and sent.mime_type == "application/pdf"
    assert sent.content.startswith(b"%PDF")
    period = period_from_id("2025-T1", config.periods)
    with seeded.db.session() as session:
        expected = interim_report(
            session, config, full_scope(config), ["koti"], period, translator("sv")
        )
    pages = len(re.findall(rb"/Type\s*/Page\b", sent.content))
    assert pages == len(plan_pages(expected))
    assert len(expected.unit_pages) == 2


def _answer_everything(chat: Chat) -> None:
    chat.send("/report")
    for _step in range(30):
        if any(o.label == "Send the report" for o in chat.options):
            chat.press("Send the report")
            return
        chat.press("Not available")
    raise AssertionError(chat.text)


def test_a_summary_picture_follows_every_sent_report(seeded: Engine) -> None:
    manager = person(seeded, "manager", Role.MANAGER, "kotihoito-a")
    _answer_everything(manager)
    manager.expect("Thank you!")
    (summary,) = pictures(manager)
    assert width(summary) == 1080
    picture = manager.replies[-1]
    assert isinstance(picture, ImageReply | DocumentReply)
    assert picture.filename == "summary-kotihoito-a-2025-T2.png"
    assert "Kotihoito A (en), T2/2025" in picture.caption


def test_a_failing_picture_never_undoes_the_report(
    seeded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> Outbound:
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(chart_commands, "summary_page", broken)
    manager = person(seeded, "manager", Role.MANAGER, "kotihoito-a")
    _answer_everything(manager)
    manager.expect("Thank you!")
    assert not pictures(manager)
    with seeded.db.session() as session:
        submission = reports.get_submission(session, "2025-T2", "kotihoito-a")
        assert submission is not None and submission.status == "submitted"


# the same from the command line ---------------------------------------------------------------
def test_command_line_chart_report_and_export(tmp_path: Path, sqlite_url: str) -> None:
    data = copy.deepcopy(SMALL_CONFIG)
    data["database_url"] = sqlite_url
    path = write_config(tmp_path / "omabot.toml", data)
    config = load_config(path)
    database = Database(sqlite_url)
    database.upgrade()
    with database.session() as session:
        sync_units(session, config)
    seed(database, config)
    database.dispose()
    admin.register(cli)
    cli_charts.register(cli)

    def omabot(*args: str) -> Result:
        result = CliRunner().invoke(cli, ["--config", str(path), *args])
        assert "Traceback" not in result.output
        return result

    png = tmp_path / "trend.png"
    done = omabot("chart", "sick_leave", "--unit", "koti", "--period", "2025-T1", "--out", str(png))
    assert done.exit_code == 0, done.output
    assert png.read_bytes().startswith(PNG)
    by_dates = tmp_path / "by-dates.png"
    args: tuple[str, ...]  # the options of each command below; their counts differ
    args = ("--unit", "koti", "--period", "1.1.2025 - 30.4.2025", "--out", str(by_dates))
    assert omabot("chart", "sick_leave", *args).exit_code == 0
    assert by_dates.read_bytes() == png.read_bytes()
    args = ("--unit", "koti", "--period", "1-6/2025", "--out", str(tmp_path / "none.png"))
    nowhere = omabot("chart", "sick_leave", *args)
    assert nowhere.exit_code == 1 and "is not a period" in nowhere.stderr
    bars = tmp_path / "bars.png"
    args = ("--unit", "county", "--period", "2025-T1", "--kind", "bars", "--lang", "sv")
    assert omabot("chart", "decisions", *args, "--out", str(bars)).exit_code == 0
    assert width(bars.read_bytes()) == 1080
    wrong = omabot("chart", "incident_types", "--unit", "koti", "--kind", "trend", "--out", "x.png")
    assert wrong.exit_code == 1 and "needs a numeric one" in wrong.stderr
    pdf = tmp_path / "report.pdf"
    args = ("--period", "2025-T1", "--unit", "kotihoito-a", "--lang", "sv", "--out", str(pdf))
    assert omabot("report", "pdf", *args).exit_code == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    xlsx = tmp_path / "answers.xlsx"
    args = ("--period", "2025-T1", "--format", "xlsx", "--out", str(xlsx))
    assert omabot("export", *args).exit_code == 0
    assert len(load_workbook(xlsx).sheetnames) == 5
    assert omabot("export", "--period", "2025-T1", "--format", "xlsx").exit_code == 1


def test_docs_images_have_one_chart_of_each_kind_from_seeded_history(
    db: Database, config: AppConfig
) -> None:
    with db.session() as session:
        seeded = seed_history(session, config, date(2025, 9, 10), "fi")
        drawn = docs_charts(session, config, seeded, translator("fi"))
    assert [p.id for p in seeded.periods] == [
        "2024-T1",
        "2024-T2",
        "2024-T3",
        "2025-T1",
        "2025-T2",
    ]
    assert seeded.division == "koti" and seeded.unreported == "ohjaus"
    assert list(drawn) == [
        "chart-trend",
        "chart-bars",
        "chart-distribution",
        "chart-scorecard",
        "chart-nps",
        "chart-nps-units",
        "summary",
    ]
    trend = drawn["chart-trend"]
    assert isinstance(trend, TrendChart) and len(trend.series[0].points) == 5
    assert all(value is not None for _label, value in trend.series[0].points)
    nps = drawn["chart-nps"]
    assert isinstance(nps, IndexChart) and len(nps.rounds) == 3


def test_the_summary_after_sending_is_drawn_once_the_report_is_committed(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    committed: list[bool] = []
    draw = chart_commands.draw_png

    def draw_and_look(drawing_engine: Engine, page: SummaryPage) -> bytes:
        with engine.db.session() as other:  # another connection sees only what is committed
            submission = reports.get_submission(other, "2025-T2", "kotihoito-a")
            committed.append(submission is not None and submission.first_submitted_at is not None)
        return draw(drawing_engine, page)

    monkeypatch.setattr(chart_commands, "draw_png", draw_and_look)
    chat = send_blank_report(engine)
    assert committed == [True]
    assert any(isinstance(r, ImageReply) for r in chat.replies)


def test_a_summary_that_fails_to_draw_leaves_the_report_sent(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_engine: Engine, _page: SummaryPage) -> bytes:
        raise RuntimeError("renderer down")

    monkeypatch.setattr(chart_commands, "draw_png", broken)
    chat = send_blank_report(engine)  # "Thank you!" still comes
    assert not any(isinstance(r, ImageReply) for r in chat.replies)
    with engine.db.session() as session:
        submission = reports.get_submission(session, "2025-T2", "kotihoito-a")
        assert submission is not None and submission.first_submitted_at is not None
