"""SNS signature verification, end to end: `riposte serve` with verification on.

A test PKI from tests/fakes/sns_signer.py stands in for Amazon's: its CA is
trusted through trusted_ca_files, and the HTTPS sink (whose own server
certificate comes from the harness test CA) serves the signing certificates
at /SimpleNotificationService-<hex>.pem, its host:port being allowed through
extra_cert_hosts. Every refusal is checked for its status, for the fetches it
caused (or must not cause) and for the runs it must not start.
"""

import datetime
import http.client
import json
import re
import secrets
import sys
import threading
import time
import uuid

import pytest

import harness

sys.path.insert(0, str(harness.REPO_ROOT / "tests" / "fakes"))
import sns_signer  # noqa: E402

ACCOUNT = "123456789012"
ARN = "arn:aws:sns:us-east-1:%s:guardduty-findings" % ACCOUNT
OTHER_ARN = "arn:aws:sns:us-east-1:%s:guardduty-other" % ACCOUNT
STRANGER_ARN = "arn:aws:sns:us-east-1:999999999999:guardduty-findings"
ANY_PATH = "/sns/any-topic"
RUN_TYPE = "Riposte:Test/Verified"
QUIET_TYPE = "Riposte:Test/Quiet"
MAX_AGE_S = 300


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """The trusted SNS test CA and a CA nobody trusts."""
    directory = tmp_path_factory.mktemp("sns-pki")
    trusted = sns_signer.make_ca(directory / "trusted")
    untrusted = sns_signer.make_ca(directory / "untrusted", "riposte untrusted CA")
    return {"dir": directory, "ca": trusted, "untrusted": untrusted}


@pytest.fixture(scope="module")
def cert_sink(tmp_path_factory, test_ca):
    sink = harness.SinkProcess(tmp_path_factory.mktemp("cert-sink"), tls=test_ca)
    sink.start()
    yield sink
    sink.stop()


def verifying_source(name, path, pki, test_ca, cert_sink, **settings):
    source = {
        "name": name,
        "type": "sns",
        "path": path,
        "trusted_ca_files": [pki["ca"].cert_path, str(test_ca.ca_cert)],
        "extra_cert_hosts": ["127.0.0.1:%d" % cert_sink.port],
        "max_age_seconds": MAX_AGE_S,
    }
    source.update(settings)
    return source


@pytest.fixture(scope="module")
def server(module_riposte, module_sink, cert_sink, pki, test_ca):
    """Source guardduty accepts only this account's guardduty-* topics; any-topic takes all."""
    sources = [
        verifying_source(
            "guardduty",
            harness.SOURCE_PATH,
            pki,
            test_ca,
            cert_sink,
            topics=["arn:aws:sns:us-east-1:%s:guardduty-*" % ACCOUNT],
        ),
        verifying_source("any-topic", ANY_PATH, pki, test_ca, cert_sink),
    ]
    step = harness.http_step("notify", module_sink.url + "/run", {"id": "{{ .event.detail.id }}"})
    rules = [
        harness.rule("verified", harness.detail_type_pattern(RUN_TYPE), [step]),
        harness.rule("anything", {"source": [{"exists": True}]}, [step], source="any-topic"),
    ]
    config = harness.make_config(harness.free_port(), rules, sources=sources)
    return module_riposte(config)


@pytest.fixture(scope="module")
def cached_leaf(server, module_sink, cert_sink, pki):
    """A signing certificate riposte has fetched and cached: using it costs no request."""
    leaf = new_leaf(pki)
    cert_sink.clear()
    serve(cert_sink, leaf)
    envelope, event = notification(cert_url(cert_sink, leaf), leaf)
    resp = server.post_sns(envelope)
    assert resp.status == 200, resp.text
    cert_sink.wait_for(1, path=leaf.url_path)
    module_sink.wait_for(1, path="/run")
    return leaf


@pytest.fixture(autouse=True)
def clean_sinks(module_sink, cert_sink):
    module_sink.clear()
    cert_sink.clear()


def new_leaf(pki, **kwargs):
    return sns_signer.make_cert(pki["dir"] / "leaves", pki["ca"], **kwargs)


def serve(cert_sink, issued, count=1):
    """The next `count` requests to the cert sink get issued's PEM, whatever their path."""
    cert_sink.fail_next(
        status=200,
        count=count,
        body=issued.cert_pem.decode(),
        headers={"Content-Type": "application/x-pem-file"},
    )


