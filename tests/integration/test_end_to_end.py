"""The mission end to end: examples/quickstart.yaml, a public-bucket GuardDuty finding
from the corpus as SNS delivers it, the fake S3 locked and the fake Jira ticket kept."""

import json
import sys
import time

import pytest
import yaml

import harness

sys.path.insert(0, str(harness.paths.REPO_ROOT / "tests" / "fakes"))
from fakelib.process import FakeProcess  # noqa: E402

PUBLIC_BUCKET_FINDINGS = [
    "Policy_S3_BucketAnonymousAccessGranted.json",
    "Policy_S3_BucketPublicAccessGranted.json",
    "Policy_S3_BucketBlockPublicAccessDisabled.json",
]
ALL_TRUE = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
FINDING_ACCOUNT = "973743533182"
ROLE_ARN = "arn:aws:iam::%s:role/riposte-responder" % FINDING_ACCOUNT


@pytest.fixture
def fakes(tmp_path):
    aws = FakeProcess("fake_aws.py", tmp_path / "aws").start()
    jira = FakeProcess("fake_jira.py", tmp_path / "jira").start()
    aws.control("POST", "/__buckets", {"name": "bucketName", "account": FINDING_ACCOUNT,
                                       "region": "us-east-2"})
    # Same owner, same region: it must never be touched.
    aws.control("POST", "/__buckets", {"name": "neighbour-bucket", "account": FINDING_ACCOUNT,
                                       "region": "us-east-2"})
    aws.control("POST", "/__roles", {"arn": ROLE_ARN, "trust": ["111111111111"]})
    yield aws, jira
    aws.stop()
    jira.stop()


def quickstart_config(aws, jira, port):
    """examples/quickstart.yaml as it is, pointed at this test's fakes and port."""
    config = yaml.safe_load((harness.paths.REPO_ROOT / "examples" / "quickstart.yaml").read_text())
    config["listen"]["port"] = port
    config["plugin_dir"] = str(harness.plugin_dir())
    config["credentials"]["aws-responder"]["endpoint_url"] = aws.url
    config["credentials"]["jira"]["url"] = jira.url
    return config


def load_finding(corpus, name):
    return json.loads((corpus / "guardduty" / "eventbridge" / name).read_text())


def bucket_block(aws, name):
    for bucket in aws.state()["buckets"]:
        if bucket["name"] == name:
            return bucket.get("public_access_block")
    raise AssertionError("no bucket %s in the fake" % name)


def issues_labelled(jira, label):
    return [i for i in jira.state()["issues"] if label in i["labels"]]


def comment_texts(issue):
    texts = []
    for comment in issue["comments"]:
        body = comment["body"]
        adf = body.get("adf") if isinstance(body, dict) else None
        texts.append(json.dumps(adf) if adf is not None else str(body))
    return texts


