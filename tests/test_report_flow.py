"""The period report conversation, driven through the engine like a person would."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from collectors.app import build_engine
from collectors.config import AppConfig
from collectors.engine import Ctx, Engine
from collectors.messages import Inbound, InboundKind, Outbound
from collectors.periods import manual_period
from collectors.reporting import local_today, store_period
from storage import conversations, reports
from storage.db import Database
from storage.people import Role, find_person
from tests.support import Chat, Clock, invite, join, submit_last_period


def manager(engine: Engine, unit: str = "kotihoito-a", language: str = "en") -> Chat:
    chat = join(engine, f"m-{unit}-{language}", Role.MANAGER, unit, language)
    chat.press("English" if language == "en" else "Suomi")
    return chat


def test_whole_report_every_kind(engine: Engine) -> None:
    chat = manager(engine)
    chat.send("/report").expect(
        "Period report of Kotihoito A (en)", "1/11", "Client decisions (pcs)"
    )
    chat.send("1 050 kpl").expect("2/11", "Assessments within 7 weekdays")
    chat.send("4,6 %").expect("3/11", "Mean queue time")
    chat.send("0:13:25").expect("4/11", "HaiPro")
    chat.send("7 (6)").expect("5/11", "Most common event types")
    chat.press("Medication").expect_button("✓ Medication")
    chat.press("Accident/fall").press("Done").expect("6/11", "Handling time")
    chat.send("12,5").expect("7/11", "Was the plan updated?")
    chat.press("Yes").expect("8/11", "Client NPS")
    chat.send("−42").expect("9/11", "Sick leave")
    chat.send("4.6").expect("10/11", "Absence goal status")
    chat.press("On schedule").expect("11/11", "Corrective actions")
    chat.send("Lääkehoidon kaksoistarkistus otettu käyttöön.").expect(
        "Review", "1,050 pcs", "12.5 days", "-42"
    )
    chat.press("Send the report").expect("Thank you!")
    with engine.db.session() as session:
        sub = reports.get_submission(session, "2025-T2", "kotihoito-a")
        assert sub is not None and sub.status == "submitted"
        answers = reports.answers_of(session, sub.id or 0)
    assert answers["decisions"].value == 1050 and answers["decisions"].raw == "1 050 kpl"
    assert answers["queue_time"].value == 13 * 60 + 25
    assert answers["incidents"].value == 7
    assert answers["incident_types"].choices == ["medication", "fall"]
    assert answers["client_nps"].value == -42
    assert answers["sick_leave_goal"].choices == ["on_schedule"]
    assert answers["actions"].text == "Lääkehoidon kaksoistarkistus otettu käyttöön."


def test_a_command_beside_a_report_says_the_questions_wait_and_they_do(engine: Engine) -> None:
    chat = manager(engine)
    chat.send("/help").expect("/report").expect_not("questions wait")
    chat.send("/report").send("1 050 kpl").expect("2/11")
    chat.send("/help").expect("/report", "Your questions wait", "/cancel")
    chat.send("4,6 %").expect("3/11")
    chat.send("/status").expect("Reporting status", "Your questions wait")
    assert chat.texts[-1].startswith("Your questions wait")  # after what the command showed
    chat.send("/lang").expect_button("Suomi").expect_not("questions wait")  # it asks with buttons
    chat.send("/lang en").expect("3/11").expect_not("questions wait")  # the question again
    chat.send("13:25").expect("4/11")
    chat.send("/cancel").send("/help").expect_not("questions wait")
    chat.send("/status").expect("Reporting status").expect_not("questions wait")


def test_an_answer_typed_after_another_conversation_points_to_the_report(engine: Engine) -> None:
    chat = manager(engine)
    chat.send("4,6 %").expect("Nothing is waiting")
    assert "not sent yet" not in chat.text  # no report started
    chat.send("/report").send("1 050 kpl").expect("2/11")
    chat.send("/away").send("30.9.").expect("You are marked away")
    chat.send("4,6 %").expect(
        "Nothing is waiting",
        "Your report of Kotihoito A (en) for T2/2025 is not sent yet (1 answer saved): "
        "/report continues it.",
    )
    chat.send("/report").expect("Welcome back! 1 answer is saved", "2/11")


def test_a_first_step_that_fails_leaves_the_restarted_engine_working(
    engine: Engine, clock: Clock
) -> None:
    chat = manager(engine)
    restarted = build_engine(engine.db, engine.config, clock=clock, secret=b"test-secret")

    def broken(ctx: Ctx, args: tuple[str, ...]) -> list[Outbound]:
        raise RuntimeError("a bug in one command")

    restarted.commands["help"] = replace(restarted.commands["help"], handler=broken)
    again = Chat(restarted, chat.user_id, "en")
    again.send("/help").expect("Sorry, something went wrong")  # its transaction rolled back
    again.send("/report").expect("Period report of Kotihoito A (en)", "1/11")


def test_options_are_typed_by_name_in_any_language_or_by_their_start(engine: Engine) -> None:
    chat = manager(engine)
    chat.send("/report")
    for answer in ("10", "95", "13:25", "5"):
        chat.send(answer)
    chat.expect("5/11", "Most common event types")
    chat.send("lääke, potilas").expect("I did not find “potilas” among the options.", "5/11")
    chat.send("mu").expect("I did not find “mu”")  # too short a start to look up (Muu)
    chat.send("lääke; Olycka/fall, VIOLENCE or threat").expect("6/11")  # fi start, sv, en
    chat.send("12,5").expect("7/11")
    chat.send("kyl").expect("8/11")  # the start of Kyllä
    with engine.db.session() as session:
        sub = reports.get_submission(session, "2025-T2", "kotihoito-a")
        assert sub is not None and sub.id is not None
        answers = reports.answers_of(session, sub.id)
    assert answers["incident_types"].choices == ["medication", "fall", "violence"]
    assert answers["plan_updated"].choices == ["yes"]


def _seed_previous(engine: Engine) -> None:
    """A submitted 2025-T1 report for Kotihoito A, so "last period" has values."""
    submit_last_period(engine, {"decisions": 1000, "assessments_7d": 96, "incidents": 3})


def test_bad_input_at_every_kind_gets_a_reason_and_the_question_again(engine: Engine) -> None:
    chat = manager(engine)
    chat.send("/report")
    chat.send("abc").expect("I could not read that as a number.", "1,050", "1/11")
    chat.send("2,5").expect("This one must be a whole number.", "1/11")
    chat.send("-3").expect("cannot be negative", "1/11")
    chat.send("200000").expect("The value must be between 0 and 100,000", "1/11")
    chat.send("10").expect("2/11")
    chat.send("150 %").expect("The value must be between 0% and 100%", "2/11")
    chat.send("12:30").expect("This one is a number, not a time.", "2/11").expect_not("3/11")
    chat.send("13 min").expect("This one is a percent, and takes no other unit.", "2/11")
    chat.send("95").expect("3/11")
    chat.send("1:99:00").expect("I could not read that as a duration.", "3/11")
    chat.send("13:25").expect("4/11")
    chat.send("5").expect("5/11")
    chat.send("something else").expect("I did not find “something else” among the options.", "5/11")
    chat.send("1, 3").expect("6/11")
    chat.send("").expect("I did not get a number.", "6/11")
    chat.send("x" * 3000).expect("too long", "6/11")
    chat.unsupported().expect("I can only read text and buttons.", "6/11")
    chat.send("36 h").expect("This one is asked in days, not in “h”", "6/11")
    chat.send("4,5 vrk").expect("7/11")
    chat.press("◀ Back").expect("6/11")
    chat.send("4,5").expect("7/11")
    chat.send("1, 2").expect("Please choose only one.", "7/11")
    with engine.db.session() as session:
        sub = reports.get_submission(session, "2025-T2", "kotihoito-a")
        assert sub is not None
        answers = reports.answers_of(session, sub.id or 0)
    # Nothing answered was lost along the way.
    assert answers["decisions"].value == 10
    assert answers["queue_time"].value == 13 * 60 + 25
    assert answers["incident_types"].choices == ["medication", "fall"]
    assert answers["handling_days"].value == 4.5


def test_controls_back_skip_not_available_and_reuse(engine: Engine) -> None:
    _seed_previous(engine)
    chat = manager(engine)
    chat.send("/report").expect("Last period: 1,000 pcs")
    chat.press("Same as last period").expect("2/11", "Last period: 96%")
    chat.press("◀ Back").expect("1/11")
    chat.send("1 200").expect("2/11")
    chat.press("Not available").expect("3/11")
    chat.press("Skip").expect("4/11")  # queue time is optional
    chat.send("x").expect("5/11")  # x = not available
    with engine.db.session() as session:
        sub = reports.get_submission(session, "2025-T2", "kotihoito-a")
        answers = reports.answers_of(session, sub.id if sub and sub.id else 0)
    assert answers["decisions"].value == 1200
    assert answers["assessments_7d"].status == "not_available"
    assert answers["queue_time"].status == "skipped"
    assert answers["incidents"].status == "not_available"


def test_a_report_opened_before_the_state_named_the_previous_period_still_compares(
    engine: Engine,
) -> None:
    """Conversations stored by an earlier version lack ``previous``: it is worked out again."""
    _seed_previous(engine)
    chat = manager(engine)
    chat.send("/report").expect("Last period: 1,000 pcs")
    with engine.db.session() as session:
        person = find_person(session, chat.transport, chat.user_id)
        assert person is not None and person.id is not None
        stored = conversations.load(session, person.id)
        assert stored is not None and stored.state["previous"] == "2025-T1"
        older = {k: v for k, v in stored.state.items() if k != "previous"}
        conversations.save(session, person.id, stored.kind, older, engine.clock())
    chat.send("1 200").expect("2/11", "Last period: 96%")


def test_value_far_from_last_period_is_read_back(engine: Engine) -> None:
    _seed_previous(engine)
    chat = manager(engine)
    chat.send("/report")
    chat.send("10 500").expect(
        "You typed 10,500 pcs, but last period it was 1,000 pcs. Is 10,500 pcs right?"
    )
    chat.press("No, I will type it again").expect("1/11")
    chat.send("10 500").press("Yes, keep it").expect("2/11")
    with engine.db.session() as session:
        sub = reports.get_submission(session, "2025-T2", "kotihoito-a")
        answers = reports.answers_of(session, sub.id if sub and sub.id else 0)
    assert answers["decisions"].value == 10500


def test_a_qualified_value_is_read_back_as_typed_and_yes_or_no_may_be_typed(
    engine: Engine,
) -> None:
    _seed_previous(engine)
    chat = manager(engine)
    chat.send("/report")
    chat.send("alle 3").expect("You typed <3 pcs, but last period it was 1,000 pcs.")
    chat.send("Ei").expect("1/11")  # the no button, typed
    chat.send("alle 3").send("ok").expect("2/11")  # and the yes
    with engine.db.session() as session:
        sub = reports.get_submission(session, "2025-T2", "kotihoito-a")
        answers = reports.answers_of(session, sub.id if sub and sub.id else 0)
    assert (answers["decisions"].value, answers["decisions"].raw) == (3, "alle 3")
    chat.press("◀ Back").send("10 500").expect("Is 10,500 pcs right?")
    chat.send("👎").expect("1/11").send("10 500").send("👍").expect("2/11")  # as people answer
    chat.press("◀ Back").send("10 600").expect("Is 10,600 pcs right?")
    chat.send("1 100").expect("2/11")  # a new value typed instead of yes or no


def fill_all(chat: Chat) -> Chat:
    chat.send("/report")
    for typed in ["1050", "95", "13:25", "2", "1", "12", "1", "5", "4,6", "1", "-"]:
        chat.send(typed)
    return chat.expect("Review")


def delete_draft(engine: Engine) -> None:
    """Delete kotihoito-a's draft of 2025-T2 and its answers, as a purge of stale drafts does."""
    with engine.db.session() as session:
        sub = reports.get_submission(session, "2025-T2", "kotihoito-a")
        assert sub is not None and sub.id is not None
        for answer in reports.answers_of(session, sub.id).values():
            session.delete(answer)
        session.flush()
        session.delete(sub)