def cert_url(cert_sink, issued):
    return "https://127.0.0.1:%d%s" % (cert_sink.port, issued.url_path)


def hex_stem():
    return "SimpleNotificationService-" + secrets.token_hex(16)


def notification(url, key, version=1, arn=ARN, detail_type=RUN_TYPE, subject=None, when=None):
    """A signed Notification whose event runs the `verified` rule; returns (envelope, event)."""
    event = harness.small_event(detail_type, region="us-east-1", account=ACCOUNT)
    unsigned = sns_signer.make_envelope(
        "Notification", arn, url, message=json.dumps(event), subject=subject, when=when
    )
    return sns_signer.sign(unsigned, key, version), event


def confirmation(url, key, subscribe_url, msg_type="SubscriptionConfirmation", arn=ARN):
    unsigned = sns_signer.make_envelope(msg_type, arn, url, subscribe_url=subscribe_url)
    return sns_signer.sign(unsigned, key, 1)


def subscribe_url(cert_sink, path="/confirm"):
    return "https://127.0.0.1:%d%s?Action=ConfirmSubscription&TopicArn=%s&Token=%s" % (
        cert_sink.port,
        path,
        ARN,
        secrets.token_hex(8),
    )


def run_ids(sink):
    return [json.loads(r["body"])["id"] for r in sink.requests() if r["path"] == "/run"]


def assert_no_run(server, module_sink, cached_leaf, cert_sink):
    """A good message runs after the refused ones; with one worker, theirs would have run first."""
    envelope, event = notification(cert_url(cert_sink, cached_leaf), cached_leaf)
    resp = server.post_sns(envelope)
    assert resp.status == 200, resp.text
    module_sink.wait_for(1, path="/run")
    assert run_ids(module_sink) == [event["detail"]["id"]]


def assert_refused(resp, status=403):
    assert resp.status == status, (resp.status, resp.text)
    assert "error" in resp.json(), resp.text
    return resp.json()["error"]


def cert_requests(cert_sink):
    return [r for r in cert_sink.requests() if r["path"].startswith("/SimpleNotificationService-")]


# --- what SNS really sends is taken ---------------------------------------------------------------


@pytest.mark.parametrize("version", [1, 2])
def test_signed_notification_runs_and_fetches_its_certificate_once(
    server, module_sink, cert_sink, pki, version
):
    leaf = new_leaf(pki)
    serve(cert_sink, leaf, count=3)
    envelope, event = notification(cert_url(cert_sink, leaf), leaf, version=version)

    resp = server.post_sns(envelope)

    assert resp.status == 200, resp.text
    assert resp.json()["runs"] == 1
    [run] = module_sink.wait_for(1, path="/run")
    assert json.loads(run["body"]) == {"id": event["detail"]["id"]}
    again, _ = notification(cert_url(cert_sink, leaf), leaf, version=version)
    assert server.post_sns(again).status == 200
    module_sink.wait_for(2, path="/run")
    [fetch] = cert_requests(cert_sink)
    assert (fetch["method"], fetch["path"]) == ("GET", leaf.url_path)


def test_signed_notification_with_subject_runs(server, module_sink, cert_sink, cached_leaf):
    envelope, event = notification(
        cert_url(cert_sink, cached_leaf), cached_leaf, version=2, subject="GuardDuty finding"
    )
    assert server.post_sns(envelope).status == 200
    module_sink.wait_for(1, path="/run")
    assert run_ids(module_sink) == [event["detail"]["id"]]
    assert cert_sink.requests() == []


def test_signed_subscription_confirmation_gets_its_subscribe_url(
    server, module_sink, cert_sink, cached_leaf
):
    url = subscribe_url(cert_sink)
    envelope = confirmation(cert_url(cert_sink, cached_leaf), cached_leaf, url)

    resp = server.post_sns(envelope)

    assert resp.status == 200, resp.text
    [got] = cert_sink.requests()
    assert got["method"] == "GET"
    assert got["path"] == url.split(str(cert_sink.port), 1)[1]
    assert module_sink.requests() == []


def test_subscribe_url_redirect_is_not_followed(server, module_sink, cert_sink, cached_leaf):
    elsewhere = "https://127.0.0.1:%d/redirected" % cert_sink.port
    cert_sink.fail_next(status=302, headers={"Location": elsewhere})
    url = subscribe_url(cert_sink)
    envelope = confirmation(cert_url(cert_sink, cached_leaf), cached_leaf, url)

    assert_refused(server.post_sns(envelope), status=502)

    assert [r["path"].split("?")[0] for r in cert_sink.requests()] == ["/confirm"]


