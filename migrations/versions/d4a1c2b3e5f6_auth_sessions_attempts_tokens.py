"""auth: server-side sessions, sign-in attempts, API tokens

Revision ID: d4a1c2b3e5f6
Revises: c3e8a1f05d27
Create Date: 2026-12-01 22:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd4a1c2b3e5f6'
down_revision = 'c3e8a1f05d27'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('auth_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('end_reason', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('digest')
    )
    op.create_index('ix_auth_session_user_id', 'auth_session', ['user_id'], unique=False)
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('digest')
    )
    op.create_index('ix_api_token_user_id', 'api_token', ['user_id'], unique=False)
    op.create_table('sign_in_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_sign_in_failure_username_at', 'sign_in_failure', ['username', 'at'], unique=False)
    op.create_index('ix_sign_in_failure_address_at', 'sign_in_failure', ['address', 'at'], unique=False)
    # Tokens issued before this revision keep working for the default lifetime.
    # (times are naive UTC, as everywhere in the schema)
    if op.get_bind().dialect.name == 'postgresql':
        now, later = "timezone('utc', now())", "timezone('utc', now()) + INTERVAL '90 days'"
    else:
        now, later = "CURRENT_TIMESTAMP", "datetime(CURRENT_TIMESTAMP, '+90 days')"
    op.execute(
        "INSERT INTO api_token (digest, user_id, label, created_at, expires_at) "
        f"SELECT api_token_hash, id, 'Issued before token expiry', {now}, {later} "
        "FROM user_account WHERE api_token_hash IS NOT NULL")
    with op.batch_alter_table('user_account') as batch_op:
        batch_op.drop_column('api_token_hash')


def downgrade():
    with op.batch_alter_table('user_account') as batch_op:
        batch_op.add_column(sa.Column('api_token_hash', sa.String(length=64), nullable=True))
    op.drop_index('ix_sign_in_failure_address_at', table_name='sign_in_failure')
    op.drop_index('ix_sign_in_failure_username_at', table_name='sign_in_failure')
    op.drop_table('sign_in_failure')
    op.drop_index('ix_api_token_user_id', table_name='api_token')
    op.drop_table('api_token')
    op.drop_index('ix_auth_session_user_id', table_name='auth_session')
    op.drop_table('auth_session')
