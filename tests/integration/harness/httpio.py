"""HTTP as the tests speak it: whole requests, and raw sockets for broken ones."""

import http.client
import json
import socket
import time
import urllib.parse
from dataclasses import dataclass, field


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Response:
    status: int
    reason: str
    headers: dict = field(default_factory=dict)  # names lower-cased
    body: bytes = b""

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)


def http_request(method, url, body=None, headers=None, timeout=10.0, ssl_context=None):
    """One request on a fresh connection; returns a Response whatever the status."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=ssl_context
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    if isinstance(body, str):
        body = body.encode("utf-8")
    try:
        conn.request(method, target, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        found = {name.lower(): value for name, value in resp.getheaders()}
        return Response(resp.status, resp.reason, found, data)
    finally:
        conn.close()


def read_http_response(sock, timeout=5.0):
    """Reads one response from a raw socket; None if the peer closed before sending one."""
    deadline = time.monotonic() + timeout
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = recv_until(sock, deadline)
        if not chunk:
            if data:
                raise AssertionError("connection closed inside a response head: %r" % data)
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    version, status, *reason = lines[0].split(" ", 2)
    if not version.startswith("HTTP/1."):
        raise AssertionError("not an HTTP response: %r" % lines[0])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = recv_until(sock, deadline)
        if not chunk:
            break
        rest += chunk
    return Response(int(status), reason[0] if reason else "", headers, rest[:length])


def recv_until(sock, deadline):
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise AssertionError("no answer from the server in time")
    sock.settimeout(remaining)
    try:
        return sock.recv(65536)
    except ConnectionResetError:
        return b""
    except socket.timeout:
        raise AssertionError("no answer from the server in time") from None


def peer_closed(sock, timeout=3.0):
    """True when the server has closed the connection after its answer.

    A further request is sent on it: a closed connection gives EOF or a reset, an
    open one answers it. (Waiting for EOF alone could not tell a close from one
    caused later by a timeout.)
    """
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        return True
    sock.settimeout(timeout)
    try:
        return sock.recv(65536) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def raw_connection(port, timeout=5.0):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)
