"""Every GuardDuty finding in the corpus, through SNS, to a rule and on to the sink."""

import json
import time

import pytest

import harness

EVENT_FILES = harness.guardduty_event_files()
BARRIER_TYPE = "Riposte:Test/Barrier"


def load(path):
    return json.loads(path.read_text())


def resource_field(detail):
    """(jq path, value) of one field that this finding's resource really has."""
    resource = detail["resource"]
    if resource.get("s3BucketDetails"):
        return (
            ".event.detail.resource.s3BucketDetails[0].name",
            resource["s3BucketDetails"][0]["name"],
        )
    if "accessKeyDetails" in resource:
        return (
            ".event.detail.resource.accessKeyDetails.accessKeyId",
            resource["accessKeyDetails"]["accessKeyId"],
        )
    return (
        ".event.detail.resource.instanceDetails.instanceId",
        resource["instanceDetails"]["instanceId"],
    )


def body_templates(event):
    path, _ = resource_field(event["detail"])
    return {
        "type": "{{ .event.detail.type }}",
        "id": "{{ .event.detail.id }}",
        "account": "{{ .event.account }}",
        "region": "{{ .event.region }}",
        "severity": "{{ .event.detail.severity }}",
        "resource_type": "{{ .event.detail.resource.resourceType }}",
        "resource": "{{ %s }}" % path,
        "summary": "GuardDuty {{ .event.detail.type }} in {{ .event.region }}",
    }


def expected_body(event):
    detail = event["detail"]
    _, value = resource_field(detail)
    return {
        "type": detail["type"],
        "id": detail["id"],
        "account": event["account"],
        "region": event["region"],
        "severity": detail["severity"],
        "resource_type": detail["resource"]["resourceType"],
        "resource": value,
        "summary": "GuardDuty %s in %s" % (detail["type"], event["region"]),
    }


def finding_path(index):
    return "/finding/%d" % index


def barrier_rule(sink):
    return harness.rule(
        "barrier",
        harness.detail_type_pattern(BARRIER_TYPE),
        [harness.http_step("mark", sink.url + "/barrier", {"id": "{{ .event.detail.id }}"})],
    )


def pass_barrier(server, sink):
    """With one worker, runs finish in arrival order: once this one is in, all earlier are."""
    event = harness.small_event(BARRIER_TYPE)
    assert server.post_sns(harness.sns_envelope(event)).status == 200
    for request in sink.wait_for(1, path="/barrier"):
        if json.loads(request["body"]) == {"id": event["detail"]["id"]}:
            return
    raise AssertionError("the barrier's own request did not arrive: %s" % sink.requests())


def one_rule_per_finding(sink):
    rules = []
    for index, path in enumerate(EVENT_FILES):
        event = load(path)
        rules.append(
            harness.rule(
                "finding-%d" % index,
                harness.detail_type_pattern(event["detail"]["type"]),
                [
                    harness.http_step(
                        "notify", sink.url + finding_path(index), body_templates(event)
                    )
                ],
            )
        )
    return rules


@pytest.fixture(scope="module")
def corpus_server(module_riposte, module_sink, corpus):
    rules = one_rule_per_finding(module_sink) + [barrier_rule(module_sink)]
    return module_riposte(harness.make_config(harness.free_port(), rules, workers=1))


def test_corpus_is_complete(corpus):
    assert len(EVENT_FILES) == 39
    types = {load(path)["detail"]["type"] for path in EVENT_FILES}
    assert len(types) == 39


@pytest.mark.parametrize("index", range(len(EVENT_FILES)), ids=[p.stem for p in EVENT_FILES])
def test_finding_runs_its_rule_with_rendered_fields(corpus_server, module_sink, index):
    event = load(EVENT_FILES[index])
    module_sink.clear()

    resp = corpus_server.post_sns(harness.sns_envelope(event))
    assert resp.status == 200, resp.text
    assert isinstance(resp.json(), dict)

    [got] = module_sink.wait_for(1, path=finding_path(index))
    assert got["method"] == "POST"
    body = json.loads(got["body"])
    assert body == expected_body(event)
    assert isinstance(body["severity"], (int, float)) and not isinstance(body["severity"], bool)

    pass_barrier(corpus_server, module_sink)
    paths = [r["path"] for r in module_sink.requests()]
    assert paths == [finding_path(index), "/barrier"], "exactly one rule must fire"


