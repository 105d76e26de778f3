"""特种作业目录 as versioned data: catalogue versions and their items (successor per item)

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('catalogue_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('document', sa.String(length=200), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('reported_classes', sa.Integer(), nullable=True),
    sa.Column('reported_items', sa.Integer(), nullable=True),
    sa.Column('unknown_items', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_versions')),
    sa.UniqueConstraint('code', name=op.f('uq_catalogue_versions_code'))
    )
    op.create_table('catalogue_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('class_code', sa.String(length=20), nullable=False),
    sa.Column('class_name', sa.String(length=120), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('successor_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_catalogue_items_category_id_categories')),
    sa.ForeignKeyConstraint(['successor_id'], ['catalogue_items.id'],
                            name=op.f('fk_catalogue_items_successor_id_catalogue_items')),
    sa.ForeignKeyConstraint(['version_id'], ['catalogue_versions.id'],
                            name=op.f('fk_catalogue_items_version_id_catalogue_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_items')),
    sa.UniqueConstraint('version_id', 'code', name=op.f('uq_catalogue_items_version_id_code'))
    )
    with op.batch_alter_table('catalogue_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogue_items_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalogue_items_version_id'), ['version_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('catalogue_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalogue_items_version_id'))
        batch_op.drop_index(batch_op.f('ix_catalogue_items_category_id'))
    op.drop_table('catalogue_items')
    op.drop_table('catalogue_versions')
