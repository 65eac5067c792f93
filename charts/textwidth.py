"""How wide a text is in DejaVu Sans, and wrapping to a width in inches (pure, no matplotlib).

Every chart draws in DejaVu Sans (see :data:`charts.style.RC_PARAMS`), the font matplotlib
ships, so its advance widths are known in advance: the tables below are the font's advance
widths in font units (2048 per em) for printable ASCII, Latin-1 and a few punctuation marks.
Layout can then size columns and wrap labels to the width they really take before anything is
drawn, and the tests check the tables against matplotlib's own text extents. A character
outside the tables counts as a wide average.
"""

from __future__ import annotations

import re
from functools import lru_cache

UNITS_PER_EM = 2048

_CHARS = (
    "".join(chr(c) for c in range(32, 127))
    + "".join(chr(c) for c in range(160, 256))
    + "\u2212\u2013\u2014\u2026\u20ac\u2018\u2019\u201c\u201d\u2022\u2264\u2265\u2011\u202f\u2009"
)

_REGULAR = """
651 821 942 1716 1303 1946 1597 563 799 799 1024 1716 651 739 651 690 1303 1303 1303 1303
1303 1303 1303 1303 1303 1303 690 690 1716 1716 1716 1087 2048 1401 1405 1430 1577 1294
1178 1587 1540 604 604 1343 1141 1767 1532 1612 1235 1612 1423 1300 1251 1499 1401 2025
1403 1251 1403 799 690 799 1716 1024 1024 1255 1300 1126 1300 1260 721 1300 1298 569 569
1186 569 1995 1298 1253 1300 1300 842 1067 803 1298 1212 1675 1212 1212 1075 1303 690 1303
1716 651 821 1303 1303 1303 1303 690 1024 1024 2048 965 1253 1716 739 2048 1024 1024 1716
821 821 1024 1303 1303 651 1024 821 965 1253 1985 1985 1985 1087 1401 1401 1401 1401 1401
1401 1995 1430 1294 1294 1294 1294 604 604 604 604 1587 1532 1612 1612 1612 1612 1612 1716
1612 1499 1499 1499 1499 1251 1239 1290 1255 1255 1255 1255 1255 1255 2011 1126 1260 1260
1260 1260 569 569 569 569 1253 1298 1253 1253 1253 1253 1253 1716 1253 1298 1298 1298 1298
1212 1300 1212 1716 1024 2048 2048 1303 651 651 1061 1061 1208 1716 1716 739 409 409
"""

_BOLD = """
713 934 1067 1716 1425 2052 1786 627 936 936 1071 1716 778 850 778 748 1425 1425 1425 1425
1425 1425 1425 1425 1425 1425 819 819 1716 1716 1716 1188 2048 1585 1561 1503 1700 1399
1399 1681 1714 762 762 1587 1305 2038 1714 1741 1501 1741 1577 1475 1397 1663 1585 2259
1579 1483 1485 936 748 936 1716 1024 1024 1382 1466 1214 1466 1389 891 1466 1458 702 702
1362 702 2134 1458 1407 1466 1466 1010 1219 979 1458 1335 1892 1321 1335 1192 1458 748
1458 1716 713 934 1425 1425 1303 1425 748 1024 1024 2048 1155 1323 1716 850 2048 1024 1024
1716 897 897 1024 1507 1303 778 1024 897 1155 1323 2120 2120 2120 1188 1585 1585 1585 1585
1585 1585 2222 1503 1399 1399 1399 1399 762 762 762 762 1716 1714 1741 1741 1741 1741 1741
1716 1741 1663 1663 1663 1663 1483 1511 1473 1382 1382 1382 1382 1382 1382 2146 1214 1389
1389 1389 1389 702 702 702 702 1407 1458 1407 1407 1407 1407 1407 1716 1407 1458 1458 1458
1458 1335 1466 1335 1716 1024 2048 2048 1425 778 778 1346 1346 1309 1716 1716 850 409 409
"""


def _table(numbers: str) -> dict[str, int]:
    widths = [int(n) for n in numbers.split()]
    if len(widths) != len(_CHARS):
        raise AssertionError("width table does not match its characters")
    return dict(zip(_CHARS, widths, strict=True))


REGULAR_WIDTHS = _table(_REGULAR)
"""Character -> advance width of DejaVu Sans in font units."""
BOLD_WIDTHS = _table(_BOLD)
"""Character -> advance width of DejaVu Sans Bold in font units."""
_FALLBACK = {False: 1400, True: 1500}
HINTING_SLACK = 1.02
"""Agg snaps glyphs to pixels, so drawn text can be ~2 % wider than its advances (at 216 dpi)."""


