"""employers: 三级 education records, employer industry, workers' start/转岗 dates, enrollment requests;
reports: 村(居)安全员 and 乡镇分管领导 recorded by the regulator

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa
import exam_platform.db


revision = '0010'
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('employer_workers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('reassigned_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('away_since', sa.Date(), nullable=True))

    op.create_table('employer_profiles',
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('industry', sa.String(length=20), nullable=False),
    sa.Column('updated_at', exam_platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['organizations.id'], name=op.f('fk_employer_profiles_employer_id_organizations')),
    sa.PrimaryKeyConstraint('employer_id', name=op.f('pk_employer_profiles'))
    )

    op.create_table('employer_education_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('occasion', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('trainer', sa.String(length=64), nullable=False),
    sa.Column('confirmed_on', sa.Date(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', exam_platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("occasion IN ('initial', 'reassignment', 'yearly', 'team_leader')", name=op.f('ck_employer_education_records_occasion_known')),
    sa.CheckConstraint("level IN ('company', 'workshop', 'team', '')", name=op.f('ck_employer_education_records_level_known')),
    sa.CheckConstraint('hours > 0 AND hours <= 200', name=op.f('ck_employer_education_records_hours_range')),
    sa.ForeignKeyConstraint(['employer_id'], ['organizations.id'], name=op.f('fk_employer_education_records_employer_id_organizations')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_employer_education_records_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['worker_id'], ['employer_workers.id'], name=op.f('fk_employer_education_records_worker_id_employer_workers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employer_education_records'))
    )
    with op.batch_alter_table('employer_education_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employer_education_records_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employer_education_records_worker_id'), ['worker_id'], unique=False)

    op.create_table('employer_enrollment_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', exam_platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', exam_platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'accepted', 'declined', 'withdrawn')", name=op.f('ck_employer_enrollment_requests_status_known')),
    sa.ForeignKeyConstraint(['class_id'], ['training_classes.id'], name=op.f('fk_employer_enrollment_requests_class_id_training_classes')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_employer_enrollment_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['employer_id'], ['organizations.id'], name=op.f('fk_employer_enrollment_requests_employer_id_organizations')),
    sa.ForeignKeyConstraint(['institution_id'], ['organizations.id'], name=op.f('fk_employer_enrollment_requests_institution_id_organizations')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_employer_enrollment_requests_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employer_enrollment_requests'))
    )
    with op.batch_alter_table('employer_enrollment_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employer_enrollment_requests_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employer_enrollment_requests_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employer_enrollment_requests_institution_id'), ['institution_id'], unique=False)

    op.create_table('employer_requested_workers',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_employer_requested_workers_enrollment_id_enrollments')),
    sa.ForeignKeyConstraint(['request_id'], ['employer_enrollment_requests.id'], name=op.f('fk_employer_requested_workers_request_id_employer_enrollment_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['employer_workers.id'], name=op.f('fk_employer_requested_workers_worker_id_employer_workers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', 'worker_id', name=op.f('pk_employer_requested_workers'))
    )
    with op.batch_alter_table('employer_requested_workers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employer_requested_workers_worker_id'), ['worker_id'], unique=False)

    op.create_table('report_local_officials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('place', sa.String(length=100), nullable=False),
    sa.Column('trained_on', sa.Date(), nullable=True),
    sa.Column('hours', sa.Float(), nullable=True),
    sa.Column('training', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', exam_platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', exam_platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('village_officer', 'township_leader')", name=op.f('ck_report_local_officials_kind_known')),
    sa.CheckConstraint('hours IS NULL OR (hours > 0 AND hours <= 200)', name=op.f('ck_report_local_officials_hours_range')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_report_local_officials_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_local_officials'))
    )
    with op.batch_alter_table('report_local_officials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_local_officials_kind'), ['kind'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('report_local_officials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_local_officials_kind'))
    op.drop_table('report_local_officials')
    with op.batch_alter_table('employer_requested_workers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employer_requested_workers_worker_id'))
    op.drop_table('employer_requested_workers')
    with op.batch_alter_table('employer_enrollment_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employer_enrollment_requests_institution_id'))
        batch_op.drop_index(batch_op.f('ix_employer_enrollment_requests_employer_id'))
        batch_op.drop_index(batch_op.f('ix_employer_enrollment_requests_class_id'))
    op.drop_table('employer_enrollment_requests')
    with op.batch_alter_table('employer_education_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employer_education_records_worker_id'))
        batch_op.drop_index(batch_op.f('ix_employer_education_records_employer_id'))
    op.drop_table('employer_education_records')
    op.drop_table('employer_profiles')
    with op.batch_alter_table('employer_workers', schema=None) as batch_op:
        batch_op.drop_column('away_since')
        batch_op.drop_column('reassigned_on')
        batch_op.drop_column('started_on')
