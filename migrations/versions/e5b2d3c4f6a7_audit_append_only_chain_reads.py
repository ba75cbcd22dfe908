"""audit: append-only triggers, hash chain, record reads

Revision ID: e5b2d3c4f6a7
Revises: d4a1c2b3e5f6
Create Date: 2026-12-01 22:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e5b2d3c4f6a7'
down_revision = 'd4a1c2b3e5f6'
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_event", "read_event")


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('row_hash', sa.String(length=64), nullable=True))
    op.create_table('read_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=120), nullable=False),
    sa.Column('what', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('item', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('read_event', schema=None) as batch_op:
        batch_op.create_index('ix_read_event_case_at', ['case_id', 'at'], unique=False)
    _chain_existing_rows()
    _create_triggers()


def _chain_existing_rows():
    """Rows written before the chain existed are chained now, in id order."""
    from engine import audit_chain
    bind = op.get_bind()
    table = sa.table('audit_event', sa.column('id'), sa.column('prev_hash'), sa.column('row_hash'),
                     sa.column('at', sa.DateTime()), sa.column('detail', sa.JSON()),
                     *(sa.column(name) for name in audit_chain.FIELDS if name not in ('at', 'detail')))
    prev = None
    for row in bind.execute(sa.select(table).order_by(table.c.id)).mappings().all():
        digest = audit_chain.link(prev, row)
        bind.execute(table.update().where(table.c.id == row["id"]).values(prev_hash=prev, row_hash=digest))
        prev = digest


def _create_triggers():
    from engine import audit_chain
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION caseflow_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
            END $$""")
        # the chain's tail, read under the writers' lock in one round trip
        # (a function: its SELECT takes a snapshot after the lock is granted)
        op.execute(f"""
            CREATE FUNCTION caseflow_audit_tail() RETURNS varchar LANGUAGE plpgsql VOLATILE AS $$
            DECLARE tail varchar;
            BEGIN
                PERFORM pg_advisory_xact_lock({audit_chain.LOCK_KEY});
                SELECT row_hash INTO tail FROM audit_event ORDER BY id DESC LIMIT 1;
                RETURN tail;
            END $$""")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION caseflow_append_only()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION caseflow_append_only()")
    else:
        for table in APPEND_ONLY:
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END")


def _drop_triggers():
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS caseflow_append_only()")
        op.execute("DROP FUNCTION IF EXISTS caseflow_audit_tail()")
    else:
        for table in APPEND_ONLY:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


def downgrade():
    _drop_triggers()
    with op.batch_alter_table('read_event', schema=None) as batch_op:
        batch_op.drop_index('ix_read_event_case_at')
    op.drop_table('read_event')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')

