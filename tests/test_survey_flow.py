"""The survey conversation, driven through the engine like people would."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

import collectors.surveys
from collectors.app import build_engine
from collectors.engine import Engine
from collectors.organisation import sync_units
from collectors.survey_rounds import open_round
from storage import reports, surveys
from storage.models import Conversation
from storage.people import Role
from storage.survey_models import SurveyAnswer, SurveyReceipt
from tests.support import Chat, Clock, invite, join, small_config
from tests.test_survey_config import SHIFT

CLOSES = date(2025, 9, 23)  # the round opens on REPORT_DAY (10.9.2025)


def open_staff_round(engine: Engine, units: list[str] | None = None, label: str = "2025-3") -> str:
    with engine.db.session() as session:
        row = open_round(
            session,
            engine.config,
            "staff",
            now=engine.clock(),
            unit_ids=units or ["county"],
            closes_on=CLOSES,
            label=label,
        )
        return row.id


def staff(engine: Engine, name: str, unit: str = "kotihoito-a", language: str = "en") -> Chat:
    chat = join(engine, name, Role.STAFF, unit, language)
    chat.press({"en": "English", "sv": "Svenska", "fi": "Suomi"}[language])
    return chat


def answer(chat: Chat, nps: str, nss: str, text: str | None = None) -> Chat:
    chat.send("/survey").expect("1/3", "recommend your workplace")
    chat.press(nps).expect("2/3", "feel safe")
    chat.press(nss).expect("3/3", "one thing we could do better")
    if text is None:
        chat.press("Skip")
    else:
        chat.send(text)
    chat.expect("Ready to send?").press("Send my answers").expect("Thank you!", "Wed, Sep 24, 2025")
    return chat


def test_whole_round_with_several_people(engine: Engine, clock: Clock) -> None:
    open_staff_round(engine)
    team = [staff(engine, f"s{n}") for n in range(6)]
    answers = [("10", "5"), ("9", "4"), ("9", "4"), ("8", "3"), ("7", "4"), ("3", "2")]
    for chat, (nps, nss) in zip(team, answers, strict=True):
        answer(chat, nps, nss, "More time with clients")
    lonely = staff(engine, "o1", "ohjaus")
    answer(lonely, "0", "1", "Less paperwork")
    manager = join(engine, "m-a", Role.MANAGER, "kotihoito-a", "en")
    manager.press("English")
    manager.send("/results").expect("No survey results yet")

    clock.advance(days=14)
    manager.send("/results").expect(
        "Staff survey 2025-3",
        "Kotihoito A (en): 6 answers (86% of 7 staff)",
        # 3 promoters, 2 passives, 1 detractor of 6: 50 % - 17 % = 33.
        "NPS +33 (promoters 50%, passives 33%, detractors 17%; 6 answers)",
        # NSS: 4 agree, 1 neutral, 1 disagree: 67 % - 17 % = 50.
        "NSS +50 (agree 67%, neutral 17%, disagree 17%; 6 answers)",
        "More time with clients",
        "Koti- ja asumispalvelut (en): 6 answers (38% of 16 staff)",
        # The county minus the division would reveal the one answer from Asiakasohjaus.
        "Testialue (en): not shown",
    )
    manager.expect_not("Less paperwork", "Asiakasohjaus")
    # Texts are listed once, under the manager's own unit, not again under the division, and
    # the same text from six people once, with how many gave it.
    manager.expect("• More time with clients (×6)")
    assert manager.text.count("More time with clients") == 1
    team[0].send("/results").expect("Kotihoito A (en): 6 answers")
    lonely.send("/results").expect(
        "Asiakasohjaus (en): fewer than 5 answers", "Testialue (en): not shown"
    )
    lonely.expect_not("Less paperwork")
    with engine.db.session() as session:
        rows = session.exec(select(SurveyAnswer)).all()
        assert len([r for r in rows if r.question_id == "nps"]) == 7
        assert session.exec(select(SurveyReceipt)).all() == []  # forgotten at the close


def test_results_of_one_unit_by_its_name_and_of_a_round_by_its_label(
    engine: Engine, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_staff_round(engine)
    for n, (nps, nss) in enumerate([("10", "5"), ("9", "4"), ("9", "4"), ("8", "3"), ("3", "2")]):
        answer(staff(engine, f"s{n}"), nps, nss)
    for n in range(5):
        answer(staff(engine, f"b{n}", "kotihoito-b"), "7", "4")
    clock.advance(days=14)
    admin = join(engine, "admin", Role.ADMIN, None, "en")
    admin.press("English")
    admin.send("/results kotihoito b").expect(
        "Staff survey 2025-3", "Testialue (en): 10 answers", "Kotihoito B (en): 5 answers"
    )
    admin.expect_not("Kotihoito A (en)")  # neither a sibling nor what is below another unit
    admin.send("/results 2025-3 Kotihoito A (en)").expect("Kotihoito A (en): 5 answers")
    admin.expect_not("Kotihoito B (en)")
    admin.send("/results 2024-1").expect(
        "I do not know the survey round “2024-1”. Rounds with results: 2025-3; for example "
        "/results 2025-3."
    )
    own = staff(engine, "s9", "kotihoito-a")
    own.send("/results Kotihoito B").expect("You can see figures only of your own units.")
    own.send("/results Kotihoito A").expect("Kotihoito A (en): 5 answers")
    # Many groups: the county and the divisions only, and how to see a unit.
    monkeypatch.setattr(collectors.surveys, "MAX_GROUPS_LISTED", 2)
    admin.send("/results").expect(
        "Testialue (en): 10 answers",
        "Koti- ja asumispalvelut (en): 10 answers",
        "3 more units are not listed here: /results UNIT shows one with the units below it, "
        "for example /results kotihoito-a.",
    )
    admin.expect_not("Kotihoito A (en):", "Kotihoito B (en):")
    # Their own unit stays in a staff member's reply, with everything above it.
    own.send("/results").expect("Testialue (en)", "Koti- ja", "Kotihoito A (en): 5 answers")


def test_staff_who_join_hear_of_the_open_survey_or_of_the_rounds_to_come(engine: Engine) -> None:
    join(engine, "s-early", Role.STAFF, "kotihoito-a", "en").expect(
        "A few times a year I will ask you a few short anonymous questions"
    )
    open_staff_round(engine)
    join(engine, "s-new", Role.STAFF, "kotihoito-a", "en").expect(
        "The staff survey is open until Tue, Sep 23, 2025: answer it with /survey."
    )


def test_second_answer_is_refused_politely(engine: Engine) -> None:
    open_staff_round(engine)
    chat = answer(staff(engine, "s1"), "9", "5")
    chat.send("/survey").expect("Your answers are already in. Thank you!")
    assert not chat.options
    with engine.db.session() as session:
        assert surveys.respondent_count(session, surveys.list_rounds(session)[0].id) == 1


def test_unfinished_survey_continues_after_a_restart(engine: Engine, clock: Clock) -> None:
    open_staff_round(engine)
    chat = staff(engine, "s1")
    chat.send("/survey").press("8").expect("2/3")
    with engine.db.session() as session:
        assert session.exec(select(SurveyAnswer)).all() == []  # nothing written before the send
    clock.advance(days=3)
    restarted = build_engine(engine.db, engine.config, clock=clock, secret=b"test-secret")
    again = Chat(restarted, "s1", "en")
    again.send("/survey").expect("Welcome back", "2/3", "feel safe")
    again.press("◀ Back").expect("1/3").expect_button("✓ 8")
    again.press("8").press("4").press("Skip").expect(
        "1. Employee NPS: 8", "2. Net Safety Score (NSS): 4"
    )
    again.press("Send my answers").expect("Thank you!")


def test_no_other_conversation_replaces_an_unfinished_survey(engine: Engine) -> None:
    open_staff_round(engine)
    chat = staff(engine, "both")  # staff of Kotihoito A, and its manager too
    chat.send(f"/start {invite(engine, Role.MANAGER, 'kotihoito-a')}")
    chat.send("/survey").press("9").expect("2/3")
    for command in ("/away", "/report"):
        chat.send(command).expect("Your survey answers are not sent yet", "/cancel")
    with engine.db.session() as session:  # the refused /report left no empty draft behind
        assert reports.get_submission(session, "2025-T2", "kotihoito-a") is None
    chat.send("/away 30.9.").expect("You are marked away")  # no question: nothing replaced
    chat.send("/help").send("/survey").expect("2/3")
    chat.press("4").expect("3/3").press("Skip").press("Send my answers").expect("Thank you!")
    chat.send("/away off").send("/away").expect("Until which day")  # sent: free again
    chat.send("/report").expect("Period report of Kotihoito A (en)")


def test_a_refused_first_step_after_a_restart_leaves_the_engine_working(
    engine: Engine, clock: Clock
) -> None:
    open_staff_round(engine)
    chat = staff(engine, "both")
    chat.send(f"/start {invite(engine, Role.MANAGER, 'kotihoito-a')}")
    chat.send("/survey").press("9").expect("2/3")
    restarted = build_engine(engine.db, engine.config, clock=clock, secret=b"test-secret")
    again = Chat(restarted, "both", "en")
    again.send("/report").expect("Your survey answers are not sent yet")  # its first step
    again.send("/survey").expect("2/3")
    again.send("/status").expect("Kotihoito A (en)")
    again.send("/cancel").send("/report").expect("Period report of Kotihoito A (en)")
    again.send("/deputy").expect("stand in for Kotihoito A (en)")


def test_cancel_deletes_unfinished_answers(engine: Engine) -> None:
    open_staff_round(engine)
    chat = staff(engine, "s1")
    chat.send("/survey").press("6")
    chat.send("/cancel").expect("Your unfinished answers were deleted")
    with engine.db.session() as session:
        assert session.exec(select(Conversation)).all() == []
    chat.send("/survey").expect("1/3")


def test_round_close_deletes_unfinished_answers(engine: Engine, clock: Clock) -> None:
    open_staff_round(engine)
    chat = staff(engine, "s1")
    chat.send("/survey").press("6")
    stale = chat.option("3").data
    clock.advance(days=14)
    chat.press_data(stale).expect("The survey has closed, so your unfinished answers were deleted.")
    with engine.db.session() as session:
        assert session.exec(select(Conversation)).all() == []
    chat.send("/survey").expect("No survey is open for you right now")


def test_closing_deletes_drafts_of_that_round_only(engine: Engine, clock: Clock) -> None:
    first = open_staff_round(engine, ["kotihoito-a"])
    chat = staff(engine, "s1")
    chat.send("/survey").press("6")
    with engine.db.session() as session:
        assert surveys.delete_survey_conversations(session, "other-round", "survey") == 0
        assert surveys.close_round(session, first, clock.now, conversation_kind="survey")
        assert session.exec(select(Conversation)).all() == []


def test_buttons_language_and_scales(engine: Engine) -> None:
    open_staff_round(engine)
    chat = staff(engine, "s1", language="sv")
    chat.send("/survey").expect("Hur troligt är det", "0 = Inte alls troligt · 10 = Mycket troligt")
    assert [o.label for o in chat.options] == [str(n) for n in range(11)]
    assert chat.replies[-1].columns == 6  # type: ignore[union-attr]
    chat.press("7").expect("Jag skulle känna mig trygg")
    labels = [o.label for o in chat.options]
    assert labels[:5] == ["1 – Helt av annan åsikt", "2", "3", "4", "5 – Helt av samma åsikt"]
    assert len(labels) == 6  # and Back
    assert chat.replies[-1].columns == 1  # type: ignore[union-attr]


def test_typing_a_number_and_bad_input(engine: Engine) -> None:
    open_staff_round(engine)
    chat = staff(engine, "s1")
    chat.send("/survey").send("11").expect("Please answer with a number from 0 to 10", "1/3")
    chat.send("ten").expect("Please answer with a number from 0 to 10, or with the buttons", "1/3")
    for not_a_step in ("9,5", "9/12", "9 kpl", "9 10"):
        chat.send(not_a_step).expect("Please answer with a number from 0 to 10", "1/3")
    chat.send("9/10").expect("2/3")  # a step out of the scale's top, as people say it
    chat.press("◀ Back").expect_button("✓ 9")
    chat.send("１０ pistettä").expect("2/3")  # full-width digits, and a word for points
    chat.press("◀ Back").expect_button("✓ 10")
    chat.send("10").expect("2/3")
    chat.press("5").send("x" * 501).expect("at most 500 characters", "3/3")
    chat.send("Better breaks").expect("Ready to send?", "3. One thing to do better: Better breaks")
    chat.send("hello").expect("Please use the buttons", "Ready to send?")


def test_stale_and_forged_buttons_are_refused(engine: Engine) -> None:
    open_staff_round(engine)
    chat = staff(engine, "s1")
    chat.send("/survey")
    first = chat.option("9").data
    chat.press("9").expect("2/3")
    chat.press_data(first).expect("That button belongs to an earlier question", "2/3")
    step = chat.option("4").data.split("|")[0]
    chat.press_data(f"{step}|v:9").expect("That button belongs to an earlier question")
    chat.press_data(f"{step}|skip").expect("That button belongs to an earlier question")


def test_only_staff_answer_and_only_with_a_secret(engine: Engine, clock: Clock) -> None:
    open_staff_round(engine)
    manager = join(engine, "m1", Role.MANAGER, "kotihoito-a", "en")
    manager.press("English").send("/survey").expect("for staff members")
    no_secret = build_engine(engine.db, engine.config, clock=clock, secret=b"")
    staff(engine, "s1")
    Chat(no_secret, "s1", "en").send("/survey").expect("Surveys are not available right now")


def test_staff_of_two_units_chooses_one(engine: Engine) -> None:
    open_staff_round(engine)
    chat = staff(engine, "s1")
    chat.send(f"/start {_code(engine, 'kotihoito-b')}")
    chat.send("/survey").expect("Which unit do you answer for?")
    chat.press("Kotihoito B").expect("1/3")
    chat.press("9").press("5").press("Skip").press("Send my answers").expect("Thank you!")
    with engine.db.session() as session:
        units = {r.unit_id for r in session.exec(select(SurveyAnswer)).all()}
    assert units == {"kotihoito-b"}
    chat.send("/survey").expect("already in")


def test_start_button_from_the_invitation(engine: Engine) -> None:
    round_id = open_staff_round(engine)
    chat = staff(engine, "s1")
    chat.press_data(f"survey:start:{round_id}").expect("1/3")
    chat.press_data("survey:start:nonexistent").expect("closed, or it is not for your unit")


def test_round_for_other_units_is_not_offered(engine: Engine) -> None:
    open_staff_round(engine, ["ohjaus"])
    staff(engine, "s1").send("/survey").expect("No survey is open for you right now")


def _code(engine: Engine, unit: str) -> str:
    from tests.support import invite

    return invite(engine, Role.STAFF, unit)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_thank_you_in_every_language(engine: Engine, language: str) -> None:
    open_staff_round(engine)
    chat = staff(engine, "s1", language=language)
    chat.send("/survey").press("9").press("4")
    skip = chat.options[-2].label  # Skip, then Back
    chat.press(skip)
    chat.press(chat.options[0].label)
    day = {"fi": "ke 24.9.2025", "sv": "ons 24 sep. 2025", "en": "Wed, Sep 24, 2025"}[language]
    assert f" {day} " in chat.text or f" {day}," in chat.text  # the reader's own date


def test_a_unit_too_small_to_be_shown_stores_under_its_parent(engine: Engine) -> None:
    data = engine.config.model_dump(mode="json")
    data["organisation"]["units"][4]["staff_count"] = 3  # kotihoito-b: never five answers
    config = small_config(organisation=data["organisation"])
    with engine.db.session() as session:
        sync_units(session, config)
    small = build_engine(engine.db, config, clock=engine.clock, secret=b"test-secret")
    open_staff_round(small)
    chat = join(small, "b1", Role.STAFF, "kotihoito-b", "en")
    chat.press("English")
    chat.send("/survey").press("9").press("4").press("Skip").press("Send my answers")
    chat.expect("Thank you!")
    answer(staff(small, "a1"), "8", "3")
    with engine.db.session() as session:
        units = {(r.unit_id, r.value) for r in session.exec(select(SurveyAnswer)).all()}
    assert ("koti", 9) in units and ("kotihoito-a", 8) in units
    assert not any(unit == "kotihoito-b" for unit, _value in units)


def test_typed_answers_a_scale_by_number_and_an_option_by_its_name(engine: Engine) -> None:
    evening = {"id": "evening", "label": {"fi": "Ilta", "sv": "Kväll", "en": "Evening"}}
    shift = SHIFT | {"choices": [*SHIFT["choices"], evening]}
    staff_survey = {"id": "staff", "name": {"fi": "K", "sv": "E", "en": "Staff survey"}}
    config = small_config(
        surveys={
            "questions": [shift],
            "definitions": [staff_survey | {"questions": ["nps", "shift"]}],
        }
    )
    custom = build_engine(engine.db, config, clock=engine.clock, secret=b"test-secret")
    open_staff_round(custom)
    chat = staff(custom, "s1")
    chat.send("/survey").expect("1/2")
    chat.send("11").expect("Please answer with a number from 0 to 10, or with the buttons.", "1/2")
    chat.send("9").expect("2/2", "Shift?")
    chat.send("d").expect("Please answer with the buttons.", "2/2")  # too short a start
    chat.send("natt").expect("Ready to send?", "2. Shift?: Night")  # Swedish, any case
    chat.press("◀ Back").send("eve").expect("2. Shift?: Evening")  # the start of a name


def test_a_round_labelled_as_a_period_is_found_however_the_period_is_written(
    engine: Engine, clock: Clock
) -> None:
    open_staff_round(engine, label="T3/2025")
    for n in range(5):
        answer(staff(engine, f"s{n}"), "9", "4")
    clock.advance(days=14)
    admin = join(engine, "admin", Role.ADMIN, None, "en")
    admin.press("English")
    for written in ("T3/2025", "2025-T3", "t3/25", "T3 2025"):
        admin.send(f"/results {written}").expect(
            "Staff survey T3/2025", "Testialue (en): 5 answers"
        )
    admin.send("/results T1/2025").expect(
        "I do not know the survey round “T1/2025”. Rounds with results: T3/2025"
    )
