"""states: CHECK constraints on the state columns of sittings, registrations, attempts, classes and enrollments

The values are the members of the models' StrEnums (exams/models.py, training/models.py); stored data is unchanged.
certificates.status has had its CHECK (status_known) since 0001.

Revision ID: 0008
Revises: 0007
"""
from alembic import op

revision = '0008'
down_revision = "0007"
branch_labels = None
depends_on = None

# Written out (not imported from the models) so that this migration keeps meaning what it meant when written.
CHECKS = (
    ("sittings", "status_known", "status IN ('draft','published','closed','cancelled')"),
    ("registrations", "status_known", "status IN ('registered','checked_in','absent','cancelled')"),
    ("attempts", "state_known", "state IN ('in_progress','submitted','voided')"),
    ("training_classes", "status_known", "status IN ('planned','open','running','finished','cancelled')"),
    ("enrollments", "status_known", "status IN ('active','withdrawn')"),
)


def upgrade() -> None:
    for table, name, condition in CHECKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(op.f(f"ck_{table}_{name}"), condition)


def downgrade() -> None:
    for table, name, _condition in reversed(CHECKS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
