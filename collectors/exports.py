"""The answers of a period as a spreadsheet (.xlsx, one sheet per area) or as CSV.

The workbook is for people: localized headers, unit and metric names, status words, values
as numbers (durations as spreadsheet times), what the manager typed beside each value. The
CSV is for programs: stable English column names, plain numbers, choice ids.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from collectors.config import NUMERIC_KINDS, AppConfig, Area, MetricConfig, MetricKind
from collectors.i18n import N_, Translator
from collectors.number_format import format_number
from collectors.numbers import NumberKind
from collectors.report_text import choice_label
from collectors.vocabulary import AREA_NAMES
from storage.reports import ExportRow

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"
SECONDS_PER_DAY = 86400.0
SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

HEADER: tuple[str, ...] = (
    N_("Period"),
    N_("Unit"),
    N_("Unit id"),
    N_("Metric"),
    N_("Metric id"),
    N_("Value"),
    N_("Second value"),
    N_("Unit of measure"),
    N_("As typed"),
    N_("Status"),
    N_("Sent"),
)
STATUS_WORDS: dict[str, str] = {
    "answered": N_("answered"),
    "not_available": N_("not available"),
    "skipped": N_("skipped"),
}
CSV_HEADER: tuple[str, ...] = (
    "period",
    "unit_id",
    "unit_name",
    "metric_id",
    "metric_name",
    "value",
    "unit",
    "raw",
    "status",
    "submitted_at",
)


def _metric(config: AppConfig, metric_id: str) -> MetricConfig | None:
    try:
        return config.metric(metric_id)
    except KeyError:  # no longer in the catalog: export what is stored
        return None


def ordered(config: AppConfig, rows: Sequence[ExportRow]) -> list[ExportRow]:
    """Rows by unit in configuration order, then by metric in catalog order."""
    units = {u.id: n for n, u in enumerate(config.organisation.units)}
    metrics = {m.id: n for n, m in enumerate(config.metrics)}
    return sorted(
        rows,
        key=lambda r: (r.period, units.get(r.unit_id, len(units)), metrics.get(r.metric_id, 1e9)),
    )


def measure(metric: MetricConfig | None, language: str) -> str:
    """The unit a metric's numbers are in ("kpl", "%"), empty for other kinds."""
    if metric is None or metric.kind not in NUMERIC_KINDS or metric.kind is MetricKind.DURATION:
        return ""
    if metric.unit is not None:
        return metric.unit.get(language)
    return "%" if metric.kind is MetricKind.PERCENT else ""


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _local(config: AppConfig, moment: datetime | None) -> datetime | None:
    """A stored time in the organisation's time zone (SQLite returns naive UTC)."""
    if moment is None:
        return None
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return aware.astimezone(config.tz)


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique worksheet name (at most 31 characters, none of ``[]:*?/\\``)."""
    clean = _SHEET_FORBIDDEN.sub(" ", name).strip() or "Sheet"
    if len(clean) > SHEET_NAME_MAX:
        clean = clean[: SHEET_NAME_MAX - 1].rstrip() + "…"
    candidate, n = clean, 2
    while candidate.lower() in taken:
        suffix = f" {n}"
        candidate = clean[: SHEET_NAME_MAX - len(suffix)] + suffix
        n += 1
    taken.add(candidate.lower())
    return candidate


def _cells(config: AppConfig, row: ExportRow, _: Translator) -> list[object]:
    metric = _metric(config, row.metric_id)
    language = _.language
    value: object = None
    second: object = None
    if row.status == "answered":
        if row.value is not None:
            if metric is not None and metric.kind is MetricKind.DURATION:
                # A spreadsheet time is a fraction of a day, shown as [h]:mm:ss.
                value = row.value / SECONDS_PER_DAY
                second = None if row.second is None else row.second / SECONDS_PER_DAY
            else:
                value = _number(row.value)
                second = None if row.second is None else _number(row.second)
        elif row.choices:
            if metric is not None:
                value = ", ".join(choice_label(metric, c, _) for c in row.choices)
            else:
                value = ", ".join(row.choices)
        else:
            value = row.text
    return [
        row.period,
        row.unit_name,
        row.unit_id,
        metric.name.get(language) if metric is not None else row.metric_id,
        row.metric_id,
        value,
        second,
        measure(metric, language),
        row.raw,
        _(STATUS_WORDS[row.status]) if row.status in STATUS_WORDS else row.status,
        sent.replace(tzinfo=None) if (sent := _local(config, row.submitted_at)) else None,
    ]


def export_xlsx(config: AppConfig, rows: Sequence[ExportRow], _: Translator) -> bytes:
    """The answers as a workbook with one sheet per report area.

    Every area of the catalog gets its sheet (with the header row even when empty), in the
    order of the areas; answers to metrics no longer in the catalog go on a last sheet.

    Args:
        config: The configuration (names, units of measure, choices, time zone).
        rows: The answers (:func:`storage.reports.export_rows`).
        _: The translator of the workbook's language.

    Returns:
        The .xlsx file's bytes.
    """
    # openpyxl takes 150 ms to import: only when a workbook is asked for, not at every start.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    areas = [a for a in Area if any(m.area is a for m in config.metrics)]
    by_area: dict[Area | None, list[ExportRow]] = {a: [] for a in areas}
    for row in ordered(config, rows):
        metric = _metric(config, row.metric_id)
        by_area.setdefault(metric.area if metric is not None else None, []).append(row)
    taken: set[str] = set()
    for area, area_rows in by_area.items():
        name = _(AREA_NAMES[area]) if area is not None else _("Other")
        sheet = workbook.create_sheet(sheet_title(name, taken))
        sheet.append([_(title) for title in HEADER])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in area_rows:
            sheet.append(_cells(config, row, _))
            metric = _metric(config, row.metric_id)
            if metric is not None and metric.kind is MetricKind.DURATION:
                for column in (6, 7):
                    sheet.cell(sheet.max_row, column).number_format = "[h]:mm:ss"
            sheet.cell(sheet.max_row, 11).number_format = "yyyy-mm-dd hh:mm"
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        for index, width in enumerate((10, 28, 18, 36, 18, 14, 12, 10, 24, 14, 17), start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
    workbook.properties.title = _("Self-monitoring answers")
    workbook.properties.creator = "omavalvonta-bot"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _plain_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def plain_value(metric: MetricConfig | None, row: ExportRow) -> str:
    """A value for CSV: a plain number, ``a/b`` for a pair, ``h:mm:ss`` for a duration,
    ``;``-joined choice ids, or the text as typed."""
    if row.status != "answered":
        return ""
    if row.value is not None:
        if metric is not None and metric.kind is MetricKind.DURATION:
            shown = format_number(row.value, NumberKind.DURATION, "en")
        else:
            shown = _plain_number(row.value)
        if row.second is not None:
            shown += "/" + _plain_number(row.second)
        return shown
    if row.choices:
        return ";".join(row.choices)
    return row.text or ""


def export_csv(config: AppConfig, rows: Sequence[ExportRow], language: str) -> str:
    """The answers as CSV text with :data:`CSV_HEADER` (the same columns as the CLI's)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for row in ordered(config, rows):
        metric = _metric(config, row.metric_id)
        sent = _local(config, row.submitted_at)
        writer.writerow(
            (
                row.period,
                row.unit_id,
                row.unit_name,
                row.metric_id,
                metric.name.get(language) if metric is not None else row.metric_id,
                plain_value(metric, row),
                measure(metric, language),
                row.raw,
                row.status,
                sent.isoformat(timespec="seconds") if sent is not None else "",
            )
        )
    return buffer.getvalue()


__all__ = [
    "CSV_HEADER",
    "CSV_MIME",
    "HEADER",
    "XLSX_MIME",
    "export_csv",
    "export_xlsx",
    "measure",
    "ordered",
    "plain_value",
    "sheet_title",
]
