"""Test helpers: a small configuration, a controllable clock and a chat transcript."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from collectors.config import AppConfig, parse_config
from collectors.engine import Engine
from collectors.messages import (
    ImageReply,
    Inbound,
    InboundKind,
    Option,
    Outbound,
    Sender,
    TextReply,
)
from storage import reports
from storage.db import utcnow
from storage.people import Role, create_invitation, create_person

# 2025-T2 (May-August) is open for reporting from 1.9.2025 to 21.9.2025.
REPORT_DAY = datetime(2025, 9, 10, 7, 0, tzinfo=UTC)


def _text(fi: str, sv: str | None = None, en: str | None = None) -> dict[str, str]:
    return {"fi": fi, "sv": sv or fi + " (sv)", "en": en or fi + " (en)"}


SMALL_CONFIG: dict[str, Any] = {
    "database_url": "sqlite://",
    "organisation": {
        "id": "test",
        "name": _text("Testialue", "Testområde", "Test county"),
        "units": [
            {"id": "county", "kind": "county", "name": _text("Testialue")},
            {
                "id": "koti",
                "kind": "division",
                "parent": "county",
                "name": _text("Koti- ja asumispalvelut"),
            },
            {
                "id": "asiakas",
                "kind": "division",
                "parent": "county",
                "name": _text("Asiakaskeskus"),
            },
            {"id": "kotihoito-a", "parent": "koti", "name": _text("Kotihoito A"), "staff_count": 7},
            {"id": "kotihoito-b", "parent": "koti", "name": _text("Kotihoito B"), "staff_count": 9},
            {
                "id": "ohjaus",
                "parent": "asiakas",
                "name": _text("Asiakasohjaus"),
                "staff_count": 12,
            },
        ],
    },
    "metrics": [
        {
            "id": "decisions",
            "area": "availability",
            "kind": "count",
            "name": _text("Asiakaspäätökset", "Klientbeslut", "Client decisions"),
            "unit": _text("kpl", "st", "pcs"),
            "max": 100000,
        },
        {
            "id": "assessments_7d",
            "area": "availability",
            "kind": "percent",
            "name": _text(
                "Palvelutarpeen arviot 7 arkipäivässä",
                "Bedömningar inom 7 vardagar",
                "Assessments within 7 weekdays",
            ),
            "unit": _text("%", "%", "%"),
        },
        {
            "id": "queue_time",
            "area": "availability",
            "kind": "duration",
            "name": _text("Keskimääräinen jonotusaika", "Genomsnittlig kötid", "Mean queue time"),
            "required": False,
        },
        {
            "id": "incidents",
            "area": "safety_quality",
            "kind": "count",
            "name": _text("HaiPro-ilmoitukset", "HaiPro-anmälningar", "HaiPro reports"),
            "unit": _text("kpl", "st", "pcs"),
        },
        {
            "id": "incident_types",
            "area": "safety_quality",
            "kind": "multi_choice",
            "max_choices": 3,
            "name": _text(
                "Yleisimmät tapahtumatyypit", "Vanligaste händelsetyper", "Most common event types"
            ),
            "choices": [
                {"id": "medication", "label": _text("Lääkehoito", "Läkemedel", "Medication")},
                {
                    "id": "information",
                    "label": _text("Tiedonkulku", "Informationsflöde", "Information flow"),
                },
                {
                    "id": "fall",
                    "label": _text("Tapaturma/kaatuminen", "Olycka/fall", "Accident/fall"),
                },
                {
                    "id": "violence",
                    "label": _text("Väkivalta tai uhka", "Våld eller hot", "Violence or threat"),
                },
                {"id": "other", "label": _text("Muu", "Annat", "Other")},
            ],
        },
        {
            "id": "handling_days",
            "area": "safety_quality",
            "kind": "number",
            "name": _text("Käsittelyaika (vrk)", "Handläggningstid (dygn)", "Handling time (days)"),
            "unit": _text("vrk", "dygn", "days"),
            "better": "lower",
            "targets": [{"target": 14}],
        },
        {
            "id": "plan_updated",
            "area": "effectiveness",
            "kind": "choice",
            "name": _text(
                "Päivitettiinkö suunnitelma?", "Uppdaterades planen?", "Was the plan updated?"
            ),
            "choices": [
                {"id": "yes", "label": _text("Kyllä", "Ja", "Yes")},
                {"id": "no", "label": _text("Ei", "Nej", "No")},
            ],
        },
        {
            "id": "client_nps",
            "area": "client_experience",
            "kind": "index",
            "name": _text("Asiakkaiden NPS", "Klienternas NPS", "Client NPS"),
            "min": -100,
            "max": 100,
            "required": False,
        },
        {
            "id": "sick_leave",
            "area": "staff",
            "kind": "percent",
            "name": _text("Sairauspoissaolot", "Sjukfrånvaro", "Sick leave"),
            "better": "lower",
            "targets": [{"baseline": 5.0, "target": 4.8}],
        },
        {
            "id": "sick_leave_goal",
            "area": "staff",
            "kind": "goal_status",
            "goal_for": "sick_leave",
            "name": _text("Poissaolotavoitteen tila", "Målets status", "Absence goal status"),
        },
        {
            "id": "actions",
            "area": "staff",
            "kind": "text",
            "required": False,
            "name": _text("Korjaavat toimenpiteet", "Korrigerande åtgärder", "Corrective actions"),
        },
    ],
}


def small_config(**overrides: Any) -> AppConfig:
    """The small test configuration, with top-level ``overrides``."""
    data = copy.deepcopy(SMALL_CONFIG)
    data.update(overrides)
    return parse_config(data, "test-config")


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime = REPORT_DAY

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move forward by ``timedelta(**delta)``."""
        self.now += timedelta(**delta)


