"""case register and closure

Revision ID: a0d1e2f3a4b5
Revises: 7a8b9c0d1e2f
Create Date: 2026-12-02 02:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a0d1e2f3a4b5'
down_revision = '7a8b9c0d1e2f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_record') as batch:
        batch.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('closed_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('closure_reason', sa.Text(), nullable=True))
        batch.create_foreign_key('fk_case_record_closed_by_id', 'user_account', ['closed_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('case_record') as batch:
        batch.drop_constraint('fk_case_record_closed_by_id', type_='foreignkey')
        batch.drop_column('closure_reason')
        batch.drop_column('closed_by_id')
        batch.drop_column('closed_at')
