"""Administrator commands: configuration, database, organisation, catalog and periods.

Invitations and the export live in :mod:`bot.cli.admin_invite`; running the bot, the
terminal chat and the demo in :mod:`bot.cli.admin_run`. ``register`` adds them all.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import click
from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.cli import CliState, fail, pass_state, safe_url
from collectors.config import (
    LANGUAGES,
    AppConfig,
    MetricConfig,
    MetricKind,
    TargetConfig,
    UnitConfig,
)
from collectors.i18n import translator
from collectors.organisation import sync_units
from collectors.period_sequence import period_containing, period_to_report, previous_period
from collectors.periods import Period, manual_period, period_from_id
from collectors.report_answers import bounds
from collectors.reporting import local_today, store_period, to_period
from collectors.vocabulary import AREA_NAMES
from storage import reports
from storage.audit import record
from storage.db import current_revision, utcnow
from storage.models import Submission

LANGUAGE_OPTION = click.option(
    "--lang",
    "language",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of names and labels (default: the configuration's default_language).",
)


def language_of(state: CliState, language: str | None) -> str:
    """The chosen ``--lang``, else the configuration's default language."""
    return language or state.config.default_language


def reporting_units(config: AppConfig) -> list[str]:
    """Ids of the configured units that report at least one metric, in configuration order."""
    return [u.id for u in config.organisation.units if config.metrics_for(u.id)]


def number(value: float | None) -> str:
    """A number without a needless ``.0`` (``14``, ``4.8``), or ``–`` for none."""
    if value is None:
        return "–"
    return str(int(value)) if float(value).is_integer() else str(value)


# config ---------------------------------------------------------------------------------------
@click.group("config")
def config_group() -> None:
    """Check the configuration file."""


@config_group.command("check")
@pass_state
def config_check(state: CliState) -> None:
    """Validate the configuration file.

    Prints OK with the counts, or one line per problem and exits with code 2.
    """
    config = state.config
    units, metrics = len(config.organisation.units), len(config.metrics)
    click.echo(f"OK: {units} units, {metrics} metrics ({state.config_path})")


# init -----------------------------------------------------------------------------------------
@click.command("init")
@pass_state
def init_command(state: CliState) -> None:
    """Create or upgrade the database.

    Prints the schema revision before and after, and mirrors the organisation into it.
    """
    config = state.config
    database = state.open_database()
    try:
        before = current_revision(database.engine)
        database.upgrade()
        after = current_revision(database.engine)
        with database.session() as session:
            added, updated = sync_units(session, config)
    finally:
        database.dispose()
    click.echo(f"database: {safe_url(state.url)}")
    click.echo(f"revision before: {before or 'none (empty database)'}")
    click.echo(f"revision after: {after}")
    click.echo(f"units: {added} added, {updated} updated")


# org ------------------------------------------------------------------------------------------
@click.group("org")
def org_group() -> None:
    """The organisation tree."""


def tree_order(config: AppConfig) -> list[tuple[int, UnitConfig]]:
    """Every unit with its depth, parents before children, siblings in configuration order."""
    children: dict[str | None, list[UnitConfig]] = {}
    for unit in config.organisation.units:
        children.setdefault(unit.parent, []).append(unit)
    out: list[tuple[int, UnitConfig]] = []
    stack = [(0, unit) for unit in reversed(children.get(None, []))]
    seen: set[str] = set()
    while stack:
        depth, unit = stack.pop()
        if unit.id in seen:
            continue
        seen.add(unit.id)
        out.append((depth, unit))
        stack.extend((depth + 1, child) for child in reversed(children.get(unit.id, [])))
    return out


@org_group.command("show")
@LANGUAGE_OPTION
@pass_state
def org_show(state: CliState, language: str | None) -> None:
    """Print the organisation tree, indented, with ids, kinds and names."""
    config = state.config
    lang = language_of(state, language)
    click.echo(config.organisation.name.get(lang))
    for depth, unit in tree_order(config):
        staff = f", staff {unit.staff_count}" if unit.staff_count is not None else ""
        click.echo(f"{'  ' * (depth + 1)}{unit.id} ({unit.kind}{staff}): {unit.name.get(lang)}")