def test_certificate_url_redirect_is_not_followed(server, module_sink, cert_sink, cached_leaf, pki):
    leaf = new_leaf(pki)
    cert_sink.fail_next(
        status=301, headers={"Location": "https://127.0.0.1:%d/moved.pem" % cert_sink.port}
    )
    envelope, _ = notification(cert_url(cert_sink, leaf), leaf)

    assert_refused(server.post_sns(envelope), status=503)

    assert [r["path"] for r in cert_sink.requests()] == [leaf.url_path]
    assert_no_run(server, module_sink, cached_leaf, cert_sink)


def test_signed_unsubscribe_confirmation_is_noted_and_fetches_nothing(
    server, module_sink, cert_sink, cached_leaf
):
    envelope = confirmation(
        cert_url(cert_sink, cached_leaf),
        cached_leaf,
        subscribe_url(cert_sink),
        msg_type="UnsubscribeConfirmation",
    )
    resp = server.post_sns(envelope)
    assert resp.status == 200, resp.text
    assert cert_sink.requests() == []
    assert module_sink.requests() == []


# --- a message changed after signing --------------------------------------------------------------


def alter_message(env):
    event = json.loads(env["Message"])
    event["detail"]["severity"] = 8
    env["Message"] = json.dumps(event)


def alter_timestamp(env):
    sent = datetime.datetime.fromisoformat(env["Timestamp"].replace("Z", "+00:00"))
    env["Timestamp"] = sns_signer.timestamp(sent - datetime.timedelta(seconds=1))


TAMPERINGS = {
    "message": alter_message,
    "subject": lambda env: env.update(Subject="Nothing to see"),
    "subject-added": lambda env: env.update(Subject="Nothing to see"),
    "subject-removed": lambda env: env.pop("Subject"),
    "timestamp": alter_timestamp,
    "topic-arn": lambda env: env.update(TopicArn=OTHER_ARN),
    "message-id": lambda env: env.update(MessageId=str(uuid.uuid4())),
}


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("field", sorted(TAMPERINGS))
def test_field_changed_after_signing_is_refused(
    server, module_sink, cert_sink, cached_leaf, field, version
):
    subject = None if field == "subject-added" else "GuardDuty finding"
    envelope, _ = notification(
        cert_url(cert_sink, cached_leaf), cached_leaf, version=version, subject=subject
    )
    TAMPERINGS[field](envelope)

    reason = assert_refused(server.post_sns(envelope))

    assert "signature" in reason.lower()
    assert_no_run(server, module_sink, cached_leaf, cert_sink)


def test_type_changed_to_subscription_confirmation_is_refused_and_fetches_nothing(
    server, module_sink, cert_sink, cached_leaf
):
    envelope = confirmation(
        cert_url(cert_sink, cached_leaf),
        cached_leaf,
        subscribe_url(cert_sink),
        msg_type="UnsubscribeConfirmation",
    )
    envelope["Type"] = "SubscriptionConfirmation"

    assert_refused(server.post_sns(envelope))

    assert cert_sink.requests() == []
    assert module_sink.requests() == []


# --- signatures that are not what their version says ----------------------------------------------


SIGNATURES = {
    "v1-with-sha256": dict(version="1", digest="sha256"),
    "v2-with-sha1": dict(version="2", digest="sha1"),
    "version-3": dict(version="3"),
}


@pytest.mark.parametrize("case", sorted(SIGNATURES))
def test_signature_of_the_wrong_kind_is_refused(server, module_sink, cert_sink, cached_leaf, case):
    unsigned, _ = notification(cert_url(cert_sink, cached_leaf), cached_leaf)
    envelope = sns_signer.sign(unsigned, cached_leaf, **SIGNATURES[case])

    assert_refused(server.post_sns(envelope))

    assert_no_run(server, module_sink, cached_leaf, cert_sink)
    assert cert_sink.requests() == []


