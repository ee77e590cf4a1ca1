"""The HTTP server's limits and its handling of broken or hostile clients, over raw sockets."""

import json
import select
import time

import pytest

import harness

LIMITS = {
    "max_header_bytes": 4096,
    "max_body_bytes": 8192,
    "max_connections": 64,
    "header_timeout_ms": 300,
    "body_timeout_ms": 1000,
    "idle_timeout_ms": 5000,
}


@pytest.fixture(scope="module")
def server(module_riposte, module_sink):
    rules = [
        harness.rule(
            "everything",
            {"source": ["aws.guardduty"]},
            [
                harness.http_step(
                    "notify", module_sink.url + "/run", {"id": "{{ .event.detail.id }}"}
                )
            ],
        )
    ]
    config = harness.make_config(harness.free_port(), rules, limits=LIMITS, workers=1)
    return module_riposte(config)


@pytest.fixture(autouse=True)
def clean_sink(module_sink):
    module_sink.clear()


def request_bytes(method, path, headers=None, body=b""):
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1"]
    lines += ["%s: %s" % item for item in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def sns_request(envelope, body=None):
    """The bytes of an SNS POST; `body` replaces the serialized envelope."""
    if body is None:
        body = json.dumps(envelope).encode()
    headers = harness.sns_headers(envelope)
    headers["Content-Length"] = str(len(body))
    return request_bytes("POST", harness.SOURCE_PATH, headers, body)


def padded_envelope(size):
    """(envelope, body): a valid envelope serialized and padded with spaces to `size` bytes."""
    envelope = harness.sns_envelope(harness.small_event("Riposte:Test/Limits"))
    body = json.dumps(envelope).encode()
    assert len(body) <= size
    return envelope, body + b" " * (size - len(body))


def exchange(server, data, timeout=5.0):
    """Sends `data` on a new connection; returns (response, whether the server then closed)."""
    with harness.raw_connection(server.port) as sock:
        sock.sendall(data)
        resp = harness.read_http_response(sock, timeout=timeout)
        closed = harness.peer_closed(sock)
    assert resp is not None, "the server closed the connection without an answer"
    return resp, closed


def assert_still_serving(server):
    assert server.request("GET", "/healthz").status == 200


def run_barrier(server, sink):
    event = harness.small_event("Riposte:Test/Barrier")
    assert server.post_sns(harness.sns_envelope(event)).status == 200
    [got] = sink.wait_for(1, path="/run")
    assert json.loads(got["body"]) == {"id": event["detail"]["id"]}


def test_body_at_the_limit_is_accepted(server, module_sink):
    envelope, body = padded_envelope(LIMITS["max_body_bytes"])

    resp = harness.http_request(
        "POST", server.url + harness.SOURCE_PATH, body=body, headers=harness.sns_headers(envelope)
    )

    assert resp.status == 200, resp.text
    [got] = module_sink.wait_for(1, path="/run")
    assert json.loads(got["body"]) == {"id": json.loads(envelope["Message"])["detail"]["id"]}


def test_body_one_byte_over_the_limit_is_413_and_closes(server, module_sink):
    envelope, body = padded_envelope(LIMITS["max_body_bytes"] + 1)

    resp, closed = exchange(server, sns_request(envelope, body))

    assert resp.status == 413
    assert closed
    assert_still_serving(server)
    run_barrier(server, module_sink)
    assert len(module_sink.requests()) == 1, "the refused event must not run"


def test_declared_length_over_the_limit_is_413_before_the_body_is_sent(server):
    headers = {"Content-Type": "text/plain; charset=UTF-8", "Content-Length": "10000000"}
    headers["x-amz-sns-message-type"] = "Notification"

    resp, closed = exchange(server, request_bytes("POST", harness.SOURCE_PATH, headers))

    assert resp.status == 413
    assert closed
    assert_still_serving(server)


def test_chunked_body_over_the_limit_is_413_and_closes(server):
    size = LIMITS["max_body_bytes"] + 1
    headers = {"Content-Type": "text/plain; charset=UTF-8", "Transfer-Encoding": "chunked"}
    headers["x-amz-sns-message-type"] = "Notification"
    data = request_bytes("POST", harness.SOURCE_PATH, headers) + b"%x\r\n" % size + b" " * size

    resp, closed = exchange(server, data)

    assert resp.status == 413
    assert closed
    assert_still_serving(server)


@pytest.mark.parametrize("shape", ["one-long-header", "many-headers"])
def test_headers_over_the_limit_are_431_and_close(server, shape):
    limit = LIMITS["max_header_bytes"]
    if shape == "one-long-header":
        headers = {"X-Padding": "a" * limit}
    else:
        headers = {"X-Padding-%03d" % i: "b" * 20 for i in range(limit // 20)}

    resp, closed = exchange(server, request_bytes("GET", "/healthz", headers))

    assert resp.status == 431
    assert closed
    assert_still_serving(server)


def drip(sock, data, interval, deadline):
    """Sends one byte per interval until the server answers, closes, or the deadline passes."""
    for byte in data:
        if time.monotonic() >= deadline:
            return
        readable, _, _ = select.select([sock], [], [], interval)
        if readable:
            return
        try:
            sock.send(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            return


def test_slow_headers_are_408(server):
    """Bytes keep arriving, but the head is not complete within header_timeout_ms."""
    data = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"s" * 200
    started = time.monotonic()
    with harness.raw_connection(server.port) as sock:
        drip(sock, data, interval=0.05, deadline=started + 3.0)
        resp = harness.read_http_response(sock, timeout=2.0)
        closed = harness.peer_closed(sock)
    elapsed = time.monotonic() - started

    assert resp is not None and resp.status == 408
    assert closed
    assert elapsed < 2.5, "the header timeout is %d ms" % LIMITS["header_timeout_ms"]
    assert_still_serving(server)


def test_stalled_body_is_408(server, module_sink):
    envelope = harness.sns_envelope(harness.small_event("Riposte:Test/Stalled"))
    body = json.dumps(envelope).encode()
    data = sns_request(envelope, body)
    started = time.monotonic()
    with harness.raw_connection(server.port) as sock:
        sock.sendall(data[: len(data) - len(body) // 2])
        resp = harness.read_http_response(sock, timeout=5.0)
        closed = harness.peer_closed(sock)
    elapsed = time.monotonic() - started

    assert resp is not None and resp.status == 408
    assert closed
    assert elapsed < 4.0, "the body timeout is %d ms" % LIMITS["body_timeout_ms"]
    assert_still_serving(server)
    run_barrier(server, module_sink)
    assert len(module_sink.requests()) == 1, "the half-sent event must not run"


MALFORMED = {
    "garbage-request-line": b"THIS IS NOT HTTP\r\n\r\n",
    "bad-protocol": b"GET /healthz FOO/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "space-in-header-name": b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Name: x\r\n\r\n",
    "negative-content-length": (
        b"POST /sns/guardduty HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n"
    ),
    "content-length-and-chunked": (
        b"POST /sns/guardduty HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    ),
    "tls-client-hello": bytes.fromhex("160301002c0100002803035a") + b"\x00" * 32 + b"\r\n\r\n",
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_request_is_400_and_closes(server, case):
    resp, closed = exchange(server, MALFORMED[case])

    assert resp.status == 400
    assert closed
    assert_still_serving(server)


def test_keep_alive_serves_several_requests_on_one_socket(server, module_sink):
    event = harness.small_event("Riposte:Test/KeepAlive")
    healthz = request_bytes("GET", "/healthz")
    with harness.raw_connection(server.port) as sock:
        sock.sendall(healthz)
        first = harness.read_http_response(sock)
        sock.sendall(sns_request(harness.sns_envelope(event)))
        second = harness.read_http_response(sock)
        sock.sendall(healthz)
        third = harness.read_http_response(sock)

    assert [r.status for r in (first, second, third)] == [200, 200, 200]
    [got] = module_sink.wait_for(1, path="/run")
    assert json.loads(got["body"]) == {"id": event["detail"]["id"]}


def test_connection_close_is_honoured(server):
    resp, closed = exchange(server, request_bytes("GET", "/healthz", {"Connection": "close"}))

    assert resp.status == 200
    assert closed
