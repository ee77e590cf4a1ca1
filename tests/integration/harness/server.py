"""The riposte binary as a child process: `serve` kept running, other commands run through."""

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

from .config import SOURCE_PATH
from .httpio import http_request
from .paths import DELIVERY_TIMEOUT, START_TIMEOUT, STOP_TIMEOUT, riposte_bin
from .sns import post_sns

SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error")
LISTENING_RE = re.compile(r"listening on (?:https?://)?(\[[^\]]*\]|[^\s:\"]+):(\d+)")


def sanitizer_lines(text):
    return [line for line in text.splitlines() if any(m in line for m in SANITIZER_MARKERS)]


def child_env():
    """The environment for the binary: sanitizer reports on, nothing else changed."""
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    return env


class RiposteServer:
    """`riposte serve` as a child process, its stderr kept in a file."""

    def __init__(self, workdir, config, args=()):
        self.workdir = Path(workdir)
        self.config = config
        self.args = list(args)
        self.proc = None
        self.port = None
        self.exit_code = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self, timeout=START_TIMEOUT):
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = self.workdir / "riposte.json"
        self.config_path.write_text(json.dumps(self.config, indent=2))
        self.stderr_path = self.workdir / "riposte.stderr"
        cmd = [str(riposte_bin()), "serve", "--config", str(self.config_path), *self.args]
        with open(self.stderr_path, "wb") as stderr:
            self.proc = subprocess.Popen(
                cmd,
                cwd=self.workdir,
                env=child_env(),
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.log()
            match = LISTENING_RE.search(log)
            if match:
                self.port = int(match.group(2))
                return self
            if "listening on" in log:
                self.port = self.config["listen"]["port"]
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(
                    "riposte exited with %d before listening:\n%s"
                    % (self.proc.returncode, self.log())
                )
            time.sleep(0.02)
        self.proc.kill()
        self.proc.wait()
        raise RuntimeError(
            "riposte did not log 'listening on' in %.0fs:\n%s" % (timeout, self.log())
        )

    def log(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for_log(self, pattern, timeout=DELIVERY_TIMEOUT):
        """The first stderr line matching the regex `pattern`, polled until timeout."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            for line in self.log().splitlines():
                if regex.search(line):
                    return line
            if time.monotonic() >= deadline:
                raise AssertionError("no log line matches %r:\n%s" % (pattern, self.log()))
            time.sleep(0.05)

    def request(self, method, path, body=None, headers=None):
        return http_request(method, self.url + path, body=body, headers=headers)

    def post_sns(self, envelope, path=SOURCE_PATH, **kwargs):
        return post_sns(self.url, path, envelope, **kwargs)

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Signals the server and returns a list of problems (empty when it stopped cleanly)."""
        if self.proc is None:
            return []
        problems = []
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                problems.append("did not exit within %.0fs of %s" % (timeout, sig.name))
        else:
            problems.append("had already exited before %s" % sig.name)
        self.exit_code = self.proc.returncode
        if self.exit_code != 0 and not problems:
            problems.append("exit code %d after %s" % (self.exit_code, sig.name))
        problems += ["sanitizer: " + line for line in sanitizer_lines(self.log())]
        if problems:
            problems.append("stderr of %s:\n%s" % (self.config_path, self.log()[-6000:]))
        self.proc = None
        return problems


def run_cli(*args, cwd=None, timeout=60):
    """Runs the binary to completion; fails the test on any sanitizer report."""
    result = subprocess.run(
        [str(riposte_bin()), *map(str, args)],
        cwd=cwd,
        env=child_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    reports = sanitizer_lines(result.stdout + result.stderr)
    assert not reports, "sanitizer report from %s:\n%s" % (args, result.stderr)
    return result
