"""Fuzzing the engine: any message from anyone gets a polite answer, never a crash.

People who speak Finnish or Swedish get every answer, rejections included, in their language.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors.engine import Engine
from collectors.messages import Inbound, InboundKind, Sender, TextReply
from storage.people import Role, find_person
from tests.support import join
from tests.test_i18n import _catalog

APOLOGY = "Sorry, something went wrong"

people = st.sampled_from(
    ["manager", "leader", "staff", "admin", "stranger", "esihenkilo", "chef", "personal"]
)
PLACEHOLDER = re.compile(r"\{[^}]*\}")


def _english_only(language: str) -> set[str]:
    """Pieces of English messages (20+ characters between placeholders) their translation lacks.

    Any of them in an answer to a person of ``language`` is English leaking through.
    """
    pieces: set[str] = set()
    for msgid, msgstr in _catalog(language).items():
        for piece in PLACEHOLDER.split(msgid):
            piece = piece.strip(" .,:;!?()\n")
            if len(piece) >= 20 and piece not in msgstr:
                pieces.add(piece)
    return pieces


ENGLISH_ONLY = {language: _english_only(language) for language in ("fi", "sv")}
junk = st.text(max_size=80) | st.sampled_from(
    [
        "1 050",
        "4,6 %",
        "0:13:25",
        "x",
        "-",
        "6+1",
        "192/469",
        "<3",
        "−42",
        "",
        " ",
        "1e308",
        "nan",
        "∞",
    ]
)


def _messages(engine: Engine) -> st.SearchStrategy[tuple[str, Inbound]]:
    commands = [*sorted(engine.commands), "start", "nosuchcommand"]
    args = st.lists(st.text(min_size=1, max_size=20).filter(lambda s: not s.isspace()), max_size=3)

    def build(
        person: str, kind: str, text: str, command: str, arguments: list[str], data: str
    ) -> tuple[str, Inbound]:
        sender = Sender("test", person, person, person, "en")
        if kind == "command":
            message = Inbound(
                sender,
                InboundKind.COMMAND,
                text="/" + command,
                command=command,
                args=tuple(arguments),
            )
        elif kind == "choice":
            message = Inbound(sender, InboundKind.CHOICE, choice=data)
        elif kind == "unsupported":
            message = Inbound(sender, InboundKind.UNSUPPORTED)
        else:
            message = Inbound(sender, InboundKind.TEXT, text=text)
        return person, message

    choice_data = (
        st.text(max_size=40)
        | st.builds(
            lambda step, body: f"{step}|{body}",
            st.integers(min_value=0, max_value=60),
            st.sampled_from(
                [
                    "na",
                    "skip",
                    "back",
                    "reuse",
                    "submit",
                    "done",
                    "yes",
                    "no",
                    "correct",
                    "keep",
                    "c:0",
                    "c:99",
                    "t:1",
                    "e:0",
                    "e:-1",
                    "u:ohjaus",
                    "p:2025-T2",
                    "review",
                    "cancel",
                ]
            ),
        )
        | st.sampled_from(["lang:fi", "lang:xx", "rem:start:2025-T2:ohjaus", "ch:0:0", "sv:1"])
    )
    return st.builds(
        build,
        people,
        st.sampled_from(["text", "text", "command", "choice", "choice", "unsupported"]),
        junk,
        st.sampled_from(commands),
        args,
        choice_data,
    )


def _setup(engine: Engine) -> None:
    join(engine, "manager", Role.MANAGER, "kotihoito-a", "en")
    join(engine, "leader", Role.LEADER, "koti", "en")
    join(engine, "staff", Role.STAFF, "kotihoito-a", "en")
    join(engine, "admin", Role.ADMIN, None, "en")
    join(engine, "esihenkilo", Role.MANAGER, "kotihoito-b", "fi")
    join(engine, "chef", Role.MANAGER, "ohjaus", "sv")
    join(engine, "personal", Role.STAFF, "kotihoito-a", "sv")


def _language(engine: Engine, person: str) -> str | None:
    with engine.db.session() as session:
        found = find_person(session, "test", person)
        return found.language if found is not None else None


def test_no_message_from_anyone_crashes_the_engine(engine: Engine) -> None:
    _setup(engine)
    strategy = _messages(engine)

    @settings(
        max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
    )
    @given(st.lists(strategy, min_size=1, max_size=4))
    def run(sequence: list[tuple[str, Inbound]]) -> None:
        for person, message in sequence:
            replies = engine.handle(message)
            texts = [r.text for r in replies if isinstance(r, TextReply)]
            assert not any(APOLOGY in t for t in texts), texts
            assert replies, f"no answer to {message.kind}"
            for text in texts:
                assert text.strip()
                assert "Traceback" not in text
            language = _language(engine, person)  # after the message: /lang may change it
            if language in ENGLISH_ONLY:
                leaks = [p for p in ENGLISH_ONLY[language] for t in texts if p in t]
                assert not leaks, f"English to a {language} speaker: {leaks} in {texts}"

    run()
    assert engine.counters.get("errors", 0) == 0
    # And the engine still serves people normally afterwards.
    replies = engine.handle(
        Inbound(
            Sender("test", "manager", "manager", "m", "en"), InboundKind.COMMAND, command="help"
        )
    )
    assert replies