# catalog --------------------------------------------------------------------------------------
@click.group("catalog")
def catalog_group() -> None:
    """The metric catalog."""


def _scope(metric: MetricConfig) -> str:
    if not metric.units and not metric.unit_kinds:
        return "every unit"
    parts = [*metric.units, *(f"every {kind}" for kind in metric.unit_kinds)]
    return ", ".join(parts)


def _bounds_text(metric: MetricConfig) -> str:
    low, high = bounds(metric)
    if low is None and high is None:
        return "any"
    return f"{number(low) if low is not None else ''}..{number(high) if high is not None else ''}"


def _describe(target: TargetConfig) -> str:
    parts = []
    if target.baseline is not None:
        parts.append(f"baseline {number(target.baseline)}")
    if target.target is not None:
        parts.append(f"target {number(target.target)}")
    return ", ".join(parts)


def _target_text(metric: MetricConfig, unit_id: str | None) -> str:
    """The unit's target, or (for the whole catalog) every target with its unit."""
    if unit_id is not None:
        target = metric.target_for(unit_id)
        return _describe(target) if target is not None else ""
    texts = [
        _describe(t) if t.unit is None else f"{t.unit}: {_describe(t)}" for t in metric.targets
    ]
    return "; ".join(text for text in texts if text and not text.endswith(": "))


@catalog_group.command("show")
@click.option("--unit", "unit_id", default=None, help="Only the metrics this unit reports.")
@LANGUAGE_OPTION
@pass_state
def catalog_show(state: CliState, unit_id: str | None, language: str | None) -> None:
    """Show the metrics by area.

    Id, kind, unit, bounds, required and name; for a unit only its metrics, with targets.
    """
    config = state.config
    lang = language_of(state, language)
    _ = translator(lang)
    if unit_id is not None:
        try:
            unit = config.unit(unit_id)
        except KeyError:
            fail(f"unknown unit {unit_id!r} (`omabot org show` lists the units)")
        metrics = config.metrics_for(unit_id)
        click.echo(f"{unit.id}: {unit.name.get(lang)}: {len(metrics)} metrics")
    else:
        metrics = sorted(config.metrics, key=lambda m: list(AREA_NAMES).index(m.area))
        click.echo(f"{len(metrics)} metrics")
    width = max((len(m.id) for m in metrics), default=0)
    area = None
    for metric in metrics:
        if metric.area != area:
            area = metric.area
            click.echo(f"\n{_(AREA_NAMES[metric.area])}")
        label = metric.unit.get(lang) if metric.unit is not None else "–"
        if metric.unit is None and metric.kind is MetricKind.PERCENT:
            label = "%"
        required = "required" if metric.required else "optional"
        line = (
            f"  {metric.id:<{width}}  {metric.kind:<12}  {label:<6}  "
            f"{_bounds_text(metric):<12}  {required:<8}  {metric.name.get(lang)}"
        )
        click.echo(line.rstrip())
        details = []
        if unit_id is None:
            details.append(f"reported by {_scope(metric)}")
        target = _target_text(metric, unit_id)
        if target:
            details.append(target)
        if details:
            click.echo(f"  {'':<{width}}  " + "; ".join(details))


# period ---------------------------------------------------------------------------------------
@click.group("period")
def period_group() -> None:
    """Reporting periods."""


def _state_of(period: Period, now: datetime, config: AppConfig) -> str:
    if period.is_open(now, config.tz):
        return "open"
    return "upcoming" if now < period.opens_at(config.tz) else "closed"


def submitted_counts(session: Session) -> dict[str, int]:
    """How many units have submitted a report, by period id."""
    statement = (
        select(Submission.period_id, func.count())
        .where(col(Submission.first_submitted_at).is_not(None))
        .group_by(col(Submission.period_id))
    )
    return {period_id: int(count) for period_id, count in session.exec(statement).all()}


