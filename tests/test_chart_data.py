"""The data each chart is given: values, periods, gaps, targets, suppression, from SQL."""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta

import pytest
from sqlmodel import Session

from charts.data import GoalStatusChart, Scorecard
from charts.pages import plan_pages
from collectors.chart_data import distribution_chart, paired_bars_charts, trend_chart
from collectors.chart_periods import default_period, period_span, year_spans
from collectors.chart_scope import Scope, Tree, chart_metrics, find_metric, full_scope
from collectors.chart_survey import index_charts
from collectors.config import AppConfig
from collectors.goal_charts import goal_status_chart, scorecards
from collectors.i18n import translator
from collectors.interim_report import interim_report
from collectors.periods import Period, period_from_id
from collectors.summary import DIVISION_CHARTS, key_figures, summary_page, target_status
from storage import figures, reports, surveys
from storage.db import Database
from storage.people import create_person
from storage.reports import AnswerValue
from tests.support import REPORT_DAY

NOW = REPORT_DAY
EN = translator("en")
PERIODS = ("2024-T1", "2024-T2", "2024-T3", "2025-T1")


def n(value: float, raw: str | None = None) -> AnswerValue:
    return AnswerValue("answered", value=value, raw=raw or str(value))


def picks(*choices: str) -> AnswerValue:
    return AnswerValue("answered", choices=choices, raw=", ".join(choices))


# period -> unit -> metric -> answer; a missing unit has no report for that period.
SEED: dict[str, dict[str, dict[str, AnswerValue]]] = {
    "2024-T1": {
        "kotihoito-a": {
            "sick_leave": n(5.0),
            "decisions": n(1000),
            "incident_types": picks("medication", "fall"),
        },
        "kotihoito-b": {"sick_leave": n(6.0), "decisions": n(500), "incident_types": picks("fall")},
        "ohjaus": {"sick_leave": n(3.0), "decisions": n(2000)},
    },
    "2024-T2": {  # kotihoito-a did not report
        "kotihoito-b": {
            "sick_leave": n(5.5),
            "decisions": n(520),
            "incident_types": picks("other"),
        },
        "ohjaus": {"sick_leave": n(3.0), "decisions": n(2100)},
    },
    "2024-T3": {
        "kotihoito-a": {"sick_leave": n(4.6), "decisions": n(1200)},
        "kotihoito-b": {"sick_leave": n(5.0), "decisions": AnswerValue("not_available", raw="x")},
        "ohjaus": {"sick_leave": n(3.0), "decisions": n(2200)},
    },
    "2025-T1": {
        "kotihoito-a": {
            "sick_leave": n(4.2, "4,2 %"),
            "decisions": n(1300, "1 300 kpl"),
            "queue_time": n(13 * 60 + 25, "0:13:25"),
            "handling_days": n(10),
            "incident_types": picks("medication"),
            "sick_leave_goal": picks("challenges"),
            "actions": AnswerValue("answered", text="Kaksoistarkistus käyttöön.", raw="x"),
        },
        "kotihoito-b": {
            "sick_leave": n(4.5),
            "decisions": n(600),
            "handling_days": n(16),
            "incident_types": picks("information", "medication"),
            "sick_leave_goal": picks("on_schedule"),
        },
        "ohjaus": {"sick_leave": n(3.0), "decisions": n(2300)},
    },
}


def seed(db: Database, config: AppConfig) -> None:
    """Submitted reports of ``SEED``, and a draft for 2025-T2 that must count nowhere."""
    with db.session() as session:
        person = create_person(session, now=NOW, display_name="Seeder")
        assert person.id is not None
        for period_id, units in SEED.items():
            period = period_from_id(period_id, config.periods)
            store(session, period)
            for unit, answers in units.items():
                sub = reports.get_or_create_submission(session, period_id, unit, person.id, NOW)
                assert sub.id is not None
                for metric, value in answers.items():
                    reports.put_answer(session, sub.id, metric, value, person_id=person.id, now=NOW)
                reports.mark_submitted(session, sub, person_id=person.id, role="manager", now=NOW)
        store(session, period_from_id("2025-T2", config.periods))
        draft = reports.get_or_create_submission(session, "2025-T2", "ohjaus", person.id, NOW)
        assert draft.id is not None
        reports.put_answer(session, draft.id, "sick_leave", n(99.0), person_id=person.id, now=NOW)


