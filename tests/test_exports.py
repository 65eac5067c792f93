"""The spreadsheet and CSV exports of a period's answers."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from openpyxl import load_workbook

from collectors.config import AppConfig, Area
from collectors.exports import CSV_HEADER, HEADER, export_csv, export_xlsx, sheet_title
from collectors.i18n import translator
from collectors.vocabulary import AREA_NAMES
from storage import reports
from storage.db import Database
from tests.test_chart_data import seed


def rows_of(db: Database, period: str, units: set[str] | None, language: str) -> list:
    with db.session() as session:
        return reports.export_rows(session, period, units, language)


def test_workbook_has_a_sheet_per_area_with_typed_values(db: Database, config: AppConfig) -> None:
    seed(db, config)
    rows = rows_of(db, "2025-T1", {"kotihoito-a", "kotihoito-b"}, "fi")
    _ = translator("fi")
    book = load_workbook(io.BytesIO(export_xlsx(config, rows, _)))
    # One sheet per area that the catalog uses (not equality), in the order of the areas.
    used = [a for a in Area if a is not Area.EQUALITY]
    assert book.sheetnames == [_(AREA_NAMES[a]) for a in used]
    assert book.sheetnames[0] == "Saatavuus"
    availability = [list(r) for r in book["Saatavuus"].iter_rows(values_only=True)]
    header = availability[0]
    assert header == [_(title) for title in HEADER] and header[0] != "Period"  # localized
    data = availability[1:]
    assert [(r[2], r[4]) for r in data] == [
        ("kotihoito-a", "decisions"),
        ("kotihoito-a", "queue_time"),
        ("kotihoito-b", "decisions"),
    ]
    decisions = data[0]
    assert decisions[1] == "Kotihoito A" and decisions[3] == "Asiakaspäätökset"
    assert decisions[5] == 1300 and isinstance(decisions[5], int)  # a number, not text
    assert decisions[7] == "kpl" and decisions[8] == "1 300 kpl"  # unit, as typed
    assert decisions[9] == _("answered") != "answered"
    assert isinstance(decisions[10], datetime)
    queue = data[1]
    assert queue[5] == timedelta(minutes=13, seconds=25)  # a spreadsheet time, [h]:mm:ss
    assert book["Saatavuus"]["F3"].number_format == "[h]:mm:ss"
    staff = [list(r) for r in book[_(AREA_NAMES[Area.STAFF])].iter_rows(values_only=True)][1:]
    by_metric = {(r[2], r[4]): r for r in staff}
    assert by_metric[("kotihoito-a", "sick_leave")][5] == 4.2
    assert by_metric[("kotihoito-a", "sick_leave_goal")][5] == _("Challenges")
    assert by_metric[("kotihoito-a", "actions")][5] == "Kaksoistarkistus käyttöön."
    safety = [list(r) for r in book.worksheets[1].iter_rows(values_only=True)][1:]
    types = {r[2]: r[5] for r in safety if r[4] == "incident_types"}
    assert types == {"kotihoito-a": "Lääkehoito", "kotihoito-b": "Tiedonkulku, Lääkehoito"}
    assert [list(r) for r in book.worksheets[2].iter_rows(values_only=True)][1:] == []


def test_not_available_keeps_the_typed_text_and_a_localized_status(
    db: Database, config: AppConfig
) -> None:
    seed(db, config)
    rows = rows_of(db, "2024-T3", None, "en")
    book = load_workbook(io.BytesIO(export_xlsx(config, rows, translator("en"))))
    sheet = [list(r) for r in book["Availability"].iter_rows(values_only=True)]
    assert sheet[0][:2] == ["Period", "Unit"]
    missing = next(r for r in sheet[1:] if r[2] == "kotihoito-b" and r[4] == "decisions")
    assert missing[5] is None and missing[8] == "x" and missing[9] == "not available"
    assert {r[2] for r in sheet[1:]} == {"kotihoito-a", "kotihoito-b", "ohjaus"}


def test_csv_has_stable_columns_and_plain_numbers(db: Database, config: AppConfig) -> None:
    seed(db, config)
    rows = rows_of(db, "2025-T1", {"kotihoito-a"}, "sv")
    table = list(csv.reader(io.StringIO(export_csv(config, rows, "sv"))))
    assert tuple(table[0]) == CSV_HEADER
    by_metric = {r[3]: r for r in table[1:]}
    assert by_metric["decisions"][5:8] == ["1300", "st", "1 300 kpl"]
    assert by_metric["queue_time"][5] == "0:13:25"
    assert by_metric["incident_types"][5] == "medication"
    assert by_metric["sick_leave"][4] == "Sjukfrånvaro"
    assert by_metric["sick_leave"][9].endswith("+03:00")  # local time, with its offset


def test_sheet_titles_are_valid_and_unique() -> None:
    taken: set[str] = set()
    long = sheet_title("Client experience and participation", taken)
    assert len(long) <= 31 and long.startswith("Client experience")
    assert sheet_title("a/b: [c]", taken) == "a b   c"
    assert sheet_title("A/B: [C]", taken) == "A B   C 2"