@period_group.command("list")
@pass_state
def period_list(state: CliState) -> None:
    """List the reporting periods.

    Stored periods and the scheme's current and next one, with their reporting windows
    and how many units have submitted.
    """
    config, now = state.config, utcnow()
    today = local_today(config, now)
    with state.db.session() as session:
        stored = {row.id: (to_period(row), row.manual) for row in reports.list_periods(session)}
        counts = submitted_counts(session)
    try:
        running: Period | None = period_containing(today, config.periods)
    except ValueError:  # today is before periods.first_year
        running = None
    current = period_to_report(today, config.periods)
    if current is None and running is not None:
        current = previous_period(running, config.periods)
    scheme = [p for p in (current, running) if p is not None]
    rows = [(p, manual, True) for p, manual in stored.values()]
    rows += [(p, False, False) for p in scheme if p.id not in stored]
    rows.sort(key=lambda row: (row[0].start, row[0].id), reverse=True)
    total = len(reporting_units(config))
    click.echo(
        f"{'period':<12} {'scheme':<8} {'start':<10} {'end':<10} {'opens':<10} "
        f"{'deadline':<10} {'state':<8} submitted"
    )
    for period, manual, is_stored in rows:
        notes = []
        if manual:
            notes.append("opened by hand")
        if not is_stored:
            notes.append("scheme, not stored yet")
        done = f"{counts.get(period.id, 0)}/{total}"
        click.echo(
            f"{period.id:<12} {period.scheme:<8} {period.start} {period.end} {period.opens_on} "
            f"{period.deadline} {_state_of(period, now, config):<8} {done:<9} "
            + (f"({'; '.join(notes)})" if notes else "")
        )


def _parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: expected a date as YYYY-MM-DD, got {value!r}")


@period_group.command("open")
@click.argument("period_id")
@click.option("--deadline", default=None, help="Last day of reporting, YYYY-MM-DD.")
@click.option("--start", default=None, help="First day, for a period id of your own.")
@click.option("--end", default=None, help="Last day, for a period id of your own.")
@pass_state
def period_open(
    state: CliState, period_id: str, deadline: str | None, start: str | None, end: str | None
) -> None:
    """Open a period for reporting by hand.

    PERIOD_ID is e.g. 2025-T2; --deadline gives it a deadline of its own. A period that has
    not ended yet opens today. For an id of your own (e.g. extra-2025), give --start, --end
    and --deadline.
    """
    config, now = state.config, utcnow()
    today = local_today(config, now)
    last_day = _parse_day(deadline, "--deadline")
    first, final = _parse_day(start, "--start"), _parse_day(end, "--end")
    try:
        standard: Period | None = period_from_id(period_id, config.periods)
    except ValueError as problem:
        if first is None or final is None:
            fail(f"{problem} (for a period of your own, give --start and --end)")
        standard = None
    if standard is not None:
        first, final = first or standard.start, final or standard.end
        opening = standard.opens_on
        last_day = last_day or standard.deadline
    else:
        assert first is not None and final is not None
        opening = final + timedelta(days=1)
        if last_day is None:
            fail("--deadline is required for a period of your own")
    if first > today:
        fail(f"{period_id} starts on {first}, which is after today ({today})")
    if last_day < today:
        fail(f"the deadline {last_day} has passed; give --deadline with today or a later day")
    try:
        period = manual_period(period_id, first, final, last_day, opens_on=min(opening, today))
    except ValueError as problem:
        fail(str(problem))
    with state.db.session() as session:
        store_period(session, period, now, manual=True)
        record(
            session,
            now=now,
            actor=state.actor,
            action="period.opened",
            target=f"period:{period.id}",
            detail={
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "opens_on": period.opens_on.isoformat(),
                "deadline": period.deadline.isoformat(),
            },
        )
    click.echo(
        f"Opened {period.id} ({period.start}..{period.end}) for reporting "
        f"from {period.opens_on} until the end of {period.deadline}."
    )


def register(group: click.Group) -> None:
    """Add the administrator commands to ``group``."""
    from bot.cli import admin_invite, admin_run

    for command in (config_group, init_command, org_group, catalog_group, period_group):
        group.add_command(command)
    admin_invite.register(group)
    admin_run.register(group)
