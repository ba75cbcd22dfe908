"""the managers' chart: closed weeks counted once and kept

Revision ID: b1e2f3a4b5c6
Revises: a0d1e2f3a4b5
Create Date: 2026-12-02 05:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b1e2f3a4b5c6'
down_revision = 'a0d1e2f3a4b5'
branch_labels = None
depends_on = None


def upgrade():
    # Empty at first: until the worker has counted a closed week, the chart
    # counts it from the instances (engine/chart.py).
    op.create_table(
        'chart_week',
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('counted_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('week'),
    )
    op.create_table(
        'chart_week_count',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('process_key', sa.String(length=120), nullable=False),
        sa.Column('service', sa.String(length=60), nullable=True),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('started', sa.Integer(), nullable=False),
        sa.Column('completed', sa.Integer(), nullable=False),
        sa.Column('on_time', sa.Integer(), nullable=False),
        sa.Column('with_deadline', sa.Integer(), nullable=False),
        sa.Column('overdue', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['week'], ['chart_week.week']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_chart_week_count_week', 'chart_week_count', ['week', 'service', 'unit_id'])


def downgrade():
    op.drop_index('ix_chart_week_count_week', table_name='chart_week_count')
    op.drop_table('chart_week_count')
    op.drop_table('chart_week')
