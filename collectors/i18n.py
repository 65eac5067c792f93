"""Translations: gettext catalogs for fi, sv and en, compiled with Babel's tooling.

Messages are written in English in the code and marked with ``_("...")`` (or ``N_`` where a
text is only named, not shown yet); ``make i18n`` extracts them into
``collectors/locale/messages.pot``, updates the three catalogs and compiles them.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

from collectors.config import LANGUAGES

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a text for extraction without translating it yet."""
    return message


class Translator:
    """Translates and fills in messages for one language.

    Usage: ``_ = translator("sv"); _("Last period: {value}", value="3,10")``.
    """

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else "fi"
        self._catalog = gettext.translation(
            DOMAIN, localedir=LOCALE_DIR, languages=[self.language], fallback=True
        )

    def __call__(self, message: str, /, **values: object) -> str:
        text = self._catalog.gettext(message)
        return text.format(**values) if values else text

    def plural(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        """Translate a message that depends on a count; ``{n}`` is filled in."""
        text = self._catalog.ngettext(singular, plural, n)
        return text.format(n=n, **values)


@lru_cache(maxsize=8)
def translator(language: str | None) -> Translator:
    """The translator for ``language`` (Finnish when unknown)."""
    return Translator(language or "fi")


def pick_language(hint: str | None, default: str = "fi") -> str:
    """Map a platform language code ("sv-FI", "en-GB"...) to one of ours."""
    if hint:
        base = hint.split("-")[0].split("_")[0].lower()
        if base in LANGUAGES:
            return base
    return default if default in LANGUAGES else "fi"


LANGUAGE_NAMES: dict[str, str] = {"fi": "Suomi", "sv": "Svenska", "en": "English"}
