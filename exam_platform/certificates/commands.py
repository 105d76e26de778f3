"""``flask certificates …``: keys, offline verification, sweeps.

    rotate-key                       new active signing key (the first one is made the same way)
    mark-compromised KID             stop trusting a key; its certificates are flagged for reissue
    reissue-flagged                  re-sign flagged valid certificates with the active key
    upgrade-tokens [--base-url URL]  CT1 tokens (they carry the number) → CT2 tokens and new QR images
    export-public-keys FILE          the public key file for offline verifiers ("-" for stdout)
    verify TOKEN --keys FILE         offline: signature check with only the key file (no database)
    verify-qr IMAGE --keys FILE      offline: read the QR with zxing-cpp, then as ``verify``
    issue-pending                    certificates for passed, published results that have none (idempotent)
    expire                           validity ended or 复审 overdue → 失效
    sweep                            issue-pending, then expire (run it daily from cron/systemd)
    apply-rules [--dry-run]          move certificates to the rule sets in force (next actions recomputed) and
                                     report each change (docs/rules.md)
"""

from __future__ import annotations

import functools
import json
import sys

import click
from flask.cli import AppGroup

from .. import clock
from ..db import get_session
from . import offline

group = AppGroup("certificates", help="Certificate keys, offline verification and sweeps.")


def in_request_context(command):
    """Service errors carry lazily translated messages: give them a (blank) request to format in."""
    from .links import request_context

    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        with request_context():
            return command(*args, **kwargs)

    return wrapped


def _fail(message: str, code: int = 1) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(code)


@group.command("rotate-key")
@in_request_context
def rotate_key() -> None:
    """Generate a new active signing key (older ones retire and keep verifying)."""
    from .keys import key_path, rotate

    session = get_session()
    key = rotate(session, actor=None, now=clock.now())
    session.commit()
    click.echo(f"new signing key {key.kid} (private key in {key_path(key.kid)})")


@group.command("mark-compromised")
@click.argument("kid")
@in_request_context
def mark_compromised(kid: str) -> None:
    """Mark KID compromised: every certificate it signed is flagged "reissue required"."""
    from ..errors import DomainError
    from .keys import mark_compromised as mark

    session = get_session()
    try:
        count = mark(session, kid=kid, actor=None, now=clock.now())
    except DomainError as err:
        session.rollback()
        _fail(str(err.message))
    session.commit()
    click.echo(f"{kid} marked compromised; {count} certificates flagged for reissue "
               "(run `flask certificates rotate-key` and `reissue-flagged`)")


@group.command("reissue-flagged")
@in_request_context
def reissue_flagged() -> None:
    """Re-sign every valid certificate flagged after a key compromise (new token version, new QR)."""
    from .lifecycle import reissue_flagged as run

    session = get_session()
    count = run(session, actor=None, now=clock.now())
    session.commit()
    click.echo(f"{count} certificates re-signed")


@group.command("upgrade-tokens")
@click.option("--base-url", default="", help="address put into the QR codes (default: PUBLIC_BASE_URL)")
@click.option("--batch", default=200, show_default=True, type=click.IntRange(1, 10_000),
              help="certificates per transaction")
