"""Steps that fail transiently are tried again after a backoff; other failures are not."""

import json

import harness

EVENT_TYPE = "Riposte:Test/Retry"


def retrying_rule(sink):
    step = harness.http_step("notify", sink.url + "/hook", {"id": "{{ .event.detail.id }}"})
    step["retry"] = {"attempts": 3, "backoff": 0.05, "max_backoff": 0.2}
    return harness.rule("flaky-sink", harness.detail_type_pattern(EVENT_TYPE), [step])


def start(riposte, sink):
    return riposte(harness.make_config(harness.free_port(), [retrying_rule(sink)]))


def post_event(server):
    event = harness.small_event(EVENT_TYPE)
    assert server.post_sns(harness.sns_envelope(event)).status == 200
    return event


def test_transient_failures_are_retried_until_success(riposte, sink):
    server = start(riposte, sink)
    sink.fail_next(status=503, count=2)

    event = post_event(server)

    got = sink.wait_for(3, path="/hook")
    finished = server.wait_for_log(r"run finished .*rule=flaky-sink")
    assert "status=succeeded" in finished
    assert len(got) == 3
    assert all(json.loads(r["body"]) == {"id": event["detail"]["id"]} for r in got)
    retries = [line for line in server.log().splitlines() if "step failed, retrying in" in line]
    assert len(retries) == 2, server.log()
    assert "attempt=1" in retries[0] and "attempt=2" in retries[1]
    assert "step=notify" in retries[0] and "rule=flaky-sink" in retries[0]
    assert server.stop() == []
    assert len(sink.requests()) == 3


def test_attempts_run_out(riposte, sink):
    server = start(riposte, sink)
    sink.fail_next(status=503, count=5)

    post_event(server)

    failed = server.wait_for_log(r"step failed: .*\(after 3 attempts\)")
    assert "rule=flaky-sink" in failed
    assert "status=failed" in server.wait_for_log(r"run finished .*rule=flaky-sink")
    assert server.stop() == []
    assert len(sink.requests()) == 3


def test_permanent_failure_is_not_retried(riposte, sink):
    server = start(riposte, sink)
    sink.fail_next(status=404, count=3)

    post_event(server)

    assert "status=failed" in server.wait_for_log(r"run finished .*rule=flaky-sink")
    assert server.stop() == []
    assert len(sink.requests()) == 1
    assert "retrying" not in server.log()


def test_check_reports_bad_retry_settings(riposte_bin, plugin_dir, tmp_path):
    step = harness.http_step("notify", "http://127.0.0.1:9/hook", {"x": 1})
    step["retry"] = {"attempts": 0, "backoff": "soon", "max_backoff": 5, "jitter": True}
    rule = harness.rule("flaky-sink", harness.detail_type_pattern(EVENT_TYPE), [step])
    config = tmp_path / "retry.json"
    config.write_text(json.dumps(harness.make_config(harness.free_port(), [rule])))

    result = harness.run_cli("check", "--config", config, cwd=tmp_path)

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "rules[0].steps[0].retry.attempts" in output
    assert "rules[0].steps[0].retry.backoff" in output
    assert "rules[0].steps[0].retry.jitter" in output
    assert "rules[0].steps[0].retry.max_backoff" not in output


def test_check_wants_max_backoff_at_least_backoff(riposte_bin, plugin_dir, tmp_path):
    step = harness.http_step("notify", "http://127.0.0.1:9/hook", {"x": 1})
    step["retry"] = {"backoff": 2, "max_backoff": 1}
    rule = harness.rule("flaky-sink", harness.detail_type_pattern(EVENT_TYPE), [step])
    config = tmp_path / "retry.json"
    config.write_text(json.dumps(harness.make_config(harness.free_port(), [rule])))

    result = harness.run_cli("check", "--config", config, cwd=tmp_path)

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "rules[0].steps[0].retry.max_backoff" in output
    assert "must be at least backoff" in output