def wait_for_run(server, finding_id, count=1, timeout=30):
    """Waits for `count` 'run finished' lines naming the finding; returns them."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [line for line in server.log().splitlines()
                 if "run finished" in line and finding_id in line]
        if len(lines) >= count:
            return lines
        if time.monotonic() > deadline:
            raise AssertionError("no finished run for %s:\n%s" % (finding_id, server.log()[-4000:]))
        time.sleep(0.1)


@pytest.mark.parametrize("name", PUBLIC_BUCKET_FINDINGS)
def test_public_bucket_finding_is_locked_and_ticketed_once(riposte, corpus, fakes, name):
    aws, jira = fakes
    server = riposte(quickstart_config(aws, jira, harness.free_port()))
    finding = load_finding(corpus, name)
    finding_id = finding["detail"]["id"]
    label = "gd-" + finding_id

    assert server.post_sns(harness.sns_envelope(finding)).status == 200
    assert "status=succeeded" in wait_for_run(server, finding_id)[0]

    assert bucket_block(aws, "bucketName") == ALL_TRUE
    assert bucket_block(aws, "neighbour-bucket") is None
    issues = issues_labelled(jira, label)
    assert len(issues) == 1
    texts = comment_texts(issues[0])
    assert len(texts) == 1
    assert "blocked all public access on bucket bucketName" in texts[0]
    assert "RestrictPublicBuckets" in texts[0] and "true" in texts[0]

    s3_calls = [c for c in aws.calls() if c["service"] == "s3"]
    assert {c["path"].split("?")[0].rstrip("/") for c in s3_calls} == {"/bucketName"}
    assert {c["principal"] for c in s3_calls} == {
        "arn:aws:sts::%s:assumed-role/riposte-responder/riposte" % FINDING_ACCOUNT}
    # Only the finding's account may own the bucket S3 is asked about.
    assert {c["headers"].get("x-amz-expected-bucket-owner") for c in s3_calls} == {FINDING_ACCOUNT}
    # Check (absent is a normal answer), act, read back.
    assert [(c["action"], c["status"]) for c in s3_calls] == [
        ("GetPublicAccessBlock", 404), ("PutPublicAccessBlock", 200), ("GetPublicAccessBlock", 200)]

    # SNS delivers again (a new MessageId, the same finding): a comment, no second issue.
    assert server.post_sns(harness.sns_envelope(finding)).status == 200
    assert "status=succeeded" in wait_for_run(server, finding_id, count=2)[1]
    issues = issues_labelled(jira, label)
    assert len(issues) == 1
    texts = comment_texts(issues[0])
    assert len(texts) == 2
    assert "(already)" in texts[1]
    puts = [c for c in aws.calls() if c["action"] == "PutPublicAccessBlock"]
    assert len(puts) == 1


def test_throttling_is_retried_and_logged(riposte, corpus, fakes):
    aws, jira = fakes
    server = riposte(quickstart_config(aws, jira, harness.free_port()))
    aws.control("POST", "/__fail", {"service": "s3", "action": "PutPublicAccessBlock",
                                    "code": "SlowDown", "status": 503, "count": 2})
    jira.control("POST", "/__fail", {"status": 429, "count": 1, "retry_after": 1,
                                     "method": "POST", "path": "/rest/api/3/issue"})
    finding = load_finding(corpus, PUBLIC_BUCKET_FINDINGS[0])

    assert server.post_sns(harness.sns_envelope(finding)).status == 200
    assert "status=succeeded" in wait_for_run(server, finding["detail"]["id"])[0]

    assert bucket_block(aws, "bucketName") == ALL_TRUE
    assert server.log().count("aws call failed, retrying: SlowDown") == 2
    puts = [c for c in aws.calls() if c["action"] == "PutPublicAccessBlock"]
    assert [c["status"] for c in puts] == [503, 503, 200]
    assert len(issues_labelled(jira, "gd-" + finding["detail"]["id"])) == 1


def test_access_denied_fails_the_run_and_the_ticket_says_so(riposte, corpus, fakes):
    aws, jira = fakes
    server = riposte(quickstart_config(aws, jira, harness.free_port()))
    aws.control("POST", "/__fail", {"service": "s3", "action": "PutPublicAccessBlock",
                                    "code": "AccessDenied", "status": 403, "count": 5})
    finding = load_finding(corpus, PUBLIC_BUCKET_FINDINGS[1])

    assert server.post_sns(harness.sns_envelope(finding)).status == 200
    finished = wait_for_run(server, finding["detail"]["id"])[0]

    assert "status=failed" in finished
    assert "access denied" in server.log().lower()
    puts = [c for c in aws.calls() if c["action"] == "PutPublicAccessBlock"]
    assert len(puts) == 1, "a permanent error must not be retried"
    assert bucket_block(aws, "bucketName") is None
    issues = issues_labelled(jira, "gd-" + finding["detail"]["id"])
    assert len(issues) == 1
    texts = comment_texts(issues[0])
    assert len(texts) == 1 and "could NOT block public access" in texts[0]
    assert "AccessDenied" in texts[0] or "access denied" in texts[0].lower()


def test_account_level_finding_locks_nothing(riposte, corpus, fakes):
    aws, jira = fakes
    server = riposte(quickstart_config(aws, jira, harness.free_port()))
    finding = load_finding(corpus, "Policy_S3_AccountBlockPublicAccessDisabled.json")

    answer = server.post_sns(harness.sns_envelope(finding))
    assert answer.status == 200 and answer.json()["runs"] == 0
    assert [c for c in aws.calls() if c["service"] == "s3"] == []
    assert jira.state()["issues"] == []


def test_production_example_is_sound_once_its_secrets_are_set(plugin_dir, tmp_path, monkeypatch):
    config = yaml.safe_load((harness.paths.REPO_ROOT / "examples" / "production.yaml").read_text())
    config["plugin_dir"] = str(plugin_dir)
    path = tmp_path / "production.yaml"
    path.write_text(yaml.safe_dump(config))
    monkeypatch.delenv("JIRA_API_TOKEN", raising=False)
    monkeypatch.delenv("RIPOSTE_EXTERNAL_ID", raising=False)

    unset = harness.run_cli("check", "--config", path)
    assert unset.returncode == 1
    assert "environment variable JIRA_API_TOKEN is not set" in unset.stdout
    assert "environment variable RIPOSTE_EXTERNAL_ID is not set" in unset.stdout
    assert "must be 2 to 1224" not in unset.stdout

    monkeypatch.setenv("JIRA_API_TOKEN", "a-token")
    monkeypatch.setenv("RIPOSTE_EXTERNAL_ID", "riposte-example-external-id")
    sound = harness.run_cli("check", "--config", path)
    assert sound.returncode == 0, sound.stdout + sound.stderr


def test_jira_down_does_not_stop_the_lockdown(riposte, corpus, fakes):
    aws, jira = fakes
    server = riposte(quickstart_config(aws, jira, harness.free_port()))
    jira.control("POST", "/__fail", {"status": 503, "count": 100})
    finding = load_finding(corpus, PUBLIC_BUCKET_FINDINGS[2])

    assert server.post_sns(harness.sns_envelope(finding)).status == 200
    finished = wait_for_run(server, finding["detail"]["id"])[0]

    assert "status=failed" in finished, "the ticket could not be written: the run must say so"
    assert bucket_block(aws, "bucketName") == ALL_TRUE
    assert jira.state()["issues"] == []
