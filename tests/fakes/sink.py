#!/usr/bin/env python3
"""An HTTP(S) server that records every request it gets, for black-box tests.

Run it as an ordinary process:

    python3 tests/fakes/sink.py --port 8099
    python3 tests/fakes/sink.py --port 0 --tls-cert leaf.pem --tls-key leaf.key

Once it listens, it prints one line to stdout, `sink listening on URL`, so a
caller that passed --port 0 learns the port it got.

Every request is answered 200 with `{"ok": true}` and recorded, except those
to the control paths:

    GET    /__requests   the recorded requests, oldest first, as a JSON list of
                         {"seq", "time", "method", "path", "headers", "body"}
                         (header names lower-cased; body decoded as UTF-8)
    DELETE /__requests   forget them all
    POST   /__fail       script the answer to the next requests, for example
                         {"status": 500, "count": 2}; optional "headers"
                         (object), "body" (string) and "delay_ms" (the answer
                         waits that long; the request is recorded on arrival)

Only the standard library is used, so the sink runs wherever python3 does.
"""

import argparse
import json
import signal
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONTROL_REQUESTS = "/__requests"
CONTROL_FAIL = "/__fail"
MAX_BODY_BYTES = 64 * 1024 * 1024


class Recorder:
    """The recorded requests and the scripted answers, shared by all threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._requests = []
        self._seq = 0
        self._script = None
        self._script_left = 0

    def record(self, method, path, headers, body):
        with self._lock:
            self._seq += 1
            self._requests.append(
                {
                    "seq": self._seq,
                    "time": time.time(),
                    "method": method,
                    "path": path,
                    "headers": headers,
                    "body": body,
                }
            )
            if self._script_left > 0:
                self._script_left -= 1
                return self._script
            return None

    def snapshot(self):
        with self._lock:
            return list(self._requests)

    def clear(self):
        with self._lock:
            count = len(self._requests)
            self._requests.clear()
            self._script = None
            self._script_left = 0
            return count

    def set_script(self, script, count):
        with self._lock:
            self._script = script
            self._script_left = count


def parse_script(raw):
    """Checks a /__fail body and returns (answer, count); raises ValueError."""
    spec = json.loads(raw or b"{}")
    if not isinstance(spec, dict):
        raise ValueError("expected a JSON object")
    status = spec.get("status", 500)
    count = spec.get("count", 1)
    headers = spec.get("headers", {})
    body = spec.get("body")
    delay_ms = spec.get("delay_ms", 0)
    if not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError("status must be an integer in 100..599")
    if not isinstance(count, int) or count < 0:
        raise ValueError("count must be a non-negative integer")
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise ValueError("headers must map names to strings")
    if body is not None and not isinstance(body, str):
        raise ValueError("body must be a string")
    if not isinstance(delay_ms, (int, float)) or delay_ms < 0:
        raise ValueError("delay_ms must be a non-negative number")
    answer = {"status": status, "headers": headers, "body": body, "delay_ms": delay_ms}
    return answer, count


class SinkHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "riposte-test-sink"
    # A client that stops talking must not hold a thread for ever.
    timeout = 30

    def do_GET(self):
        self.handle_any()

    def do_HEAD(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_PATCH(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def do_OPTIONS(self):
        self.handle_any()

    def handle_any(self):
        try:
            body = self.read_body()
        except ValueError as err:
            self.answer(400, {"error": str(err)})
            self.close_connection = True
            return
        recorder = self.server.recorder

        if self.path == CONTROL_REQUESTS and self.command == "GET":
            self.answer(200, recorder.snapshot())
            return
        if self.path == CONTROL_REQUESTS and self.command == "DELETE":
            self.answer(200, {"cleared": recorder.clear()})
            return
        if self.path == CONTROL_FAIL and self.command == "POST":
            try:
                answer, count = parse_script(body)
            except ValueError as err:
                self.answer(400, {"error": str(err)})
                return
            recorder.set_script(answer, count)
            self.answer(200, {"scripted": count})
            return

        headers = {name.lower(): value for name, value in self.headers.items()}
        text = body.decode("utf-8", errors="replace")
        scripted = recorder.record(self.command, self.path, headers, text)
        if scripted is None:
            self.answer(200, {"ok": True})
            return
        if scripted["delay_ms"]:
            time.sleep(scripted["delay_ms"] / 1000.0)
        payload = scripted["body"]
        if payload is None:
            payload = json.dumps({"scripted": scripted["status"]})
        self.answer_raw(scripted["status"], payload.encode("utf-8"), scripted["headers"])

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self.read_chunked()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            raise ValueError("bad Content-Length")
        return self.rfile.read(int(length))

    def read_chunked(self):
        parts = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise ValueError("bad chunk size") from None
            total += size
            if total > MAX_BODY_BYTES:
                raise ValueError("body too large")
            if size == 0:
                break
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)
        while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
            pass
        return b"".join(parts)

    def answer(self, status, document):
        self.answer_raw(status, json.dumps(document).encode("utf-8"), {})

    def answer_raw(self, status, payload, headers):
        self.send_response(status)
        names = {name.lower() for name in headers}
        for name, value in headers.items():
            self.send_header(name, value)
        if "content-type" not in names:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def log_message(self, format, *args):
        if self.server.verbose:
            sys.stderr.write("sink: %s %s\n" % (self.address_string(), format % args))


class SinkServer(ThreadingHTTPServer):
    daemon_threads = True
    # Several clients may connect at once (a burst of runs); the default
    # backlog of 5 would make some of them wait for a retransmit.
    request_queue_size = 128

    def __init__(self, address, tls_context=None, verbose=False):
        super().__init__(address, SinkHandler)
        self.recorder = Recorder()
        self.tls_context = tls_context
        self.verbose = verbose

    def finish_request(self, request, client_address):
        # The TLS handshake runs here, on the connection's own thread, so a
        # client that connects and never finishes it blocks nobody else.
        if self.tls_context is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(SinkHandler.timeout)
        try:
            tls_request = self.tls_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as err:
            if self.verbose:
                sys.stderr.write("sink: TLS handshake with %s failed: %s\n" % (client_address, err))
            return
        try:
            super().finish_request(tls_request, client_address)
        finally:
            self.shutdown_request(tls_request)

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


def make_tls_context(cert_file, key_file):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Record every HTTP request (test sink).")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks one")
    parser.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--tls-key", help="the certificate's private key (PEM)")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    return args


def stop_on_signal(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, stop_on_signal)
    context = make_tls_context(args.tls_cert, args.tls_key) if args.tls_cert else None
    server = SinkServer((args.host, args.port), tls_context=context, verbose=args.verbose)
    scheme = "https" if context else "http"
    host, port = server.server_address[:2]
    print("sink listening on %s://%s:%d" % (scheme, host, port), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
