"""Storage round trips, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import inspect, text
from sqlmodel import Session, col, select

from storage import absences, conversations, figures, notifications, reports
from storage.db import Database, current_revision, head_revision
from storage.models import Submission
from storage.notifications import mark_blocked
from storage.notify_models import Absence
from storage.people import (
    InvitationProblem,
    PersonRow,
    Role,
    check_invitation,
    create_invitation,
    create_person,
    find_person,
    grant,
    held_grants,
    use_invitation,
)
from storage.privacy import forget_person
from storage.reports import AnswerValue
from storage.speakers import Speaker, find_speaker
from storage.surveys import aware
from tests.support import store_tertile

NOW = datetime(2025, 9, 10, 7, 0, tzinfo=UTC)


def _draft(session: Session, external_id: str) -> tuple[int, Submission]:
    """A person and their unit's draft of 2025-T2 (the tertile stored)."""
    person = create_person(session, now=NOW, transport="telegram", external_id=external_id)
    assert person.id is not None
    store_tertile(session, NOW)
    sub = reports.get_or_create_submission(session, "2025-T2", "kotihoito-a", person.id, NOW)
    assert sub.id is not None
    return person.id, sub


def test_migrations_create_every_table_on_an_empty_database(any_db_url: str) -> None:
    db = Database(any_db_url)
    assert current_revision(db.engine) is None
    db.upgrade()
    assert current_revision(db.engine) == head_revision()
    tables = set(inspect(db.engine).get_table_names())
    assert {"unit", "person", "submission", "answer", "survey_answer", "notification"} <= tables
    db.upgrade()  # a second run is a no-op
    db.dispose()


def test_sqlite_runs_in_wal_mode(db: Database) -> None:
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_report_round_trip_with_revisions(any_db: Database) -> None:
    with any_db.session() as session:
        person = create_person(session, now=NOW, transport="telegram", external_id="42")
        assert person.id is not None
        grant(session, person.id, Role.MANAGER, "kotihoito-a", now=NOW)
        store_tertile(session, NOW)
        sub = reports.get_or_create_submission(session, "2025-T2", "kotihoito-a", person.id, NOW)
        assert sub.id is not None
        reports.put_answer(
            session,
            sub.id,
            "decisions",
            AnswerValue("answered", value=1050.0, raw="1 050"),
            person_id=person.id,
            now=NOW,
        )
        reports.put_answer(
            session,
            sub.id,
            "incident_types",
            AnswerValue("answered", choices=("medication", "fall"), raw="Lääkehoito, Kaatuminen"),
            person_id=person.id,
            now=NOW,
        )
        reports.mark_submitted(session, sub, person_id=person.id, role="manager", now=NOW)
    later = NOW + timedelta(days=1)
    with any_db.session() as session:
        found = find_person(session, "telegram", "42")
        assert found is not None and found.id is not None
        sub2 = reports.get_submission(session, "2025-T2", "kotihoito-a")
        assert sub2 is not None and sub2.id is not None
        assert sub2.status == "submitted" and sub2.version == 1
        stored = reports.put_answer(
            session,
            sub2.id,
            "decisions",
            AnswerValue("answered", value=1060.0, raw="1060"),
            person_id=found.id,
            now=later,
        )
        assert stored is not None and stored.correction
        answer_id = stored.answer_id
        answers = reports.answers_of(session, sub2.id)
        assert answers["incident_types"].choices == ["medication", "fall"]
        assert answers["decisions"].value == 1060.0
        values = reports.answer_values(session, sub2.id)
        assert values["incident_types"] == AnswerValue(
            "answered", choices=("medication", "fall"), raw="Lääkehoito, Kaatuminen"
        )
        assert values["decisions"] == AnswerValue("answered", value=1060.0, raw="1060")
        assert values == reports.previous_answers(session, "kotihoito-a", "2025-T2")
        assert answers["decisions"].id == answer_id
        revisions = reports.revisions_of(session, answer_id)
        assert [(r.value, r.raw) for r in revisions] == [(1050.0, "1 050")]
        rows = reports.export_rows(session, "2025-T2", None, "fi")
        assert {r.metric_id for r in rows} == {"decisions", "incident_types"}


def two_tertiles(session: Session) -> int:
    """Periods 2025-T1 and 2025-T2 stored, and a person to report them; the person's id."""
    person = create_person(session, now=NOW).id
    assert person is not None
    store_tertile(session, NOW)
    store_tertile(session, NOW, "2025-T1")
    return person


