"""The SNS side of the webhook: subscriptions, unsubscriptions, malformed envelopes."""

import json
import urllib.parse

import pytest

import harness

ARN = "arn:aws:sns:us-east-2:973743533182:guardduty-findings"


@pytest.fixture(scope="module")
def module_tls_sink(tmp_path_factory, test_ca):
    sink = harness.SinkProcess(tmp_path_factory.mktemp("tls-sink"), tls=test_ca)
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def server(module_riposte, module_sink, module_tls_sink, test_ca):
    """Trusts test_ca for SubscribeURL fetches and allows only module_tls_sink's host:port."""
    source = harness.sns_source(
        trusted_ca_files=[str(test_ca.ca_cert)],
        extra_cert_hosts=["127.0.0.1:%d" % module_tls_sink.port],
    )
    rules = [
        harness.rule(
            "everything",
            {"source": ["aws.guardduty"]},
            [
                harness.http_step(
                    "notify", module_sink.url + "/run", {"id": "{{ .event.detail.id }}"}
                )
            ],
        )
    ]
    config = harness.make_config(harness.free_port(), rules, sources=[source], workers=1)
    return module_riposte(config)


@pytest.fixture(autouse=True)
def clean_sinks(module_sink, module_tls_sink):
    module_sink.clear()
    module_tls_sink.clear()


def confirmation(url, msg_type="SubscriptionConfirmation"):
    return harness.sns_envelope(msg_type=msg_type, arn=ARN, subscribe_url=url)


def confirm_url(sink, path, token="abc123"):
    query = urllib.parse.urlencode(
        {"Action": "ConfirmSubscription", "TopicArn": ARN, "Token": token}, safe=":"
    )
    return "%s%s?%s" % (sink.url, path, query)


def split(path):
    parts = urllib.parse.urlsplit(path)
    return parts.path, urllib.parse.parse_qs(parts.query)


def confirm_barrier(server, tls_sink):
    """A confirmation that must be fetched; once it is, earlier messages were handled."""
    resp = server.post_sns(confirmation(confirm_url(tls_sink, "/barrier")))
    assert resp.status == 200, resp.text
    tls_sink.wait_for(1, path="/barrier")
    return [split(r["path"])[0] for r in tls_sink.requests()]


def run_barrier(server, sink):
    """A notification that must run; with one worker, earlier runs came before it."""
    event = harness.small_event("Riposte:Test/Barrier")
    assert server.post_sns(harness.sns_envelope(event)).status == 200
    [got] = sink.wait_for(1, path="/run")
    assert json.loads(got["body"]) == {"id": event["detail"]["id"]}


def test_subscription_confirmation_fetches_subscribe_url(server, module_tls_sink):
    url = confirm_url(module_tls_sink, "/confirm", token="tok-1")

    resp = server.post_sns(confirmation(url))
    assert resp.status == 200, resp.text

    [got] = module_tls_sink.wait_for(1)
    sent = urllib.parse.urlsplit(url)
    assert got["method"] == "GET"
    assert split(got["path"]) == (sent.path, urllib.parse.parse_qs(sent.query))
    assert split(got["path"])[1]["Token"] == ["tok-1"]


def disallowed_urls(tls_sink, other_tls_sink, plain_sink):
    path = "/confirm?Action=ConfirmSubscription&Token=t"
    return {
        "host-not-listed": "https://localhost:%d%s" % (tls_sink.port, path),
        "port-not-listed": "https://127.0.0.1:%d%s" % (other_tls_sink.port, path),
        "plain-http": "http://127.0.0.1:%d%s" % (plain_sink.port, path),
        "not-a-url": "sns.us-east-2.amazonaws.com/?Action=ConfirmSubscription",
    }


