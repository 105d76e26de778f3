"""rule-set shapes (renewal model, retakes per part, eligibility, provenance) and question validity dates

Revision ID: 0005
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rule_sets') as batch:
        batch.add_column(sa.Column('renewal_model', sa.String(length=20), nullable=False,
                                   server_default='periodic_review'))
        batch.add_column(sa.Column('renewal_transition', sa.String(length=20), nullable=False, server_default=''))
        batch.add_column(sa.Column('renewal_requirements', sa.String(length=300), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('theory_attempts', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('practical_attempts', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('after_last_failure', sa.String(length=20), nullable=False,
                                   server_default='retrain'))
        batch.add_column(sa.Column('min_education', sa.String(length=20), nullable=False, server_default=''))
        batch.add_column(sa.Column('application_region', sa.String(length=20), nullable=False,
                                   server_default='nationwide'))
        batch.add_column(sa.Column('verification', sa.String(length=12), nullable=False,
                                   server_default='verified'))
        batch.add_column(sa.Column('sources', sa.JSON(), nullable=False, server_default='{}'))
    # Existing rule sets keep their meaning: N retakes = N + 1 attempts at each part.
    op.execute("UPDATE rule_sets SET theory_attempts = retakes + 1, practical_attempts = retakes + 1")
    with op.batch_alter_table('question_versions') as batch:
        batch.add_column(sa.Column('valid_from', sa.Date(), nullable=True))
        batch.add_column(sa.Column('valid_until', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('question_versions') as batch:
        batch.drop_column('valid_until')
        batch.drop_column('valid_from')
    with op.batch_alter_table('rule_sets') as batch:
        for name in ('sources', 'verification', 'application_region', 'min_education', 'after_last_failure',
                     'practical_attempts', 'theory_attempts', 'renewal_requirements', 'renewal_transition',
                     'renewal_model'):
            batch.drop_column(name)
