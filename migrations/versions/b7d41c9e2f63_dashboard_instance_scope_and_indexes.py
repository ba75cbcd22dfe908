"""dashboard: instance scope and indexes

The managers' dashboard (engine/dashboard.py) reads the open instances, the
last 12 weeks' starts and ends, and the open tasks by unit, service and
element.  Each instance now carries its case's service and unit (kept in step
by engine/models.py), so the dashboard scopes and counts instances without
starting from the case table; and these indexes cover exactly the columns the
queries read, so the history (complete instances with their snapshots,
completed tasks) is never read and the queries cost about the same at 10k and
1M instances (tests/bench/dashboard_bench.py).  The task and timer ones are
partial (open tasks, waiting timers): a small part of a large table.

Revision ID: b7d41c9e2f63
Revises: 812f1ae0418a
Create Date: 2026-11-23 18:08:38.269656

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d41c9e2f63'
down_revision = '812f1ae0418a'
branch_labels = None
depends_on = None

READY = sa.text("state = 'ready'")
WAITING = sa.text("fired_at IS NULL")


# On SQLite the table is rebuilt (for the foreign key) with the snapshot last:
# a row's snapshot (4-13 KB) spills to overflow pages, and SQLite reads those
# to reach any column stored after it; stored last, every other column is read
# from the row's first page.  (PostgreSQL keeps large values out of the row.)
COLUMN_ORDER = ('id', 'definition_id', 'process_key', 'case_id', 'status', 'row_version', 'started_by_id',
                'started_at', 'updated_at', 'completed_at', 'due_at', 'priority', 'error', 'summary',
                'service', 'unit_id', 'state')


class _rebuilding_safely:  # noqa: N801 (used as a with-block)
    """The rebuild drops the old table, which tasks, timers and audit events
    refer to: on SQLite, foreign keys are switched off for it (these DDL
    statements run outside a transaction, where the pragma takes effect) and
    checked again afterwards; nothing else changes a row meanwhile."""

    def __enter__(self):
        self.sqlite = op.get_bind().dialect.name == 'sqlite'
        if self.sqlite:
            op.execute('PRAGMA foreign_keys = OFF')

    def __exit__(self, *exc):
        if self.sqlite:
            problems = op.get_bind().exec_driver_sql('PRAGMA foreign_key_check').fetchall()
            op.execute('PRAGMA foreign_keys = ON')
            if problems and not exc[0]:
                raise RuntimeError(f'foreign keys broken by the rebuild: {problems[:5]}')
        return False


def upgrade():
    with _rebuilding_safely(), op.batch_alter_table('process_instance', schema=None,
                                                    partial_reordering=[COLUMN_ORDER]) as batch_op:
        batch_op.add_column(sa.Column('service', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_process_instance_unit_id_unit', 'unit', ['unit_id'], ['id'])

    # the instances there are take their case's service and unit
    op.execute("UPDATE process_instance SET "
               "service = (SELECT c.service FROM case_record c WHERE c.id = process_instance.case_id), "
               "unit_id = (SELECT c.unit_id FROM case_record c WHERE c.id = process_instance.case_id) "
               "WHERE case_id IS NOT NULL")

    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.create_index('ix_instance_open', ['status', 'process_key', 'service', 'unit_id', 'updated_at',
                                                   'due_at', 'started_at', 'priority'], unique=False)
        batch_op.create_index('ix_instance_started', ['started_at', 'process_key', 'service'], unique=False)
        batch_op.create_index('ix_instance_ended', ['completed_at', 'status', 'process_key', 'service', 'due_at',
                                                    'started_at'], unique=False)

    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index('ix_task_ready_unit_due', ['unit_id', 'due_at'], unique=False,
                              sqlite_where=READY, postgresql_where=READY)
        batch_op.create_index('ix_task_ready_service_due', ['service', 'due_at'], unique=False,
                              sqlite_where=READY, postgresql_where=READY)
        batch_op.create_index('ix_task_ready_element', ['process_key', 'element_id', 'service', 'unit_id'],
                              unique=False, sqlite_where=READY, postgresql_where=READY)

    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.create_index('ix_timer_waiting', ['fire_at', 'instance_id'], unique=False,
                              sqlite_where=WAITING, postgresql_where=WAITING)


def downgrade():
    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.drop_index('ix_timer_waiting', sqlite_where=WAITING, postgresql_where=WAITING)

    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_ready_element', sqlite_where=READY, postgresql_where=READY)
        batch_op.drop_index('ix_task_ready_service_due', sqlite_where=READY, postgresql_where=READY)
        batch_op.drop_index('ix_task_ready_unit_due', sqlite_where=READY, postgresql_where=READY)

    with _rebuilding_safely(), op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_index('ix_instance_ended')
        batch_op.drop_index('ix_instance_started')
        batch_op.drop_index('ix_instance_open')
        batch_op.drop_constraint('fk_process_instance_unit_id_unit', type_='foreignkey')
        batch_op.drop_column('unit_id')
        batch_op.drop_column('service')