@pytest.mark.parametrize(
    "signature",
    ["not base64 at all!", "AAAA AAAA", "QUJD\nREVG", "QUJDRA=", "QQ==QUJD"],
    ids=["text", "space", "newline", "bad-padding", "padding-inside"],
)
def test_signature_that_is_not_base64_is_refused(
    server, module_sink, cert_sink, cached_leaf, signature
):
    envelope, _ = notification(cert_url(cert_sink, cached_leaf), cached_leaf)
    envelope["Signature"] = signature

    assert "base64" in assert_refused(server.post_sns(envelope))

    assert_no_run(server, module_sink, cached_leaf, cert_sink)


def test_signature_by_another_key_is_refused(server, module_sink, cert_sink, cached_leaf, pki):
    impostor = new_leaf(pki)
    unsigned, _ = notification(cert_url(cert_sink, cached_leaf), cached_leaf)
    envelope = sns_signer.sign(unsigned, impostor)

    assert "signature" in assert_refused(server.post_sns(envelope)).lower()

    assert_no_run(server, module_sink, cached_leaf, cert_sink)


# --- certificate URLs that must not be fetched ----------------------------------------------------

# {tls}: the cert sink's port, allowed by extra_cert_hosts; {plain}: the plain sink's; {stem}: a
# fresh SimpleNotificationService-<hex> whose certificate the cert sink stands ready to serve.
CERT_URLS = {
    "http": "http://127.0.0.1:{tls}/{stem}.pem",
    "another-port": "https://127.0.0.1:{plain}/{stem}.pem",
    "sns-host-other-port": "https://sns.us-east-1.amazonaws.com:8443/{stem}.pem",
    "userinfo": "https://user:secret@127.0.0.1:{tls}/{stem}.pem",
    "user-only": "https://user@127.0.0.1:{tls}/{stem}.pem",
    "suffix-host": "https://sns.us-east-1.amazonaws.com.example.com/{stem}.pem",
    "host-in-path": "https://example.com/sns.us-east-1.amazonaws.com/{stem}.pem",
    "path-not-pem": "https://127.0.0.1:{tls}/{stem}.pem.txt",
    "path-crt": "https://127.0.0.1:{tls}/{stem}.crt",
    "path-not-root": "https://127.0.0.1:{tls}/certs/{stem}.pem",
    "query": "https://127.0.0.1:{tls}/{stem}.pem?version=1",
    "fragment": "https://127.0.0.1:{tls}/{stem}.pem#x",
    "s3-bucket": "https://s3.amazonaws.com/bucket/{stem}.pem",
    "s3-region-host": "https://sns.s3-ap-southeast-2.amazonaws.com/{stem}.pem",
    "other-region": "https://sns.us-west-2.amazonaws.com/{stem}.pem",
    "upper-case-scheme-http": "HTTP://127.0.0.1:{tls}/{stem}.pem",
}


@pytest.mark.parametrize("case", sorted(CERT_URLS))
def test_certificate_url_outside_the_rule_is_refused_without_a_fetch(
    server, module_sink, cert_sink, cached_leaf, pki, case
):
    stem = hex_stem()
    leaf = sns_signer.make_cert(pki["dir"] / "leaves", pki["ca"], stem=stem)
    serve(cert_sink, leaf)
    url = CERT_URLS[case].format(tls=cert_sink.port, plain=module_sink.port, stem=stem)
    envelope, _ = notification(url, leaf)

    reason = assert_refused(server.post_sns(envelope))

    assert "SigningCertURL" in reason
    assert cert_sink.requests() == []
    assert_no_run(server, module_sink, cached_leaf, cert_sink)


# --- certificates that must not be believed -------------------------------------------------------


def other_name(pki):
    return new_leaf(pki, cn="www.example.com")


def expired(pki):
    now = datetime.datetime.now(datetime.timezone.utc)
    return new_leaf(
        pki,
        not_before=now - datetime.timedelta(days=60),
        not_after=now - datetime.timedelta(days=30),
    )


def not_yet_valid(pki):
    now = datetime.datetime.now(datetime.timezone.utc)
    return new_leaf(pki, not_before=now + datetime.timedelta(days=1))


def self_signed(pki):
    return sns_signer.make_ca(pki["dir"] / "self", "sns.amazonaws.com", stem=hex_stem())


def untrusted_issuer(pki):
    return sns_signer.make_cert(pki["dir"] / "leaves", pki["untrusted"])


def small_key(pki):
    return new_leaf(pki, bits=1024)


CERTIFICATES = {
    "other-name": other_name,
    "expired": expired,
    "not-yet-valid": not_yet_valid,
    "self-signed": self_signed,
    "untrusted-issuer": untrusted_issuer,
    "rsa-1024": small_key,
}


