"""Survey figures computed in SQL, on SQLite and PostgreSQL, against hand-computed values."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from collectors.config import AppConfig
from collectors.survey_results import (
    GroupResult,
    QuestionResult,
    ResultsNotAvailable,
    survey_results,
)
from collectors.survey_suppression import Hidden
from storage import surveys
from storage.db import Database
from storage.models import Conversation
from storage.people import Role, create_person, grant
from storage.survey_models import SurveyAnswer, SurveyReceipt
from tests.support import REPORT_DAY, small_config

NOW = REPORT_DAY
UNITS = ["kotihoito-a", "kotihoito-b", "ohjaus"]


def _round(session: Session) -> str:
    row = surveys.create_round(
        session,
        survey_id="staff",
        unit_ids=UNITS,
        label="2025-3",
        opens_at=NOW,
        closes_at=NOW + timedelta(days=14),
        now=NOW,
    )
    return row.id


def send_answers(
    session: Session, round_id: str, unit: str, nps: int, nss: int, text: str = ""
) -> None:
    """One person's sent survey in ``unit``: NPS, NSS and, when given, the free text."""
    answers: dict[str, int | str] = {"nps": nps, "nss": nss}
    if text:
        answers["improve"] = text
    surveys.store_response(
        session,
        round_id=round_id,
        unit_id=unit,
        receipt=secrets.token_hex(32),
        answers=answers,
    )


def _close(session: Session, round_id: str) -> None:
    assert surveys.close_round(
        session, round_id, NOW + timedelta(days=15), conversation_kind="survey"
    )


def _by_unit(results: list[GroupResult]) -> dict[str, GroupResult]:
    return {g.unit_id: g for g in results}


def _question(group: GroupResult, question_id: str) -> QuestionResult:
    """``group``'s result for ``question_id``, which the test expects to be there."""
    result = group.question(question_id)
    assert result is not None, question_id
    return result


def test_nps_and_nss_match_hand_computed_values(any_db: Database, config: AppConfig) -> None:
    with any_db.session() as session:
        rid = _round(session)
        # A: 40 % promoters (9, 10), 20 % detractors (3) -> NPS 20; NSS 60 % - 20 % = 40.
        for nps, nss in [(9, 5), (10, 4), (7, 4), (8, 1), (3, 3)]:
            send_answers(session, rid, "kotihoito-a", nps, nss)
        # B: the same NPS shape; every NSS answer is 3 -> NSS 0.
        for nps in (10, 9, 8, 7, 6):
            send_answers(session, rid, "kotihoito-b", nps, 3)
        # Ohjaus: everyone a detractor and disagreeing -> NPS -100, NSS -100.
        for nps in (0, 1, 2, 5, 6):
            send_answers(session, rid, "ohjaus", nps, 1)
        _close(session, rid)
        groups = _by_unit(survey_results(session, config, rid))
    assert [g for g in groups] == [
        "county",
        "koti",
        "kotihoito-a",
        "kotihoito-b",
        "asiakas",
        "ohjaus",
    ]
    assert all(g.shown for g in groups.values())
    a_nps = _question(groups["kotihoito-a"], "nps")
    assert a_nps.index == pytest.approx(20.0)
    assert (a_nps.promoters, a_nps.passives, a_nps.detractors) == (2, 2, 1)
    assert a_nps.promoters_pct == pytest.approx(40.0)
    assert a_nps.mean == pytest.approx(37 / 5)
    assert _question(groups["kotihoito-a"], "nss").index == pytest.approx(40.0)
    assert _question(groups["kotihoito-b"], "nss").index == pytest.approx(0.0)
    assert _question(groups["ohjaus"], "nps").index == pytest.approx(-100.0)
    assert _question(groups["ohjaus"], "nss").index == pytest.approx(-100.0)
    # The division sums its units: 4 promoters and 2 detractors of 10 -> 20.
    koti = _question(groups["koti"], "nps")
    assert (koti.answers, koti.index) == (10, pytest.approx(20.0))
    # The county: 4 promoters, 7 detractors of 15 -> (4 - 7) / 15 = -20.
    assert _question(groups["county"], "nps").index == pytest.approx(-20.0)
    assert groups["county"].respondents == 15
    assert dict(_question(groups["kotihoito-b"], "nss").distribution) == {
        1: 0,
        2: 0,
        3: 5,
        4: 0,
        5: 0,
    }
    assert dict(koti.distribution)[7] == 2 and len(koti.distribution) == 11


def test_response_rates_from_staff_counts_and_grants(any_db: Database) -> None:
    data = small_config().model_dump(mode="json")
    data["organisation"]["units"][4]["staff_count"] = None  # kotihoito-b: count the grants
    config = small_config(organisation=data["organisation"])
    closes = NOW + timedelta(days=15)
    with any_db.session() as session:
        from collectors.organisation import sync_units

        sync_units(session, config)
        people = [create_person(session, now=NOW - timedelta(days=30)) for _ in range(8)]
        for person in people[:6]:
            grant(session, person.id or 0, Role.STAFF, "kotihoito-b", now=NOW - timedelta(days=30))
        late = grant(
            session, people[6].id or 0, Role.STAFF, "kotihoito-b", now=closes + timedelta(days=1)
        )
        assert late.id is not None
        revoked = grant(
            session, people[7].id or 0, Role.STAFF, "kotihoito-b", now=NOW - timedelta(days=30)
        )
        revoked.revoked_at = NOW
        session.add(revoked)
        rid = _round(session)
        for _ in range(5):
            send_answers(session, rid, "kotihoito-a", 9, 4)
        for _ in range(5):
            send_answers(session, rid, "kotihoito-b", 9, 4)
        assert surveys.close_round(session, rid, closes, conversation_kind="survey")
        groups = _by_unit(survey_results(session, config, rid))
    assert groups["kotihoito-a"].staff == 7
    assert groups["kotihoito-a"].response_rate == pytest.approx(100 * 5 / 7)
    assert groups["kotihoito-b"].staff == 6  # six grants open at the close
    assert groups["koti"].staff == 13
    assert groups["koti"].response_rate == pytest.approx(100 * 10 / 13)
    assert groups["county"].staff == 25  # ohjaus (12) was asked too, nobody answered
    assert not groups["ohjaus"].shown and groups["ohjaus"].hidden is Hidden.TOO_FEW


