"""gunicorn's settings for caseflow beyond its command line (`make run`:
gunicorn -c python:webforms.serving ...).

Once a worker has loaded the app it parses the current process
definitions, then freezes what it holds (gc.freeze): the app, its modules
and the specs, some 200,000 objects, stay for the worker's life, and
Python's full collections no longer walk them.  Unfrozen, each full
collection took about 120 ms on this machine, a pause that whichever
requests were running waited through (issue 16: the load test's p99)."""
import gc
import logging

from engine import specs

log = logging.getLogger("gunicorn.error")


def post_worker_init(worker):
    app = worker.wsgi
    with app.app_context():
        log.info("caseflow: %d process definitions ready", specs.warm())
    gc.freeze()