def test_a_draft_deleted_while_its_review_waits_ends_the_conversation(engine: Engine) -> None:
    chat = fill_all(manager(engine))
    delete_draft(engine)
    chat.send("99").expect("This report no longer exists. Start again with /report.")
    chat.send("/report").expect("1/11")  # a new draft, from the start


def test_review_edit_submit_and_correction_keeps_revisions(engine: Engine, clock: Clock) -> None:
    chat = fill_all(manager(engine))
    chat.send("3").expect("3/11").expect_button("Back to review")  # typing a number edits it too
    chat.press("Back to review").send("99").expect("There is no answer number 99", "Review")
    chat.press("1").expect("1/11").expect_button("Back to review")
    chat.send("1060").expect("Review", "1. Client decisions: 1,060 pcs")
    chat.press("Send the report").expect("Thank you!", "until Sun, Sep 21, 2025")
    clock.advance(days=2)
    chat.send("/report").expect("was sent on Wed, Sep 10, 2025")
    chat.send("/start").expect(
        "Welcome back", "was sent on Wed, Sep 10, 2025", "until Sun, Sep 21, 2025"
    )
    chat.press("Correct it").expect("Review")
    chat.press("9").send("4,2").expect("9. Sick leave: 4.2%")
    chat.press("Send corrections").expect("corrections")
    with engine.db.session() as session:
        sub = reports.get_submission(session, "2025-T2", "kotihoito-a")
        assert sub is not None and sub.id is not None
        assert sub.status == "submitted"
        assert sub.version == 2
        answer = reports.answers_of(session, sub.id)["sick_leave"]
        assert answer.value == 4.2
        revisions = reports.revisions_of(session, answer.id or 0)
        assert [r.value for r in revisions] == [4.6]


