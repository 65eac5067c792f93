"""Tests for the configuration: the example county, and one exact error line per rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from collectors.config import (
    AppConfig,
    Area,
    ConfigError,
    MetricConfig,
    MetricKind,
    SecurityConfig,
    ServerConfig,
    TelegramConfig,
    UnitConfig,
    UnitKind,
    default_config_path,
    load_config,
    parse_config,
)
from collectors.periods import PeriodSettings
from collectors.schedule import ScheduleSettings

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"
UNKNOWN_KEY = "unknown key (check the spelling against config.example.toml)"
TEXT = '{ fi = "Teksti", sv = "Text", en = "Text" }'

# A small valid organisation: county -> division "koti" -> unit "kotihoito".
ORGANISATION = f"""
[organisation]
name = {TEXT}

[[organisation.units]]
id = "county"
kind = "county"
name = {TEXT}

[[organisation.units]]
id = "koti"
kind = "division"
parent = "county"
name = {TEXT}

[[organisation.units]]
id = "kotihoito"
parent = "koti"
name = {TEXT}
"""


def unit(unit_id: str, parent: str) -> str:
    """One more ``[[organisation.units]]`` table."""
    return f'[[organisation.units]]\nid = "{unit_id}"\nparent = "{parent}"\nname = {TEXT}\n'


def metric(metric_id: str = "decisions", kind: str = "count", extra: str = "") -> str:
    """One ``[[metrics]]`` table; ``extra`` lines are added to it."""
    return (
        f'[[metrics]]\nid = "{metric_id}"\narea = "availability"\nkind = "{kind}"\n'
        f"name = {TEXT}\n{extra}\n"
    )


def choice(choice_id: str) -> str:
    """One ``[[metrics.choices]]`` table of the metric above it."""
    return f'[[metrics.choices]]\nid = "{choice_id}"\nlabel = {TEXT}\n'


def write(tmp_path: Path, *parts: str) -> Path:
    """Write the parts, one after another, to ``config.toml`` in ``tmp_path``."""
    path = tmp_path / "config.toml"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    """The lines of the ConfigError that loading ``path`` raises."""
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == "\n".join(caught.value.lines)
    return caught.value.lines


@pytest.fixture(scope="module")
def example() -> AppConfig:
    return load_config(EXAMPLE)


# --- the example county ------------------------------------------------------------------------


def test_example_is_the_demo_county(example: AppConfig) -> None:
    organisation = example.organisation
    assert organisation.id == "demo"
    assert organisation.name.fi == "Esimerkin hyvinvointialue"
    assert organisation.name.sv == "Exempel välfärdsområde"
    assert organisation.name.en == "Example wellbeing services county"
    assert example.database_url == "sqlite:///omabot.db"
    assert example.default_language == "fi"
    assert example.timezone == "Europe/Helsinki"


def test_example_tree_has_divisions_and_staffed_units(example: AppConfig) -> None:
    units = example.organisation.units
    roots = [u for u in units if u.parent is None]
    assert len(roots) == 1 and roots[0].kind is UnitKind.COUNTY
    divisions = [u for u in units if u.kind is UnitKind.DIVISION]
    assert {d.name.fi for d in divisions} >= {
        "Asiakas- ja resurssikeskus",
        "Koti- ja asumispalvelut",
    }
    assert all(d.parent == roots[0].id for d in divisions)
    leaves = [u for u in units if u.kind is UnitKind.UNIT]
    assert len(leaves) >= 5
    division_ids = {d.id for d in divisions}
    for leaf in leaves:
        assert leaf.parent in division_ids, leaf.id
        assert leaf.staff_count is not None and leaf.staff_count > 0, leaf.id
    kajaani = example.unit("kotihoito-kajaani")
    assert kajaani.name.fi == "Kotihoito Kajaani" and kajaani.staff_count == 7


def test_example_covers_every_area_and_kind(example: AppConfig) -> None:
    assert len(example.metrics) >= 22
    assert {m.area for m in example.metrics} == set(Area)
    assert {m.kind for m in example.metrics} == set(MetricKind)


def test_every_example_metric_is_reported_by_some_unit(example: AppConfig) -> None:
    units = example.organisation.units
    for item in example.metrics:
        assert any(item.reported_by(u.id, u.kind) for u in units), item.id
    for leaf in units:
        if leaf.kind is UnitKind.UNIT:
            assert example.metrics_for(leaf.id), leaf.id


def _reporters(config: AppConfig, metric_id: str) -> set[str]:
    item = config.metric(metric_id)
    return {u.id for u in config.organisation.units if item.reported_by(u.id, u.kind)}


def test_example_metrics_go_to_the_right_units(example: AppConfig) -> None:
    for call_metric in ("calls_answered", "queue_time"):
        assert _reporters(example, call_metric) == {"asiakasohjaus"}
    assert _reporters(example, "staffing_ratio") == {"hoivakoti-koivula", "hoivakoti-mantyla"}
    every_unit = {u.id for u in example.organisation.units if u.kind is UnitKind.UNIT}
    assert _reporters(example, "sick_leave") == every_unit
    assert _reporters(example, "incident_reports") == every_unit


def test_example_goals_and_choices(example: AppConfig) -> None:
    sick = example.metric("sick_leave")
    assert sick.kind is MetricKind.PERCENT and sick.better == "lower"
    target = sick.target_for("kotihoito-kajaani")
    assert target is not None and (target.baseline, target.target) == (5.0, 4.8)
    goal = example.metric("sick_leave_goal")
    assert goal.kind is MetricKind.GOAL_STATUS and goal.goal_for == "sick_leave"
    handling = example.metric("incident_handling_days")
    handling_target = handling.target_for("kotihoito-sotkamo")
    assert handling.better == "lower" and handling_target is not None
    assert handling_target.target == 14
    ratio = example.metric("staffing_ratio")
    general = ratio.target_for("hoivakoti-mantyla")
    assert general is not None and general.target == 0.6 and ratio.min == 0
    types = example.metric("incident_types")
    assert types.kind is MetricKind.MULTI_CHOICE and types.max_choices == 3
    assert len(types.choices) == 9
    plan = example.metric("plan_updated")
    assert [c.id for c in plan.choices] == ["yes", "no", "in_progress"]


def test_example_bounds_are_sensible(example: AppConfig) -> None:
    for item in example.metrics:
        if item.min is not None and item.max is not None:
            assert item.min < item.max, item.id
        if item.kind is MetricKind.PERCENT:
            assert item.min is None or item.min >= 0, item.id
    assert (example.metric("client_nps").min, example.metric("client_nps").max) == (-100, 100)
    assert (example.metric("feedback_mean").min, example.metric("feedback_mean").max) == (1, 5)


def test_example_sections_are_in_the_documented_order() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    headers = [
        "[telegram]",
        "[server]",
        "[security]",
        "[periods]",
        "[schedule]",
        "[surveys]",
        "[organisation]",
        "[[organisation.units]]",
        "[[metrics]]",
    ]
    positions = [text.index(f"\n{header}\n") for header in headers]
    assert positions == sorted(positions)
    assert text.index("\ndatabase_url = ") < positions[0]


@pytest.mark.parametrize(
    "model",
    [TelegramConfig, ServerConfig, SecurityConfig, PeriodSettings, ScheduleSettings],
)
def test_example_shows_every_key_of_each_section(model: type[BaseModel]) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for name in model.model_fields:
        assert re.search(rf"^(# )?{name} = ", text, re.MULTILINE), name


def test_example_documents_every_unit_and_metric_field() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for name in ("database_url", "default_language", "timezone", "min_responses"):
        assert re.search(rf"^{name} = ", text, re.MULTILINE), name
    for model in (UnitConfig, MetricConfig):
        for name in model.model_fields:
            assert re.search(rf"^#\s+([a-z_]+, )?{name}[\s,]", text, re.MULTILINE), name


def test_example_holds_no_secret_values() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    keys = re.findall(r"^\s*([A-Za-z_.]+)\s*=", text, re.MULTILINE)
    secretish = [
        k for k in keys if re.search("token|secret|password", k) and not k.endswith("_env")
    ]
    assert secretish == []


def test_default_config_path_prefers_explicit_then_local(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert default_config_path(Path("other.toml")) == Path("other.toml")
    assert default_config_path() == EXAMPLE
    (tmp_path / "config.toml").write_text("", encoding="utf-8")
    assert default_config_path() == Path("config.toml")


# --- one line per rule -------------------------------------------------------------------------


def test_the_small_configuration_is_valid(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ORGANISATION, metric()))
    assert [u.id for u in config.organisation.units] == ["county", "koti", "kotihoito"]
    assert config.metrics_for("kotihoito")[0].id == "decisions"


def test_unknown_top_level_key(tmp_path: Path) -> None:
    path = write(tmp_path, 'colour = "red"', ORGANISATION, metric())
    assert problems(path) == [f"{path}: colour: {UNKNOWN_KEY}"]


def test_unknown_nested_key(tmp_path: Path) -> None:
    misspelt = ORGANISATION.replace('parent = "county"\n', 'parent = "county"\nnmae = "Koti"\n')
    path = write(tmp_path, misspelt, metric())
    assert problems(path) == [f"{path}: organisation.units[1].nmae: {UNKNOWN_KEY}"]


def test_wrong_type(tmp_path: Path) -> None:
    path = write(tmp_path, ORGANISATION, metric(), '[server]\nport = "x"')
    assert problems(path) == [
        f"{path}: server.port: Input should be a valid integer, unable to parse string as an "
        "integer, got 'x'"
    ]


def test_cpu_defaults_to_one_and_takes_any_or_a_number(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, ORGANISATION, metric())).server.cpu == "one"
    for value, expected in (('"any"', "any"), ("1", 1), ("0", 0)):
        path = write(tmp_path, ORGANISATION, metric(), f"[server]\ncpu = {value}")
        assert load_config(path).server.cpu == expected


@pytest.mark.parametrize("value", ['"two"', "-1", "true", "1.5"])
def test_cpu_is_one_any_or_a_cpu_number(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, ORGANISATION, metric(), f"[server]\ncpu = {value}")
    shown = {'"two"': "'two'", "true": "True"}.get(value, value)
    assert problems(path) == [
        f'{path}: server.cpu: expected "one", "any" or a CPU number (0, 1, ...), got {shown}'
    ]


def test_missing_required_section(tmp_path: Path) -> None:
    path = write(tmp_path, metric())
    assert problems(path) == [f"{path}: organisation: required key is missing"]


def test_missing_required_key_in_a_metric(tmp_path: Path) -> None:
    path = write(tmp_path, ORGANISATION, metric().replace('area = "availability"\n', ""))
    assert problems(path) == [f"{path}: metrics[0].area: required key is missing"]


def test_parent_that_does_not_exist(tmp_path: Path) -> None:
    path = write(tmp_path, ORGANISATION, unit("kotihoito-b", "kotti"), metric())
    assert problems(path) == [
        f"{path}: organisation.units[3].parent: unit 'kotti' is not defined "
        "(expected the id of another unit)"
    ]


def test_duplicate_unit_id(tmp_path: Path) -> None:
    path = write(tmp_path, ORGANISATION, unit("kotihoito", "koti"), metric())
    assert problems(path) == [f"{path}: organisation.units[3].id: duplicate unit id 'kotihoito'"]


def test_duplicate_metric_id(tmp_path: Path) -> None:
    path = write(tmp_path, ORGANISATION, metric(), metric("queue_time", "duration"), metric())
    assert problems(path) == [f"{path}: metrics[2].id: duplicate metric id 'decisions'"]


def test_min_above_max(tmp_path: Path) -> None:
    path = write(tmp_path, ORGANISATION, metric(extra="min = 10\nmax = 5"))
    assert problems(path) == [f"{path}: metrics[0].min: min 10 is above max 5"]


def test_unknown_unit_in_metric_units(tmp_path: Path) -> None:
    path = write(tmp_path, ORGANISATION, metric(extra='units = ["kotihoito", "kotti"]'))
    assert problems(path) == [f"{path}: metrics[0].units[1]: unit 'kotti' is not defined"]


def test_choice_metric_with_one_choice(tmp_path: Path) -> None:
    path = write(tmp_path, ORGANISATION, metric("plan_updated", "choice"), choice("yes"))
    assert problems(path) == [
        f"{path}: metrics[0].choices: a choice metric needs at least two choices"
    ]


def test_multi_choice_without_max_choices(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        ORGANISATION,
        metric("incident_types", "multi_choice"),
        choice("medication"),
        choice("other"),
    )
    assert problems(path) == [
        f"{path}: metrics[0].max_choices: a multi_choice metric needs max_choices"
    ]


def test_bad_time_zone(tmp_path: Path) -> None:
    path = write(tmp_path, 'timezone = "Europe/Helsinky"', ORGANISATION, metric())
    assert problems(path) == [
        f"{path}: timezone: unknown time zone 'Europe/Helsinky' (expected e.g. Europe/Helsinki)"
    ]


def test_invalid_toml(tmp_path: Path) -> None:
    path = write(tmp_path, 'database_url = "sqlite:///omabot.db"\ntimezone = ', ORGANISATION)
    assert problems(path) == [f"{path}: not valid TOML: Invalid value (at line 2, column 12)"]


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    assert problems(path) == [f"{path}: file not found"]


def test_percent_with_negative_min(tmp_path: Path) -> None:
    path = write(tmp_path, ORGANISATION, metric("sick_leave", "percent", "min = -5"))
    assert problems(path) == [f"{path}: metrics[0].min: a percent cannot be negative"]


def test_more_than_one_root(tmp_path: Path) -> None:
    two_roots = ORGANISATION.replace('parent = "county"\n', "")
    path = write(tmp_path, two_roots, metric())
    assert problems(path) == [
        f"{path}: organisation.units: expected exactly one root unit (no parent), found 2"
    ]


def test_parents_in_a_cycle(tmp_path: Path) -> None:
    path = write(tmp_path, ORGANISATION, unit("a", "b"), unit("b", "a"), metric())
    assert problems(path) == [
        f"{path}: organisation.units[3].parent: the parents form a cycle: a -> b -> a",
    ]


def test_goal_for_unknown_metric(tmp_path: Path) -> None:
    goal = metric("sick_leave_goal", "goal_status", 'goal_for = "sick_leave"')
    path = write(tmp_path, ORGANISATION, metric(), goal)
    assert problems(path) == [f"{path}: metrics[1].goal_for: metric 'sick_leave' is not defined"]


def test_min_responses_below_three(tmp_path: Path) -> None:
    path = write(tmp_path, ORGANISATION, metric(), "[surveys]\nmin_responses = 2")
    assert problems(path) == [
        f"{path}: surveys.min_responses: Input should be greater than or equal to 3, got 2"
    ]


def test_periods_deadline_before_opening(tmp_path: Path) -> None:
    periods = "[periods]\nopens_days_after_end = 10\ndeadline_days_after_end = 5"
    path = write(tmp_path, ORGANISATION, metric(), periods)
    assert problems(path) == [
        f"{path}: periods: deadline_days_after_end (5) must not be smaller than "
        "opens_days_after_end (10): the deadline cannot come before reporting opens"
    ]


def test_schedule_reminder_day_not_positive(tmp_path: Path) -> None:
    path = write(tmp_path, ORGANISATION, metric(), "[schedule]\nreminder_days_before = [7, 0]")
    assert problems(path) == [
        f"{path}: schedule.reminder_days_before: reminder_days_before must be positive "
        "numbers of days, got [0]"
    ]


def test_schedule_unknown_holiday_country(tmp_path: Path) -> None:
    path = write(tmp_path, ORGANISATION, metric(), '[schedule]\nholiday_country = "XX"')
    assert problems(path) == [
        f"{path}: schedule.holiday_country: holiday_country 'XX' is not a country code known "
        "to the holidays package (e.g. FI, SE)"
    ]


# --- several problems at once ------------------------------------------------------------------


def test_one_line_per_schema_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "colour = 1", ORGANISATION, metric(), "[server]\nport = 70000")
    assert sorted(problems(path)) == [
        f"{path}: colour: {UNKNOWN_KEY}",
        f"{path}: server.port: Input should be less than or equal to 65535, got 70000",
    ]


def test_one_line_per_reference_problem(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        ORGANISATION,
        unit("kotihoito-b", "kotti"),
        metric(),
        metric(extra="min = 3\nmax = 1"),
    )
    assert problems(path) == [
        f"{path}: organisation.units[3].parent: unit 'kotti' is not defined "
        "(expected the id of another unit)",
        f"{path}: metrics[1].id: duplicate metric id 'decisions'",
        f"{path}: metrics[1].min: min 3 is above max 1",
    ]


def test_parse_config_names_its_source() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"metrics": []}, "admin-upload")
    assert caught.value.lines == [
        "admin-upload: organisation: required key is missing",
        "admin-upload: metrics: List should have at least 1 item after validation, not 0",
    ]


def test_webhook_mode_needs_a_url(tmp_path: Path) -> None:
    path = write(tmp_path, ORGANISATION, metric(), '[telegram]\nmode = "webhook"')
    assert problems(path) == [
        f'{path}: telegram: mode = "webhook" needs webhook_url (the public HTTPS URL of /telegram)'
    ]
