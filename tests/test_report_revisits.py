"""A report question asked again shows the answer already given, and keeps it with a button.

Asked again: after ◀ Back, on the way forward again after going back, when edited from the
review, and when a report is continued later. A question never reached shows none.
"""

from __future__ import annotations

from collectors.engine import Engine
from storage import reports
from storage.models import Answer
from tests.support import Chat, submit_last_period
from tests.test_report_flow import fill_all, manager


def _answers(engine: Engine) -> dict[str, Answer]:
    with engine.db.session() as session:
        sub = reports.get_submission(session, "2025-T2", "kotihoito-a")
        assert sub is not None and sub.id is not None
        answers = reports.answers_of(session, sub.id)
        session.expunge_all()
        return answers


def test_back_shows_the_answer_and_keep_leaves_it_as_typed(engine: Engine) -> None:
    chat = manager(engine)
    chat.send("/report").expect("1/11").expect_not("Your answer:")
    chat.send("1 050 kpl").expect("2/11").expect_not("Your answer:")
    chat.send("4,6 %").expect("3/11").expect_not("Your answer:")
    chat.press("◀ Back").expect("2/11", "Your answer: 4.6%").expect_button("Keep: 4.6%")
    chat.press("◀ Back").expect("1/11", "Your answer: 1,050 pcs")
    chat.press("Keep: 1,050").expect("2/11", "Your answer: 4.6%")  # forward again
    chat.press("Keep").expect("3/11").expect_not("Your answer:")  # never answered
    answers = _answers(engine)
    assert answers["decisions"].value == 1050 and answers["decisions"].raw == "1 050 kpl"
    assert answers["assessments_7d"].value == 4.6
    assert "queue_time" not in answers


def test_a_new_answer_typed_on_a_question_asked_again_replaces_the_old(engine: Engine) -> None:
    chat = manager(engine)
    chat.send("/report").send("1050").send("95").expect("3/11")
    chat.press("◀ Back").press("◀ Back").expect("1/11", "Your answer: 1,050 pcs")
    chat.send("1 060").expect("2/11", "Your answer: 95%")
    chat.press("Not available").expect("3/11")
    chat.press("◀ Back").expect("2/11", "Your answer: not available")
    answers = _answers(engine)
    assert answers["decisions"].value == 1060
    assert answers["assessments_7d"].status == "not_available"


def test_a_multiple_choice_asked_again_shows_its_ticks_and_the_answer(engine: Engine) -> None:
    chat = manager(engine)
    chat.send("/report")
    for typed in ("1050", "95", "13:25", "7"):
        chat.send(typed)
    chat.press("Medication").press("Accident/fall").press("Done").expect("6/11")
    chat.press("◀ Back").expect("5/11", "Your answer: Medication, Accident/fall")
    chat.expect_button("✓ Medication", "✓ Accident/fall", "Done (2)")
    chat.press("Keep").expect("6/11")
    assert _answers(engine)["incident_types"].choices == ["medication", "fall"]


def test_an_item_edited_from_the_review_shows_its_answer_and_goes_back_with_the_review_button(
    engine: Engine,
) -> None:
    chat = fill_all(manager(engine))
    chat.press("1").expect("1/11", "Your answer: 1,050 pcs").expect_button("Back to review")
    assert not [o for o in chat.options if o.label.startswith("Keep")]
    chat.press("Back to review").expect("Review", "1. Client decisions: 1,050 pcs")


def test_a_report_continued_later_shows_the_answers_before_where_it_opens(engine: Engine) -> None:
    chat = manager(engine)
    chat.send("/report").send("1050").send("95").send("13:25").expect("4/11")
    chat.press("◀ Back").press("◀ Back").expect("2/11")
    chat.send("/cancel").expect("saved")
    chat.send("/report").expect("4/11").expect_not("Your answer:")  # the first one not answered
    chat.press("◀ Back").expect("3/11", "Your answer: 0:13:25")


def test_a_long_free_text_is_cut_on_its_button_but_shown_whole(engine: Engine) -> None:
    long = "Lääkehoidon kaksoistarkistus otettu käyttöön kaikissa vuoroissa syyskuusta alkaen."
    submit_last_period(engine, {"actions": long})
    chat = fill_all(manager(engine))
    chat.press("11").expect("11/11", f"Last period: {long[:77]}…", "Your answer: not available")
    (same,) = [o.label for o in chat.options if o.label.startswith("Same as last period")]
    assert same == f"Same as last period: {long[:39]}…"
    chat.press("Same as last period").expect("Review")
    assert _answers(engine)["actions"].text == long


def test_a_keep_button_of_an_earlier_question_is_refused(engine: Engine) -> None:
    chat = manager(engine)
    chat.send("/report").send("1050").expect("2/11")
    chat.press("◀ Back")
    stale = chat.option("Keep").data
    chat.press("Keep").expect("2/11")
    again = Chat(engine, chat.user_id, "en")
    again.press_data(stale).expect("That button belongs to an earlier question.", "2/11")