def test_unsent_drafts_count_their_answers_and_leave_sent_reports_out(any_db: Database) -> None:
    with any_db.session() as session:
        person = two_tertiles(session)
        ids = {}
        for period, unit in [("2025-T2", "kotihoito-b"), ("2025-T2", "kotihoito-a")]:
            ids[unit] = reports.get_or_create_submission(session, period, unit, person, NOW).id
        reports.get_or_create_submission(session, "2025-T1", "kotihoito-a", person, NOW)
        for metric in ("decisions", "queue_time"):
            reports.put_answer(
                session,
                ids["kotihoito-a"] or 0,
                metric,
                AnswerValue("not_available", raw="x"),
                person_id=person,
                now=NOW,
            )
        sent = reports.get_or_create_submission(session, "2025-T2", "ohjaus", person, NOW)
        reports.mark_submitted(session, sent, person_id=person, role="manager", now=NOW)
        drafts = notifications.unsent_drafts(
            session, ["2025-T2", "2025-T1"], ["kotihoito-a", "kotihoito-b", "ohjaus"]
        )
        assert drafts == [
            ("2025-T2", "kotihoito-a", 2),
            ("2025-T2", "kotihoito-b", 0),
            ("2025-T1", "kotihoito-a", 0),
        ]
        assert notifications.unsent_drafts(session, ["2025-T2"], ["kotihoito-b"]) == [
            ("2025-T2", "kotihoito-b", 0)
        ]
        assert notifications.unsent_drafts(session, [], ["kotihoito-a"]) == []


def test_the_latest_reported_period_before_a_day(any_db: Database) -> None:
    with any_db.session() as session:
        person = two_tertiles(session)
        for period in ("2025-T1", "2025-T2"):
            sub = reports.get_or_create_submission(session, period, "kotihoito-a", person, NOW)
            if period == "2025-T1":
                reports.mark_submitted(session, sub, person_id=person, role="manager", now=NOW)
        latest = figures.latest_reported_period
        found = latest(session, ["kotihoito-a"], date(2025, 9, 1))
        assert found is not None and found.id == "2025-T1"  # T2's draft is not a report
        assert latest(session, ["kotihoito-a"], date(2025, 1, 1)) is None  # nothing before
        assert latest(session, ["kotihoito-b"], date(2025, 9, 1)) is None  # another unit
        assert latest(session, [], date(2025, 9, 1)) is None


def test_put_answer_is_seen_by_answers_already_loaded_in_the_session(any_db: Database) -> None:
    """put_answer writes with Core: an Answer the session holds must not keep the old value."""
    with any_db.session() as session:
        person_id, sub = _draft(session, "43")
        assert sub.id is not None
        first = AnswerValue("answered", value=1.0, raw="1")
        stored = reports.put_answer(
            session, sub.id, "decisions", first, person_id=person_id, now=NOW
        )
        assert stored is not None and not stored.correction
        answer_id = stored.answer_id
        held = reports.answers_of(session, sub.id)["decisions"]
        assert held.value == 1.0
        later = NOW + timedelta(minutes=5)
        again = reports.put_answer(
            session, sub.id, "decisions", first, person_id=person_id, now=later
        )
        assert again == stored  # the same answer row, written again
        second = AnswerValue("answered", value=2.0, raw="2")
        reports.put_answer(session, sub.id, "decisions", second, person_id=person_id, now=later)
        assert reports.answers_of(session, sub.id)["decisions"].value == 2.0
        assert held.value == 2.0 and held.raw == "2" and aware(held.updated_at) == later
        assert reports.revisions_of(session, answer_id) == []  # not submitted yet: no revision
        assert sub.updated_at == NOW and sub not in session.dirty  # the answer keeps the time
        missing = reports.put_answer(
            session, 9999, "decisions", first, person_id=person_id, now=NOW
        )
        assert missing is None
    with any_db.session() as session:
        stored_sub = reports.get_submission(session, "2025-T2", "kotihoito-a")
        assert stored_sub is not None and aware(stored_sub.updated_at) == NOW
        assert [a.id for a in reports.answers_of(session, sub.id).values()] == [answer_id]


def test_put_answer_refuses_a_submission_deleted_meanwhile(any_db: Database) -> None:
    """The draft upsert reads the submission as its source: no submission, no orphan answer."""
    with any_db.session() as session:
        person_id, sub = _draft(session, "44")
        assert sub.id is not None
        submission_id = sub.id
        session.delete(sub)
    with any_db.session() as session:
        value = AnswerValue("answered", value=1.0, raw="1")
        assert (
            reports.put_answer(
                session, submission_id, "decisions", value, person_id=person_id, now=NOW
            )
            is None
        )
        assert reports.answers_of(session, submission_id) == {}


