"""The migrations build exactly the schema the models describe: a change to a
model without its migration (or an edited migration that databases already
past it never run) shows here, on both databases."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.db import db


def test_migrated_database_matches_the_models(app):
    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            differences = compare_metadata(context, db.metadata)
    assert differences == []
