"""The configuration file: one pydantic model per section, loaded and checked in one place.

Every mistake an administrator can make is reported as one line naming the file, the key
path and what is expected (see :class:`ConfigError`). Secrets never live in the file: it
only names the environment variables that hold them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    PlainValidator,
    ValidationError,
    field_validator,
    model_validator,
)

from collectors.config_types import Identifier, Section, Text
from collectors.periods import PeriodSettings
from collectors.schedule import ScheduleSettings
from collectors.survey_config import (
    SurveyDefinition,
    SurveyQuestion,
    default_definitions,
)

LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")
Language = Literal["fi", "sv", "en"]


class UnitKind(StrEnum):
    """The level of an organisation node."""

    COUNTY = "county"
    DIVISION = "division"
    AREA = "area"
    UNIT = "unit"


class UnitConfig(Section):
    """One node of the organisation tree."""

    id: Identifier
    name: Text
    kind: UnitKind = UnitKind.UNIT
    parent: str | None = Field(default=None, description="id of the parent unit; none for the root")
    staff_count: int | None = Field(
        default=None, ge=0, description="headcount for survey response rates"
    )


class OrganisationConfig(Section):
    """The county and its tree of divisions and units."""

    id: Identifier = "demo"
    name: Text
    units: list[UnitConfig] = Field(min_length=1)


class Area(StrEnum):
    """The report areas of the supervision guidance, the same in every county."""

    AVAILABILITY = "availability"
    SAFETY_QUALITY = "safety_quality"
    EFFECTIVENESS = "effectiveness"
    EQUALITY = "equality"
    CLIENT_EXPERIENCE = "client_experience"
    STAFF = "staff"


class MetricKind(StrEnum):
    """The kind of value a metric takes."""

    COUNT = "count"
    NUMBER = "number"
    PERCENT = "percent"
    DURATION = "duration"
    INDEX = "index"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    TEXT = "text"
    GOAL_STATUS = "goal_status"


NUMERIC_KINDS = frozenset(
    {MetricKind.COUNT, MetricKind.NUMBER, MetricKind.PERCENT, MetricKind.DURATION, MetricKind.INDEX}
)
CHOICE_KINDS = frozenset({MetricKind.CHOICE, MetricKind.MULTI_CHOICE, MetricKind.GOAL_STATUS})
GOAL_STATUSES: tuple[str, ...] = ("on_schedule", "challenges", "not_started", "done")


class ChoiceConfig(Section):
    """One option of a choice metric."""

    id: Identifier
    label: Text


class TargetConfig(Section):
    """A baseline and target of a metric, for one unit or for every unit (``unit`` empty)."""

    unit: str | None = None
    baseline: float | None = None
    target: float | None = None


class MetricConfig(Section):
    """One metric of the catalog."""

    id: Identifier
    area: Area
    kind: MetricKind
    name: Text
    help: Text | None = None
    unit: Text | None = Field(default=None, description="unit label shown after the value")
    min: float | None = None
    max: float | None = None
    required: bool = True
    better: Literal["higher", "lower"] | None = Field(
        default=None, description="which direction is an improvement, for charts"
    )
    units: list[str] = Field(default_factory=list, description="ids of units that report it")
    unit_kinds: list[UnitKind] = Field(
        default_factory=list, description="kinds of units that report it"
    )
    choices: list[ChoiceConfig] = Field(default_factory=list)
    max_choices: int | None = Field(default=None, ge=1)
    goal_for: str | None = Field(
        default=None, description="for goal_status: the id of the metric the goal follows"
    )
    targets: list[TargetConfig] = Field(default_factory=list)

    def reported_by(self, unit_id: str, unit_kind: UnitKind) -> bool:
        """Return whether the given unit reports this metric."""
        if not self.units and not self.unit_kinds:
            return unit_kind is UnitKind.UNIT
        return unit_id in self.units or unit_kind in self.unit_kinds

    def target_for(self, unit_id: str) -> TargetConfig | None:
        """Return the unit's own target, else the catalog-wide one, else ``None``."""
        general = None
        for target in self.targets:
            if target.unit == unit_id:
                return target
            if target.unit is None:
                general = target
        return general


class TelegramConfig(Section):
    """How to reach Telegram. The token itself lives in the environment."""

    token_env: str = "OMABOT_TELEGRAM_TOKEN"
    api_base_url: str = "https://api.telegram.org/bot"
    api_file_url: str = "https://api.telegram.org/file/bot"
    bot_username: str = Field(default="omavalvonta_bot", description="for t.me invitation links")
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = Field(default=None, description="public HTTPS URL of /telegram")
    webhook_secret_env: str = "OMABOT_WEBHOOK_SECRET"

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> TelegramConfig:
        if self.mode == "webhook" and not self.webhook_url:
            raise ValueError(
                'mode = "webhook" needs webhook_url (the public HTTPS URL of /telegram)'
            )
        return self


def cpu_setting(value: object) -> Literal["one", "any"] | int:
    """``server.cpu`` checked: ``"one"``, ``"any"`` or a CPU number; ValueError otherwise."""
    if value == "one" or value == "any":
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise ValueError(f'expected "one", "any" or a CPU number (0, 1, ...), got {value!r}')


