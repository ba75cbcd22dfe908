"""The caseflow web application (Flask application factory)."""
import os
from pathlib import Path

from flask import Flask
from werkzeug.routing import IntegerConverter
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine

from engine import cache, read_transactions
from engine.db import db
from engine.models import MAX_ID

ROOT = Path(__file__).resolve().parent.parent
MAIL_SETTINGS = ("CASEFLOW_SMTP_URL", "CASEFLOW_MAIL_FROM", "CASEFLOW_NOTIFY_API_KEY", "CASEFLOW_NOTIFY_TEMPLATE_ID",
                 "CASEFLOW_NOTIFY_BASE_URL", "CASEFLOW_MAIL_LEASE_SECONDS")
OIDC_SETTINGS = ("CASEFLOW_OIDC_ISSUER", "CASEFLOW_OIDC_CLIENT_ID", "CASEFLOW_OIDC_CLIENT_SECRET")
csrf = CSRFProtect()
migrate = Migrate()


class DatabaseId(IntegerConverter):
    """<int:…> in a URL names a row: a number past what an INTEGER column
    holds matches no route (404), instead of reaching the database."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(ROOT / "instance"))
    from .json_output import AppJSONProvider
    app.json = AppJSONProvider(app)
    from .session_cookie import SessionCookieInterface
    app.session_interface = SessionCookieInterface()
    app.url_map.converters["int"] = DatabaseId
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("CASEFLOW_SECRET_KEY") or _instance_secret(app),
        SQLALCHEMY_DATABASE_URI=os.environ.get(
            "DATABASE_URL", f"sqlite:///{Path(app.instance_path) / 'caseflow.sqlite'}"),
        SQLALCHEMY_ENGINE_OPTIONS={},
        BPMN_DIR=str(ROOT / "bpmn"),
        DOCUMENTS_DIR=os.environ.get("CASEFLOW_DOCUMENTS_DIR", str(Path(app.instance_path) / "documents")),
        MAX_CONTENT_LENGTH=21 * 1024 * 1024,
        SERVICE_NAME="caseflow",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        # Managers' dashboard: "stuck" after this many working days without
        # progress, or a timer this many minutes late (engine.dashboard).
        STUCK_WORKING_DAYS=int(os.environ.get("CASEFLOW_STUCK_WORKING_DAYS", "5")),
        STUCK_TIMER_GRACE_MINUTES=int(os.environ.get("CASEFLOW_STUCK_TIMER_GRACE_MINUTES", "15")),
        # a sign-in ends after this long unused, and this long after it began (engine.accounts)
        CASEFLOW_SESSION_IDLE_MINUTES=int(os.environ.get("CASEFLOW_SESSION_IDLE_MINUTES", "30")),
        CASEFLOW_SESSION_MAX_HOURS=int(os.environ.get("CASEFLOW_SESSION_MAX_HOURS", "10")),
        # notifications (engine/mail.py, engine/notifier.py): links in messages start with the base URL
        CASEFLOW_BASE_URL=os.environ.get("CASEFLOW_BASE_URL", "http://127.0.0.1:5000"),
        **{name: os.environ[name] for name in MAIL_SETTINGS if os.environ.get(name)},
        # sign-in with the council's accounts (webforms/oidc.py); local passwords can be switched off
        **{name: os.environ[name] for name in OIDC_SETTINGS if os.environ.get(name)},
        CASEFLOW_LOCAL_PASSWORDS=os.environ.get("CASEFLOW_LOCAL_PASSWORDS", "1").strip().lower()
        not in ("0", "false", "no", "off"),
    )
    if test_config:
        app.config.update(test_config)
    # behind N reverse proxies (the TLS one Secure cookies assume): the client's
    # address and scheme come from their X-Forwarded-* headers, so sign-in
    # throttling counts each person's address, not the proxy's
    proxies = int(app.config.get("CASEFLOW_PROXY_COUNT", os.environ.get("CASEFLOW_PROXY_COUNT") or 0))
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    if "SESSION_COOKIE_SECURE" not in (test_config or {}):
        app.config["SESSION_COOKIE_SECURE"] = _secure_cookies(app)
    _tune_engine(app)

    app.jinja_loader = ChoiceLoader([
        PackageLoader("webforms"),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])
    db.init_app(app)
    read_transactions.install(app)  # after db.init_app: its teardown runs first
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    cache.install()

    from . import agenda, api, auth, cases, cli, dashboard, documents, errors, panel_booking, resource_panel, tasks
    from . import modeller, modeller_api  # noqa: F401 (modeller_api adds its routes to api.bp)
    from . import case_register, cases_api  # noqa: F401 (the case register's pages and API routes)
    from . import instances_api, people_api  # noqa: F401 (issue 14 §4: instance list and people on api.bp)
    from . import account  # noqa: F401 (adds the person's own page to auth.bp)
    from . import absences, notifications, oidc, people, procedures
    from . import comments, task_assignment  # noqa: F401 (add comments, take, hand back and allocate to tasks.bp)
    from . import record  # noqa: F401 (the decision record on cases.bp and api.bp)
    from . import letter  # noqa: F401 (the family's letter on cases.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(tasks.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(agenda.bp)
    app.register_blueprint(resource_panel.bp)
    app.register_blueprint(panel_booking.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(modeller.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(absences.bp)
    app.register_blueprint(people.bp)  # the people register (issue 14 §2)
    app.register_blueprint(oidc.bp)
    app.register_blueprint(procedures.bp)
    oidc.register(app)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # the API authenticates with bearer tokens, not cookies
    errors.register(app)
    from .security_headers import register as register_security_headers
    register_security_headers(app)
    from .nul_guard import register as register_nul_guard
    register_nul_guard(app)
    from .access import register as register_access
    register_access(app)
    cli.register(app)
    app.jinja_env.globals["service_name"] = app.config["SERVICE_NAME"]
    app.jinja_env.globals["council_sign_in"] = oidc.configured(app)
    app.jinja_env.globals["local_passwords"] = app.config["CASEFLOW_LOCAL_PASSWORDS"]
    from .formatting import register as register_filters
    register_filters(app)
    return app


def _secure_cookies(app: Flask) -> bool:
    """The session cookie goes over HTTPS only, except in local development:
    the test client and `make run`'s http://127.0.0.1 demo (which sets
    CASEFLOW_SECURE_COOKIES=0). CASEFLOW_SECURE_COOKIES=1/0 decides."""
    setting = os.environ.get("CASEFLOW_SECURE_COOKIES")
    if setting is not None:
        return setting.strip().lower() not in ("0", "false", "no", "off", "")
    return not (app.testing or app.debug)


def _tune_engine(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Wait for the single writer rather than fail.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"timeout": app.config.get("SQLITE_BUSY_TIMEOUT", 30)}}
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # Every query here reads a few index entries or a few thousand (the
        # dashboard's): starting parallel workers costs more than it saves (it
        # tripled the stuck list at 1M instances, tests/bench/dashboard_bench.py).
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"options": "-c max_parallel_workers_per_gather=0"}}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    # WAL lets readers go on while one process writes.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # A checkpoint (the log copied into the database, with an fsync) is
        # left to the worker, every second (engine.worker.checkpoint): a
        # request pays for one only if the log passes 10,000 pages (40 MB).
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _instance_secret(app: Flask) -> str:
    """A per-installation secret, made once and kept in the instance folder."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()
