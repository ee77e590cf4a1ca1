"""Fixtures for the black-box tests of the riposte binary.

Environment:
    RIPOSTE_BIN         the binary (default <repo>/build-test/riposte)
    RIPOSTE_PLUGIN_DIR  its plugins (default <repo>/build-test/plugins)
    RIPOSTE_CORPUS      the shared corpus (default <repo>/../shared/corpus)

Tests that need the binary are skipped, with the path in the reason, while it
has not been built; the tests of the fakes themselves always run.
"""

import os

import pytest

import harness


@pytest.fixture(scope="session")
def riposte_bin():
    path = harness.riposte_bin()
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.skip("riposte binary not built at %s (set RIPOSTE_BIN)" % path)
    return path


@pytest.fixture(scope="session")
def plugin_dir(riposte_bin):
    path = harness.plugin_dir()
    if not (path / "http.so").is_file():
        pytest.skip("http plugin not built in %s (set RIPOSTE_PLUGIN_DIR)" % path)
    return path


@pytest.fixture(scope="session")
def corpus():
    path = harness.corpus_dir()
    if not (path / "guardduty" / "eventbridge").is_dir():
        pytest.skip("corpus not found at %s (set RIPOSTE_CORPUS)" % path)
    return path


@pytest.fixture
def free_port():
    """A function returning a TCP port on 127.0.0.1 that was free a moment ago."""
    return harness.free_port


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory):
    """harness.TestCA: ca_cert, ca_key, cert (leaf for IP:127.0.0.1, DNS:localhost), key."""
    return harness.make_test_ca(tmp_path_factory.mktemp("ca"))


def start_sink(directory, tls=None):
    sink = harness.SinkProcess(directory, tls=tls)
    sink.start()
    return sink


@pytest.fixture
def sink(tmp_path):
    """A plain-HTTP harness.SinkProcess: .url .port .requests() .clear() .fail_next() .wait_for()"""
    server = start_sink(tmp_path / "sink")
    yield server
    server.stop()


@pytest.fixture
def tls_sink(tmp_path, test_ca):
    """The same sink serving HTTPS with test_ca's leaf certificate."""
    server = start_sink(tmp_path / "tls-sink", tls=test_ca)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def module_sink(tmp_path_factory):
    """A plain-HTTP sink shared by the tests of one module."""
    server = start_sink(tmp_path_factory.mktemp("sink"))
    yield server
    server.stop()


class RiposteFactory:
    """Starts `riposte serve` processes and checks, on teardown, that each stopped cleanly."""

    def __init__(self, directory):
        self.directory = directory
        self.servers = []

    def __call__(self, config, args=()):
        server = harness.RiposteServer(
            self.directory / ("riposte-%d" % len(self.servers)), config, args
        )
        self.servers.append(server)
        server.start()
        return server

    def stop_all(self):
        problems = []
        for server in self.servers:
            for problem in server.stop():
                problems.append("%s: %s" % (server.workdir.name, problem))
        assert not problems, "\n".join(problems)


@pytest.fixture
def riposte(tmp_path, riposte_bin, plugin_dir):
    """riposte(config_dict, args=()) -> harness.RiposteServer, already listening.

    On teardown every server still running gets SIGTERM and must exit 0 with
    no sanitizer report in its stderr; a test that stops a server itself
    checks what RiposteServer.stop() returns.
    """
    factory = RiposteFactory(tmp_path)
    yield factory
    factory.stop_all()


@pytest.fixture(scope="module")
def module_riposte(tmp_path_factory, riposte_bin, plugin_dir):
    """The same factory, for servers shared by the tests of one module."""
    factory = RiposteFactory(tmp_path_factory.mktemp("riposte"))
    yield factory
    factory.stop_all()
