"""panel booking repairs and late papers

Revision ID: 4d5e6f7a8b9c
Revises: 2b3c4d5e6f7a
Create Date: 2026-12-02 02:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '4d5e6f7a8b9c'
down_revision = '2b3c4d5e6f7a'
branch_labels = None
depends_on = None


def upgrade():
    # The step whose engine hook made the booking row: a manager's "move back"
    # releases the rows made by the steps it undoes (issue 12 item 18).
    op.add_column('booking', sa.Column('task_id', sa.String(length=36), nullable=True))


def downgrade():
    with op.batch_alter_table('booking') as batch:
        batch.drop_column('task_id')
