"""certificates.reference: the opaque random reference that tokens name a certificate by (token format CT2).

What this migration does: adds the column, gives every existing certificate a fresh random reference (20 letters
from ``secrets``, the same shape as ``certificates.token.new_reference``), then makes it NOT NULL and unique; adds
``certificate_tokens.format`` and marks every existing token row ``CT1`` (the format they were signed in).

What it does not do: re-sign tokens or redraw QR images. That needs the private signing key (a file in
``CERT_KEY_DIR``, not in the database) and the app's ``PUBLIC_BASE_URL``, so it is left to
``flask certificates upgrade-tokens`` (see docs/certificates.md). Until that has run, existing certificates keep
their CT1 tokens, which carry the certificate number, and keep verifying.

Revision ID: 0002
Revises: 0001
"""

import secrets
import string

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_LENGTH = 20
_CHUNK = 1000


def _reference() -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(_LENGTH))


def upgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=_LENGTH), nullable=True))

    certificates = sa.table("certificates", sa.column("id", sa.Integer()), sa.column("reference", sa.String()))
    connection = op.get_bind()
    ids = list(connection.execute(sa.select(certificates.c.id).where(certificates.c.reference.is_(None))
                                  .order_by(certificates.c.id)).scalars())
    fill = (certificates.update().where(certificates.c.id == sa.bindparam("certificate_id"))
            .values(reference=sa.bindparam("new_reference")))
    given: set[str] = set()
    for start in range(0, len(ids), _CHUNK):
        rows = []
        for certificate_id in ids[start:start + _CHUNK]:
            reference = _reference()
            while reference in given:  # ~2**94 values: never in practice, but the constraint below must hold
                reference = _reference()
            given.add(reference)
            rows.append({"certificate_id": certificate_id, "new_reference": reference})
        connection.execute(fill, rows)

    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.alter_column("reference", existing_type=sa.String(length=_LENGTH), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_certificates_reference"), ["reference"])

    # Every token made so far is a CT1 token (it names the certificate by its number).
    with op.batch_alter_table("certificate_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("format", sa.String(length=3), nullable=True))
    token_rows = sa.table("certificate_tokens", sa.column("format", sa.String()))
    connection.execute(token_rows.update().values(format="CT1"))
    with op.batch_alter_table("certificate_tokens", schema=None) as batch_op:
        batch_op.alter_column("format", existing_type=sa.String(length=3), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("certificate_tokens", schema=None) as batch_op:
        batch_op.drop_column("format")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_certificates_reference"), type_="unique")
        batch_op.drop_column("reference")
