"""The app served as `make run` serves it (gunicorn, 2 workers × 4 threads), for the server tests."""
import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

from ..integration.mail_steps import free_port

ROOT = Path(__file__).resolve().parents[2]


def server_env(database_url: str, tmp_path, **more) -> dict:
    """The environment a test server runs with: its database, a secret, a documents folder."""
    return {**os.environ, "DATABASE_URL": database_url, "CASEFLOW_SECRET_KEY": "server-test-secret",
            "CASEFLOW_DOCUMENTS_DIR": str(tmp_path / "documents"), "CASEFLOW_SECURE_COOKIES": "0", **more}


def start_like_make_run(env: dict) -> tuple[subprocess.Popen, int]:
    """gunicorn on a free loopback port, answering: (the process, the port)."""
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "python:webforms.serving", "--bind", f"127.0.0.1:{port}",
                               "--workers", "2", "--threads", "4", "webforms:create_app()"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/sign-in")
            if conn.getresponse().status == 200:
                conn.close()
                return server, port
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.kill()
            raise AssertionError("the server did not come up")
        time.sleep(0.2)
