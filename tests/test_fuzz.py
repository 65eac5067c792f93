"""Fuzzing the engine: any message from anyone gets a polite answer, never a crash."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors.engine import Engine
from collectors.messages import Inbound, InboundKind, Sender, TextReply
from storage.people import Role
from tests.support import join

APOLOGY = "Sorry, something went wrong"

people = st.sampled_from(["manager", "leader", "staff", "admin", "stranger"])
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
        sender = Sender("fuzz", person, person, person, "en")
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


def test_no_message_from_anyone_crashes_the_engine(engine: Engine) -> None:
    _setup(engine)
    strategy = _messages(engine)

    @settings(
        max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
    )
    @given(st.lists(strategy, min_size=1, max_size=4))
    def run(sequence: list[tuple[str, Inbound]]) -> None:
        for _person, message in sequence:
            replies = engine.handle(message)
            texts = [r.text for r in replies if isinstance(r, TextReply)]
            assert not any(APOLOGY in t for t in texts), texts
            assert replies, f"no answer to {message.kind}"
            for text in texts:
                assert text.strip()
                assert "Traceback" not in text

    run()
    assert engine.counters.get("errors", 0) == 0
    # And the engine still serves people normally afterwards.
    replies = engine.handle(
        Inbound(
            Sender("fuzz", "manager", "manager", "m", "en"), InboundKind.COMMAND, command="help"
        )
    )
    assert replies
