"""`riposte serve` against request smuggling, slow clients and many idle connections.

Black-box over raw sockets: every smuggling shape gets one 400, nothing behind it
is answered, the connection is closed and the server goes on serving; slow clients
get 408 within the header timeout; 10,000 idle connections do not keep another
client from being served within a second.
"""

import json
import os
import resource
import socket
import time

import pytest

import harness

HEADER_TIMEOUT_MS = 1000
SLACK_S = 1.5
LIMITS = {
    "max_header_bytes": 4096,
    "max_body_bytes": 8192,
    "max_connections": 64,
    "header_timeout_ms": HEADER_TIMEOUT_MS,
    "body_timeout_ms": 1000,
    "idle_timeout_ms": 5000,
}
IDLE_CONNECTIONS = 10_000
SNS = harness.SOURCE_PATH.encode()

# name -> (request bytes, the reason in the 400's body)
SMUGGLING = {
    "cve-2023-30589-lone-cr": (
        b"POST " + SNS + b" HTTP/1.1\r\nHost: a\r\nX-Abc: \rxTransfer-Encoding: chunked\r\n\r\n"
        b"1\r\nA\r\n0\r\n\r\n",
        "Expected LF after CR",
    ),
    "cve-2023-30589-empty-value": (
        b"POST " + SNS + b" HTTP/1.1\r\nHost: a\r\nx:\rTransfer-Encoding: chunked\r\n\r\n"
        b"1\r\nA\r\n0\r\n\r\n",
        "Expected LF after CR",
    ),
    "cve-2024-27982-space-before-header-name": (
        b"POST " + SNS + b" HTTP/1.1\r\nHost: a\r\nFoo: bar\r\n Content-Length: 39\r\n\r\n"
        b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n",
        "line starting with whitespace (obsolete line folding)",
    ),
    "cve-2025-23167-cr-x-ends-headers": (
        b"GET /healthz HTTP/1.1\r\nHost: a\r\n\rZGET /evil: HTTP/1.1\r\nHost: a\r\n\r\n",
        "Expected LF after headers",
    ),
    "content-length-and-chunked": (
        b"POST " + SNS + b" HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Length: 5\r\n\r\n0\r\n\r\n",
        "Content-Length can't be present with Transfer-Encoding",
    ),
    "two-content-lengths": (
        b"POST " + SNS + b" HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"
        b"abcde",
        "Duplicate Content-Length",
    ),
    "gzip-then-chunked": (
        b"POST " + SNS + b" HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
        b"0\r\n\r\n",
        "Transfer-Encoding other than chunked",
    ),
    "tab-before-chunked": (
        b"POST " + SNS + b" HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n",
        "Transfer-Encoding: not followed by one space",
    ),
    "bare-lf-ending-headers": (
        b"GET /healthz HTTP/1.1\r\nHost: a\r\n\nGET /evil HTTP/1.1\r\nHost: a\r\n\r\n",
        "bare LF ending the header section",
    ),
    "bare-lf-ending-request-line": (
        b"GET /healthz HTTP/1.1\nHost: a\r\n\r\n",
        "bare LF ending a line",
    ),
    "bare-lf-ending-chunked-body": (
        b"POST " + SNS + b" HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"1\r\nA\r\n0\r\n\nGET /evil HTTP/1.1\r\nHost: a\r\n\r\n",
        "bare LF ending the header section",
    ),
    "chunk-extension-over-1-kib": (
        b"POST " + SNS + b" HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"1;" + b"e" * 1100 + b"\r\nA\r\n0\r\n\r\n",
        "chunk extensions too long",
    ),
    "absolute-form-target": (
        b"POST http://a" + SNS + b" HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}",
        "request target is not a path",
    ),
}


def hardening_config(limits):
    config = harness.make_config(harness.free_port(), rules=[], limits=limits)
    config["plugins"] = []
    return config


@pytest.fixture(scope="module")
def server(module_riposte):
    args = ("--log-level", "debug", "--log-format", "json")
    return module_riposte(hardening_config(LIMITS), args)


def read_until_closed(sock, timeout):
    """Everything the server sends until it closes; fails if it does not close in time."""
    deadline = time.monotonic() + timeout
    data = b""
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, "the server did not close the connection; got %r" % data
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        except socket.timeout:
            continue
        if not chunk:
            return data
        data += chunk


def split_responses(data):
    """(status, headers, body) for each response in data, in order."""
    responses = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        assert sep, "a truncated response: %r" % data
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        responses.append((int(lines[0].split(" ")[1]), headers, rest[:length]))
        data = rest[length:]
    return responses


def assert_still_serving(server):
    assert server.request("GET", "/healthz").status == 200


