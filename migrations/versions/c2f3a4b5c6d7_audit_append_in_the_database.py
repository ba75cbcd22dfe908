"""the audit chain's rows appended by the database (PostgreSQL), in the action's pipeline

Revision ID: c2f3a4b5c6d7
Revises: b1e2f3a4b5c6
Create Date: 2026-12-02 10:50:00

A transaction's audit events are sent with its other writes in one psycopg
pipeline (engine/write_batch.py).  Reading the chain's tail first would
cost a round trip of its own, so the database takes the writers' lock,
reads the tail and makes each row's hash itself: sha256 of the row before's
hash, a newline and the row's canonical contents (computed by caseflow,
engine/audit_chain.content, sent with the row), exactly as audit_chain.link
does.  SQLite (in process) chains in Python as before.
"""
from alembic import op


revision = 'c2f3a4b5c6d7'
down_revision = 'b1e2f3a4b5c6'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # rows: a JSON array of {at, actor_id, actor_name, action, case_id,
    # instance_id, task_id, element_name, reason, detail (JSON text), content}
    op.execute("""
        CREATE PROCEDURE caseflow_audit_append(rows jsonb) LANGUAGE plpgsql AS $$
        DECLARE
            r jsonb;
            prev varchar := caseflow_audit_tail();
            hash varchar;
        BEGIN
            FOR r IN SELECT value FROM jsonb_array_elements(rows) LOOP
                hash := encode(sha256(convert_to(coalesce(prev, '') || E'\\n' || (r->>'content'), 'UTF8')), 'hex');
                INSERT INTO audit_event (at, actor_id, actor_name, action, case_id, instance_id, task_id,
                                         element_name, reason, detail, prev_hash, row_hash)
                VALUES ((r->>'at')::timestamp, (r->>'actor_id')::integer, r->>'actor_name', r->>'action',
                        (r->>'case_id')::integer, (r->>'instance_id')::integer, r->>'task_id',
                        r->>'element_name', r->>'reason', (r->>'detail')::json, prev, hash);
                prev := hash;
            END LOOP;
        END $$""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP PROCEDURE IF EXISTS caseflow_audit_append(jsonb)")
