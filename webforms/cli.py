"""Command-line tasks: init-db, deploy, seed-demo, worker, issue-token, audit-verify."""
from pathlib import Path

import click
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import select

from engine import accounts, audit, specs, worker
from engine.db import db
from engine.models import User
from engine.transaction import unit_of_work

from . import demo


def _user(username):
    user = db.session.scalar(select(User).filter_by(username=username))
    if user is None:
        raise click.ClickException(f"No user called {username}")
    return user


def register(app):
    @app.cli.command("init-db")
    def init_db():
        """Create or migrate the database schema (Alembic)."""
        upgrade()
        click.echo("Database is up to date.")

    @app.cli.command("deploy")
    @click.option("--dir", "bpmn_dir", default=None, help="Folder of .bpmn files and forms/")
    def deploy(bpmn_dir):
        """Deploy the diagrams: unchanged files keep their version."""
        with unit_of_work():
            deployed = specs.deploy_directory(Path(bpmn_dir or current_app.config["BPMN_DIR"]))
            lines = [f"{d.process_key} v{d.version}" for d in deployed]
        click.echo("Deployed: " + ", ".join(lines))

    @app.cli.command("seed-demo")
    @click.option("--history/--no-history", default=True, show_default=True,
                  help="Also twelve weeks of cases and procedures at every stage (once, next to the first data).")
    def seed_demo(history):
        """Add demo units, people and cases to an empty database, then the demo history."""
        with unit_of_work():
            people = demo.seed()
        if history:
            from . import demo_history  # freezegun, only for the history
            click.echo(demo_history.seed_history())
            people = demo.seed()  # the history's people too
        click.echo(f"Sign in at the address below with any of these names; password: {demo.DEMO_PASSWORD}")
        for username, name, post in people:
            click.echo(f"  {username:38} {post}")

    @app.cli.command("worker")
    @click.option("--interval", default=1.0, help="Seconds between looks for due timers")
    @click.option("--once", is_flag=True, help="Fire due timers and deliver what is due now, then stop")
    def run_worker(interval, once):
        """Fire due BPMN timers and deliver notifications until stopped."""
        import logging
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        worker.run(interval=interval, once=once)

    @app.cli.command("audit-verify")
    def audit_verify():
        """Check the audit trail's hash chain; exit 1 at the first broken link."""
        from engine import audit_chain
        checked, broken = audit_chain.verify(db.session)
        if broken:
            click.echo(f"Audit trail broken after {checked} good rows: {broken}", err=True)
            raise SystemExit(1)
        click.echo(f"Audit trail OK: {checked} rows, every link holds.")

    @app.cli.command("issue-token")
    @click.argument("username")
    @click.option("--days", type=click.IntRange(1, 3650), default=accounts.TOKEN_DAYS, show_default=True,
                  help="Days until the token expires.")
    @click.option("--label", default="Issued from the command line", show_default=True)
    def issue(username, days, label):
        """Issue a new API token for a user (their other tokens keep working until revoked)."""
        with unit_of_work():
            user = _user(username)
            token, row = accounts.issue_token(user, label, days)
            audit.record("user.token_issued", None, detail={"token_id": row.id, "label": label,
                                                            "username": username})
        click.echo(token)

    @app.cli.command("set-password")
    @click.argument("username")
    @click.password_option()
    def set_password(username, password):
        """Set a person's password; every session they have open ends."""
        with unit_of_work():
            user = _user(username)
            accounts.set_password(user, password)
            audit.record("user.password_set", None, detail={"username": username})
        click.echo(f"Password set for {username}; their sessions have ended.")

    @app.cli.command("add-person")
    @click.argument("username")
    @click.option("--name", required=True)
    @click.option("--post", required=True, help="e.g. 'System administrator' for the first one")
    @click.option("--email", required=True)
    @click.option("--unit", default="")
    @click.option("--service", default="")
    def add_person(username, name, post, email, unit, service):
        """Add a person to the register (the first System administrator, say); they have no
        password until `set-password`, or they sign in with the council's account."""
        from engine import people
        from engine.runtime import Invalid
        try:
            with unit_of_work():
                people.add(None, {"username": username, "name": name, "post": post, "email": email,
                                  "unit": unit, "service": service})
        except Invalid as exc:
            raise click.ClickException("; ".join(f"{e.field}: {e.message}" for e in exc.errors)) from exc
        click.echo(f"{username} added as {post}.")

    @app.cli.command("set-deputy")
    @click.argument("username")
    @click.argument("deputy", required=False)
    def set_deputy(username, deputy):
        """Name who covers a person's work when they are away and nobody else is named
        (posts outside the case-decision chain); no DEPUTY clears it."""
        with unit_of_work():
            user, chosen = _user(username), (_user(deputy) if deputy else None)
            if chosen is not None and chosen.id == user.id:
                raise click.ClickException("A person cannot be their own deputy.")
            user.deputy_id = chosen.id if chosen else None
            audit.record("user.deputy_set", None, detail={"username": username, "deputy": deputy})
        click.echo(f"{username}'s deputy: {deputy or 'none'}.")

    @app.cli.command("deactivate")
    @click.argument("username")
    def deactivate(username):
        """Close a person's account: their sessions end and their API tokens stop working."""
        with unit_of_work():
            user = _user(username)
            accounts.deactivate(user)
            audit.record("user.deactivated", None, detail={"username": username})
        click.echo(f"{username} deactivated.")
