"""banks: pictures (media_blobs), layered blueprints (bank_quotas), provenance and case parts on question versions, four-eyes review

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa
import exam_platform.db


revision = '0011'
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('media_blobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', exam_platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media_blobs')),
    sa.UniqueConstraint('sha256', name=op.f('uq_media_blobs_sha256'))
    )
    op.create_table('question_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=12), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', exam_platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_reviews_question_id_questions')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_question_reviews_reviewer_id_users')),
    sa.ForeignKeyConstraint(['version_id'], ['question_versions.id'], name=op.f('fk_question_reviews_version_id_question_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_reviews'))
    )
    with op.batch_alter_table('question_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_reviews_question_id'), ['question_id'], unique=False)
    with op.batch_alter_table('question_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('image', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('option_images', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('basis', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('parts', sa.JSON(), nullable=True))
    with op.batch_alter_table('banks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_required', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('blueprints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank_quotas', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('blueprints', schema=None) as batch_op:
        batch_op.drop_column('bank_quotas')
    with op.batch_alter_table('banks', schema=None) as batch_op:
        batch_op.drop_column('review_required')
    with op.batch_alter_table('question_versions', schema=None) as batch_op:
        batch_op.drop_column('parts')
        batch_op.drop_column('basis')
        batch_op.drop_column('option_images')
        batch_op.drop_column('image')
    with op.batch_alter_table('question_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_reviews_question_id'))
    op.drop_table('question_reviews')
    op.drop_table('media_blobs')
