"""The period report conversation, driven through the engine like a person would."""

from __future__ import annotations

from collectors.engine import Engine
from storage import reports
from storage.people import Role
from tests.support import Chat, join


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
