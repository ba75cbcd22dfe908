"""notifications: e-mail addresses, preferences, outbox, notifications, mail queue, comments, absences and cover, OpenID Connect subjects

Revision ID: 6f7a8b9c0d1e
Revises: 4d5e6f7a8b9c
Create Date: 2026-12-02 02:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '6f7a8b9c0d1e'
down_revision = '4d5e6f7a8b9c'
branch_labels = None
depends_on = None


def _partial(name, table, columns, where):
    op.create_index(name, table, columns, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def upgrade():
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch.add_column(sa.Column('deputy_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_user_account_deputy_id', 'user_account', ['deputy_id'], ['id'])
        batch.add_column(sa.Column('oidc_subject', sa.String(length=255), nullable=True))
        batch.create_unique_constraint('uq_user_account_oidc_subject', ['oidc_subject'])
    with op.batch_alter_table('task') as batch:
        batch.add_column(sa.Column('completed_for_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_task_completed_for_id', 'user_account', ['completed_for_id'], ['id'])
    op.create_table(
        'absence',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('user_account.id'), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('cover_id', sa.Integer(), sa.ForeignKey('user_account.id'), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), sa.ForeignKey('user_account.id'), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.Column('cancelled_at', sa.DateTime(), nullable=True))
    op.create_index('ix_absence_user_id', 'absence', ['user_id'])
    op.create_index('ix_absence_ends_on', 'absence', ['ends_on'])
    op.create_table(
        'notification_preference',
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('user_account.id'), primary_key=True),
        sa.Column('kind', sa.String(length=30), primary_key=True),
        sa.Column('delivery', sa.String(length=10), nullable=False))
    op.create_table(
        'outbox_event',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('actor_id', sa.Integer(), sa.ForeignKey('user_account.id'), nullable=True),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('case_record.id'), nullable=True),
        sa.Column('instance_id', sa.Integer(), sa.ForeignKey('process_instance.id'), nullable=True),
        sa.Column('task_id', sa.String(length=36), nullable=True),
        sa.Column('detail', sa.JSON(), nullable=True),
        sa.Column('processed_at', sa.DateTime(), nullable=True))
    _partial('ix_outbox_event_waiting', 'outbox_event', ['id'], 'processed_at IS NULL')
    op.create_table(
        'mail_message',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('user_account.id'), nullable=False),
        sa.Column('to_address', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('about', sa.String(length=120), nullable=False, unique=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True))
    _partial('ix_mail_message_due', 'mail_message', ['next_attempt_at'], "status = 'pending'")
    op.create_table(
        'mail_attempt',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('mail_id', sa.Integer(), sa.ForeignKey('mail_message.id'), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('transport', sa.String(length=10), nullable=False),
        sa.Column('ok', sa.Boolean(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True))
    op.create_index('ix_mail_attempt_mail_id', 'mail_attempt', ['mail_id'])
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('user_account.id'), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('about', sa.String(length=120), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=300), nullable=False),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('case_record.id'), nullable=True),
        sa.Column('delivery', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.Column('mail_id', sa.Integer(), sa.ForeignKey('mail_message.id'), nullable=True),
        sa.UniqueConstraint('user_id', 'about'))
    op.create_index('ix_notification_user_unread', 'notification', ['user_id', 'read_at'])
    _partial('ix_notification_digest', 'notification', ['user_id'], "delivery = 'digest' AND mail_id IS NULL")
    op.create_table(
        'worker_mark',
        sa.Column('job', sa.String(length=60), primary_key=True),
        sa.Column('done_for', sa.String(length=40), nullable=False))
    op.create_table(
        'comment',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('case_record.id'), nullable=True),
        sa.Column('instance_id', sa.Integer(), sa.ForeignKey('process_instance.id'), nullable=False),
        sa.Column('task_id', sa.String(length=36), nullable=True),
        sa.Column('author_id', sa.Integer(), sa.ForeignKey('user_account.id'), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False))
    op.create_index('ix_comment_case_id', 'comment', ['case_id'])
    op.create_index('ix_comment_instance_id', 'comment', ['instance_id'])


def downgrade():
    op.drop_table('comment')
    op.drop_table('worker_mark')
    op.drop_table('notification')
    op.drop_table('mail_attempt')
    op.drop_table('mail_message')
    op.drop_table('outbox_event')
    op.drop_table('notification_preference')
    op.drop_table('absence')
    with op.batch_alter_table('task') as batch:
        batch.drop_constraint('fk_task_completed_for_id', type_='foreignkey')
        batch.drop_column('completed_for_id')
    with op.batch_alter_table('user_account') as batch:
        batch.drop_constraint('fk_user_account_deputy_id', type_='foreignkey')
        batch.drop_column('deputy_id')
        batch.drop_constraint('uq_user_account_oidc_subject', type_='unique')
        batch.drop_column('oidc_subject')
        batch.drop_column('email')
