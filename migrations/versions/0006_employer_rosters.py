"""employers: posts with their required certificate categories, and rosters of workers

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa
import exam_platform.db


revision = '0006'
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('employer_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('created_at', exam_platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['organizations.id'], name=op.f('fk_employer_posts_employer_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employer_posts')),
    sa.UniqueConstraint('employer_id', 'name', name=op.f('uq_employer_posts_employer_id_name'))
    )
    with op.batch_alter_table('employer_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employer_posts_employer_id'), ['employer_id'], unique=False)

    op.create_table('employer_post_categories',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_employer_post_categories_category_id_categories')),
    sa.ForeignKeyConstraint(['post_id'], ['employer_posts.id'], name=op.f('fk_employer_post_categories_post_id_employer_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'category_id', name=op.f('pk_employer_post_categories'))
    )
    with op.batch_alter_table('employer_post_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employer_post_categories_category_id'), ['category_id'], unique=False)

    op.create_table('employer_workers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('real_name', sa.String(length=64), nullable=False),
    sa.Column('id_type', sa.String(length=20), nullable=False),
    sa.Column('id_number', sa.String(length=32), nullable=False),
    sa.Column('created_at', exam_platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', exam_platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['organizations.id'], name=op.f('fk_employer_workers_employer_id_organizations')),
    sa.ForeignKeyConstraint(['post_id'], ['employer_posts.id'], name=op.f('fk_employer_workers_post_id_employer_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employer_workers')),
    sa.UniqueConstraint('employer_id', 'id_type', 'id_number', name=op.f('uq_employer_workers_employer_id_id_type_id_number'))
    )
    with op.batch_alter_table('employer_workers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employer_workers_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employer_workers_post_id'), ['post_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('employer_workers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employer_workers_post_id'))
        batch_op.drop_index(batch_op.f('ix_employer_workers_employer_id'))
    op.drop_table('employer_workers')
    with op.batch_alter_table('employer_post_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employer_post_categories_category_id'))
    op.drop_table('employer_post_categories')
    with op.batch_alter_table('employer_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employer_posts_employer_id'))
    op.drop_table('employer_posts')