@dataclass
class Chat:
    """One person's conversation with the engine, in the spirit of botbuilder's TestFlow."""

    engine: Engine
    user_id: str
    language: str = "fi"
    transport: str = "test"
    replies: list[Outbound] = field(default_factory=list)
    _updates: int = 0

    @property
    def sender(self) -> Sender:
        return Sender(self.transport, self.user_id, self.user_id, "Testi", self.language)

    def _key(self) -> str:
        self._updates += 1
        return f"{self.transport}:{self.user_id}:{self._updates}:{uuid.uuid4().hex[:8]}"

    def send(self, text: str) -> Chat:
        """Type a message (a leading slash makes it a command)."""
        if text.startswith("/"):
            name, *args = text[1:].split()
            message = Inbound(
                self.sender,
                InboundKind.COMMAND,
                text=text,
                command=name.lower(),
                args=tuple(args),
                update_key=self._key(),
            )
        else:
            message = Inbound(self.sender, InboundKind.TEXT, text=text, update_key=self._key())
        self.replies = self.engine.handle(message)
        return self

    def press(self, label: str) -> Chat:
        """Press the button whose label contains ``label`` in the latest replies."""
        option = self.option(label)
        return self.press_data(option.data)

    def press_data(self, data: str) -> Chat:
        """Send raw button data (for forged or stale presses)."""
        message = Inbound(self.sender, InboundKind.CHOICE, choice=data, update_key=self._key())
        self.replies = self.engine.handle(message)
        return self

    def unsupported(self) -> Chat:
        """Send a sticker or photo."""
        message = Inbound(self.sender, InboundKind.UNSUPPORTED, update_key=self._key())
        self.replies = self.engine.handle(message)
        return self

    @property
    def texts(self) -> list[str]:
        return [r.text for r in self.replies if isinstance(r, TextReply)]

    @property
    def text(self) -> str:
        joined = "\n---\n".join(self.texts)
        # Numbers use no-break spaces; tests write plain ones.
        return joined.replace("\u00a0", " ").replace("\u202f", " ")

    @property
    def options(self) -> list[Option]:
        return [o for r in self.replies if isinstance(r, TextReply) for o in r.options]

    @property
    def images(self) -> list[ImageReply]:
        return [r for r in self.replies if isinstance(r, ImageReply)]

    def option(self, label: str) -> Option:
        matches = [o for o in self.options if label in o.label]
        exact = [o for o in matches if o.label == label]
        if exact:
            return exact[0]
        if not matches:
            raise AssertionError(
                f"no button {label!r} in {[o.label for o in self.options]}\n{self.text}"
            )
        return matches[0]

    def expect(self, *fragments: str) -> Chat:
        """Assert that the latest replies contain every fragment."""
        for fragment in fragments:
            if fragment not in self.text:
                raise AssertionError(f"{fragment!r} not in replies:\n{self.text}")
        return self

    def expect_button(self, *labels: str) -> Chat:
        """Assert that the latest replies offer buttons with these exact labels."""
        present = [o.label for o in self.options]
        for label in labels:
            if label not in present:
                raise AssertionError(f"no button {label!r} in {present}")
        return self

    def expect_not(self, *fragments: str) -> Chat:
        for fragment in fragments:
            if fragment in self.text:
                raise AssertionError(f"{fragment!r} unexpectedly in replies:\n{self.text}")
        return self