def store(session: Session, period: Period) -> None:
    reports.save_period(
        session,
        period_id=period.id,
        scheme=str(period.scheme),
        start=period.start,
        end=period.end,
        opens_on=period.opens_on,
        deadline=period.deadline,
        manual=False,
        now=NOW,
    )


def period(config: AppConfig, period_id: str) -> Period:
    return period_from_id(period_id, config.periods)


@pytest.fixture
def seeded(db: Database, config: AppConfig) -> Database:
    seed(db, config)
    return db


# storage: sums in SQL -------------------------------------------------------------------------
def test_group_figures_sum_and_mean_subtrees_and_ignore_drafts(
    any_db: Database, config: AppConfig
) -> None:
    seed(any_db, config)
    with any_db.session() as session:
        found = figures.metric_figures(
            session,
            ["sick_leave", "decisions"],
            ["kotihoito-a", "koti", "county"],
            ["2024-T2", "2024-T3", "2025-T1", "2025-T2"],
        )
        counts = figures.choice_counts(session, "incident_types", "koti", ["2025-T1"])
        last_year = figures.choice_counts(session, "incident_types", "koti", ["2024-T1"])
        everyone = ["kotihoito-a", "kotihoito-b", "ohjaus"]
        status = figures.status_counts(session, "2025-T2", everyone)
        goals = figures.first_choices(session, ["sick_leave_goal"], everyone, "2025-T1")
        texts = figures.text_answers(session, ["actions"], ["kotihoito-a", "ohjaus"], "2025-T1")
        sent = figures.submitted_units(session, "2024-T2", ["kotihoito-a", "kotihoito-b"])
    koti = found[("koti", "2025-T1", "sick_leave")]
    assert (koti.total, koti.mean, koti.reports) == (pytest.approx(8.7), pytest.approx(4.35), 2)
    assert found[("county", "2025-T1", "decisions")].total == 1300 + 600 + 2300
    assert ("kotihoito-a", "2024-T2", "sick_leave") not in found  # no report: a gap
    # Not available is not a zero: kotihoito-b's 2024-T3 decisions are left out of the sum.
    assert found[("koti", "2024-T3", "decisions")].total == 1200
    assert found[("koti", "2024-T3", "decisions")].reports == 1
    assert not any(key[1] == "2025-T2" for key in found)  # the draft counts nowhere
    assert counts == figures.ChoiceCounts({"medication": 2, "information": 1}, 2)
    assert last_year == figures.ChoiceCounts({"medication": 1, "fall": 2}, 2)
    assert (status.submitted, status.draft, status.not_started) == (0, 1, 2)
    assert goals == {
        ("kotihoito-a", "sick_leave_goal"): "challenges",
        ("kotihoito-b", "sick_leave_goal"): "on_schedule",
    }
    assert texts == [("kotihoito-a", "actions", "Kaksoistarkistus käyttöön.")]
    assert sent == {"kotihoito-b"}


# the charts' data -----------------------------------------------------------------------------
def test_trend_of_a_unit_has_periods_in_order_gaps_and_config_levels(
    seeded: Database, config: AppConfig
) -> None:
    metric = config.metric("sick_leave")
    span = period_span(config, period(config, "2025-T1"), 5)
    assert [p.id for p in span] == ["2024-T1", "2024-T2", "2024-T3", "2025-T1"]  # first_year
    with seeded.session() as session:
        chart = trend_chart(session, config, metric, "kotihoito-a", span, EN)
    assert [s.label for s in chart.series] == ["Kotihoito A (en)"]
    assert chart.series[0].points == (
        ("T1/2024", 5.0),
        ("T2/2024", None),
        ("T3/2024", 4.6),
        ("T1/2025", 4.2),
    )
    assert (chart.target, chart.baseline, chart.unit_label) == (4.8, 5.0, "%")
    assert chart.locale == "en"


