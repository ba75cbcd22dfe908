"""A real SMTP server (aiosmtpd) and a recording GOV.UK Notify stand-in on
loopback, and the real worker process, for the notification tests."""
import json
import os
import socket
import subprocess
import sys
import threading
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps every message accepted.  `hold` makes the
    n-th message wait until `release` is set, then refuse it (451), as a
    server does when the sender vanished mid-message."""

    def __init__(self):
        self.messages = []
        self.hold_at: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self._seen = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self._seen += 1
            held = self._seen == self.hold_at
        if held:
            self.holding.set()
            self.release.wait(30)
            return "451 Try again later"
        message = message_from_bytes(envelope.content, policy=default_policy)
        with self._lock:
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    def __init__(self):
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.inbox.release.set()
        self.controller.stop()


class NotifyServer:
    """Records what GOV.UK Notify's client sends, and answers as Notify does."""

    def __init__(self):
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "auth": self.headers.get("Authorization", ""),
                                       "body": body})
                answer = json.dumps({"id": "740e5834-3a29-46b4-9a6f-16142fde533a",
                                     "reference": body.get("reference"), "content": {}}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def worker(database_url: str, *args: str, **settings: str) -> subprocess.Popen:
    """`flask worker` as its own process, configured by environment."""
    env = dict(os.environ, DATABASE_URL=database_url, CASEFLOW_SECRET_KEY="worker-test",
               CASEFLOW_MAIL_FROM="caseflow@council.example", **settings)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "webforms", "worker", *args], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def worker_once(database_url: str, **settings: str) -> str:
    proc = worker(database_url, "--once", **settings)
    output = proc.communicate(timeout=60)[0]
    assert proc.returncode == 0, output
    return output
