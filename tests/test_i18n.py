"""Every text exists in fi, sv and en, and the catalogs match the code."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from collectors.config import AppConfig
from collectors.engine import Engine
from collectors.i18n import LOCALE_DIR, translator

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "plural": (1, 2)}


def _code_messages() -> set[str]:
    found: set[str] = set()
    for folder in ("bot", "collectors", "charts"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            if isinstance(message, tuple):
                found.update(m for m in message if m)
            elif message:
                found.add(message)
    return found


def _catalog(language: str) -> dict[str, str]:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    out: dict[str, str] = {}
    for message in catalog:
        if not message.id:
            continue
        ids = (message.id,) if isinstance(message.id, str) else tuple(message.id)
        # Babel types a message's string as possibly None; an absent one is untranslated.
        string = "" if message.string is None else message.string
        strings = (string,) if isinstance(string, str) else tuple(string)
        if message.fuzzy:
            strings = tuple("" for _s in strings)
        for msgid, msgstr in zip(ids, strings, strict=False):
            out[msgid] = msgstr
    return out


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


CODE = _code_messages()


def test_code_has_messages() -> None:
    assert len(CODE) > 50


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_message_is_translated(language: str) -> None:
    catalog = _catalog(language)
    missing = sorted(m for m in CODE if not catalog.get(m))
    assert not missing, (
        f"{len(missing)} messages lack a {language} translation (run make i18n): {missing[:10]}"
    )


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_translations_keep_the_placeholders(language: str) -> None:
    for msgid, msgstr in _catalog(language).items():
        if msgstr:
            assert _fields(msgstr) == _fields(msgid), (language, msgid, msgstr)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_compiled_catalogs_match_the_sources(language: str) -> None:
    """The .mo files the bot loads say what the .po files say (make i18n compiles them)."""
    _ = translator(language)
    for msgid, msgstr in _catalog(language).items():
        if msgstr and msgid in CODE and "{n}" not in msgid:
            assert _(msgid) == msgstr, msgid


def test_command_menu_is_translated(engine: Engine, config: AppConfig) -> None:
    for language in ("fi", "sv"):
        catalog = _catalog(language)
        for name, _description in engine.menu("en"):
            command = engine.commands[name]
            assert catalog.get(command.description), f"/{name} has no {language} description"
        assert all(re.fullmatch(r"[a-z0-9_]{1,32}", name) for name, _d in engine.menu(language))


def test_every_plural_call_is_extracted_as_a_plural() -> None:
    """Babel reads a plural call with a nested call in its arguments as a plain one."""
    calls = sum(
        path.read_text(encoding="utf-8").count("_.plural(")
        for folder in ("bot", "collectors", "charts")
        for path in (ROOT / folder).rglob("*.py")
    )
    plurals = []
    for folder in ("bot", "collectors", "charts"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            if isinstance(message, tuple) and all(message):
                plurals.append(message)
    assert calls > 0
    assert len(plurals) == calls