def test_trend_of_a_division_is_the_mean_with_a_line_per_unit(
    seeded: Database, config: AppConfig
) -> None:
    span = period_span(config, period(config, "2025-T1"), 2)
    with seeded.session() as session:
        chart = trend_chart(session, config, config.metric("sick_leave"), "koti", span, EN)
        totals = trend_chart(session, config, config.metric("decisions"), "koti", span, EN)
    assert [s.label for s in chart.series] == [
        "Koti- ja asumispalvelut (en)",
        "Kotihoito A (en)",
        "Kotihoito B (en)",
    ]
    assert chart.series[0].points == (("T3/2024", 4.8), ("T1/2025", pytest.approx(4.35)))
    assert "mean of units" in chart.title
    # A count is the division's total, one line, and a unit's target says nothing about a sum.
    assert [s.points for s in totals.series] == [(("T3/2024", 1200.0), ("T1/2025", 1900.0))]
    assert "total of units" in totals.title and totals.target is None


def test_paired_bars_per_unit_with_the_shared_target(seeded: Database, config: AppConfig) -> None:
    current, previous = period(config, "2025-T1"), period(config, "2024-T3")
    with seeded.session() as session:
        (bars,) = paired_bars_charts(
            session, config, config.metric("handling_days"), "county", current, previous, EN
        )
        (sick,) = paired_bars_charts(
            session, config, config.metric("sick_leave"), "koti", current, previous, EN
        )
    assert bars.rows == (
        ("Kotihoito A (en)", 10.0, None),
        ("Kotihoito B (en)", 16.0, None),
        ("Asiakasohjaus (en)", None, None),
    )
    assert bars.target == 14
    assert (bars.current_label, bars.previous_label) == ("T1/2025", "T3/2024")
    assert sick.rows == (("Kotihoito A (en)", 4.2, 4.6), ("Kotihoito B (en)", 4.5, 5.0))


def test_distribution_this_year_against_the_same_months_last_year(
    seeded: Database, config: AppConfig
) -> None:
    spans = year_spans(config, period(config, "2025-T1"))
    assert (spans.this_ids, spans.last_ids) == (("2025-T1",), ("2024-T1",))
    assert (spans.this_label, spans.last_label) == ("1–4/2025", "1–4/2024")
    metric = config.metric("incident_types")
    with seeded.session() as session:
        chart, counted = distribution_chart(
            session, config, metric, "koti", period(config, "2025-T1"), EN
        )
        alone, _ = distribution_chart(
            session, config, metric, "ohjaus", period(config, "2025-T1"), EN
        )
    assert chart.categories == (
        "Medication",
        "Information flow",
        "Accident/fall",
        "Violence or threat",
        "Other",
    )
    assert chart.this_counts == (2, 1, 0, 0, 0)
    assert chart.last_counts == (1, 0, 2, 0, 0)
    assert counted == 4
    assert alone.this_counts == (None,) * 5  # nobody answered: not reported, not zero


def test_scorecard_rows_follow_the_goal_metric(seeded: Database, config: AppConfig) -> None:
    with seeded.session() as session:
        (card,) = scorecards(session, config, "koti", period(config, "2025-T1"), EN)
        none = scorecards(session, config, "koti", period(config, "2024-T3"), EN)
    assert [(r.goal, r.status, r.latest, r.baseline, r.target) for r in card.rows] == [
        ("Kotihoito A (en): Absence goal status", "challenges", 4.2, 5.0, 4.8),
        ("Kotihoito B (en): Absence goal status", "on_schedule", 4.5, 5.0, 4.8),
    ]
    assert card.rows[0].metric == "Sick leave" and card.rows[0].unit == "%"
    assert card.status_labels["challenges"] == "Challenges"
    assert none == []


