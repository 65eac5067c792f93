"""Reporting status: which units in a scope have sent, started or not started their report.

``/status [PERIOD]`` shows it to leaders (their subtree), managers (their units) and
administrators (everything); ``omabot status --period ID`` prints the same lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from babel.numbers import format_percent
from sqlmodel import Session

from collectors.chart_periods import default_period, parse_period
from collectors.config import AppConfig
from collectors.date_text import day_text
from collectors.engine import Command, Ctx, Engine, UserError
from collectors.i18n import N_, Translator
from collectors.messages import Outbound, TextReply
from collectors.periods import Period
from collectors.reminder_plan import reporting_units
from collectors.reporting import local_today, open_periods, to_period
from storage import notifications, reports
from storage.people import units_by_id

State = Literal["submitted", "draft", "not_started"]
MESSAGE_LIMIT = 3800  # characters per chat message (Telegram allows 4096)
MARKS: dict[str, str] = {"submitted": "✅", "draft": "📝", "not_started": "⬜"}


@dataclass(frozen=True)
class UnitStatus:
    """One unit's report for a period."""

    unit_id: str
    name: str
    group: str  # the parent unit's name, for headings
    state: State
    answered: int
    total: int
    submitted_at: datetime | None


@dataclass(frozen=True)
class PeriodStatus:
    """Every unit of a scope for one period."""

    period: Period
    units: tuple[UnitStatus, ...]

    def count(self, state: State) -> int:
        """How many units are in ``state``."""
        return sum(1 for unit in self.units if unit.state == state)

    @property
    def share_submitted(self) -> float:
        """The share of units that have sent their report, 0..1."""
        return self.count("submitted") / len(self.units) if self.units else 0.0


def period_status(
    session: Session,
    config: AppConfig,
    period: Period,
    unit_ids: Iterable[str] | None,
    language: str,
) -> PeriodStatus:
    """The status of the reporting units among ``unit_ids`` (all when ``None``)."""
    units = units_by_id(session)
    wanted = None if unit_ids is None else set(unit_ids)
    chosen = [u for u in reporting_units(config, units) if wanted is None or u in wanted]
    progress = notifications.progress(session, period.id)
    out = []
    for unit_id in chosen:
        unit = units[unit_id]
        parent = units.get(unit.parent_id or "")
        metrics = {m.id for m in config.metrics_for(unit_id)}
        state = progress.get(unit_id)
        answered = len(state.answered & metrics) if state is not None else 0
        if state is not None and state.submitted:
            kind: State = "submitted"
        elif state is not None and answered:
            kind = "draft"
        else:
            kind = "not_started"
        out.append(
            UnitStatus(
                unit_id=unit_id,
                name=unit.name(language),
                group=parent.name(language) if parent is not None else "",
                state=kind,
                answered=answered,
                total=len(metrics),
                submitted_at=state.submitted_at if state is not None else None,
            )
        )
    return PeriodStatus(period, tuple(out))


def status_lines(status: PeriodStatus, _: Translator, tz: ZoneInfo) -> list[str]:
    """The status as lines of text: heading, units grouped by parent, totals."""
    language = _.language
    period = status.period
    lines = [
        _(
            "Reporting status of {period} ({dates}); the deadline is {deadline}.",
            period=period.short_label(),
            dates=period.label(language),
            deadline=day_text(period.deadline, language),
        )
    ]
    if not status.units:
        lines.append(_("There are no reporting units in your scope."))
        return lines
    groups: dict[str, list[UnitStatus]] = {}
    for unit in status.units:
        groups.setdefault(unit.group, []).append(unit)
    for group, units in groups.items():
        lines.append("")
        if group and len(groups) > 1:
            lines.append(group)
        for unit in units:
            lines.append(f"{MARKS[unit.state]} {unit.name} – {_state_text(unit, _, tz)}")
    lines.append("")
    lines.append(
        _(
            "Sent: {submitted} of {total} ({percent}). Drafts: {drafts}. Not started: {missing}.",
            submitted=status.count("submitted"),
            total=len(status.units),
            percent=format_percent(status.share_submitted, locale=language),
            drafts=status.count("draft"),
            missing=status.count("not_started"),
        )
    )
    return lines


def _state_text(unit: UnitStatus, _: Translator, tz: ZoneInfo) -> str:
    if unit.state == "submitted":
        if unit.submitted_at is None:
            return _("sent")
        sent = notifications.as_utc(unit.submitted_at).astimezone(tz)
        return _("sent {date}", date=day_text(sent.date(), _.language))
    if unit.state == "draft":
        return _("draft, {answered} of {total} answers", answered=unit.answered, total=unit.total)
    return _("not started")


def split_messages(lines: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join lines into as few messages as fit ``limit`` characters each."""
    out: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        if current and size + len(line) + 1 > limit:
            out.append("\n".join(current).strip("\n"))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        out.append("\n".join(current).strip("\n"))
    return out


def status_period(
    session: Session, config: AppConfig, now: datetime, period_id: str | None = None
) -> Period | None:
    """The period to show: the one named, else the newest open one, else the latest started.

    The period is named as the figure commands name one: by its id, as the bot shows it
    (``T1/2026``) or by its dates as written in reports (``1.1.-30.4.2026``).

    Raises:
        ValueError: for a name that is no stored period and none of the scheme's.
    """
    if period_id is not None:
        named = parse_period(session, config, period_id)
        if named is None:
            raise ValueError(
                f"no period {period_id!r}: name it by its id (2025-T1), as shown (T1/2025) or by "
                "its dates (1.1.-30.4.2025)"
            )
        return named
    available = open_periods(session, config, now)
    if available:
        return available[0]
    today = local_today(config, now)
    started = [to_period(row) for row in reports.list_periods(session) if row.opens_on <= today]
    return max(started, key=lambda p: p.deadline) if started else None


def status_command(ctx: Ctx, args: tuple[str, ...]) -> list[Outbound]:
    """``/status [PERIOD]``: the reporting status of the person's scope."""
    _ = ctx._
    access = ctx.access
    if not (access.is_admin or access.led_roots() or access.managed_units()):
        raise UserError(_("Only leaders and unit managers can see the reporting status."))
    named = " ".join(args) if args else None
    try:
        period = status_period(ctx.session, ctx.config, ctx.now, named)
    except ValueError:
        example = default_period(ctx.session, ctx.config, ctx.now)
        raise UserError(
            _(
                "I do not know the period {period}. Name one as {shown}, {id} or by its dates, "
                "{dates}.",
                period=(named or "")[:40],
                shown=example.short_label(),
                id=example.id,
                dates=example.label("fi"),
            )
        ) from None
    if period is None:
        return [TextReply(_("No reporting period has opened yet."))]
    scope = None if access.is_admin else access.visible_units()
    status = period_status(ctx.session, ctx.config, period, scope, ctx.language)
    lines = status_lines(status, _, ctx.config.tz)
    return [TextReply(text) for text in split_messages(lines)]


def register(engine: Engine) -> None:
    """Add ``/status``."""
    engine.add_command(
        Command(
            "status",
            N_("See who has sent the period report"),
            status_command,
            frozenset({"leader", "manager", "admin"}),
        )
    )


__all__ = [
    "PeriodStatus",
    "UnitStatus",
    "period_status",
    "register",
    "split_messages",
    "status_command",
    "status_lines",
    "status_period",
]
