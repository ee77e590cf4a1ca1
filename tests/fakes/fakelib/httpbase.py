"""The HTTP plumbing every fake shares.

A fake is an "app": an object with `handle(request) -> Answer` (called on the
connection's own thread) and a `name`. This module reads whole requests,
writes answers, logs when asked to, and runs the command line that all fakes
speak: `--host`, `--port N|0`, `--verbose`, optional `--tls-cert/--tls-key`.
Once listening, a fake prints `<name> listening on URL` on stdout, and it
exits 0 on SIGTERM.
"""

import argparse
import json
import signal
import ssl
import sys
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY_BYTES = 16 * 1024 * 1024


@dataclass
class Request:
    method: str
    target: str  # as sent: path plus "?query"
    path: str  # raw, still percent-encoded
    query: str  # raw, without "?"
    headers: list  # (name, value) pairs in arrival order, names as sent
    body: bytes

    def header(self, name):
        """The first value of a header (case-insensitive), or None."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    def header_names(self):
        return {key.lower() for key, _ in self.headers}

    def query_pairs(self):
        """The query as decoded (name, value) pairs; '+' stays a plus sign."""
        pairs = []
        for part in self.query.split("&") if self.query else []:
            name, _, value = part.partition("=")
            pairs.append((urllib.parse.unquote(name), urllib.parse.unquote(value)))
        return pairs

    def form_pairs(self):
        """The query decoded as an HTML form ('+' is a space), as Java servlets read it."""
        return urllib.parse.parse_qsl(self.query, keep_blank_values=True)

    def json(self):
        """The body as JSON; raises ValueError when it is not."""
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: list = field(default_factory=list)
    note: str = ""  # shown in the --verbose log line, e.g. "s3 GetPublicAccessBlock"

    @staticmethod
    def json(status, document, headers=()):
        body = json.dumps(document).encode("utf-8")
        return Answer(status, body, [("Content-Type", "application/json")] + list(headers))


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # A client that stops talking must not hold a thread for ever.
    timeout = 30

    def do_GET(self):
        self.serve_one()

    def do_HEAD(self):
        self.serve_one()

    def do_POST(self):
        self.serve_one()

    def do_PUT(self):
        self.serve_one()

    def do_PATCH(self):
        self.serve_one()

    def do_DELETE(self):
        self.serve_one()

    def version_string(self):
        return self.server.app.name

    def serve_one(self):
        try:
            body = self.read_body()
        except ValueError as err:
            self.close_connection = True
            self.write_answer(Answer.json(400, {"error": str(err)}))
            return
        path, _, query = self.path.partition("?")
        request = Request(self.command, self.path, path, query, list(self.headers.items()), body)
        try:
            answer = self.server.app.handle(request)
        except Exception as err:  # a bug in the fake must show up as itself, not a hang
            self.log_error("fake failed on %s %s: %r", self.command, self.path, err)
            answer = Answer.json(500, {"error": "fake failed: %r" % err})
        self.write_answer(answer)

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

    def write_answer(self, answer):
        self.answer_note = answer.note
        self.send_response(answer.status)
        names = {name.lower() for name, _ in answer.headers}
        for name, value in answer.headers:
            self.send_header(name, value)
        # RFC 9110 forbids a body, and so Content-Length, on 204 and 304.
        bodiless = answer.status in (204, 304)
        if "content-length" not in names and not bodiless:
            self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD" and answer.body and not bodiless:
            self.wfile.write(answer.body)

    def log_request(self, code="-", size="-"):
        if self.server.verbose:
            note = getattr(self, "answer_note", "")
            sys.stderr.write(
                "%s: %s %s -> %s %s\n" % (self.server.app.name, self.command, self.path, code, note)
            )

    def log_message(self, format, *args):
        if self.server.verbose:
            sys.stderr.write("%s: %s\n" % (self.server.app.name, format % args))


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True
    # A burst of clients must not wait for a retransmit behind a backlog of 5.
    request_queue_size = 128

    def __init__(self, address, app, tls_context=None, verbose=False):
        super().__init__(address, FakeHandler)
        self.app = app
        self.tls_context = tls_context
        self.verbose = verbose

    def finish_request(self, request, client_address):
        # The TLS handshake runs on the connection's own thread, so a client
        # that never finishes it blocks nobody else.
        if self.tls_context is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(FakeHandler.timeout)
        try:
            tls_request = self.tls_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            super().finish_request(tls_request, client_address)
        finally:
            self.shutdown_request(tls_request)

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


def argument_parser(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks one")
    parser.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--tls-key", help="the certificate's private key (PEM)")
    parser.add_argument("--verbose", action="store_true", help="log each request on stderr")
    return parser


def _stop(signum, frame):
    raise KeyboardInterrupt


def serve(app, args):
    """Listens, announces the URL on stdout, and serves until SIGTERM or ^C."""
    if bool(args.tls_cert) != bool(args.tls_key):
        sys.stderr.write("%s: --tls-cert and --tls-key go together\n" % app.name)
        return 2
    signal.signal(signal.SIGTERM, _stop)
    context = None
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
    server = FakeServer((args.host, args.port), app, tls_context=context, verbose=args.verbose)
    host, port = server.server_address[:2]
    url = "%s://%s:%d" % ("https" if context else "http", host, port)
    app.base_url = url
    print("%s listening on %s" % (app.name, url), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