def test_key_figures_compare_with_the_last_period_and_the_target(
    seeded: Database, config: AppConfig
) -> None:
    with seeded.session() as session:
        rows = key_figures(
            session,
            config,
            "kotihoito-a",
            period(config, "2025-T1"),
            period(config, "2024-T3"),
            translator("fi"),
        )
    by_label = {r.label: r for r in rows}
    sick = by_label["Sairauspoissaolot"]
    assert (sick.value_text, sick.previous_text, sick.target_text) == (
        "4,2\u00a0%",
        "4,6\u00a0%",
        "4,8\u00a0%",
    )
    assert sick.status == "on_schedule"  # lower is better: 4,2 meets 4,8
    assert by_label["Asiakaspäätökset"].value_text == "1\u00a0300\u00a0kpl"
    assert by_label["Keskimääräinen jonotusaika"].value_text == "13,42\u00a0min"
    assert by_label["Käsittelyaika (vrk)"].status == "on_schedule"
    assert by_label["HaiPro-ilmoitukset"].value_text == "puuttuu"
    metric = config.metric("handling_days")
    assert target_status(metric, 16, 14, None) == "challenges"
    assert target_status(config.metric("decisions"), 5, 4, None) is None  # no direction


def test_summary_lists_units_that_have_not_reported(seeded: Database, config: AppConfig) -> None:
    with seeded.session() as session:
        page = summary_page(
            session, config, full_scope(config), "county", period(config, "2024-T2"), EN
        )
        staff_only = Scope(frozenset(), frozenset({"kotihoito-a"}))
        survey_page = summary_page(
            session, config, staff_only, "kotihoito-a", period(config, "2025-T1"), EN
        )
        with pytest.raises(PermissionError):
            summary_page(session, config, staff_only, "koti", period(config, "2025-T1"), EN)
    assert page.missing_units == ("Kotihoito A (en)",)
    assert "2 of 3 reports sent" in page.subtitle
    assert survey_page.key_figures == () and survey_page.missing_units == ()


def test_a_division_counts_its_goals_a_unit_lists_them(seeded: Database, config: AppConfig) -> None:
    t1 = period(config, "2025-T1")
    with seeded.session() as session:
        goals = goal_status_chart(session, config, "koti", t1, EN)
        none_yet = goal_status_chart(session, config, "koti", period(config, "2024-T3"), EN)
        division = summary_page(session, config, full_scope(config), "koti", t1, EN)
        unit = summary_page(session, config, full_scope(config), "kotihoito-a", t1, EN)
    assert goals is not None and goals.title == "Goals: Koti- ja asumispalvelut (en)"
    (row,) = goals.rows
    assert row.goal == "Absence goal status"
    assert dict(row.counts) == {"on_schedule": 1, "challenges": 1, "not_started": 0, "done": 0}
    assert row.unreported == 0 and row.units == 2
    assert row.challenged == ("Kotihoito A (en)",)
    assert none_yet is not None and none_yet.rows[0].unreported == 2  # nobody gave a status
    assert sum(n for _status, n in none_yet.rows[0].counts) == 0
    # The division's page: goals in brief first, then at most DIVISION_CHARTS charts; no
    # unit's goal rows. A unit's page keeps its goals in full.
    assert isinstance(division.charts[0], GoalStatusChart)
    assert len(division.charts) <= 1 + DIVISION_CHARTS
    assert not any(isinstance(c, Scorecard) for c in division.charts)
    assert any(isinstance(c, Scorecard) for c in unit.charts)
    assert not any(isinstance(c, GoalStatusChart) for c in unit.charts)


def test_default_period_and_figure_catalog(seeded: Database, config: AppConfig) -> None:
    with seeded.session() as session:
        assert default_period(session, config, NOW).id == "2025-T2"  # open for reporting
        later = NOW + timedelta(days=30)  # the window has closed: the newest ended period
        assert default_period(session, config, later).id == "2025-T2"
    keys = [f.key for f in chart_metrics(config)]
    assert "m0" in keys and "s0" in keys and all(len(k) <= 4 for k in keys)
    assert all(f.metric is None or f.metric.kind != "text" for f in chart_metrics(config))
    nps = find_metric(config, "nps")
    assert nps is not None and nps.is_survey and nps.survey_id == "staff"
    assert find_metric(config, "actions") is None  # free text is not charted
    by_name = [find_metric(config, name) for name in ("Sick leave", "SJUKFRÅNVARO", "sairaus")]
    assert [f.id if f else None for f in by_name] == ["sick_leave"] * 3
    assert find_metric(config, "asiak") is None  # starts two names: Asiakaspäätökset, Asiakkaiden
    tree = Tree(config)
    assert tree.subtree("koti") == ["koti", "kotihoito-a", "kotihoito-b"]
    assert tree.subtree("county") == [u.id for u in config.organisation.units]  # config order
    assert tree.subtree("ohjaus") == ["ohjaus"]
    assert tree.subtree("gone") == []


