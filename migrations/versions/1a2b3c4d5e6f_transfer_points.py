"""transfer points of transfer and disputes

Revision ID: 1a2b3c4d5e6f
Revises: f6c3e4d5a7b8
Create Date: 2026-12-02 02:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '1a2b3c4d5e6f'
down_revision = 'f6c3e4d5a7b8'
branch_labels = None
depends_on = None


def upgrade():
    # A transfer accepted but waiting for its point of transfer (Case Transfer
    # §3.1-3.4): the receiving unit and when the case moves; both units see it.
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pending_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_case_record_pending_unit_id'), ['pending_unit_id'], unique=False)
        batch_op.create_foreign_key('fk_case_record_pending_unit_id_unit', 'unit', ['pending_unit_id'], ['id'])


def downgrade():
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.drop_constraint('fk_case_record_pending_unit_id_unit', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_case_record_pending_unit_id'))
        batch_op.drop_column('pending_at')
        batch_op.drop_column('pending_unit_id')
