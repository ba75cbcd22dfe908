"""Against a real server started as `make run` starts it: answers of every
kind arrive whole now that a worker sends the headers with the body
(webforms/serving.py, OneSendResponse): JSON, a HEAD, a file sent with
sendfile, a page not found, several on one kept-alive connection."""
import http.client
import json
from pathlib import Path

from .server_steps import ROOT, server_env, start_like_make_run


def test_every_kind_of_answer_arrives_whole_on_one_connection(app, database_url, tmp_path):
    server, port = start_like_make_run(server_env(database_url, tmp_path))
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/api/v1/openapi.json")
        reply = conn.getresponse()
        body = reply.read()
        assert reply.status == 200 and int(reply.getheader("Content-Length")) == len(body)
        assert json.loads(body)["openapi"].startswith("3.")

        conn.request("HEAD", "/api/v1/openapi.json")
        reply = conn.getresponse()
        assert (reply.status, reply.read()) == (200, b"")

        css = Path(ROOT, "webforms", "static", "caseflow.css").read_bytes()
        conn.request("GET", "/static/caseflow.css")
        reply = conn.getresponse()
        assert (reply.status, reply.read()) == (200, css)

        conn.request("GET", "/api/v1/tasks")
        reply = conn.getresponse()
        assert reply.status == 401 and "API token" in json.loads(reply.read())["error"]

        conn.request("GET", "/no-such-page")
        reply = conn.getresponse()
        assert reply.status == 404 and b"Page not found" in reply.read()
        conn.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