@in_request_context
def upgrade_tokens(base_url: str, batch: int) -> None:
    """Give every certificate whose token still carries its number (format CT1) a token naming its opaque
    reference (CT2) and a new QR image, whatever its status. Commits every BATCH certificates (the app keeps
    serving); safe to interrupt and to run again. Each one is audited and recorded on the certificate."""
    from flask import current_app
    from sqlalchemy.exc import IntegrityError

    from .. import audit
    from ..errors import DomainError
    from . import keys
    from . import token as tokens
    from .lifecycle import legacy_token_ids, upgrade_token
    from .models import Certificate

    base_url = (base_url or current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base_url.startswith(("https://", "http://")):
        _fail("set PUBLIC_BASE_URL or give --base-url (the address the new QR codes lead to)", 3)
    current_app.config["PUBLIC_BASE_URL"] = base_url
    session = get_session()
    try:
        keys.private_key(keys.ensure_active_key(session, now=clock.now()).kid)
    except DomainError as err:
        session.rollback()
        _fail(str(err.message))
    upgraded, left, last = 0, 0, 0
    while ids := legacy_token_ids(session, after_id=last, limit=batch):
        for certificate_id in ids:
            try:
                with session.begin_nested():
                    upgraded += upgrade_token(session, session.get(Certificate, certificate_id), actor=None,
                                              now=clock.now())
            except (DomainError, IntegrityError):  # e.g. a 补发 took the next version meanwhile: run again
                left += 1
        session.commit()
        last = ids[-1]
        click.echo(f"… up to certificate {last}: {upgraded} upgraded")
    audit.record(session, actor=None, action="certificate.tokens_upgrade_run", at=clock.now(),
                 after={"upgraded": upgraded, "left": left, "format": tokens.FORMAT, "base_url": base_url})
    session.commit()
    click.echo(f"{upgraded} certificates now have {tokens.FORMAT} tokens and new QR images ({base_url}/v/…)"
               + (f"; {left} could not be upgraded now, run the command again" if left else ""))
    sys.exit(1 if left else 0)


@group.command("export-public-keys")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@in_request_context
def export_public_keys(file: str) -> None:
    """Write the public key file that offline verifiers use."""
    from .keys import public_key_document

    text = json.dumps(public_key_document(get_session()), ensure_ascii=False, indent=2) + "\n"
    if file == "-":
        click.echo(text, nl=False)
        return
    with open(file, "w", encoding="utf-8") as out:
        out.write(text)
    click.echo(f"public keys written to {file}")


@group.command("verify", with_appcontext=False)
@click.argument("token")
@click.option("--keys", "keys_file", required=True, type=click.Path(exists=True, dir_okay=False))
def verify(token: str, keys_file: str) -> None:
    """OFFLINE: check a token (or /v/ URL) with only the public key file. Exit 0 valid, 1 invalid, 2 compromised key."""
    code, text = offline.run(token, None, keys_file)
    click.echo(text, err=code != 0)
    sys.exit(code)


@group.command("verify-qr", with_appcontext=False)
@click.argument("image", type=click.Path(exists=True, dir_okay=False))
@click.option("--keys", "keys_file", required=True, type=click.Path(exists=True, dir_okay=False))
def verify_qr(image: str, keys_file: str) -> None:
    """OFFLINE: decode the QR code in IMAGE and check its token with only the public key file."""
    code, text = offline.run(None, image, keys_file)
    click.echo(text, err=code != 0)
    sys.exit(code)


@group.command("issue-pending")
@in_request_context
def issue_pending() -> None:
    """Certificates for passed, published results that have none; issue immediate categories (idempotent)."""
    from .issuance import issue_pending as sweep

    session = get_session()
    counts = sweep(session, now=clock.now())
    session.commit()
    click.echo("created {created}, issued {issued}, skipped {skipped}".format(**counts))


@group.command("expire")
@in_request_context
def expire() -> None:
    """Validity ended or 复审 overdue → 失效 (also done lazily whenever a certificate is read)."""
    from .lifecycle import expire_sweep

    session = get_session()
    count = expire_sweep(session, now=clock.now())
    session.commit()
    click.echo(f"{count} certificates expired")


@group.command("sweep")
@in_request_context
def sweep() -> None:
    """issue-pending, then expire: the daily job."""
    from .issuance import issue_pending as issue
    from .lifecycle import expire_sweep

    session = get_session()
    counts = issue(session, now=clock.now())
    expired = expire_sweep(session, now=clock.now())
    session.commit()
    click.echo("created {created}, issued {issued}, skipped {skipped}; ".format(**counts) + f"{expired} expired")


COMMANDS = [group]


@group.command("apply-rules")
@click.option("--dry-run", is_flag=True, help="Report what would change; change nothing.")
@in_request_context
def apply_rules_command(dry_run: bool) -> None:
    """Recompute every certificate's next action (复审 or 换证 at expiry) from the rule sets in force."""
    from ..accounts.idnumber import mask_number
    from . import schedule

    session = get_session()
    now = clock.now()
    found = (schedule.changes(session, today=clock.today_local(now)) if dry_run
             else schedule.apply_rules(session, actor=None, now=now))
    for change in found:
        before, after = change.kinds()
        cert = change.certificate
        click.echo(f"#{cert.id} {mask_number(cert.number or '')} {cert.category.code}: {before} {change.before} → "
                   f"{after} {change.after}{' (restored to valid)' if change.restored else ''}")
    if dry_run:
        session.rollback()
        click.echo(f"{len(found)} certificate(s) would change (dry run: nothing written)")
    else:
        session.commit()
        click.echo(f"{len(found)} certificate(s) changed")
