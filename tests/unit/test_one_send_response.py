"""webforms/serving.py's OneSendResponse: gunicorn's answer, its headers and
body in one send, and every other kind of answer as gunicorn writes it.
Requests are parsed by gunicorn from a real socket pair; what the client
end reads is parsed by http.client."""
import http.client
import socket

import pytest
from gunicorn.config import Config
from gunicorn.http.parser import RequestParser
from gunicorn.http import wsgi

from webforms.serving import OneSendResponse


class Counted:
    """The server end of the pair, counting its sends."""

    def __init__(self, sock):
        self.sock, self.sends = sock, []

    def sendall(self, data):
        self.sends.append(bytes(data))
        self.sock.sendall(data)

    def __getattr__(self, name):
        return getattr(self.sock, name)


def answer(method: str, status: str, headers: list, chunks: list, response_class=OneSendResponse):
    """gunicorn's Response (or ours) answering one request; (the sends, the
    client's parsed response, its body)."""
    client, server = socket.socketpair()
    try:
        client.sendall(f"{method} /x HTTP/1.1\r\nHost: caseflow\r\n\r\n".encode())
        request = next(iter(RequestParser(Config(), server, ("127.0.0.1", 1))))
        counted = Counted(server)
        response, _ = wsgi.create(request, counted, ("127.0.0.1", 1), ("127.0.0.1", 2), Config(),
                                  response_class=response_class)
        response.start_response(status, headers)
        for chunk in chunks:
            response.write(chunk)
        response.close()
        reply = http.client.HTTPResponse(client, method=method)
        reply.begin()
        return counted.sends, reply, reply.read()
    finally:
        client.close()
        server.close()


def test_headers_and_body_go_in_one_send():
    body = b'{"tasks": []}\n'
    sends, reply, read = answer("GET", "200 OK", [("Content-Type", "application/json"),
                                                 ("Content-Length", str(len(body)))], [body])
    assert len(sends) == 1 and sends[0].startswith(b"HTTP/1.1 200 OK\r\n") and sends[0].endswith(body)
    assert (reply.status, reply.getheader("Content-Type"), read) == (200, "application/json", body)
    # gunicorn's own writes the same bytes in two
    stock, _, stock_read = answer("GET", "200 OK", [("Content-Type", "application/json"),
                                                    ("Content-Length", str(len(body)))], [body],
                                  response_class=wsgi.Response)
    assert len(stock) == 2 and stock_read == read
    assert [line for line in b"".join(stock).split(b"\r\n") if not line.startswith(b"Date:")] == \
        [line for line in sends[0].split(b"\r\n") if not line.startswith(b"Date:")]


def test_a_body_in_several_writes_follows_the_headers_whole():
    parts = [b"first,", b"second,", b"third"]
    sends, reply, read = answer("GET", "200 OK", [("Content-Length", str(sum(map(len, parts))))], parts)
    assert len(sends) == 3 and read == b"".join(parts) and reply.status == 200


@pytest.mark.parametrize("method, status, chunks", [("HEAD", "200 OK", [b"not sent"]),
                                                    ("GET", "204 No Content", []),
                                                    ("GET", "304 Not Modified", [b""])])
def test_an_answer_without_a_body_still_sends_its_headers(method, status, chunks):
    sends, reply, read = answer(method, status, [("Content-Length", "8")] if method == "HEAD" else [], chunks)
    assert reply.status == int(status.split()[0]) and read == b""
    assert b"".join(sends).count(b"HTTP/1.1 ") == 1


def test_a_chunked_body_is_framed_as_gunicorn_frames_it():
    sends, reply, read = answer("GET", "200 OK", [("Content-Type", "text/csv")], [b"a,b\r\n", b"1,2\r\n"])
    assert reply.getheader("Transfer-Encoding") == "chunked"
    assert read == b"a,b\r\n1,2\r\n"
