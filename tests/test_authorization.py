"""Authorization everywhere: every command and button, as every role, with forged data.

In the seeded county of :mod:`tests.authworld`, each role walks every registered command with
arguments naming other units, periods, people and garbage, every global button prefix with
forged data, and the buttons of its own conversations with forged and replayed data. After
every step the replies (texts, button labels, captions, exported files and the plain data
handed to the chart renderer) must show nothing outside the role's scope, and after each walk
the database must be unchanged outside what the role may change itself.
"""

from __future__ import annotations

import pytest

from collectors.chart_scope import chart_metrics
from collectors.engine import STEP_SEPARATOR, Engine
from collectors.messages import TextReply
from tests.authworld import (
    ROLES,
    World,
    assert_in_scope,
    assert_unchanged,
    make_world,
    shown,
    snapshot,
)
from tests.support import Clock


@pytest.fixture
def world(engine: Engine, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> World:
    return make_world(engine, clock, monkeypatch)


# The walks -----------------------------------------------------------------------------------
def command_arguments(world: World) -> list[tuple[str, ...]]:
    return [
        (),
        ("kotihoito-a",),
        ("kotihoito-b",),
        ("ohjaus",),
        ("asiakas",),
        ("county",),
        ("2025-T1",),
        ("2024-T1",),
        ("ohjaus", "2025-T1"),
        ("ohjaus", "csv"),
        ("kotihoito-b", "csv"),
        ("decisions", "ohjaus", "6"),
        ("decisions", "kotihoito-b"),
        ("nps", "ohjaus"),
        (str(world.ids["victim"]),),
        (world.closed_round,),
        ("'; DROP TABLE answer; --",),
        ("²",),
        ("decisions", "²"),
        ("x" * 300,),
    ]


def global_buttons(world: World) -> list[str]:
    keys = [f.key for f in chart_metrics(world.engine.config)]
    figures = [keys[0], keys[-1], next(k for k in keys if k.startswith("m5")), "zz"]
    positions = [*map(str, range(len(world.engine.config.organisation.units))), "99", "x"]
    out = [f"ch:{action}:{key}:{pos}" for key in figures for pos in positions for action in "su"]
    out += [f"ch:n:{key}:{pos}:6" for key in figures[:2] for pos in positions]
    out += [f"ch:y:{pos}" for pos in positions] + [f"ch:y:{p}:2025-T1" for p in positions]
    out += [f"ch:m:{key}" for key in figures] + ["ch:", "ch:n:m0:5:99999", "ch:y:5:garbage"]
    out += [
        f"rem:{action}:{period}:{unit}"
        for action in ("start", "snooze")
        for period in ("2025-T2", "2025-T1", "")
        for unit in ("ohjaus", "kotihoito-b", "county", "x")
    ]
    out += ["rem:", "rem:explode:2025-T2:ohjaus"]
    out += [f"survey:{action}:{world.closed_round}" for action in ("start", "results")]
    out += [f"survey:{action}:{world.open_round}" for action in ("start", "results")]
    out += ["survey:start:nonexistent", "survey:results:", "survey:"]
    out += ["lang:xx", "lang:", "zz:1", "", "|", "||", "0|na", "999999|na", "1|u:ohjaus"]
    return out


STEP_FORGERIES = (
    "u:ohjaus",
    "u:kotihoito-b",
    "u:county",
    "p:2024-T1",
    "p:2099-T3",
    "c:99",
    "c:-1",
    "t:99",
    "e:99",
    "e:-1",
    "v:11",
    "v:-1",
    "c:²",
    "e:²",
    "send",
    "submit",
    "x:y:z",
    "",
)
FLOWS = {"manager": ("report", "deputy"), "staff": ("survey",), "admin": ("deputy",)}


@pytest.mark.parametrize("role", ROLES)
def test_every_command_and_button_stays_in_scope(world: World, role: str) -> None:
    before = snapshot(world, role)
    for name in [*sorted(world.engine.commands), "nosuchcommand"]:
        for args in command_arguments(world):
            replies = world.command(role, name, *args)
            assert_in_scope(world, role, replies, f"/{name} {' '.join(args)[:40]}", args)
    for data in global_buttons(world):
        assert_in_scope(world, role, world.press(role, data), f"button {data!r}")
    forgeries = [*STEP_FORGERIES, f"p:{world.ids['victim']}", f"p:{world.ids['leader']}"]
    for flow in FLOWS.get(role, ()):
        for forged in forgeries:
            world.command(role, "cancel")
            assert_in_scope(world, role, world.command(role, flow), f"/{flow}")
            step = world.step(role)
            assert step is not None, f"{role}: /{flow} started no conversation"
            replies = world.press(role, f"{step}{STEP_SEPARATOR}{forged}")
            assert_in_scope(world, role, replies, f"/{flow} button {forged!r}")
            if forged != f"p:{world.ids['leader']}":  # the leader may stand in for A
                replies = world.type(role, "31.12.")  # whatever the forged press led to
                assert_in_scope(world, role, replies, f"a date after {forged!r}")
    assert_unchanged(before, snapshot(world, role), role)
    if role in ("admin", "leader", "manager"):
        assert world.drawn > 10, "the charts drawn were not checked"


def test_buttons_of_another_persons_conversation_change_nothing_of_theirs(world: World) -> None:
    world.command("victim", "report")  # Asiakasohjaus: sent, so "correct it / keep it"
    victim_step = world.step("victim")
    assert victim_step is not None
    before = snapshot(world, "manager")
    for who in ("manager", "leader", "staff", "expired", "stranger"):
        for action in ("correct", "keep", "submit", "e:0", "na"):
            replies = world.press(who, f"{victim_step}{STEP_SEPARATOR}{action}")
            assert_in_scope(world, who, replies, f"the victim's button {action}")
    assert_unchanged(before, snapshot(world, "manager"), "the step")
    assert world.step("victim") == victim_step  # their conversation did not move


def test_a_button_pressed_again_after_the_step_moved_on_is_refused(world: World) -> None:
    replies = world.command("manager", "report")
    first = next(o.data for r in replies if isinstance(r, TextReply) for o in r.options)
    assert "3/11" in shown(world, world.type("manager", "x"))  # "not available": moves on
    before = snapshot(world, "stranger")  # every row, the manager's own report included
    again = world.press("manager", first)
    assert "That button belongs to an earlier question." in shown(world, again)
    assert_unchanged(before, snapshot(world, "stranger"), "the step")


def test_an_old_button_is_refused_after_the_report_was_stopped_and_restarted(
    world: World,
) -> None:
    replies = world.command("manager", "report")
    options = [o for r in replies if isinstance(r, TextReply) for o in r.options]
    stale = next(o.data for o in options if o.label == "Not available")
    world.type("manager", "4,5")  # the first open question is answered
    world.command("manager", "cancel")
    world.command("manager", "report")  # a new conversation
    before = snapshot(world, "stranger")
    again = world.press("manager", stale)
    assert "That button belongs to an earlier question." in shown(world, again)
    assert_unchanged(before, snapshot(world, "stranger"), "the step")
