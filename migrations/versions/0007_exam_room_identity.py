"""exam room identity: candidate photos (考生照片), the exam-room sign-in code (考场登录码)

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa
import exam_platform.db


revision = '0007'
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('candidate_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('jpeg', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('taken_by_id', sa.Integer(), nullable=True),
    sa.Column('taken_at', exam_platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('webcam', 'upload', 'demo')", name=op.f('ck_candidate_photos_photo_source_known')),
    sa.ForeignKeyConstraint(['taken_by_id'], ['users.id'], name=op.f('fk_candidate_photos_taken_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_candidate_photos_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidate_photos')),
    sa.UniqueConstraint('user_id', name=op.f('uq_candidate_photos_user_id'))
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('room_code_hash', sa.String(length=64), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('room_code_hash')
    op.drop_table('candidate_photos')
