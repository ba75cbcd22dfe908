"""jarp agencies, withdrawal, one referral at a time

Revision ID: 2b3c4d5e6f7a
Revises: 1a2b3c4d5e6f
Create Date: 2026-12-02 02:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '2b3c4d5e6f7a'
down_revision = '1a2b3c4d5e6f'
branch_labels = None
depends_on = None

_BEFORE = ("process_key IN ('case_transfer') AND status IN ('running', 'error', 'suspended') "
           "AND case_id IS NOT NULL")
# a case has one running JARP referral at a time too (issue 12 item 16)
_AFTER = ("process_key IN ('case_transfer', 'jarp_referral') AND status IN ('running', 'error', 'suspended') "
          "AND case_id IS NOT NULL")


def _one_at_a_time(where: str) -> None:
    op.drop_index('ux_instance_one_at_a_time', table_name='process_instance')
    op.create_index('ux_instance_one_at_a_time', 'process_instance', ['case_id', 'process_key'], unique=True,
                    sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def upgrade():
    # what the agenda shows members before the sitting (Appendix A step 2)
    op.add_column('agenda_item', sa.Column('summary', sa.Text(), nullable=True))
    # Open referrals from before this rule are not cancelled here (that is a
    # decision about a child's case): a manager cancels the extra ones first.
    twice = op.get_bind().execute(sa.text(
        "SELECT c.reference FROM process_instance p JOIN case_record c ON c.id = p.case_id "
        "WHERE p.process_key = 'jarp_referral' AND p.status IN ('running', 'error', 'suspended') "
        "GROUP BY c.reference HAVING COUNT(*) > 1 ORDER BY c.reference")).scalars().all()
    if twice:
        raise RuntimeError("These cases have more than one open JARP referral: " + ", ".join(twice)
                           + ". Cancel all but one of each (Manage, the instance's page) and upgrade again.")
    _one_at_a_time(_AFTER)


def downgrade():
    _one_at_a_time(_BEFORE)
    with op.batch_alter_table('agenda_item') as batch:
        batch.drop_column('summary')