def test_raw_delivery(corpus_server, module_sink):
    index = 0
    event = load(EVENT_FILES[index])
    module_sink.clear()

    resp = harness.post_raw_event(corpus_server.url, harness.SOURCE_PATH, event)
    assert resp.status == 200, resp.text

    [got] = module_sink.wait_for(1, path=finding_path(index))
    assert json.loads(got["body"]) == expected_body(event)


def test_unknown_path_is_404(corpus_server, module_sink):
    event = load(EVENT_FILES[0])
    module_sink.clear()

    resp = harness.post_sns(corpus_server.url, "/sns/no-such-source", harness.sns_envelope(event))
    assert resp.status == 404
    assert corpus_server.request("GET", "/no/such/path").status == 404

    pass_barrier(corpus_server, module_sink)
    assert [r["path"] for r in module_sink.requests()] == ["/barrier"]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_wrong_method_on_source_path_is_405(corpus_server, method):
    resp = corpus_server.request(method, harness.SOURCE_PATH)
    assert resp.status == 405


def test_healthz(corpus_server):
    resp = corpus_server.request("GET", "/healthz")
    assert resp.status == 200
    assert isinstance(resp.json(), dict)


def s3_anonymous_finding():
    return load(
        harness.corpus_dir() / "guardduty/eventbridge/Policy_S3_BucketAnonymousAccessGranted.json"
    )


def other_type(event):
    event = json.loads(json.dumps(event))
    event["detail"]["type"] = "Backdoor:EC2/C&CActivity.B"
    return event


def other_source(event):
    event = json.loads(json.dumps(event))
    event["source"] = "aws.securityhub"
    return event


def other_case(event):
    event = json.loads(json.dumps(event))
    event["detail"]["type"] = event["detail"]["type"].lower()
    return event


def other_finding(_):
    return load(harness.corpus_dir() / "guardduty/eventbridge/Backdoor_EC2_C&CActivity.B.json")


@pytest.fixture(scope="module")
def s3_only_server(module_riposte, module_sink, corpus):
    """One rule, for Policy:S3/BucketAnonymousAccessGranted only; one worker."""
    body = {"id": "{{ .event.detail.id }}", "source": "{{ .event.source }}"}
    rules = [
        harness.rule(
            "s3-public",
            harness.detail_type_pattern(s3_anonymous_finding()["detail"]["type"]),
            [harness.http_step("notify", module_sink.url + "/s3", body)],
        )
    ]
    return module_riposte(harness.make_config(harness.free_port(), rules, workers=1))


@pytest.mark.parametrize("variant", [other_finding, other_type, other_source, other_case])
def test_non_matching_finding_fires_nothing(s3_only_server, module_sink, variant):
    matching = s3_anonymous_finding()
    module_sink.clear()

    assert s3_only_server.post_sns(harness.sns_envelope(variant(matching))).status == 200
    assert s3_only_server.post_sns(harness.sns_envelope(matching)).status == 200

    [got] = module_sink.wait_for(1)
    assert json.loads(got["body"]) == {"id": matching["detail"]["id"], "source": "aws.guardduty"}
    # One worker runs in arrival order, so a wrong run would already be in; the
    # pause only gives a misbehaving server some slack to show it.
    time.sleep(0.3)
    assert len(module_sink.requests()) == 1


def test_burst_of_all_findings_with_four_workers(riposte, sink, corpus):
    server = riposte(
        harness.make_config(harness.free_port(), one_rule_per_finding(sink), workers=4)
    )
    events = [load(path) for path in EVENT_FILES]

    for event in events:
        assert server.post_sns(harness.sns_envelope(event)).status == 200

    sink.wait_for(len(events), timeout=60)
    time.sleep(0.3)
    got = sink.requests()
    assert len(got) == len(events)
    received = {r["path"]: json.loads(r["body"]) for r in got}
    assert received == {finding_path(i): expected_body(e) for i, e in enumerate(events)}
