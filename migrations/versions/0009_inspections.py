"""inspectors: on-site inspections, their inspectors and checks, suspected-forgery cases, inspectors' 执法证

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa
import exam_platform.db


revision = '0009'
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('regulator_id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('inspected_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', exam_platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', exam_platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('open', 'closed')", name=op.f('ck_inspections_state_known')),
    sa.ForeignKeyConstraint(['employer_id'], ['organizations.id'], name=op.f('fk_inspections_employer_id_organizations')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_inspections_opened_by_id_users')),
    sa.ForeignKeyConstraint(['regulator_id'], ['organizations.id'], name=op.f('fk_inspections_regulator_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections'))
    )
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspections_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index('ix_inspections_regulator_on', ['regulator_id', 'inspected_on'], unique=False)

    op.create_table('inspection_members',
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('signed_at', exam_platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_inspection_members_inspection_id_inspections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_inspection_members_user_id_users')),
    sa.PrimaryKeyConstraint('inspection_id', 'user_id', name=op.f('pk_inspection_members'))
    )
    with op.batch_alter_table('inspection_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_members_user_id'), ['user_id'], unique=False)

    op.create_table('inspection_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('token', sa.String(length=400), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('worker_name', sa.String(length=64), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('device_outcome', sa.String(length=12), nullable=False),
    sa.Column('offline', sa.Boolean(), nullable=False),
    sa.Column('list_as_of', exam_platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('photo', sa.LargeBinary(), nullable=True),
    sa.Column('checked_at', exam_platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('device_at', exam_platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("outcome IN ('valid', 'expired', 'suspended', 'revoked', 'cancelled', 'superseded', 'not_found', 'forgery')", name=op.f('ck_inspection_checks_outcome_known')),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_inspection_checks_certificate_id_certificates')),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_inspection_checks_checked_by_id_users')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_inspection_checks_inspection_id_inspections')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_checks')),
    sa.UniqueConstraint('uuid', name=op.f('uq_inspection_checks_uuid'))
    )
    with op.batch_alter_table('inspection_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_checks_certificate_id'), ['certificate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_checks_inspection_id'), ['inspection_id'], unique=False)

    op.create_table('forgery_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('regulator_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=14), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', exam_platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', exam_platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("outcome IN ('pending', 'forged', 'borrowed', 'altered', 'genuine', 'other')", name=op.f('ck_forgery_cases_outcome_known')),
    sa.CheckConstraint("status IN ('open', 'investigating', 'closed')", name=op.f('ck_forgery_cases_status_known')),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_forgery_cases_certificate_id_certificates')),
    sa.ForeignKeyConstraint(['check_id'], ['inspection_checks.id'], name=op.f('fk_forgery_cases_check_id_inspection_checks')),
    sa.ForeignKeyConstraint(['person_id'], ['users.id'], name=op.f('fk_forgery_cases_person_id_users')),
    sa.ForeignKeyConstraint(['regulator_id'], ['organizations.id'], name=op.f('fk_forgery_cases_regulator_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forgery_cases')),
    sa.UniqueConstraint('check_id', name=op.f('uq_forgery_cases_check_id'))
    )
    with op.batch_alter_table('forgery_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forgery_cases_regulator_id'), ['regulator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_forgery_cases_status'), ['status'], unique=False)

    op.create_table('inspector_credentials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('regulator_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('created_at', exam_platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('valid_until >= issued_on', name=op.f('ck_inspector_credentials_valid_after_issue')),
    sa.ForeignKeyConstraint(['regulator_id'], ['organizations.id'], name=op.f('fk_inspector_credentials_regulator_id_organizations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_inspector_credentials_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspector_credentials')),
    sa.UniqueConstraint('number', name=op.f('uq_inspector_credentials_number'))
    )
    with op.batch_alter_table('inspector_credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspector_credentials_regulator_id'), ['regulator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspector_credentials_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    for table, indexes in (
            ('inspector_credentials', ('ix_inspector_credentials_user_id', 'ix_inspector_credentials_regulator_id')),
            ('forgery_cases', ('ix_forgery_cases_status', 'ix_forgery_cases_regulator_id')),
            ('inspection_checks', ('ix_inspection_checks_inspection_id', 'ix_inspection_checks_certificate_id')),
            ('inspection_members', ('ix_inspection_members_user_id',)),
            ('inspections', ('ix_inspections_regulator_on', 'ix_inspections_employer_id'))):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(index)
        op.drop_table(table)