def test_not_available_counts_as_an_answer_but_missing_ones_block_sending(engine: Engine) -> None:
    chat = manager(engine)
    chat.send("/report")
    for _question in range(11):
        chat.press("Not available")
    chat.expect("Review", "1. Client decisions: not available").expect_not("Still missing")
    # A required answer removed behind the conversation's back (e.g. a catalog change).
    with engine.db.session() as session:
        sub = reports.get_submission(session, "2025-T2", "kotihoito-a")
        assert sub is not None and sub.id is not None
        session.delete(reports.answers_of(session, sub.id)["incidents"])
    chat.press("Send the report").expect(
        "Some required answers are missing: HaiPro reports", "Still missing: 4"
    )
    chat.press("4").press("Not available").press("Send the report").expect("Thank you!")


def test_a_draft_deleted_behind_the_conversation_ends_it_with_a_reason(engine: Engine) -> None:
    """E.g. purged as stale while its conversation was kept: nothing is stored into nowhere."""
    chat = manager(engine)
    chat.send("/report").send("1 050").expect("2/11")
    delete_draft(engine)
    chat.send("95").expect("This report no longer exists. Start again with /report.")
    chat.send("95").expect("Nothing is waiting for an answer right now.")
    with engine.db.session() as session:
        assert reports.get_submission(session, "2025-T2", "kotihoito-a") is None
    chat.send("/report").expect("1/11")