CpuSetting = Annotated[Literal["one", "any"] | int, PlainValidator(cpu_setting)]
"""Where the bot's threads run: ``"one"`` CPU, ``"any"`` CPU, or that CPU (``bot.runtime``)."""


class ServerConfig(Section):
    """The aiohttp server for webhooks, health and metrics, and the bot's process."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    cpu: CpuSetting = Field(
        default="one", description='"one" CPU for all the bot\'s threads, "any", or a CPU number'
    )


class SecurityConfig(Section):
    """Secrets (by environment variable name) and limits."""

    secret_env: str = Field(
        default="OMABOT_SECRET",
        description="environment variable holding the key for signed buttons and survey receipts",
    )
    invite_attempts_per_hour: int = Field(default=10, ge=1)
    invite_code_bytes: int = Field(
        default=12, ge=12, le=32, description="random bytes per invitation code (12 = 96 bits)"
    )
    draft_max_age_days: int = Field(default=400, ge=30)


class SurveySettings(Section):
    """Anonymous staff surveys."""

    min_responses: int = Field(
        default=5, ge=3, description="smallest group whose results are shown"
    )
    questions: list[SurveyQuestion] = Field(
        default_factory=list, description="custom questions, named by id in definitions"
    )
    definitions: list[SurveyDefinition] = Field(
        default_factory=default_definitions, description="the surveys (default: NPS and NSS)"
    )


class AppConfig(Section):
    """The whole configuration file."""

    database_url: str = "sqlite:///omabot.db"
    default_language: Language = "fi"
    timezone: str = "Europe/Helsinki"
    telegram: TelegramConfig = TelegramConfig()
    server: ServerConfig = ServerConfig()
    security: SecurityConfig = SecurityConfig()
    organisation: OrganisationConfig
    periods: PeriodSettings = PeriodSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    surveys: SurveySettings = SurveySettings()
    metrics: list[MetricConfig] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {value!r} (expected e.g. Europe/Helsinki)"
            ) from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The organisation's time zone."""
        return ZoneInfo(self.timezone)

    def unit(self, unit_id: str) -> UnitConfig:
        """Return the unit with ``unit_id``; raises ``KeyError`` when unknown."""
        for unit in self.organisation.units:
            if unit.id == unit_id:
                return unit
        raise KeyError(unit_id)

    def metric(self, metric_id: str) -> MetricConfig:
        """Return the metric with ``metric_id``; raises ``KeyError`` when unknown."""
        for metric in self.metrics:
            if metric.id == metric_id:
                return metric
        raise KeyError(metric_id)

    def metrics_for(self, unit_id: str) -> list[MetricConfig]:
        """Return the metrics a unit reports, grouped by area in catalog order."""
        unit = self.unit(unit_id)
        chosen = [m for m in self.metrics if m.reported_by(unit.id, unit.kind)]
        order = {area: index for index, area in enumerate(Area)}
        return sorted(chosen, key=lambda m: order[m.area])


class ConfigError(Exception):
    """The configuration file is wrong. ``lines`` holds one readable line per problem."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def _path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


_EXPECTED = {
    "extra_forbidden": "unknown key (check the spelling against config.example.toml)",
    "missing": "required key is missing",
}


def _pydantic_lines(source: str, error: ValidationError) -> list[str]:
    lines = []
    for item in error.errors(include_url=False):
        kind = item["type"]
        message = _EXPECTED.get(kind)
        if message is None:
            message = str(item["msg"])
            plain = not isinstance(item.get("input"), dict | list)
            if kind != "value_error" and "input" in item and plain:
                message = f"{message}, got {item['input']!r}"
        message = message.removeprefix("Value error, ")
        lines.append(f"{source}: {_path(item['loc'])}: {message}")
    return lines


def parse_config(data: dict[str, Any], source: str = "config") -> AppConfig:
    """Validate already-parsed TOML data.

    Raises:
        ConfigError: with one line per problem.
    """
    try:
        config = AppConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_pydantic_lines(source, exc)) from None
    from collectors.config_checks import check_references  # it needs the models above

    problems = check_references(config)
    if problems:
        raise ConfigError([f"{source}: {path}: {text}" for path, text in problems])
    return config


def load_config(path: Path) -> AppConfig:
    """Read and validate a TOML configuration file.

    Raises:
        ConfigError: when the file is missing, not valid TOML or not a valid configuration.
    """
    source = str(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{source}: file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{source}: cannot read the file ({exc.__class__.__name__})"]) from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{source}: not valid TOML: {exc}"]) from None
    return parse_config(data, source)


def default_config_path(explicit: Path | None = None) -> Path:
    """Return ``explicit``, else ``./config.toml`` when present, else ``config.example.toml``."""
    if explicit is not None:
        return explicit
    local = Path("config.toml")
    if local.exists():
        return local
    example = Path("config.example.toml")
    if example.exists():
        return example
    return Path(__file__).resolve().parent.parent / "config.example.toml"
