"""`riposte serve` as a process: signals, in-flight work, log format, failing steps."""

import json
import signal
import time

import pytest

import harness

BARRIER_TYPE = "Riposte:Test/Barrier"


def notify_rule(sink, detail_type="Riposte:Test/Serve", path="/hook"):
    return harness.rule(
        "notify",
        harness.detail_type_pattern(detail_type),
        [harness.http_step("notify", sink.url + path, {"id": "{{ .event.detail.id }}"})],
    )


def barrier_rule(sink):
    return harness.rule(
        "barrier",
        harness.detail_type_pattern(BARRIER_TYPE),
        [harness.http_step("mark", sink.url + "/barrier", {"id": "{{ .event.detail.id }}"})],
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_cleanly(riposte, sink, sig):
    server = riposte(harness.make_config(harness.free_port(), [notify_rule(sink)]))
    assert server.request("GET", "/healthz").status == 200

    problems = server.stop(sig=sig)

    assert problems == []
    assert server.exit_code == 0


def test_sigterm_waits_for_the_step_in_flight(riposte, sink):
    server = riposte(harness.make_config(harness.free_port(), [notify_rule(sink)]))
    sink.fail_next(status=200, count=1, delay_ms=2000)
    event = harness.small_event("Riposte:Test/Serve")

    assert server.post_sns(harness.sns_envelope(event)).status == 200
    sink.wait_for(1, path="/hook")
    stopped = time.monotonic()
    problems = server.stop()
    elapsed = time.monotonic() - stopped

    assert problems == []
    assert elapsed >= 1.0, "exited %.2fs after SIGTERM, before the sink had answered" % elapsed


def test_json_log_format_writes_one_object_per_line(riposte, sink):
    server = riposte(
        harness.make_config(harness.free_port(), [notify_rule(sink)]), args=["--log-format", "json"]
    )
    event = harness.small_event("Riposte:Test/Serve")
    assert server.post_sns(harness.sns_envelope(event)).status == 200
    sink.wait_for(1, path="/hook")

    assert server.stop() == []

    lines = [line for line in server.log().splitlines() if line.strip()]
    assert lines
    for line in lines:
        record = json.loads(line)
        assert isinstance(record, dict)
        assert {"time", "level", "msg"} <= set(record), line
    assert any("listening on" in json.loads(line)["msg"] for line in lines)


def failing_then_notify_rule(sink, continue_on_error):
    refused = "http://127.0.0.1:%d/nothing-listens-here" % harness.free_port()
    first = harness.http_step("broken", refused, {"x": 1}, timeout=2)
    first["continue_on_error"] = continue_on_error
    second = harness.http_step("after", sink.url + "/after", {"id": "{{ .event.detail.id }}"})
    return harness.rule(
        "two-steps", harness.detail_type_pattern("Riposte:Test/Serve"), [first, second]
    )


def test_failed_step_stops_the_run(riposte, sink):
    rules = [failing_then_notify_rule(sink, continue_on_error=False), barrier_rule(sink)]
    server = riposte(harness.make_config(harness.free_port(), rules, workers=1))

    assert (
        server.post_sns(harness.sns_envelope(harness.small_event("Riposte:Test/Serve"))).status
        == 200
    )
    assert server.post_sns(harness.sns_envelope(harness.small_event(BARRIER_TYPE))).status == 200

    sink.wait_for(1, path="/barrier", timeout=60)
    assert [r["path"] for r in sink.requests()] == ["/barrier"]


def test_continue_on_error_runs_the_next_step(riposte, sink):
    rules = [failing_then_notify_rule(sink, continue_on_error=True)]
    server = riposte(harness.make_config(harness.free_port(), rules, workers=1))
    event = harness.small_event("Riposte:Test/Serve")

    assert server.post_sns(harness.sns_envelope(event)).status == 200

    [got] = sink.wait_for(1, path="/after", timeout=60)
    assert json.loads(got["body"]) == {"id": event["detail"]["id"]}


def test_full_queue_answers_503_so_sns_retries(riposte, sink):
    config = harness.make_config(harness.free_port(), [notify_rule(sink)])
    config["queue_limit"] = 1
    server = riposte(config)
    sink.fail_next(status=200, count=3, delay_ms=1500)

    first = server.post_sns(harness.sns_envelope(harness.small_event("Riposte:Test/Serve")))
    assert first.status == 200
    sink.wait_for(1, path="/hook")
    queued = server.post_sns(harness.sns_envelope(harness.small_event("Riposte:Test/Serve")))
    refused = server.post_sns(harness.sns_envelope(harness.small_event("Riposte:Test/Serve")))

    assert queued.status == 200
    assert refused.status == 503
    assert "the queue is full" in json.loads(refused.body)["error"]
    sink.wait_for(2, path="/hook")
    assert server.stop() == []


def test_second_signal_exits_at_once_naming_the_runs_left(riposte, sink):
    config = harness.make_config(harness.free_port(), [notify_rule(sink)])
    server = riposte(config)
    sink.fail_next(status=200, count=3, delay_ms=5000)
    events = [harness.small_event("Riposte:Test/Serve") for _ in range(2)]
    for event in events:
        assert server.post_sns(harness.sns_envelope(event)).status == 200
    sink.wait_for(1, path="/hook")

    server.proc.send_signal(signal.SIGTERM)
    server.wait_for_log(r"finishing the runs in flight")
    server.proc.send_signal(signal.SIGTERM)
    server.proc.wait(timeout=10)
    server.exit_code = server.proc.returncode
    server.proc = None

    log = server.log()
    assert server.exit_code == 1
    assert "exiting with 2 runs unfinished" in log
    assert log.count("run abandoned at exit") == 2
    assert "state=running" in log and "state=queued" in log
    assert harness.sanitizer_lines(log) == []


def test_healthz_answers_head(riposte):
    server = riposte(harness.make_config(harness.free_port(), []))
    response = server.request("HEAD", "/healthz")
    assert response.status == 200


def test_insecure_skip_verify_warns_at_start_and_on_every_message(riposte, sink):
    server = riposte(harness.make_config(harness.free_port(), [notify_rule(sink)]))
    assert "insecure_skip_verify is set" in server.log()

    for _ in range(2):
        event = harness.small_event("Riposte:Test/Serve")
        assert server.post_sns(harness.sns_envelope(event)).status == 200
    sink.wait_for(2, path="/hook")

    assert server.log().count("message not verified (insecure_skip_verify)") == 2