@pytest.mark.parametrize("case", sorted(CERTIFICATES))
def test_bad_signing_certificate_is_refused(server, module_sink, cert_sink, cached_leaf, pki, case):
    bad = CERTIFICATES[case](pki)
    serve(cert_sink, bad, count=3)
    envelope, _ = notification(cert_url(cert_sink, bad), bad)

    assert_refused(server.post_sns(envelope))

    # Fetched once, and the refusal remembered: a second message costs no request.
    again, _ = notification(cert_url(cert_sink, bad), bad)
    assert_refused(server.post_sns(again))
    assert [r["path"] for r in cert_requests(cert_sink)] == [bad.url_path]
    assert_no_run(server, module_sink, cached_leaf, cert_sink)


def test_certificate_url_answering_an_error_is_a_temporary_failure(
    server, module_sink, cert_sink, cached_leaf, pki
):
    leaf = new_leaf(pki)
    cert_sink.fail_next(status=500, count=3)
    envelope, _ = notification(cert_url(cert_sink, leaf), leaf)

    # SNS delivers again after a 5xx; a 403 would lose the message for good.
    assert_refused(server.post_sns(envelope), status=503)

    assert [r["path"] for r in cert_requests(cert_sink)] == [leaf.url_path]
    assert_no_run(server, module_sink, cached_leaf, cert_sink)


# --- topics and age -------------------------------------------------------------------------------


def test_signed_notification_from_another_topic_is_refused_without_a_fetch(
    server, module_sink, cert_sink, cached_leaf, pki
):
    leaf = new_leaf(pki)
    serve(cert_sink, leaf)
    envelope, _ = notification(cert_url(cert_sink, leaf), leaf, arn=STRANGER_ARN)

    assert "topic" in assert_refused(server.post_sns(envelope))

    assert cert_sink.requests() == []
    assert_no_run(server, module_sink, cached_leaf, cert_sink)
    # The operator can see who sent it and from which topic.
    line = server.wait_for_log(r"sns message refused: topic not accepted.*" + re.escape(STRANGER_ARN))
    assert re.search(r"peer=127\.0\.0\.1:\d+", line)
    assert "source=guardduty" in line


def test_signed_subscription_from_another_topic_fetches_nothing(
    server, module_sink, cert_sink, pki
):
    leaf = new_leaf(pki)
    serve(cert_sink, leaf)
    envelope = confirmation(
        cert_url(cert_sink, leaf), leaf, subscribe_url(cert_sink), arn=STRANGER_ARN
    )

    assert "topic" in assert_refused(server.post_sns(envelope))

    assert cert_sink.requests() == []
    assert module_sink.requests() == []


@pytest.mark.parametrize("age_s", [MAX_AGE_S + 120, 86400 * 3])
def test_signed_message_older_than_max_age_is_refused(
    server, module_sink, cert_sink, cached_leaf, age_s
):
    sent = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=age_s)
    envelope, _ = notification(cert_url(cert_sink, cached_leaf), cached_leaf, when=sent)

    assert "older" in assert_refused(server.post_sns(envelope))

    assert_no_run(server, module_sink, cached_leaf, cert_sink)


def test_signed_message_from_the_future_is_refused(server, module_sink, cert_sink, cached_leaf):
    sent = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    envelope, _ = notification(cert_url(cert_sink, cached_leaf), cached_leaf, when=sent)

    assert_refused(server.post_sns(envelope))

    assert_no_run(server, module_sink, cached_leaf, cert_sink)


# --- a forged subscription must not make riposte reach anywhere -----------------------------------


FORGED_TARGETS = {
    "metadata": "http://169.254.169.254/latest/meta-data/",
    "allowed-host": "https://127.0.0.1:{tls}/x",
    "plain-sink": "http://127.0.0.1:{plain}/latest/meta-data/",
}


def unsigned(envelope, cached_leaf):
    envelope.pop("Signature")
    return envelope


def empty_signature(envelope, cached_leaf):
    envelope["Signature"] = ""
    return envelope


def wrong_key(envelope, cached_leaf):
    """Signed, but the signature is not over this SubscribeURL."""
    forged = sns_signer.sign(dict(envelope, SubscribeURL="https://example.com/"), cached_leaf)
    envelope["Signature"] = forged["Signature"]
    return envelope


