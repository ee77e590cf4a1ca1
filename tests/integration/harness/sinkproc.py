"""tests/fakes/sink.py as a child process, with a client for its control paths."""

import json
import re
import select
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from .httpio import http_request
from .paths import DELIVERY_TIMEOUT, REPO_ROOT, START_TIMEOUT

SINK_SCRIPT = REPO_ROOT / "tests" / "fakes" / "sink.py"


class SinkProcess:
    """tests/fakes/sink.py in its own process, and a client for its control paths."""

    def __init__(self, workdir, tls=None):
        self.workdir = Path(workdir)
        self.tls = tls
        self.proc = None
        self.url = None
        self.port = None

    def start(self, timeout=START_TIMEOUT):
        self.workdir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, str(SINK_SCRIPT), "--port", "0"]
        if self.tls:
            cmd += ["--tls-cert", str(self.tls.cert), "--tls-key", str(self.tls.key)]
        self.stderr_path = self.workdir / "sink.stderr"
        with open(self.stderr_path, "wb") as stderr:
            self.proc = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL
            )
        readable, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline().decode() if readable else ""
        match = re.search(r"listening on (\S+)", line)
        if not match:
            self.stop()
            raise RuntimeError("sink did not start: %r %s" % (line, self.stderr_path.read_text()))
        self.url = match.group(1)
        self.port = urllib.parse.urlsplit(self.url).port
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()

    def _control(self, method, path, document=None):
        body = json.dumps(document) if document is not None else None
        context = self.tls.client_context() if self.tls else None
        resp = http_request(method, self.url + path, body=body, ssl_context=context)
        if resp.status != 200:
            raise RuntimeError(
                "sink %s %s answered %d: %s" % (method, path, resp.status, resp.text)
            )
        return resp.json()

    def requests(self):
        return self._control("GET", "/__requests")

    def clear(self):
        self._control("DELETE", "/__requests")

    def fail_next(self, status=500, count=1, headers=None, body=None, delay_ms=0):
        script = {"status": status, "count": count, "headers": headers or {}, "delay_ms": delay_ms}
        if body is not None:
            script["body"] = body
        self._control("POST", "/__fail", script)

    def wait_for(self, count, timeout=DELIVERY_TIMEOUT, path=None):
        """Polls until at least `count` requests arrived and returns them.

        With `path`, only requests to that path (compared without the query) count.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = [r for r in self.requests() if path is None or r["path"].split("?")[0] == path]
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise AssertionError(
                    "sink got %d of %d requests%s within %.0fs: %s"
                    % (len(found), count, " to " + path if path else "", timeout, summarize(found))
                )
            time.sleep(0.05)


def summarize(requests):
    return [(r["method"], r["path"], r["body"][:200]) for r in requests]
