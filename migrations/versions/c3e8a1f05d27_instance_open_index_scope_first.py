"""dashboard: the open-instance index leads with the scope columns

ix_instance_open was (status, process_key, service, unit_id, ...).  A Group
Manager's dashboard asks for one service's open instances, and a unit
co-ordinator's for one unit's: with the process key second, each lookup had
to skip through every process's entries; with service and unit straight after
the status, a scoped query reads one contiguous range of the index.  The
Assistant Director's (everything) reads the same entries either way.
(tests/bench/dashboard_bench.py measures both scopes.)

Revision ID: c3e8a1f05d27
Revises: b7d41c9e2f63
Create Date: 2026-12-01 08:40:00

"""
from alembic import op


revision = 'c3e8a1f05d27'
down_revision = 'b7d41c9e2f63'
branch_labels = None
depends_on = None

COVERED = ['updated_at', 'due_at', 'started_at', 'priority']


def upgrade():
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_index('ix_instance_open')
        batch_op.create_index('ix_instance_open', ['status', 'service', 'unit_id', 'process_key', *COVERED],
                              unique=False)


def downgrade():
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_index('ix_instance_open')
        batch_op.create_index('ix_instance_open', ['status', 'process_key', 'service', 'unit_id', *COVERED],
                              unique=False)
