"""A closed round's counts, kept at the close: written, backfilled, equal to the answers, deleted."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from collectors.config import AppConfig
from collectors.organisation import sync_units
from collectors.survey_results import survey_history, survey_results
from storage import survey_counts, survey_figures, surveys
from storage.db import Database, current_revision, head_revision, upgrade
from storage.people import Role, create_person, grant
from storage.survey_models import SurveyAnswer, SurveyRound, SurveyRoundCounts
from tests.support import REPORT_DAY, small_config
from tests.test_survey_figures import send_answers

NOW = REPORT_DAY
UNITS = ["kotihoito-a", "kotihoito-b", "ohjaus"]


def _round(session: Session, label: str, opens: datetime = NOW) -> str:
    row = surveys.create_round(
        session,
        survey_id="staff",
        unit_ids=UNITS,
        label=label,
        opens_at=opens,
        closes_at=opens + timedelta(days=14),
        now=opens,
    )
    return row.id


def _close(session: Session, round_id: str, opens: datetime = NOW) -> None:
    assert surveys.close_round(
        session, round_id, opens + timedelta(days=15), conversation_kind="survey"
    )


def _kept(session: Session, round_id: str) -> dict[str, Any] | None:
    return survey_counts.stored_counts(session, [round_id]).get(round_id)


def _forget_counts(session: Session) -> None:
    """Delete every kept count, so that the figures come from the answers again."""
    session.execute(delete(SurveyRoundCounts))
    session.flush()


def _same(left: survey_figures.RoundCounts, right: survey_figures.RoundCounts) -> bool:
    return (left.values, left.given) == (right.values, right.given)


def test_closing_keeps_the_counts_per_group_question_and_value(any_db: Database) -> None:
    with any_db.session() as session:
        rid = _round(session, "2025-3")
        for nps, nss in [(9, 5), (9, 4), (3, 4)]:
            send_answers(session, rid, "kotihoito-a", nps, nss, "Kiitos")
        send_answers(session, rid, "ohjaus", 10, 2)
        assert _kept(session, rid) is None  # nothing kept while the round is open
        _close(session, rid)
        kept = _kept(session, rid)
        assert kept is not None
        # [answers, value, n, value, n, ...] per group (a unit with its subtree) and question
        groups = kept["groups"]
        assert groups["kotihoito-a"] == groups["koti"]
        assert groups["kotihoito-a"] == {
            "*": [3],
            "improve": [3],
            "nps": [3, 3, 1, 9, 2],
            "nss": [3, 4, 2, 5, 1],
        }
        assert groups["ohjaus"] == {"*": [1], "nps": [1, 10, 1], "nss": [1, 2, 1]}
        assert groups["county"] == {
            "*": [4],
            "improve": [3],
            "nps": [4, 3, 1, 9, 2, 10, 1],
            "nss": [4, 2, 1, 4, 2, 5, 1],
        }
        assert set(groups) == {"county", "koti", "kotihoito-a", "asiakas", "ohjaus"}
        # The units summed over: those with answers and their ancestors.
        assert kept["tree"] == {
            "kotihoito-a": "koti",
            "koti": "county",
            "county": None,
            "ohjaus": "asiakas",
            "asiakas": "county",
        }
        # The texts are counted, never copied.
        assert "Kiitos" not in str(kept)
        assert _same(
            survey_figures.round_counts(session, rid), survey_figures.count_round(session, rid)
        )
        # Closing again changes nothing.
        assert not surveys.close_round(
            session, rid, NOW + timedelta(days=16), conversation_kind="s"
        )
        assert _kept(session, rid) == kept
        # The figures are read from the kept sums, not from the answers.
        session.execute(delete(SurveyAnswer))
        assert survey_figures.round_counts(session, rid).given[("county", "*")] == 4
        session.rollback()


def test_closing_a_round_without_answers_keeps_empty_counts(any_db: Database) -> None:
    with any_db.session() as session:
        rid = _round(session, "2025-3")
        _close(session, rid)
        assert _kept(session, rid) == {"groups": {}, "tree": {}}
        assert survey_figures.round_counts(session, rid).given == {}


# unit, question, value, text: one survey_answer row to insert.
_AnswerRow = tuple[str, str, int | None, str | None]


def _insert_closed_round_at_0002(connection: object, round_id: str, closed: bool) -> None:
    execute = connection.execute  # type: ignore[attr-defined]
    execute(
        text(
            "INSERT INTO survey_round (id, survey_id, unit_ids, label, opens_at, closes_at, "
            "closed_at, created_at) VALUES (:id, 'staff', :units, :label, :at, :at, :closed, :at)"
        ),
        {
            "id": round_id,
            "units": '["u1", "u2"]',
            "label": round_id,
            "at": NOW,
            "closed": NOW if closed else None,
        },
    )
    rows: list[_AnswerRow] = [("u1", "*", None, None)] * 3
    rows += [("u2", "*", None, None)]
    rows += [("u1", "nps", 9, None), ("u1", "nps", 9, None), ("u1", "nps", 2, None)]
    rows += [("u2", "nps", 7, None), ("u1", "improve", None, "Kiitos"), ("u2", "nss", None, None)]
    for unit, question, value, written in rows:
        execute(
            text(
                "INSERT INTO survey_answer (id, round_id, unit_id, question_id, value, text) "
                "VALUES (:id, :round, :unit, :q, :value, :text)"
            ),
            {
                "id": secrets.token_hex(16),
                "round": round_id,
                "unit": unit,
                "q": question,
                "value": value,
                "text": written,
            },
        )


def test_upgrade_counts_the_rounds_closed_before_it(any_db_url: str) -> None:
    db = Database(any_db_url)
    upgrade(db.engine, "0002")
    with db.engine.begin() as connection:
        for unit, parent in (("top", None), ("u1", "top"), ("u2", "top")):
            connection.execute(
                text(
                    "INSERT INTO unit (id, parent_id, kind, name_fi, name_sv, name_en, active) "
                    "VALUES (:id, :parent, 'unit', 'Yksikkö', 'Enhet', 'Unit', true)"
                ),
                {"id": unit, "parent": parent},
            )
        _insert_closed_round_at_0002(connection, "closed-round", closed=True)
        _insert_closed_round_at_0002(connection, "open-round", closed=False)
    upgrade(db.engine, "head")
    assert current_revision(db.engine) == head_revision()
    with db.session() as session:
        kept = survey_counts.stored_counts(session, ["closed-round", "open-round"])
        assert set(kept) == {"closed-round"}  # an open round is counted when it closes
        per_unit = survey_counts.count_answers(session, "closed-round")
        parents = survey_counts.unit_parents(session)
        assert kept["closed-round"] == {  # what the close now keeps
            "groups": survey_counts.sum_groups(per_unit, parents),
            "tree": survey_counts.summed_over(per_unit, parents),
        }
        assert kept["closed-round"] == {
            "groups": {
                "top": {"*": [4], "improve": [1], "nps": [4, 2, 1, 7, 1, 9, 2]},
                "u1": {"*": [3], "improve": [1], "nps": [3, 2, 1, 9, 2]},
                "u2": {"*": [1], "nps": [1, 7, 1]},  # an empty answer counts nowhere
            },
            "tree": {"u1": "top", "u2": "top", "top": None},
        }
        from_kept = survey_figures.round_counts(session, "closed-round")
        live = survey_figures.count_round(session, "closed-round")
        assert _same(from_kept, live)
        assert from_kept.given[("top", "*")] == 4
    db.dispose()


def test_models_match_the_migrations(any_db_url: str) -> None:
    db = Database(any_db_url)
    db.upgrade()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, _parent: (
                    not (kind == "table" and name == "apscheduler_jobs")
                ),
            },
        )
        assert compare_metadata(context, SQLModel.metadata) == []
    db.dispose()


def test_a_round_with_kept_counts_is_never_deleted_alone(any_db: Database) -> None:
    with any_db.session() as session:
        rid = _round(session, "2025-3")
        send_answers(session, rid, "kotihoito-a", 9, 5)
        _close(session, rid)
    gone = delete(SurveyRound).where(col(SurveyRound.id) == rid)
    with any_db.session() as session:
        session.execute(delete(SurveyAnswer))
        with pytest.raises(IntegrityError):
            session.execute(gone)
        session.rollback()
    with any_db.session() as session:  # with its counts and answers, it goes
        session.execute(delete(SurveyAnswer))
        session.execute(delete(SurveyRoundCounts))
        session.execute(gone)
    with any_db.session() as session:
        assert session.exec(select(SurveyRound)).all() == []


def _history_world(session: Session, config: AppConfig) -> list[str]:
    """Four closed rounds with small units, complements, texts and a unit counted by grants."""
    people = [create_person(session, now=NOW - timedelta(days=400)) for _ in range(5)]
    for person in people[:4]:
        grant(session, person.id or 0, Role.STAFF, "kotihoito-b", now=NOW - timedelta(days=400))
    # Active at the close of the last two rounds only: their staff differ.
    grant(session, people[4].id or 0, Role.STAFF, "kotihoito-b", now=NOW - timedelta(days=300))
    shapes = [
        # (unit, nps, nss, text) per respondent
        [("kotihoito-a", 9, 5, "Kiitos")] * 5 + [("kotihoito-b", 0, 1, "Öisin")] * 2,
        [("kotihoito-a", n, 4, "") for n in range(11)] + [("ohjaus", 7, 3, "Aamulla")] * 6,
        [("kotihoito-b", 10, 2, "Zeta"), ("kotihoito-b", 1, 2, "alpha")] * 4,
        [],
    ]
    ids = []
    for number, shape in enumerate(shapes):
        opens = NOW - timedelta(days=120 * (len(shapes) - number))
        rid = _round(session, f"round-{number}", opens)
        for unit, nps, nss, written in shape:
            send_answers(session, rid, unit, nps, nss, written)
        _close(session, rid, opens)
        ids.append(rid)
    _round(session, "still-open")  # an open round is in no history
    return ids


def test_results_from_kept_counts_equal_those_from_the_answers(
    any_db: Database, config: AppConfig
) -> None:
    data = small_config().model_dump(mode="json")
    data["organisation"]["units"][4]["staff_count"] = None  # kotihoito-b: count the grants
    config = small_config(organisation=data["organisation"])
    with any_db.session() as session:
        sync_units(session, config)
        ids = _history_world(session, config)
        scopes: list[list[str] | None] = [None, ["koti", "kotihoito-a"], ["ohjaus"]]
        kept = {
            str(scope): (
                [survey_results(session, config, rid, scope) for rid in ids],
                survey_history(session, config, "staff", scope),
            )
            for scope in scopes
        }
        assert len(survey_counts.stored_counts(session, ids)) == len(ids)
        _forget_counts(session)
        for scope in scopes:
            live = [survey_results(session, config, rid, scope) for rid in ids]
            one_by_one, history = kept[str(scope)]
            assert one_by_one == live
            assert [r.id for r, _groups in history] == ids
            assert [groups for _r, groups in history] == live
            assert survey_history(session, config, "staff", scope) == history
    everyone = kept["None"][0]
    assert any(not g.shown for groups in everyone for g in groups)  # suppression was exercised
    assert any(q.texts for groups in everyone for g in groups for q in g.questions)
    assert len({g.staff for groups in everyone for g in groups if g.unit_id == "koti"}) > 1


def test_kept_counts_follow_a_later_move_of_a_unit(any_db: Database, config: AppConfig) -> None:
    with any_db.session() as session:
        rid = _round(session, "2025-3")
        for _ in range(5):
            send_answers(session, rid, "kotihoito-a", 9, 5)
        for _ in range(6):
            send_answers(session, rid, "ohjaus", 3, 2)
        _close(session, rid)
        # kotihoito-a moves to asiakas after the round: its answers count there now.
        data = config.model_dump(mode="json")
        data["organisation"]["units"][3]["parent"] = "asiakas"
        moved = small_config(organisation=data["organisation"])
        sync_units(session, moved)
        kept = survey_counts.stored_counts(session, [rid])[rid]
        assert survey_figures.from_kept(kept, survey_counts.unit_parents(session)) is None
        from_kept = {g.unit_id: g for g in survey_results(session, moved, rid)}
        _forget_counts(session)
        live = {g.unit_id: g for g in survey_results(session, moved, rid)}
    assert from_kept == live
    assert from_kept["asiakas"].respondents == 11


def test_forgetting_and_purging_keep_the_counts(db: Database) -> None:
    from storage.privacy import forget_person, purge_expired

    with db.session() as session:
        rid = _round(session, "2025-3")
        person = create_person(session, now=NOW)
        grant(session, person.id or 0, Role.STAFF, "kotihoito-a", now=NOW)
        for _ in range(5):
            send_answers(session, rid, "kotihoito-a", 9, 5)
        _close(session, rid)
        before = _kept(session, rid)
        later = datetime(2026, 1, 1, tzinfo=UTC)
        assert forget_person(session, person.id or 0, later) is not None
        purge_expired(session, timedelta(days=30), later)
        # Anonymous counts never held the person; nothing about them is derived from people.
        assert _kept(session, rid) == before
        assert _same(
            survey_figures.round_counts(session, rid), survey_figures.count_round(session, rid)
        )


def test_a_new_unit_elsewhere_keeps_the_kept_sums_in_use(
    any_db: Database, config: AppConfig
) -> None:
    with any_db.session() as session:
        rid = _round(session, "2025-3")
        for _ in range(5):
            send_answers(session, rid, "kotihoito-a", 9, 5)
        _close(session, rid)
        data = config.model_dump(mode="json")
        data["organisation"]["units"].append(
            {"id": "uusi", "parent": "asiakas", "name": {"fi": "Uusi", "sv": "Ny", "en": "New"}}
        )
        sync_units(session, small_config(organisation=data["organisation"]))
        kept = survey_counts.stored_counts(session, [rid])[rid]
        from_kept = survey_figures.from_kept(kept, survey_counts.unit_parents(session))
        assert from_kept is not None  # only the units summed over matter
        assert _same(from_kept, survey_figures.count_round(session, rid))
