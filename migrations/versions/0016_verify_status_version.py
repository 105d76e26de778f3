"""certificates.status_version: moves with every change of what a public verification shows (issue #19)

Revision ID: 0014_verify
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_verify'
down_revision = "0014_grading_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_version', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('status_version')
