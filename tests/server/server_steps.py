"""The app served as `make run` serves it (gunicorn, 2 workers × 4 threads), for the server tests."""
import subprocess
import sys
from pathlib import Path

from ..integration.mail_steps import free_port

ROOT = Path(__file__).resolve().parents[2]


def start_like_make_run(env: dict) -> tuple[subprocess.Popen, int]:
    """gunicorn on a free loopback port: (the process, the port); the caller waits for it to answer."""
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "python:webforms.serving", "--bind", f"127.0.0.1:{port}",
                               "--workers", "2", "--threads", "4", "webforms:create_app()"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return server, port
