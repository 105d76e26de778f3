"""banks: background import jobs (bank_import_jobs) — a browser upload imported by a worker with its progress

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa
import exam_platform.db


revision = '0014'
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bank_import_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('limits', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('phase', sa.String(length=10), nullable=False),
    sa.Column('step_done', sa.Integer(), nullable=False),
    sa.Column('step_total', sa.Integer(), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_validated', sa.Integer(), nullable=False),
    sa.Column('rows_written', sa.Integer(), nullable=False),
    sa.Column('pictures_total', sa.Integer(), nullable=False),
    sa.Column('pictures_done', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.Column('problems', sa.JSON(), nullable=True),
    sa.Column('problem_count', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('worker', sa.String(length=80), nullable=False),
    sa.Column('created_at', exam_platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', exam_platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', exam_platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', exam_platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('queued','running','done','failed')", name=op.f('ck_bank_import_jobs_state_known')),
    sa.CheckConstraint("phase IN ('queued','reading','checking','pictures','writing','done','failed')",
                       name=op.f('ck_bank_import_jobs_phase_known')),
    sa.ForeignKeyConstraint(['bank_id'], ['banks.id'], name=op.f('fk_bank_import_jobs_bank_id_banks')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_bank_import_jobs_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_import_jobs'))
    )
    with op.batch_alter_table('bank_import_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_import_jobs_bank_id'), ['bank_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_import_jobs_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_import_jobs_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('bank_import_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_import_jobs_user_id'))
        batch_op.drop_index(batch_op.f('ix_bank_import_jobs_state'))
        batch_op.drop_index(batch_op.f('ix_bank_import_jobs_bank_id'))
    op.drop_table('bank_import_jobs')