def test_a_period_and_a_submissions_head_are_read_as_stored(any_db: Database) -> None:
    with any_db.session() as session:
        person_id, sub = _draft(session, "45")
        assert sub.id is not None
        submission_id = sub.id
        assert reports.submission_head(session, submission_id) == reports.SubmissionHead(
            submission_id, sent_before=False
        )
        reports.mark_submitted(session, sub, person_id=person_id, role="manager", now=NOW)
        assert reports.submission_head(session, submission_id) == reports.SubmissionHead(
            submission_id, sent_before=True
        )
    with any_db.session() as session:
        period = reports.get_period(session, "2025-T2")
        assert period == reports.StoredPeriod(
            "2025-T2",
            "tertile",
            date(2025, 5, 1),
            date(2025, 8, 31),
            date(2025, 9, 1),
            date(2025, 9, 21),
            manual=False,
        )
        assert reports.get_period(session, "2025-T3") is None
        session.delete(session.get(Submission, submission_id))
    with any_db.session() as session:
        assert reports.submission_head(session, submission_id) is None


def test_find_speaker_reads_person_block_roles_and_conversation_at_once(any_db: Database) -> None:
    later = NOW + timedelta(days=30)
    with any_db.session() as session:
        person = create_person(session, now=NOW, transport="telegram", external_id="44")
        assert person.id is not None
        alone = Speaker(PersonRow(person.id, "", None), False, (), None)
        assert find_speaker(session, "telegram", "44", NOW) == alone
        assert find_speaker(session, "telegram", "45", NOW) is None
        grant(session, person.id, Role.MANAGER, "kotihoito-a", now=NOW)
        grant(session, person.id, Role.LEADER, "koti", now=NOW, valid_until=NOW + timedelta(days=1))
        revoked = grant(session, person.id, Role.STAFF, "kotihoito-b", now=NOW)
        revoked.revoked_at = NOW
        session.add(revoked)
        conversations.save(session, person.id, "report", {"i": 2}, NOW)
        mark_blocked(session, "telegram", "44", NOW)
        found = find_speaker(session, "telegram", "44", NOW)
        assert found is not None and found.blocked and found.person.id == person.id
        assert sorted((g.role, g.unit_id) for g in found.grants) == [
            ("leader", "koti"),
            ("manager", "kotihoito-a"),
        ]
        assert found.conversation is not None and found.conversation.state == {"i": 2}
        assert found.conversation == conversations.load(session, person.id)
        expired = find_speaker(session, "telegram", "44", later)  # the leader's role has ended
        assert expired is not None
        assert [(g.role, g.unit_id) for g in expired.grants] == [("manager", "kotihoito-a")]
        assert list(expired.grants) == held_grants(session, person.id, later)
        forget_person(session, person.id, later)
        assert find_speaker(session, "telegram", "44", later) is None


def test_invitation_lifecycle(any_db: Database) -> None:
    with any_db.session() as session:
        single = create_invitation(
            session,
            role=Role.MANAGER,
            unit_id="kotihoito-a",
            now=NOW,
            expires_in=timedelta(days=14),
        )
        multi = create_invitation(
            session,
            role=Role.STAFF,
            unit_id="kotihoito-a",
            now=NOW,
            expires_in=timedelta(days=1),
            max_uses=2,
        )
        assert len(single.code) >= 16
        assert single.invitation.code_hash != single.code  # only a hash is stored
    with any_db.session() as session:
        found = check_invitation(session, single.code, NOW)
        assert not isinstance(found, InvitationProblem)
        assert use_invitation(session, found)
        assert check_invitation(session, single.code, NOW) is InvitationProblem.USED
        assert check_invitation(session, "not-a-code", NOW) is InvitationProblem.UNKNOWN
        staff = check_invitation(session, multi.code, NOW)
        assert not isinstance(staff, InvitationProblem)
        assert use_invitation(session, staff)
        assert use_invitation(session, staff)
        assert not use_invitation(session, staff)
        assert (
            check_invitation(session, multi.code, NOW + timedelta(days=2))
            is InvitationProblem.EXPIRED
        )