def test_restart_resumes_at_the_same_question(
    engine: Engine, config: AppConfig, clock: Clock
) -> None:
    chat = manager(engine)
    chat.send("/report").send("1050").send("95").expect("3/11")
    engine.db.dispose()
    fresh = build_engine(Database(engine.db.url), config, clock=clock, secret=b"test-secret")
    again = Chat(fresh, chat.user_id, "en")
    again.send("13:25").expect("4/11")
    again.send("/start").expect("Welcome back", "4/11")
    again.send("/cancel").expect("saved")
    again.send("/report").expect("Welcome back! 3 answers are saved", "question 4", "4/11")


def test_stale_and_forged_buttons_are_refused(engine: Engine) -> None:
    chat = manager(engine)
    chat.send("/report")
    old = chat.option("Not available").data
    chat.send("1050").expect("2/11")
    chat.press_data(old).expect("That button belongs to an earlier question.", "2/11")
    chat.press_data("999|na").expect("earlier question", "2/11")
    chat.press_data("nonsense").expect("no longer in use")
    with engine.db.session() as session:
        sub = reports.get_submission(session, "2025-T2", "kotihoito-a")
        answers = reports.answers_of(session, sub.id if sub and sub.id else 0)
    assert set(answers) == {"decisions"}


def test_manager_of_two_units_picks_and_cannot_forge_another(engine: Engine) -> None:
    chat = manager(engine)
    code = invite(engine, Role.MANAGER, "kotihoito-b")
    chat.send(f"/start {code}").expect("Kotihoito B")
    chat.send("/report").expect("Which unit do you report for?")
    forged = chat.options[0].data.replace("kotihoito-a", "ohjaus")
    chat.press_data(forged).expect("only for your own units")
    chat.send("/report ohjaus").expect("only for your own units")
    chat.send("/report")
    chat.press("Kotihoito B").expect("Period report of Kotihoito B")
    # Typed instead of pressed: a name in any language, or the option's number.
    chat.send("/report").send("kotihoito b (sv)").expect("Period report of Kotihoito B")
    chat.send("/report").send("1").expect("Period report of Kotihoito A")
    chat.send("/report").send("Kotihoito C").expect(
        "None of your units has that name: press its button, or type its name.", "Which unit"
    )


