"""Start a fake as a child process and talk to its control paths.

    aws = FakeProcess("fake_aws.py", workdir).start()
    aws.control("POST", "/__buckets", {"name": "b", "account": "111111111111"})
    ...
    aws.stop()

Tests import this by putting tests/fakes on sys.path.
"""

import json
import re
import select
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

FAKES_DIR = Path(__file__).resolve().parents[1]
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class FakeProcess:
    def __init__(self, script, workdir, args=()):
        self.script = FAKES_DIR / script
        self.workdir = Path(workdir)
        self.args = list(args)
        self.proc = None
        self.url = None
        self.port = None
        self.stderr_path = None

    def start(self, timeout=START_TIMEOUT):
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.stderr_path = self.workdir / (self.script.stem + ".stderr")
        cmd = [sys.executable, str(self.script), "--port", "0", "--verbose"] + self.args
        with open(self.stderr_path, "wb") as stderr:
            self.proc = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL
            )
        readable, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline().decode() if readable else ""
        match = re.search(r"listening on (\S+)", line)
        if not match:
            self.stop()
            raise RuntimeError(
                "%s did not start: %r %s" % (self.script.name, line, self.stderr_path.read_text())
            )
        self.url = match.group(1)
        self.port = urllib.parse.urlsplit(self.url).port
        return self

    def stop(self):
        """Sends SIGTERM and returns the exit status (None if it had to be killed)."""
        status = None
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                status = self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        elif self.proc:
            status = self.proc.returncode
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        return status

    def control(self, method, path, document=None):
        """Calls a control path; returns its JSON, raising on anything but 200."""
        data = json.dumps(document).encode() if document is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as err:
            raise RuntimeError(
                "%s %s answered %d: %s" % (method, path, err.code, err.read().decode())
            ) from None

    def state(self):
        return self.control("GET", "/__state")

    def calls(self):
        return self.control("GET", "/__calls")