def test_ending_an_absence_or_a_deputyship_today_frees_today(any_db: Database) -> None:
    today, later = NOW.date(), NOW.date() + timedelta(days=20)
    with any_db.session() as session:
        away = create_person(session, now=NOW, display_name="Away").id
        deputy = create_person(session, now=NOW, display_name="Deputy").id
        assert away is not None and deputy is not None
        absences.set_absence(session, away, today - timedelta(days=3), later, NOW)
        absences.save_deputy(
            session,
            unit_id="kotihoito-a",
            person_id=deputy,
            starts_on=today - timedelta(days=3),
            until=later,
            created_by="test",
            now=NOW,
        )
        absences.save_deputy(  # named for later on: it has not started, so it goes
            session,
            unit_id="kotihoito-b",
            person_id=deputy,
            starts_on=today + timedelta(days=5),
            until=later,
            created_by="test",
            now=NOW,
        )
        assert absences.away_on(session, today) == {away}
        assert absences.deputies_on(session, today) == {"kotihoito-a": [deputy]}
    with any_db.session() as session:
        assert absences.end_absence(session, away, today)
        assert absences.end_deputy(session, "kotihoito-a", deputy, today)
        assert absences.end_deputy(session, "kotihoito-b", deputy, today)
        assert not absences.end_absence(session, away, today)  # nothing left to end
    with any_db.session() as session:
        assert absences.away_on(session, today) == set()
        assert absences.away_on(session, today - timedelta(days=1)) == {away}  # the past stays
        assert absences.deputies_on(session, today) == {}
        assert absences.deputies_on(session, today - timedelta(days=1)) == {"kotihoito-a": [deputy]}
        assert [
            d.unit_id for d in absences.current_deputies(session, today - timedelta(days=1))
        ] == ["kotihoito-a"]


def test_an_absence_set_now_leaves_one_planned_for_later_alone(any_db: Database) -> None:
    today = NOW.date()
    with any_db.session() as session:
        person = create_person(session, now=NOW, display_name="Away").id
        assert person is not None
        july = (today + timedelta(days=200), today + timedelta(days=230))
        absences.set_absence(session, person, *july, NOW)
        absences.set_absence(session, person, today, today + timedelta(days=2), NOW)
        absences.set_absence(session, person, today, today + timedelta(days=1), NOW)  # shorter
        assert [(a.starts_on, a.until) for a in _absences(session, person)] == [
            (today, today + timedelta(days=1)),
            july,
        ]
        assert absences.end_absence(session, person, today) == (today, today + timedelta(days=1))
        assert absences.end_absence(session, person, today) == july  # called off
        assert absences.end_absence(session, person, today) is None
        assert _absences(session, person) == []


def _absences(session: Session, person_id: int) -> list[Absence]:
    statement = (
        select(Absence).where(Absence.person_id == person_id).order_by(col(Absence.starts_on))
    )
    return list(session.exec(statement).all())


def test_a_deputy_named_again_keeps_one_deputyship_with_the_new_last_day(
    any_db: Database,
) -> None:
    today = NOW.date()
    with any_db.session() as session:
        deputy = create_person(session, now=NOW, display_name="Deputy").id
        assert deputy is not None

        def name(starts_on: date, until: date) -> date | None:
            _row, before = absences.save_deputy(
                session,
                unit_id="kotihoito-a",
                person_id=deputy,
                starts_on=starts_on,
                until=until,
                created_by="test",
                now=NOW,
            )
            return before

        assert name(today, today + timedelta(days=9)) is None
        assert name(today + timedelta(days=3), today + timedelta(days=20)) == today + timedelta(
            days=9
        )
        assert name(today + timedelta(days=4), today + timedelta(days=5)) == today + timedelta(
            days=20
        )
        assert name(today + timedelta(days=8), today + timedelta(days=12)) is None  # it had ended
        rows = absences.current_deputies(session, today)
    assert [(d.starts_on, d.until) for d in rows] == [
        (today, today + timedelta(days=5)),
        (today + timedelta(days=8), today + timedelta(days=12)),
    ]


def test_claimed_keys_tells_which_messages_were_claimed_already(any_db: Database) -> None:
    now = datetime(2025, 2, 3, 7, 0, tzinfo=UTC)
    keys = ["survey:r:open:x" + "y" * 200] + [f"survey:r:open:{n}:test" for n in range(1200)]
    claims = [notifications.Claim(k, "survey", "open", None, None, None) for k in keys]
    with any_db.session() as session:
        assert notifications.claimed_keys(session, keys) == set()
        # Every other one, the long key (cut to the column) among them; over three chunks.
        assert len(notifications.claim_many(session, claims[::2], now)) == 601
    with any_db.session() as session:
        assert notifications.claimed_keys(session, keys) == {k[:160] for k in keys[::2]}
        assert notifications.claimed_keys(session, []) == set()
