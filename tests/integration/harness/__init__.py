"""Helpers for the black-box tests of the riposte binary.

The fixtures in conftest.py are built from these; tests use the plain helpers
(envelopes, requests, configuration builders) as `harness.NAME`.
"""

from .certs import TestCA, make_test_ca
from .config import SOURCE_PATH, detail_type_pattern, http_step, make_config, rule, sns_source
from .httpio import (
    Response,
    free_port,
    http_request,
    peer_closed,
    raw_connection,
    read_http_response,
)
from .paths import (
    REPO_ROOT,
    corpus_dir,
    guardduty_event_files,
    plugin_dir,
    riposte_bin,
)
from .server import LISTENING_RE, RiposteServer, run_cli, sanitizer_lines
from .sinkproc import SinkProcess
from .sns import (
    post_raw_event,
    post_sns,
    small_event,
    sns_envelope,
    sns_headers,
    sns_timestamp,
)

__all__ = [
    "LISTENING_RE",
    "REPO_ROOT",
    "SOURCE_PATH",
    "Response",
    "RiposteServer",
    "SinkProcess",
    "TestCA",
    "corpus_dir",
    "detail_type_pattern",
    "free_port",
    "guardduty_event_files",
    "http_request",
    "http_step",
    "make_config",
    "make_test_ca",
    "peer_closed",
    "plugin_dir",
    "post_raw_event",
    "post_sns",
    "raw_connection",
    "read_http_response",
    "riposte_bin",
    "rule",
    "run_cli",
    "sanitizer_lines",
    "small_event",
    "sns_envelope",
    "sns_headers",
    "sns_source",
    "sns_timestamp",
]