# surveys: only suppression-aware results ------------------------------------------------------
def _survey_round(session: Session, answers: dict[str, list[int]], label: str) -> None:
    row = surveys.create_round(
        session,
        survey_id="staff",
        unit_ids=["kotihoito-a", "kotihoito-b", "ohjaus"],
        label=label,
        opens_at=NOW,
        closes_at=NOW + timedelta(days=14),
        now=NOW,
    )
    for unit, values in answers.items():
        for value in values:
            surveys.store_response(
                session,
                round_id=row.id,
                unit_id=unit,
                receipt=secrets.token_hex(32),
                answers={"nps": value, "nss": 4},
            )
    assert surveys.close_round(session, row.id, NOW + timedelta(days=15), conversation_kind="s")


def test_index_charts_hide_groups_under_the_minimum(db: Database, config: AppConfig) -> None:
    with db.session() as session:
        _survey_round(
            session,
            {"kotihoito-a": [10, 9, 8, 3, 9], "kotihoito-b": [9, 9], "ohjaus": [1, 2, 3, 4, 5]},
            "2025/1",
        )
        nps = find_metric(config, "nps")
        assert nps is not None
        group, units = index_charts(session, config, nps, "koti", 4, EN)
        _, shown = index_charts(session, config, nps, "asiakas", 4, EN)
        (alone,) = index_charts(session, config, nps, "kotihoito-b", 4, EN)
    assert group.index_name == "NPS" and [r.label for r in group.rounds] == ["2025/1"]
    koti = group.rounds[0]
    # 5 promoters and 1 detractor of 7: the division counts its small unit's answers.
    assert (koti.suppressed, koti.n, koti.index) == (False, 7, pytest.approx(100 * 4 / 7))
    # B has 2 answers; A is hidden too, or the division minus A would reveal B.
    assert [r.label for r in units.rounds] == ["Kotihoito A (en)", "Kotihoito B (en)"]
    for hidden in (*units.rounds, *alone.rounds):
        assert hidden.suppressed and hidden.index is None and hidden.n is None
        assert hidden.promoters_pct is None and hidden.detractors_pct is None
    (ohjaus,) = shown.rounds
    assert (ohjaus.suppressed, ohjaus.index, ohjaus.n) == (False, -100.0, 5)
    assert ohjaus.detractors_pct == 100.0


# the interim report ---------------------------------------------------------------------------
def test_interim_report_has_sections_actions_and_a_page_per_unit(
    seeded: Database, config: AppConfig
) -> None:
    with seeded.session() as session:
        document = interim_report(
            session,
            config,
            full_scope(config),
            ["koti"],
            period(config, "2025-T1"),
            translator("sv"),
            today=date(2025, 5, 30),
        )
    assert document.language == "sv"
    headings = [s.heading for s in document.sections]
    assert len(headings) == 5  # every area with metrics, in order; no equality metrics
    staff = document.sections[-1]
    assert any("Kaksoistarkistus käyttöön." in p for p in staff.paragraphs)
    assert [p.title for p in document.unit_pages] == ["Kotihoito A (sv)", "Kotihoito B (sv)"]
    name, sent = document.cover_lines
    assert name == "Testområde" and re.search(r"\b2\b\D+\b2\b", sent)  # 2 of 2 reports
    # Cover, the five areas (one page each here), and the two unit pages.
    assert [p.kind for p in plan_pages(document)] == ["cover"] + ["section"] * 5 + ["unit"] * 2
