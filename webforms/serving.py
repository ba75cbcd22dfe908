"""gunicorn's settings for caseflow beyond its command line (`make run`:
gunicorn -c python:webforms.serving ...).

Once a worker has loaded the app it parses the current process
definitions, then freezes what it holds (gc.freeze): the app, its modules
and the specs, some 200,000 objects, stay for the worker's life, and
Python's full collections no longer walk them.  Unfrozen, each full
collection took about 120 ms on this machine, a pause that whichever
requests were running waited through (issue 16: the load test's p99).

Each worker also writes a response's headers and its body in one send
(OneSendResponse)."""
import gc
import logging

from gunicorn.http import wsgi

from engine import specs

log = logging.getLogger("gunicorn.error")


class _Held:
    """Stands in for the socket while gunicorn writes the headers: keeps them."""

    def __init__(self):
        self.data = b""

    def sendall(self, data):
        self.data += data


class OneSendResponse(wsgi.Response):
    """gunicorn's Response, its headers sent with the first bytes of the
    body: gunicorn sends them apart, two packets for one small answer, and
    the client wakes for each (issue 16: 0.2-0.5 ms of an API call here).
    A chunked body, a response without a body (HEAD, 204, 304) and a file
    sent with sendfile are written as gunicorn writes them."""
    _held = None

    def write(self, arg):
        if self.headers_sent or self.chunked:
            return super().write(arg)
        real, self.sock = self.sock, _Held()
        try:
            self.send_headers()  # gunicorn's headers, as it makes them, kept back
        finally:
            self._held, self.sock = self.sock.data, real
        try:
            super().write(arg)
        finally:
            if self._held is not None:  # no body bytes went (a HEAD, say): the headers alone
                held, self._held = self._held, None
                self.sock.sendall(held)

    def _emit_body(self, data):
        if self._held is not None:
            data, self._held = self._held + data, None
        super()._emit_body(data)


def post_fork(server, worker):
    # wsgi.create makes each request's Response from this module name
    wsgi.Response = OneSendResponse


def post_worker_init(worker):
    app = worker.wsgi
    with app.app_context():
        log.info("caseflow: %d process definitions ready", specs.warm())
    gc.freeze()

