"""Administrator commands: invitations and the CSV export of a period's answers."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from bot.cli import CliState, fail, pass_state
from bot.cli.admin import LANGUAGE_OPTION, language_of
from collectors.config import AppConfig
from collectors.exports import export_csv, export_xlsx
from collectors.i18n import translator
from storage import reports
from storage.audit import record
from storage.db import utcnow
from storage.models import Invitation
from storage.people import Role, create_invitation, list_invitations, revoke_invitation

_DURATION_RE = re.compile(r"(?P<amount>\d{1,4})\s*(?P<unit>[hdw])")
_UNIT_HOURS = {"h": 1, "d": 24, "w": 24 * 7}
MAX_EXPIRY = timedelta(days=366)


def parse_expiry(text: str) -> timedelta:
    """Read ``12h``, ``14d`` or ``2w`` as a time span.

    Raises:
        ValueError: with a one-line reason for anything else, zero, or more than a year.
    """
    match = _DURATION_RE.fullmatch(text.strip().lower())
    if match is None:
        raise ValueError(
            f"--expires: expected a number followed by h, d or w (e.g. 12h, 14d, 2w), got {text!r}"
        )
    span = timedelta(hours=int(match["amount"]) * _UNIT_HOURS[match["unit"]])
    if span <= timedelta(0):
        raise ValueError("--expires: the invitation must be valid for some time")
    if span > MAX_EXPIRY:
        raise ValueError("--expires: at most one year (366d)")
    return span


def invite_link(config: AppConfig, code: str) -> str:
    """The Telegram deep link that opens the bot with ``/start CODE``."""
    return f"https://t.me/{config.telegram.bot_username}?start={code}"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def invitation_state(row: Invitation, now: datetime) -> str:
    """``revoked``, ``used``, ``expired`` or ``open``."""
    if row.revoked_at is not None:
        return "revoked"
    if row.uses >= row.max_uses:
        return "used"
    if _aware(row.expires_at) <= now:
        return "expired"
    return "open"


@click.group("invite")
def invite_group() -> None:
    """Invitations: create, list and revoke."""


@invite_group.command("create")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    required=True,
    help="The role the invitation grants.",
)
@click.option("--unit", "unit_id", default=None, help="The unit (every role but admin).")
@click.option(
    "--uses",
    type=click.IntRange(1, 500),
    default=1,
    show_default=True,
    help="How many people may join with it (e.g. a whole staff team).",
)
@click.option("--expires", default="14d", show_default=True, help="Validity: 12h, 14d, 2w...")
@click.option(
    "--qr",
    "qr_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the link as a QR code PNG to this file.",
)
@pass_state
def invite_create(
    state: CliState,
    role: str,
    unit_id: str | None,
    uses: int,
    expires: str,
    qr_path: Path | None,
) -> None:
    """Create an invitation; prints its link, and its code alone on the last line."""
    config = state.config
    try:
        span = parse_expiry(expires)
    except ValueError as problem:
        fail(str(problem))
    if role == Role.ADMIN and unit_id is not None:
        fail("an admin invitation is for the whole organisation: leave out --unit")
    if role != Role.ADMIN:
        if unit_id is None:
            fail(f"a {role} invitation needs --unit (`omabot org show` lists the units)")
        try:
            config.unit(unit_id)
        except KeyError:
            fail(f"unknown unit {unit_id!r} (`omabot org show` lists the units)")
        if role == Role.MANAGER and not config.metrics_for(unit_id):
            fail(f"unit {unit_id!r} reports no metrics, so it has no manager to invite")
    now = utcnow()
    with state.db.session() as session:
        new = create_invitation(
            session,
            role=Role(role),
            unit_id=unit_id,
            now=now,
            expires_in=span,
            max_uses=uses,
            code_bytes=config.security.invite_code_bytes,
        )
        invitation = new.invitation
        record(
            session,
            now=now,
            actor=state.actor,
            action="invitation.created",
            target=f"invitation:{invitation.id}",
            detail={"role": role, "unit": unit_id, "max_uses": uses, "hint": invitation.hint},
        )
        link = invite_link(config, new.code)
        if qr_path is not None:  # inside the transaction: no invitation without its QR code
            _write_qr(link, qr_path)
    expiry = _aware(invitation.expires_at).astimezone(config.tz).strftime("%Y-%m-%d %H:%M")
    where = f" of {unit_id}" if unit_id else ""
    click.echo(f"Invitation {invitation.id}: {role}{where}, {uses} use(s), valid until {expiry}.")
    click.echo(f"Link: {link}")
    if qr_path is not None:
        click.echo(f"QR code: {qr_path}")
    click.echo("The code is shown only now; it is stored only as a hash.")
    click.echo(new.code)


def _write_qr(link: str, path: Path) -> None:
    import qrcode  # only this command needs it

    image = qrcode.make(link, box_size=12, border=4)
    try:
        with path.open("wb") as file:
            image.save(file)
    except OSError as exc:
        fail(f"cannot write the QR code to {path}: {exc.strerror or exc}")


@invite_group.command("list")
@pass_state
def invite_list(state: CliState) -> None:
    """List invitations (newest first); codes are never shown."""
    config, now = state.config, utcnow()
    with state.db.session() as session:
        rows = list(list_invitations(session))
    if not rows:
        click.echo("No invitations.")
        return
    click.echo(f"{'id':>5}  {'hint':<6} {'role':<8} {'unit':<24} {'uses':<7} {'expires':<16} state")
    for row in rows:
        expiry = _aware(row.expires_at).astimezone(config.tz).strftime("%Y-%m-%d %H:%M")
        uses = f"{row.uses}/{row.max_uses}"
        click.echo(
            f"{row.id:>5}  {row.hint + '…':<6} {row.role:<8} {row.unit_id or '–':<24} "
            f"{uses:<7} {expiry:<16} {invitation_state(row, now)}"
        )


@invite_group.command("revoke")
@click.argument("invitation_id", type=int)
@pass_state
def invite_revoke(state: CliState, invitation_id: int) -> None:
    """Revoke invitation INVITATION_ID so that its code no longer works."""
    now = utcnow()
    with state.db.session() as session:
        if not revoke_invitation(session, invitation_id, now):
            fail(f"no open invitation with id {invitation_id} (`omabot invite list`)")
        record(
            session,
            now=now,
            actor=state.actor,
            action="invitation.revoked",
            target=f"invitation:{invitation_id}",
        )
    click.echo(f"Invitation {invitation_id} revoked.")


# export ---------------------------------------------------------------------------------------
@click.command("export")
@click.option("--period", "period_id", required=True, help="The period id, e.g. 2025-T2.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    default="csv",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (needed for xlsx; CSV goes to stdout without it).",
)
@LANGUAGE_OPTION
@pass_state
def export_command(
    state: CliState, period_id: str, fmt: str, out: Path | None, language: str | None
) -> None:
    """Export a period's answers as CSV or an .xlsx workbook.

    Every answer of the period's submitted reports, one row each, to stdout (UTF-8 CSV) or to
    --out (CSV, or .xlsx with one sheet per report area).
    """
    config = state.config
    lang = language_of(state, language)
    with state.db.session() as session:
        if reports.get_period(session, period_id) is None:
            fail(f"no stored period {period_id!r} (`omabot period list`)")
        rows = reports.export_rows(session, period_id, None, lang)
    if not rows:
        click.echo(f"No submitted reports for {period_id} yet.", err=True)
    if fmt == "xlsx" or out is not None:
        if out is None:
            fail("--format xlsx needs --out FILE.xlsx")
        if fmt == "xlsx":
            out.write_bytes(export_xlsx(config, rows, translator(lang)))
        else:
            out.write_text(export_csv(config, rows, lang), encoding="utf-8")
        click.echo(f"Wrote {len(rows)} answers to {out}.", err=True)
        return
    text = export_csv(config, rows, lang)
    binary = getattr(sys.stdout, "buffer", None)
    if binary is None:  # an unusual stdout: let it encode
        sys.stdout.write(text)
    else:  # UTF-8 whatever the terminal's encoding
        sys.stdout.flush()
        binary.write(text.encode("utf-8"))
        binary.flush()


def register(group: click.Group) -> None:
    """Add the invitation and export commands to ``group``."""
    group.add_command(invite_group)
    group.add_command(export_command)