@pytest.mark.parametrize("case", sorted(SMUGGLING))
def test_smuggling_shape_is_400_and_closes(server, case):
    request, reason = SMUGGLING[case]

    with harness.raw_connection(server.port) as sock:
        sock.sendall(request)
        responses = split_responses(read_until_closed(sock, timeout=5.0))

    assert len(responses) == 1, "something behind the request was answered: %r" % responses
    status, headers, body = responses[0]
    assert status == 400
    assert headers.get("connection") == "close"
    assert json.loads(body) == {"error": reason}
    assert_still_serving(server)


def log_records(server):
    records = []
    for line in server.log().splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            pass
    return records


def test_refusals_are_logged_at_debug_with_peer_and_reason(server):
    with harness.raw_connection(server.port) as sock:
        peer = "%s:%d" % sock.getsockname()
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\nX: y\r\n\tz\r\n\r\n")
        read_until_closed(sock, timeout=5.0)

    deadline = time.monotonic() + 5.0
    while True:
        found = [r for r in log_records(server) if r.get("peer") == peer]
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(found) == 1, "one log line for the refusal of %s: %s" % (peer, found)
    assert found[0]["level"] == "debug"
    assert found[0]["status"] == "400"
    assert "obsolete line folding" in found[0]["msg"]


def timed_until_answer(server, send):
    """Runs send(sock) on a new connection; returns (responses, seconds until the close)."""
    started = time.monotonic()
    with harness.raw_connection(server.port) as sock:
        send(sock)
        data = read_until_closed(sock, timeout=HEADER_TIMEOUT_MS / 1000 + 5.0)
    return split_responses(data), time.monotonic() - started


def test_one_byte_a_second_is_408_within_the_header_timeout(server):
    request = b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-Slow: " + b"s" * 60

    def drip(sock):
        for byte in request:
            sock.sendall(bytes([byte]))
            sock.settimeout(1.0)
            try:
                sock.recv(65536, socket.MSG_PEEK)
                return  # an answer or the close
            except socket.timeout:
                pass

    responses, elapsed = timed_until_answer(server, drip)

    assert [r[0] for r in responses] == [408]
    assert elapsed < HEADER_TIMEOUT_MS / 1000 + SLACK_S
    assert_still_serving(server)


def test_header_that_never_ends_is_408_within_the_header_timeout(server):
    responses, elapsed = timed_until_answer(
        server, lambda sock: sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-Never: ends")
    )

    assert [r[0] for r in responses] == [408]
    assert HEADER_TIMEOUT_MS / 1000 - 0.2 < elapsed < HEADER_TIMEOUT_MS / 1000 + SLACK_S
    assert_still_serving(server)


def test_silent_connection_is_closed_within_the_header_timeout(server):
    responses, elapsed = timed_until_answer(server, lambda sock: None)

    assert responses == []
    assert elapsed < HEADER_TIMEOUT_MS / 1000 + SLACK_S


def raise_nofile(needed):
    """Raises this process's open-file limit (inherited by the server); skips if it cannot."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, max(hard, needed)))
    except (ValueError, OSError) as err:
        pytest.skip("cannot raise RLIMIT_NOFILE from %d/%d to %d: %s" % (soft, hard, needed, err))


def server_soft_nofile(pid):
    with open("/proc/%d/limits" % pid) as limits:
        for line in limits:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    raise AssertionError("no open-file limit in /proc/%d/limits" % pid)


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def test_ten_thousand_idle_connections_do_not_hold_the_server(riposte):
    raise_nofile(IDLE_CONNECTIONS + 1000)
    limits = dict(LIMITS, max_connections=IDLE_CONNECTIONS + 100)
    limits.update(header_timeout_ms=120_000, idle_timeout_ms=120_000)
    server = riposte(hardening_config(limits))
    pid = server.proc.pid
    assert server_soft_nofile(pid) >= IDLE_CONNECTIONS + 100
    baseline = open_fds(pid)

    idle = []
    try:
        for _ in range(IDLE_CONNECTIONS):
            idle.append(socket.create_connection(("127.0.0.1", server.port), timeout=10.0))
        deadline = time.monotonic() + 20.0
        while open_fds(pid) < baseline + IDLE_CONNECTIONS and time.monotonic() < deadline:
            time.sleep(0.1)
        assert open_fds(pid) >= baseline + IDLE_CONNECTIONS, "the server holds them all"

        started = time.monotonic()
        resp = server.request("GET", "/healthz")
        elapsed = time.monotonic() - started

        assert resp.status == 200
        assert elapsed < 1.0, "served in %.3f s beside %d idle connections" % (
            elapsed,
            IDLE_CONNECTIONS,
        )
        for sock in idle[:: IDLE_CONNECTIONS // 20]:
            sock.setblocking(False)
            with pytest.raises(BlockingIOError):
                sock.recv(1)
    finally:
        for sock in idle:
            sock.close()
