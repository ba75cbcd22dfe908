"""engine: timer outcome, one transfer at a time

Revision ID: f6c3e4d5a7b8
Revises: e5b2d3c4f6a7
Create Date: 2026-12-01 22:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f6c3e4d5a7b8'
down_revision = 'e5b2d3c4f6a7'
branch_labels = None
depends_on = None

_OPEN = ("process_key IN ('case_transfer') AND status IN ('running', 'error', 'suspended') "
         "AND case_id IS NOT NULL")


def upgrade():
    # fired or cancelled, null while waiting; timers ended before this were
    # all recorded as fired, and are kept so
    op.add_column('timer', sa.Column('outcome', sa.String(length=9), nullable=True))
    op.execute("UPDATE timer SET outcome = 'fired' WHERE fired_at IS NOT NULL")
    op.create_index('ux_instance_one_at_a_time', 'process_instance', ['case_id', 'process_key'], unique=True,
                    sqlite_where=sa.text(_OPEN), postgresql_where=sa.text(_OPEN))


def downgrade():
    op.drop_index('ux_instance_one_at_a_time', table_name='process_instance')
    with op.batch_alter_table('timer') as batch:
        batch.drop_column('outcome')