def invite(
    engine: Engine, role: Role, unit_id: str | None, *, uses: int = 1, days: int = 14
) -> str:
    """Create an invitation and return its code."""
    with engine.db.session() as session:
        new = create_invitation(
            session,
            role=role,
            unit_id=unit_id,
            now=engine.clock() if engine.clock is not utcnow else utcnow(),
            expires_in=timedelta(days=days),
            max_uses=uses,
        )
        return new.code


def join(
    engine: Engine, user_id: str, role: Role, unit_id: str | None, language: str = "fi"
) -> Chat:
    """A person who has redeemed an invitation."""
    chat = Chat(engine, user_id, language)
    chat.send(f"/start {invite(engine, role, unit_id)}")
    return chat


def send_blank_report(engine: Engine, user_id: str = "m1", unit_id: str = "kotihoito-a") -> Chat:
    """A manager who joins in English and sends a report with every answer "not available"."""
    chat = join(engine, user_id, Role.MANAGER, unit_id, "en")
    chat.press("English").send("/report")
    for _question in range(11):  # the small configuration's metrics of a home-care unit
        chat.press("Not available")
    return chat.press("Send the report").expect("Thank you!")


TERTILES_2025: dict[str, tuple[date, date, date, date]] = {
    "2025-T1": (date(2025, 1, 1), date(2025, 4, 30), date(2025, 5, 1), date(2025, 5, 21)),
    "2025-T2": (date(2025, 5, 1), date(2025, 8, 31), date(2025, 9, 1), date(2025, 9, 21)),
}
"""A tertile's first and last day, the day its reporting opens and its deadline."""


def store_tertile(session: Session, now: datetime, period_id: str = "2025-T2") -> None:
    """Store a period of :data:`TERTILES_2025` (2025-T2: May to August, reported 1-21 September)."""
    start, end, opens_on, deadline = TERTILES_2025[period_id]
    reports.save_period(
        session,
        period_id=period_id,
        scheme="tertile",
        start=start,
        end=end,
        opens_on=opens_on,
        deadline=deadline,
        manual=False,
        now=now,
    )


def submit_last_period(
    engine: Engine, values: Mapping[str, float | str], unit_id: str = "kotihoito-a"
) -> None:
    """A 2025-T1 report of ``unit_id`` with ``values`` by metric (a text for a free-text one),
    submitted by someone else."""
    now = engine.clock()
    with engine.db.session() as session:
        person = create_person(session, now=now, display_name="Edellinen")
        assert person.id is not None
        store_tertile(session, now, "2025-T1")
        sub = reports.get_or_create_submission(session, "2025-T1", unit_id, person.id, now)
        assert sub.id is not None
        for metric, value in values.items():
            if isinstance(value, str):
                answer = reports.AnswerValue("answered", text=value, raw=value)
            else:
                answer = reports.AnswerValue("answered", value=float(value), raw=str(value))
            reports.put_answer(session, sub.id, metric, answer, person_id=person.id, now=now)
        reports.mark_submitted(session, sub, person_id=person.id, role="manager", now=now)
