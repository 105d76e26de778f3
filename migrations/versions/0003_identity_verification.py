"""实名核验: users carry who checked their identity against the physical document, when and how

Revision ID: 0003
Revises: 0002

Existing accounts start unverified: nothing recorded says a document was seen (staff verify them on the
verification page or at exam check-in; `seed-demo` data is marked as demo data when it is created).
"""
from alembic import op
import sqlalchemy as sa
import exam_platform.db


revision = '0003'
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identity_status', sa.String(length=20), nullable=False,
                                      server_default='unverified'))
        batch_op.add_column(sa.Column('identity_checked_at', exam_platform.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('identity_checked_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('identity_check_method', sa.String(length=30), nullable=False,
                                      server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_users_identity_checked_by_id_users'), 'users',
                                    ['identity_checked_by_id'], ['id'])
        batch_op.create_check_constraint(
            batch_op.f('ck_users_identity_status_known'),
            "identity_status IN ('unverified', 'verified', 'set_aside')")


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_users_identity_status_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_users_identity_checked_by_id_users'), type_='foreignkey')
        batch_op.drop_column('identity_check_method')
        batch_op.drop_column('identity_checked_by_id')
        batch_op.drop_column('identity_checked_at')
        batch_op.drop_column('identity_status')