@pytest.mark.parametrize("case", ["host-not-listed", "port-not-listed", "plain-http", "not-a-url"])
def test_subscribe_url_not_allowed_is_refused(server, module_tls_sink, tls_sink, module_sink, case):
    url = disallowed_urls(module_tls_sink, tls_sink, module_sink)[case]

    resp = server.post_sns(confirmation(url))
    assert 400 <= resp.status < 500, (resp.status, resp.text)

    assert confirm_barrier(server, module_tls_sink) == ["/barrier"]
    assert tls_sink.requests() == []
    assert module_sink.requests() == []


def test_subscribe_url_redirect_is_not_followed(server, module_tls_sink):
    module_tls_sink.fail_next(status=302, count=1, headers={"Location": "/followed"})

    resp = server.post_sns(confirmation(confirm_url(module_tls_sink, "/redirecting")))
    assert not 200 <= resp.status < 300, "a redirect is not a confirmation"

    assert confirm_barrier(server, module_tls_sink) == ["/redirecting", "/barrier"]
    assert server.request("GET", "/healthz").status == 200


def test_unsubscribe_confirmation_fetches_nothing(server, module_tls_sink):
    envelope = confirmation(confirm_url(module_tls_sink, "/resubscribe"), "UnsubscribeConfirmation")

    resp = server.post_sns(envelope)
    assert resp.status == 200, resp.text

    assert confirm_barrier(server, module_tls_sink) == ["/barrier"]


def test_subscribe_url_with_untrusted_certificate_is_not_fetched(riposte, tmp_path, test_ca):
    """The sink's certificate comes from a CA that riposte was not told to trust."""
    other_ca = harness.make_test_ca(tmp_path / "other-ca")
    untrusted = harness.SinkProcess(tmp_path / "untrusted-sink", tls=other_ca).start()
    try:
        source = harness.sns_source(
            trusted_ca_files=[str(test_ca.ca_cert)],
            extra_cert_hosts=["127.0.0.1:%d" % untrusted.port],
        )
        rules = [
            harness.rule(
                "everything",
                {"source": ["aws.guardduty"]},
                [harness.http_step("notify", untrusted.url + "/run", {"x": 1})],
            )
        ]
        server = riposte(harness.make_config(harness.free_port(), rules, sources=[source]))

        resp = server.post_sns(confirmation(confirm_url(untrusted, "/confirm")))
        assert not 200 <= resp.status < 300, "a confirmation that failed was reported as done"
        assert untrusted.requests() == []
        assert server.request("GET", "/healthz").status == 200
    finally:
        untrusted.stop()


def without(key):
    def change(envelope):
        del envelope[key]
        return envelope

    return change


def with_value(key, value):
    def change(envelope):
        envelope[key] = value
        return envelope

    return change


MALFORMED = {
    "body-not-json": dict(body="this is not JSON {"),
    "body-empty": dict(body=""),
    "body-a-json-array": dict(body="[1, 2, 3]"),
    "message-not-json": dict(change=with_value("Message", "Hello world")),
    "message-truncated-json": dict(change=with_value("Message", '{"source": "aws.guardduty", ')),
    "missing-type": dict(change=without("Type")),
    "missing-message": dict(change=without("Message")),
    "missing-message-id": dict(change=without("MessageId")),
    "missing-topic-arn": dict(change=without("TopicArn")),
    "unknown-type": dict(change=with_value("Type", "Nonsense"), header="Nonsense"),
    "type-not-a-string": dict(change=with_value("Type", 7)),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_envelope_is_400_and_runs_nothing(server, module_sink, case):
    spec = MALFORMED[case]
    envelope = harness.sns_envelope(harness.small_event("Riposte:Test/Malformed"))
    headers = {}
    if "change" in spec:
        envelope = spec["change"](envelope)
    if "header" in spec:
        headers["x-amz-sns-message-type"] = spec["header"]

    resp = server.post_sns(envelope, headers=headers, body=spec.get("body"))

    assert resp.status == 400, (resp.status, resp.text)
    assert isinstance(resp.json(), dict), "the error body must be a JSON object"
    run_barrier(server, module_sink)
    assert len(module_sink.requests()) == 1
