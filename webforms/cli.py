"""Command-line tasks: init-db, deploy, seed-demo, worker, issue-token."""
from pathlib import Path

import click
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import select

from engine import specs, worker
from engine.db import db
from engine.models import User
from engine.transaction import unit_of_work

from . import demo
from .auth import issue_token


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
    def seed_demo():
        """Add demo units, people and cases to an empty database."""
        with unit_of_work():
            people = demo.seed()
        click.echo(f"Sign in at the address below with any of these names; password: {demo.DEMO_PASSWORD}")
        for username, name, post in people:
            click.echo(f"  {username:38} {post}")

    @app.cli.command("worker")
    @click.option("--interval", default=1.0, help="Seconds between looks for due timers")
    @click.option("--once", is_flag=True, help="Fire what is due now, then stop")
    def run_worker(interval, once):
        """Fire due BPMN timers until stopped."""
        import logging
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        worker.run(interval=interval, once=once)

    @app.cli.command("issue-token")
    @click.argument("username")
    def issue(username):
        """Issue a new API token for a user (the old one stops working)."""
        with unit_of_work():
            user = db.session.scalar(select(User).filter_by(username=username))
            if user is None:
                raise click.ClickException(f"No user called {username}")
            token = issue_token(user)
        click.echo(token)