def test_small_unit_counts_only_in_its_parent(any_db: Database, config: AppConfig) -> None:
    with any_db.session() as session:
        rid = _round(session)
        for _ in range(5):
            send_answers(session, rid, "kotihoito-a", 10, 5, "Enemmän aikaa asiakkaille")
        for _ in range(2):
            send_answers(session, rid, "kotihoito-b", 0, 1, "Parempi perehdytys")
        _close(session, rid)
        groups = _by_unit(survey_results(session, config, rid))
    b, a, koti = groups["kotihoito-b"], groups["kotihoito-a"], groups["koti"]
    assert (b.shown, b.hidden, b.respondents, b.questions) == (False, Hidden.TOO_FEW, None, ())
    # Showing A beside koti would give B's two answers by subtraction: A is hidden instead.
    assert (a.shown, a.hidden, a.respondents) == (False, Hidden.COMPLEMENT, None)
    assert koti.shown and koti.respondents == 7
    assert _question(koti, "nps").detractors == 2
    improve = _question(koti, "improve")
    assert improve.shown and improve.texts == tuple(
        sorted(["Enemmän aikaa asiakkaille"] * 5 + ["Parempi perehdytys"] * 2)
    )


def test_free_text_needs_the_minimum_of_writers(any_db: Database, config: AppConfig) -> None:
    with any_db.session() as session:
        rid = _round(session)
        for n in range(6):
            send_answers(session, rid, "kotihoito-a", 8, 4, "Kiitos" if n < 3 else "")
        for n in range(6):
            send_answers(session, rid, "kotihoito-b", 8, 4, "Lisää väkeä" if n < 3 else "")
        _close(session, rid)
        groups = _by_unit(survey_results(session, config, rid))
    assert groups["kotihoito-a"].shown
    assert not _question(groups["kotihoito-a"], "improve").shown  # three texts only
    assert _question(groups["kotihoito-a"], "improve").texts == ()
    koti = _question(groups["koti"], "improve")
    assert koti.shown and koti.answers == 6


def test_results_only_after_the_close(any_db: Database, config: AppConfig) -> None:
    with any_db.session() as session:
        rid = _round(session)
        send_answers(session, rid, "kotihoito-a", 9, 5)
        with pytest.raises(ResultsNotAvailable):
            survey_results(session, config, rid)
        with pytest.raises(ResultsNotAvailable):
            survey_results(session, config, "no-such-round")


def test_scope_filters_without_changing_what_is_hidden(any_db: Database, config: AppConfig) -> None:
    with any_db.session() as session:
        rid = _round(session)
        for _ in range(5):
            send_answers(session, rid, "kotihoito-a", 9, 5)
        for _ in range(2):
            send_answers(session, rid, "kotihoito-b", 9, 5)
        _close(session, rid)
        # A manager of kotihoito-a alone still does not see A (it would reveal B through koti).
        only_a = survey_results(session, config, rid, ["kotihoito-a"])
    assert [(g.unit_id, g.shown) for g in only_a] == [("kotihoito-a", False)]


def test_closing_rewrites_answers_and_forgets_receipts_and_drafts(any_db: Database) -> None:
    with any_db.session() as session:
        rid = _round(session)
        other = _round(session)
        for nps in (9, 3, 7):
            send_answers(session, rid, "kotihoito-a", nps, 4)
        send_answers(session, other, "kotihoito-a", 5, 5)
        person = create_person(session, now=NOW)
        session.add(
            Conversation(
                person_id=person.id or 0, kind="survey", state={"round": rid}, updated_at=NOW
            )
        )
        session.flush()
        before = set(
            session.exec(select(SurveyAnswer.id).where(SurveyAnswer.round_id == rid)).all()
        )
        values_before = sorted(
            (a.question_id, a.value)
            for a in session.exec(select(SurveyAnswer).where(SurveyAnswer.round_id == rid))
        )
        _close(session, rid)
        assert not surveys.close_round(
            session, rid, NOW + timedelta(days=20), conversation_kind="survey"
        )
        after = list(session.exec(select(SurveyAnswer).where(SurveyAnswer.round_id == rid)).all())
        assert sorted((a.question_id, a.value) for a in after) == values_before
        assert not before & {a.id for a in after}
        assert session.exec(select(SurveyReceipt).where(SurveyReceipt.round_id == rid)).all() == []
        assert (
            len(session.exec(select(SurveyReceipt).where(SurveyReceipt.round_id == other)).all())
            == 1
        )
        assert session.get(Conversation, person.id) is None
        assert surveys.respondent_count(session, rid) == 3


def test_receipt_key_is_keyed() -> None:
    first = surveys.receipt_key(b"secret-one", 12, "round")
    assert len(first) == 64
    assert first == surveys.receipt_key(b"secret-one", 12, "round")
    assert first != surveys.receipt_key(b"secret-two", 12, "round")
    assert first != surveys.receipt_key(b"secret-one", 13, "round")
    assert first != surveys.receipt_key(b"secret-one", 12, "other")
