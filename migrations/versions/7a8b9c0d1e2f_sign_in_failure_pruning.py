"""sign-in attempts: a success is marked; an index on their time for pruning

Attempts are recorded before the password is compared (engine/accounts.py).

Revision ID: 7a8b9c0d1e2f
Revises: 6f7a8b9c0d1e
Create Date: 2026-12-02 02:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7a8b9c0d1e2f'
down_revision = '6f7a8b9c0d1e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sign_in_failure') as batch:
        batch.add_column(sa.Column('succeeded', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index('ix_sign_in_failure_at', 'sign_in_failure', ['at'], unique=False)


def downgrade():
    op.drop_index('ix_sign_in_failure_at', table_name='sign_in_failure')
    with op.batch_alter_table('sign_in_failure') as batch:
        batch.drop_column('succeeded')