@lru_cache(maxsize=4096)
def text_width_in(text: str, font_pt: float, *, bold: bool = False) -> float:
    """The width of one line of text in inches.

    Args:
        text: The text (one line).
        font_pt: The font size in points.
        bold: Whether it is drawn bold.

    Returns:
        The sum of the characters' advance widths in inches, with :data:`HINTING_SLACK`.
    """
    table = BOLD_WIDTHS if bold else REGULAR_WIDTHS
    fallback = _FALLBACK[bold]
    units = sum(table.get(char, fallback) for char in text)
    return units / UNITS_PER_EM * font_pt / 72 * HINTING_SLACK


def _split_long(word: str, width_in: float, font_pt: float, bold: bool) -> list[str]:
    """Cut a word wider than the line into pieces, each but the last ending in a hyphen."""
    pieces: list[str] = []
    rest = word
    while text_width_in(rest, font_pt, bold=bold) > width_in and len(rest) > 1:
        cut = 1
        while cut < len(rest) - 1 and (
            text_width_in(rest[: cut + 1] + "-", font_pt, bold=bold) <= width_in
        ):
            cut += 1
        pieces.append(rest[:cut] + "-")
        rest = rest[cut:]
    pieces.append(rest)
    return pieces


def _join(tokens: list[tuple[str, str]], width_in: float, font_pt: float, bold: bool) -> list[str]:
    """Greedy line filling of ``(token, separator before it)`` pairs."""
    lines: list[str] = []
    line = ""
    for token, separator in tokens:
        candidate = line + separator + token if line else token
        if line and text_width_in(candidate, font_pt, bold=bold) > width_in:
            lines.append(line)
            candidate = token
        if text_width_in(candidate, font_pt, bold=bold) > width_in:
            *full, candidate = _split_long(candidate, width_in, font_pt, bold)
            lines += full
        line = candidate
    lines.append(line)
    return lines


_SPACES = re.compile(r"[ \t\n\r\f\v]+")
"""Breakable whitespace: every space but the no-break ones."""


def wrap_to_width(text: str, width_in: float, font_pt: float, *, bold: bool = False) -> list[str]:
    """Wrap text at spaces to lines no wider than ``width_in``.

    A word wider than a line (a long Finnish compound) is split with a hyphen at the break.
    No-break spaces (between a number and its unit) do not break.

    Args:
        text: The text; runs of ordinary whitespace count as one space.
        width_in: The line width in inches.
        font_pt: The font size in points.
        bold: Whether it is drawn bold.

    Returns:
        The lines (at least one, possibly empty).
    """
    tokens = [(word, " ") for word in _SPACES.split(text) if word]
    return _join(tokens, width_in, font_pt, bold) if tokens else [""]


_UNIT_BREAK = re.compile(r"(?<!\d)\s+(?!%)|\s+(?![\d%])")
"""Where a value's number and unit (or a unit's words) part: a space not between two digits
and not before a percent sign."""


def _pieces(text: str, breaks: re.Pattern[str]) -> list[tuple[str, str]]:
    pieces: list[tuple[str, str]] = []
    position, separator = 0, ""
    for match in breaks.finditer(text):
        if match.start() == position and not match.group():
            continue
        pieces.append((text[position : match.start()], separator))
        position, separator = match.end(), " " if match.group() else ""
    pieces.append((text[position:], separator))
    return [(piece, sep) for piece, sep in pieces if piece]


def value_pieces(text: str, *, at_slashes: bool = False) -> list[tuple[str, str]]:
    """A formatted value cut where it may break: ``(piece, separator before it)``.

    ``"43.95 days/person"`` gives ``43.95`` and ``days/person``, and with ``at_slashes``
    ``43.95``, ``days/`` and ``person``. The spaces inside a number (``"107 260"``, a
    thousands separator) never break.
    """
    return _pieces(text, _SLASH_BREAK if at_slashes else _UNIT_BREAK)


_SLASH_BREAK = re.compile(_UNIT_BREAK.pattern + r"|(?<=/)")


def widest_piece_in(text: str, font_pt: float, *, bold: bool = False) -> float:
    """The width of a value's widest piece when its unit goes under the number."""
    return max(
        (text_width_in(piece, font_pt, bold=bold) for piece, _ in value_pieces(text)),
        default=0.0,
    )


def value_lines(text: str, width_in: float, font_pt: float, *, bold: bool = False) -> list[str]:
    """A formatted value on as few lines as fit ``width_in``: the unit goes under the number.

    A unit still too wide breaks after a slash, and as a last resort inside a word.

    Args:
        text: The value, e.g. ``"43,95 dagar/person"``.
        width_in: The column width in inches.
        font_pt: The font size in points.
        bold: Whether it is drawn bold.

    Returns:
        The lines, e.g. ``["43,95", "dagar/person"]``.
    """
    if text_width_in(text, font_pt, bold=bold) <= width_in:
        return [text]
    fits = widest_piece_in(text, font_pt, bold=bold) <= width_in
    pieces = value_pieces(text, at_slashes=not fits)
    return _join(pieces, width_in, font_pt, bold) if pieces else [text]
