"""Grading as a job: grading_jobs, one per handed-in attempt, graded by `flask exams worker` (issue #19)

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

import exam_platform.db

revision = '0015'
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Attempts handed in before this revision were graded at once: they need no job.
    op.create_table('grading_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('enqueued_at', exam_platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', exam_platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=80), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('graded_at', exam_platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('gradings', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.CheckConstraint("state IN ('queued','claimed','done','failed')", name=op.f('ck_grading_jobs_state_known')),
    sa.CheckConstraint('gradings >= 0 AND tries >= 0', name=op.f('ck_grading_jobs_counts_positive')),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_grading_jobs_attempt_id_attempts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grading_jobs')),
    sa.UniqueConstraint('attempt_id', name=op.f('uq_grading_jobs_attempt_id'))
    )
    with op.batch_alter_table('grading_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_grading_jobs_state_enqueued_at', ['state', 'enqueued_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('grading_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_grading_jobs_state_enqueued_at')
    op.drop_table('grading_jobs')
