"""education recorded on accounts; training exemption on a 职业技能等级证书 (rule sets, skill certificates)

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa
import exam_platform.db


revision = '0012'
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('education', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('education_checked_at', exam_platform.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('education_checked_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_users_education_checked_by_id_users'), 'users',
                                    ['education_checked_by_id'], ['id'])
        batch_op.create_check_constraint(
            batch_op.f('ck_users_education_known'),
            "education IN ('', 'primary', 'junior_middle', 'senior_middle', 'college')")
    with op.batch_alter_table('rule_sets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('training_exemption', sa.String(length=20), nullable=False,
                                      server_default=''))
    op.create_table('skill_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('occupation', sa.String(length=100), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('completion_id', sa.Integer(), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=False),
    sa.Column('checked_at', exam_platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 5', name=op.f('ck_skill_certificates_level_known')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_skill_certificates_category_id_categories')),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_skill_certificates_checked_by_id_users')),
    sa.ForeignKeyConstraint(['completion_id'], ['training_completions.id'], name=op.f('fk_skill_certificates_completion_id_training_completions')),
    sa.ForeignKeyConstraint(['institution_id'], ['organizations.id'], name=op.f('fk_skill_certificates_institution_id_organizations')),
    sa.ForeignKeyConstraint(['trainee_id'], ['users.id'], name=op.f('fk_skill_certificates_trainee_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skill_certificates')),
    sa.UniqueConstraint('completion_id', name=op.f('uq_skill_certificates_completion_id'))
    )
    with op.batch_alter_table('skill_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skill_certificates_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_skill_certificates_trainee_id'), ['trainee_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('skill_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_skill_certificates_trainee_id'))
        batch_op.drop_index(batch_op.f('ix_skill_certificates_institution_id'))
    op.drop_table('skill_certificates')
    with op.batch_alter_table('rule_sets', schema=None) as batch_op:
        batch_op.drop_column('training_exemption')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_users_education_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_users_education_checked_by_id_users'), type_='foreignkey')
        batch_op.drop_column('education_checked_by_id')
        batch_op.drop_column('education_checked_at')
        batch_op.drop_column('education')