FORGERIES = {"unsigned": unsigned, "empty-signature": empty_signature, "other-url": wrong_key}


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
@pytest.mark.parametrize("target", sorted(FORGED_TARGETS))
def test_forged_subscription_confirmation_makes_no_request(
    server, module_sink, cert_sink, cached_leaf, forgery, target
):
    url = FORGED_TARGETS[target].format(tls=cert_sink.port, plain=module_sink.port)
    envelope = confirmation(cert_url(cert_sink, cached_leaf), cached_leaf, url)
    envelope = FORGERIES[forgery](envelope, cached_leaf)

    assert_refused(server.post_sns(envelope))

    assert cert_sink.requests() == []
    assert module_sink.requests() == []


# --- a flood --------------------------------------------------------------------------------------


def post_all(port, envelopes, statuses):
    """POSTs the envelopes on one keep-alive connection, keeping each answer's status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for envelope in envelopes:
            conn.request(
                "POST",
                harness.SOURCE_PATH,
                body=json.dumps(envelope),
                headers=harness.sns_headers(envelope),
            )
            resp = conn.getresponse()
            resp.read()
            statuses.append(resp.status)
    finally:
        conn.close()


def test_thousand_messages_with_one_certificate_make_one_fetch(server, cert_sink, pki):
    leaf = new_leaf(pki)
    # Enough answers for every fetch a missing cache would make early on, so each would count.
    serve(cert_sink, leaf, count=50)
    url = cert_url(cert_sink, leaf)
    envelopes = [
        notification(url, leaf, version=1 + i % 2, detail_type=QUIET_TYPE)[0] for i in range(1000)
    ]
    assert len({e["MessageId"] for e in envelopes}) == 1000
    statuses = [[] for _ in range(4)]
    threads = [
        threading.Thread(target=post_all, args=(server.port, envelopes[i::4], statuses[i]))
        for i in range(4)
    ]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    answered = [status for part in statuses for status in part]
    assert len(answered) == 1000
    assert set(answered) == {200}
    assert [r["path"] for r in cert_requests(cert_sink)] == [leaf.url_path]


# --- real messages from SNS -----------------------------------------------------------------------


def corpus_messages():
    return sorted((harness.corpus_dir() / "sns").glob("*.json"))


@pytest.mark.parametrize("path", corpus_messages(), ids=lambda p: p.stem)
def test_real_sns_message_with_an_expired_certificate_is_refused(
    server, module_sink, cert_sink, cached_leaf, path
):
    envelope = json.loads(path.read_text())

    resp = harness.post_sns(server.url, ANY_PATH, envelope, body=path.read_text())

    assert resp.status in (403, 503), (resp.status, resp.text)
    assert cert_sink.requests() == []
    assert_no_run(server, module_sink, cached_leaf, cert_sink)


def test_corpus_holds_real_sns_messages(corpus):
    """The parametrized test above must not pass by having nothing to send."""
    found = corpus_messages()
    assert len(found) >= 4, found
    types = {json.loads(p.read_text())["Type"] for p in found}
    assert {"Notification", "SubscriptionConfirmation"} <= types


def test_at_most_four_certificates_are_fetched_at_once(server, module_sink, cert_sink, pki):
    """Unsigned posts can name new certificate URLs at will: fetches are bounded per source."""
    leaves = [new_leaf(pki) for _ in range(5)]
    # Every fetch answers slowly, with the first leaf's certificate.
    cert_sink.fail_next(status=200, count=5, body=leaves[0].cert_pem.decode(), delay_ms=2000)
    envelopes = [notification(cert_url(cert_sink, leaf), leaf)[0] for leaf in leaves]
    answers = {}

    def post(i):
        answers[i] = server.post_sns(envelopes[i])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    cert_sink.wait_for(4)
    started = time.monotonic()
    fifth = server.post_sns(envelopes[4])
    waited = time.monotonic() - started
    for thread in threads:
        thread.join()

    assert fifth.status == 503, fifth.text
    assert "too many signing certificates" in fifth.json()["error"]
    assert waited < 1.5, "the fifth answer waited %.1fs for the others' fetches" % waited
    # The four fetched ones were checked: the first verifies, the others were signed by
    # keys whose certificates the slow sink never served.
    assert [answers[i].status for i in range(4)] == [200, 403, 403, 403]
    assert len(cert_requests(cert_sink)) == 4
