"""The test helpers themselves: the sink, the test CA, the SNS envelopes.

These run without the riposte binary, so a broken helper shows up as itself
rather than as a puzzling failure of a test of the server.
"""

import json
import socket
import ssl
import subprocess
import time

import pytest

import harness


def test_sink_records_method_path_headers_and_body(sink):
    resp = harness.http_request(
        "POST", sink.url + "/hook?x=1", body='{"a": 1}', headers={"X-Test": "yes"}
    )
    assert resp.status == 200
    assert resp.json() == {"ok": True}

    [got] = sink.wait_for(1)
    assert got["method"] == "POST"
    assert got["path"] == "/hook?x=1"
    assert got["headers"]["x-test"] == "yes"
    assert json.loads(got["body"]) == {"a": 1}


def test_sink_control_paths_are_not_recorded_and_clear_resets(sink):
    harness.http_request("GET", sink.url + "/one")
    harness.http_request("PUT", sink.url + "/two", body="x")
    assert [r["path"] for r in sink.requests()] == ["/one", "/two"]
    assert [r["seq"] for r in sink.requests()] == [1, 2]

    sink.clear()
    assert sink.requests() == []


def test_sink_scripted_failures_apply_to_the_next_requests_only(sink):
    sink.fail_next(status=503, count=2, headers={"Retry-After": "1"}, body="busy")
    answers = [harness.http_request("POST", sink.url + "/h", body="x") for _ in range(3)]

    assert [a.status for a in answers] == [503, 503, 200]
    assert answers[0].headers["retry-after"] == "1"
    assert answers[0].body == b"busy"
    assert len(sink.requests()) == 3


def test_sink_scripted_redirect_and_delay(sink):
    sink.fail_next(status=302, count=1, headers={"Location": "/elsewhere"}, delay_ms=300)
    started = time.monotonic()
    resp = harness.http_request("GET", sink.url + "/start")

    assert resp.status == 302
    assert resp.headers["location"] == "/elsewhere"
    assert time.monotonic() - started >= 0.3
    assert [r["path"] for r in sink.requests()] == ["/start"]


def test_sink_rejects_a_bad_script(sink):
    resp = harness.http_request("POST", sink.url + "/__fail", body='{"status": 42}')
    assert resp.status == 400
    assert "status" in resp.json()["error"]


def test_sink_reads_chunked_bodies_and_keeps_connections_alive(sink):
    with harness.raw_connection(sink.port) as sock:
        sock.sendall(
            b"POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        )
        first = harness.read_http_response(sock)
        sock.sendall(b"GET /second HTTP/1.1\r\nHost: x\r\n\r\n")
        second = harness.read_http_response(sock)

    assert (first.status, second.status) == (200, 200)
    assert [(r["path"], r["body"]) for r in sink.requests()] == [
        ("/chunked", "hello world"),
        ("/second", ""),
    ]


def test_sink_wait_for_reports_what_arrived(sink):
    harness.http_request("GET", sink.url + "/only")
    with pytest.raises(AssertionError, match="got 1 of 2"):
        sink.wait_for(2, timeout=0.3)
    assert len(sink.wait_for(1, path="/only")) == 1


def test_test_ca_leaf_verifies_for_127_0_0_1_and_localhost(test_ca):
    result = subprocess.run(
        ["openssl", "verify", "-CAfile", str(test_ca.ca_cert), "-x509_strict", str(test_ca.cert)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    text = subprocess.run(
        ["openssl", "x509", "-in", str(test_ca.cert), "-noout", "-ext", "subjectAltName"],
        capture_output=True,
        text=True,
    ).stdout
    assert "IP Address:127.0.0.1" in text
    assert "DNS:localhost" in text


def test_tls_sink_is_trusted_only_through_the_test_ca(tls_sink, test_ca):
    assert tls_sink.url.startswith("https://127.0.0.1:")
    resp = harness.http_request(
        "GET", tls_sink.url + "/confirm?Token=t", ssl_context=test_ca.client_context()
    )
    assert resp.status == 200

    with pytest.raises(ssl.SSLCertVerificationError):
        harness.http_request(
            "GET", tls_sink.url + "/untrusted", ssl_context=ssl.create_default_context()
        )

    assert [(r["method"], r["path"]) for r in tls_sink.requests()] == [("GET", "/confirm?Token=t")]


def test_tls_sink_survives_a_client_that_never_handshakes(tls_sink, test_ca):
    with socket.create_connection(("127.0.0.1", tls_sink.port)):
        resp = harness.http_request(
            "GET", tls_sink.url + "/after", ssl_context=test_ca.client_context()
        )
    assert resp.status == 200


def test_sns_envelope_matches_the_real_shape(corpus):
    real = json.loads((corpus / "sns" / "java-v2-notification-sv2.json").read_text())
    event = json.loads(
        (
            corpus / "guardduty" / "eventbridge" / "Policy_S3_BucketAnonymousAccessGranted.json"
        ).read_text()
    )
    envelope = harness.sns_envelope(event)

    assert set(envelope) == set(real)
    assert envelope["Type"] == "Notification"
    assert json.loads(envelope["Message"]) == event
    assert envelope["TopicArn"] == "arn:aws:sns:us-east-2:973743533182:guardduty-findings"
    assert envelope["SigningCertURL"].startswith("https://sns.us-east-2.amazonaws.com/")
    assert len(envelope["Timestamp"]) == len(real["Timestamp"])
    assert envelope["Timestamp"].endswith("Z")
    assert envelope["MessageId"] != harness.sns_envelope(event)["MessageId"]


def test_subscription_envelope_matches_the_real_shape(corpus):
    real = json.loads((corpus / "sns" / "java-v2-subscription-confirmation-sv1.json").read_text())
    envelope = harness.sns_envelope(
        msg_type="SubscriptionConfirmation",
        arn=real["TopicArn"],
        subscribe_url="https://127.0.0.1:1/confirm",
    )
    assert set(envelope) == set(real)
    assert harness.sns_headers(envelope)["x-amz-sns-message-type"] == "SubscriptionConfirmation"


def test_sns_timestamp_format():
    import datetime

    when = datetime.datetime(2026, 12, 3, 16, 51, 12, 123456, tzinfo=datetime.timezone.utc)
    assert harness.sns_timestamp(when) == "2026-12-03T16:51:12.123Z"


def test_sanitizer_lines_are_found():
    log = (
        "ok\n==1==ERROR: AddressSanitizer: heap-use-after-free\nx.c:3:4: runtime error: overflow\n"
    )
    assert len(harness.sanitizer_lines(log)) == 2
    assert harness.sanitizer_lines("listening on 127.0.0.1:1\n") == []


def test_listening_line_is_recognised_in_text_and_json_logs():
    text = "2026-12-03T16:51:12.123Z info  listening on 127.0.0.1:18080 workers=4"
    as_json = json.dumps({"time": "t", "level": "info", "msg": "listening on 127.0.0.1:18080"})
    for line in (text, as_json):
        match = harness.LISTENING_RE.search(line)
        assert match and match.group(1) == "127.0.0.1" and match.group(2) == "18080"