def test_with_two_periods_open_the_manager_picks_one(engine: Engine) -> None:
    now = engine.clock()
    today = local_today(engine.config, now)
    extra = manual_period(
        "inspection", today - timedelta(days=20), today - timedelta(days=1), today + timedelta(7)
    )
    with engine.db.session() as session:
        store_period(session, extra, now, manual=True)
    chat = manager(engine)
    chat.send("/report").expect("Which period do you report?")
    assert {o.data.partition("p:")[2] for o in chat.options} == {"inspection", "2025-T2"}
    chat.send("/report")
    chat.press(extra.short_label()).expect("Period report of Kotihoito A", "1/11")
    with engine.db.session() as session:
        assert reports.get_submission(session, "inspection", "kotihoito-a") is not None
        assert reports.get_submission(session, "2025-T2", "kotihoito-a") is None
    # Typed instead of pressed: the period as the bot shows it.
    other = manager(engine, "kotihoito-b")
    other.send("/report").send("t2/25").expect("Period report of Kotihoito B (en) for T2/2025")
    chat.send("/report").send("T3/2025").expect("No open period is called that", "Which period")


def test_people_who_may_not(engine: Engine, clock: Clock) -> None:
    stranger = Chat(engine, "stranger", "en")
    stranger.send("/report").expect("invited staff only")
    stranger.send("hello").expect("invited staff only")
    stranger.send("/start WRONGCODE").expect("I do not recognise that invitation code")
    expired = invite(engine, Role.MANAGER, "kotihoito-a", days=1)
    clock.advance(days=2)
    stranger.send(f"/start {expired}").expect("expired")
    used = invite(engine, Role.MANAGER, "kotihoito-a")
    Chat(engine, "first", "en").send(f"/start {used}")
    stranger.send(f"/start {used}").expect("already been used")
    staff = join(engine, "staff-1", Role.STAFF, "kotihoito-a", "en")
    staff.send("/report").expect("Only unit managers")


def test_guessing_invitation_codes_is_rate_limited(engine: Engine) -> None:
    guesser = Chat(engine, "guesser", "en")
    for n in range(10):
        guesser.send(f"/start guess{n}").expect("do not recognise")
    good = invite(engine, Role.MANAGER, "kotihoito-a")
    guesser.send(f"/start {good}").expect("Too many attempts")


def test_a_manager_who_joins_hears_of_the_open_report_or_of_the_reminders(
    engine: Engine, clock: Clock
) -> None:
    join(engine, "m-new", Role.MANAGER, "kotihoito-a", "en").expect(
        "The report of T2/2025 is open until Sun, Sep 21, 2025: start it with /report."
    )
    clock.advance(days=30)
    join(engine, "m-later", Role.MANAGER, "kotihoito-b", "en").expect(
        "I will remind you when a report period opens."
    )


def test_after_the_deadline_nothing_is_open(engine: Engine, clock: Clock) -> None:
    chat = manager(engine)
    clock.advance(days=30)
    chat.send("/report").expect("No reporting period is open right now.")


def test_language_is_offered_and_changed(engine: Engine) -> None:
    chat = Chat(engine, "sv-user", "sv")
    chat.send(f"/start {invite(engine, Role.MANAGER, 'kotihoito-a')}")
    assert chat.options[0].label == "Svenska"  # the Telegram language first
    chat.send("/lang en").expect("I will speak English with you.")
    chat.send("/report").expect("Period report")


def test_redelivered_update_is_handled_once(engine: Engine) -> None:
    chat = manager(engine)
    chat.send("/report")
    message = Inbound(chat.sender, InboundKind.TEXT, text="1050", update_key="telegram:777")
    first = engine.handle(message)
    second = engine.handle(message)
    assert first
    assert second == []
