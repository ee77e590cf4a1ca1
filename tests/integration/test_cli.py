"""The command line: usage, `check`, `simulate`, `plugins`, and `serve --dry-run`."""

import json
import re
import time

import pytest

import harness

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2
S3_FINDING = "guardduty/eventbridge/Policy_S3_BucketAnonymousAccessGranted.json"
OTHER_FINDING = "guardduty/eventbridge/Recon_EC2_Portscan.json"
PROBLEM_RE = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<path>[^\s:]+): (?P<message>.+)$")


def output_of(result):
    return result.stdout + result.stderr


# ---------------------------------------------------------------- usage


def test_version(riposte_bin):
    result = harness.run_cli("--version")
    assert result.returncode == EXIT_OK, output_of(result)
    assert re.search(r"\briposte\b.*\b\d+\.\d+\.\d+\b", result.stdout)


@pytest.mark.parametrize(
    "args, words",
    [
        (["--help"], ["serve", "check", "simulate", "plugins"]),
        (["serve", "--help"], ["--config", "--dry-run", "--log-format"]),
        (["check", "--help"], ["--config"]),
        (["simulate", "--help"], ["--config", "--event", "--sns"]),
        (["plugins", "--help"], ["--config"]),
    ],
    ids=["top", "serve", "check", "simulate", "plugins"],
)
def test_help(riposte_bin, args, words):
    result = harness.run_cli(*args)
    assert result.returncode == EXIT_OK, output_of(result)
    for word in words:
        assert word in output_of(result)


@pytest.mark.parametrize(
    "args",
    [
        ["frobnicate"],
        ["--frobnicate"],
        ["serve", "--config", "x.json", "--frobnicate"],
        ["check"],
        ["check", "--config"],
        ["simulate", "--config", "x.json"],
        ["serve", "--config", "x.json", "--log-format", "xml"],
    ],
    ids=[
        "unknown-command",
        "unknown-flag",
        "unknown-serve-flag",
        "check-without-config",
        "config-without-value",
        "simulate-without-event",
        "bad-log-format",
    ],
)
def test_usage_errors_exit_2(riposte_bin, tmp_path, args):
    result = harness.run_cli(*args, cwd=tmp_path)
    assert result.returncode == EXIT_USAGE, output_of(result)
    assert output_of(result).strip(), "a usage error says what was wrong"


# ---------------------------------------------------------------- check


def test_check_quickstart_example(riposte_bin, plugin_dir):
    example = harness.REPO_ROOT / "examples" / "quickstart.yaml"
    if not example.is_file():
        pytest.skip("examples/quickstart.yaml is not written yet")
    result = harness.run_cli("check", "--config", example, cwd=harness.REPO_ROOT)
    assert result.returncode == EXIT_OK, output_of(result)


# Each problem: (key path its report must start with, the broken text, the sound text).
# Every YAML line that belongs to a problem carries a `# @NAME` comment, so the test
# knows which lines a report about it may point at.
PROBLEMS = {
    "pattern-operator": ("rules[0].pattern", "numerix", "numeric"),
    "unknown-action": ("rules[1].steps[0]", "http.fetch", "http.request"),
    "unknown-parameter": ("rules[1].steps[1].with", "colour: red", "timeout_ms: 2000"),
    "missing-required": ("rules[2].steps[0].with", "", "url: http://127.0.0.1:9/a"),
    "template-syntax": (
        "rules[2].steps[1].with",
        "{{ .event.detail.type | }}",
        "{{ .event.detail.type }}",
    ),
}

CONFIG_TEMPLATE = """\
listen:
  address: 127.0.0.1
  port: 18080
workers: 1
plugin_dir: {plugin_dir}
plugins:
  - name: http
credentials: {{}}
sources:
  - name: guardduty
    type: sns
    path: /sns/guardduty
    insecure_skip_verify: true
rules:
  - name: by-severity
    source: guardduty
    pattern:                                     # @pattern-operator
      source: [aws.guardduty]                    # @pattern-operator
      detail:                                    # @pattern-operator
        severity: [{{<pattern-operator>: [">", 5]}}]  # @pattern-operator
    steps:
      - id: notify
        uses: http.request
        with: {{url: "http://127.0.0.1:9/a", method: POST, body: "x"}}
  - name: two-steps
    source: guardduty
    pattern: {{source: [aws.guardduty]}}
    steps:
      - id: first                                # @unknown-action
        uses: <unknown-action>                   # @unknown-action
        with: {{url: "http://127.0.0.1:9/b", method: POST}}
      - id: second
        uses: http.request
        with:                                    # @unknown-parameter
          url: http://127.0.0.1:9/c              # @unknown-parameter
          method: POST                           # @unknown-parameter
          <unknown-parameter>                    # @unknown-parameter
  - name: templated
    source: guardduty
    pattern: {{source: [aws.guardduty]}}
    steps:
      - id: needs_url                            # @missing-required
        uses: http.request                       # @missing-required
        with:                                    # @missing-required
          method: POST                           # @missing-required
          <missing-required>                     # @missing-required
          body: "x"                              # @missing-required
      - id: templated
        uses: http.request
        with:                                    # @template-syntax
          url: http://127.0.0.1:9/d              # @template-syntax
          method: POST                           # @template-syntax
          body: "<template-syntax>"              # @template-syntax
"""


def config_text(plugin_dir, broken):
    text = CONFIG_TEMPLATE.format(plugin_dir=plugin_dir)
    for name, (_, bad, good) in PROBLEMS.items():
        text = text.replace("<%s>" % name, bad if name in broken else good)
    return text


def problem_lines(text, name):
    marker = "# @%s" % name
    return [number for number, line in enumerate(text.splitlines(), 1) if marker in line]


def reported_problems(result):
    found = []
    for line in output_of(result).splitlines():
        match = PROBLEM_RE.match(line)
        if match:
            found.append(match)
    return found


def assert_reported(result, text, config_name, name):
    prefix = PROBLEMS[name][0]
    lines = problem_lines(text, name)
    reports = reported_problems(result)
    for report in reports:
        if (
            report["file"].endswith(config_name)
            and report["path"].startswith(prefix)
            and lines[0] <= int(report["line"]) <= lines[-1]
        ):
            return
    raise AssertionError(
        "no report for %s (key path %s..., lines %d-%d) in:\n%s"
        % (name, prefix, lines[0], lines[-1], output_of(result))
    )


def test_check_sound_config_exits_0(riposte_bin, plugin_dir, tmp_path):
    config = tmp_path / "sound.yaml"
    config.write_text(config_text(plugin_dir, broken=()))

    result = harness.run_cli("check", "--config", config, cwd=tmp_path)

    assert result.returncode == EXIT_OK, output_of(result)
    assert reported_problems(result) == []


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_check_reports_one_problem_with_file_line_and_key_path(
    riposte_bin, plugin_dir, tmp_path, name
):
    config = tmp_path / "broken.yaml"
    text = config_text(plugin_dir, broken=(name,))
    config.write_text(text)

    result = harness.run_cli("check", "--config", config, cwd=tmp_path)

    assert result.returncode == EXIT_INPUT, output_of(result)
    assert_reported(result, text, "broken.yaml", name)
    assert len(reported_problems(result)) == 1, output_of(result)


def test_check_reports_every_problem_not_just_the_first(riposte_bin, plugin_dir, tmp_path):
    config = tmp_path / "broken.yaml"
    text = config_text(plugin_dir, broken=tuple(PROBLEMS))
    config.write_text(text)

    result = harness.run_cli("check", "--config", config, cwd=tmp_path)

    assert result.returncode == EXIT_INPUT, output_of(result)
    for name in PROBLEMS:
        assert_reported(result, text, "broken.yaml", name)


def test_check_yaml_syntax_error_points_at_its_line(riposte_bin, plugin_dir, tmp_path):
    config = tmp_path / "syntax.yaml"
    config.write_text(
        "listen:\n"
        "  address: 127.0.0.1\n"
        "  port: 18080\n"
        "rules:\n"
        "  - name: broken\n"
        "    pattern: {source: [aws.guardduty}\n"
        "    steps: []\n"
    )

    result = harness.run_cli("check", "--config", config, cwd=tmp_path)

    assert result.returncode == EXIT_INPUT, output_of(result)
    assert re.search(r"syntax\.yaml:6:", output_of(result)), output_of(result)


def test_check_missing_file_exits_1(riposte_bin, tmp_path):
    result = harness.run_cli("check", "--config", tmp_path / "absent.yaml", cwd=tmp_path)
    assert result.returncode == EXIT_INPUT, output_of(result)
    assert "absent.yaml" in output_of(result)


# ---------------------------------------------------------------- simulate and plugins


def s3_rule(sink_url="http://127.0.0.1:9/hook", **extra):
    body = {
        "type": "{{ .event.detail.type }}",
        "bucket": "{{ .event.detail.resource.s3BucketDetails[0].name }}",
        "severity": "{{ .event.detail.severity }}",
    }
    return harness.rule(
        "s3-public",
        harness.detail_type_pattern("Policy:S3/BucketAnonymousAccessGranted"),
        [harness.http_step("notify", sink_url, body)],
        **extra,
    )


def write_config(directory, rules, **kwargs):
    path = directory / "riposte.json"
    path.write_text(json.dumps(harness.make_config(harness.free_port(), rules, **kwargs), indent=2))
    return path


def simulate(directory, config, event_document, sns=False):
    event_file = directory / "event.json"
    event_file.write_text(json.dumps(event_document, indent=2))
    args = ["simulate", "--config", config, "--event", event_file] + (["--sns"] if sns else [])
    result = harness.run_cli(*args, cwd=directory)
    assert result.returncode == EXIT_OK, output_of(result)
    return json.loads(result.stdout)


def test_simulate_sns_wrapped_finding_renders_the_bucket(riposte_bin, plugin_dir, corpus, tmp_path):
    event = json.loads((corpus / S3_FINDING).read_text())
    config = write_config(tmp_path, [s3_rule()])

    output = simulate(tmp_path, config, harness.sns_envelope(event), sns=True)

    [match] = output["matches"]
    assert match["rule"] == "s3-public"
    [step] = match["steps"]
    assert step["id"] == "notify"
    assert step["uses"] == "http.request"
    assert step["with"]["url"] == "http://127.0.0.1:9/hook"
    assert step["with"]["body"] == {
        "type": "Policy:S3/BucketAnonymousAccessGranted",
        "bucket": "bucketName",
        "severity": 8,
    }


def test_simulate_non_matching_event_prints_no_matches(riposte_bin, plugin_dir, corpus, tmp_path):
    event = json.loads((corpus / OTHER_FINDING).read_text())
    config = write_config(tmp_path, [s3_rule()])

    assert simulate(tmp_path, config, event) == {"matches": []}


def test_simulate_shows_step_output_templates_unrendered(riposte_bin, plugin_dir, corpus, tmp_path):
    event = json.loads((corpus / S3_FINDING).read_text())
    rule = s3_rule()
    rule["steps"].append(
        harness.http_step(
            "follow_up", "http://127.0.0.1:9/next", {"previous": "{{ .steps.notify.status }}"}
        )
    )
    config = write_config(tmp_path, [rule])

    [match] = simulate(tmp_path, config, event)["matches"]

    first, second = match["steps"]
    assert first["with"]["body"]["bucket"] == "bucketName"
    assert second["id"] == "follow_up"
    assert second["with"]["body"]["previous"] == "{{ .steps.notify.status }}"


def test_simulate_reports_every_matching_rule(riposte_bin, plugin_dir, corpus, tmp_path):
    event = json.loads((corpus / S3_FINDING).read_text())
    any_guardduty = harness.rule(
        "any-guardduty",
        {"source": ["aws.guardduty"], "detail": {"severity": [{"numeric": [">=", 7]}]}},
        [harness.http_step("page", "http://127.0.0.1:9/page", {"id": "{{ .event.detail.id }}"})],
    )
    config = write_config(tmp_path, [s3_rule(), any_guardduty])

    matches = simulate(tmp_path, config, event)["matches"]

    assert sorted(m["rule"] for m in matches) == ["any-guardduty", "s3-public"]


def test_plugins_lists_http_and_its_request_action(riposte_bin, plugin_dir, tmp_path):
    config = write_config(tmp_path, [s3_rule()])

    result = harness.run_cli("plugins", "--config", config, cwd=tmp_path)

    assert result.returncode == EXIT_OK, output_of(result)
    assert re.search(r"\bhttp\b", result.stdout), result.stdout
    assert re.search(r"\brequest\b", result.stdout), result.stdout


# ---------------------------------------------------------------- dry runs


def dry_run_line(step_id):
    return r"(?i)(?=.*dry[ _-]?run)(?=.*\b%s\b)" % re.escape(step_id)


def test_serve_dry_run_sends_nothing_and_logs_the_step(riposte, sink, corpus):
    event = json.loads((corpus / S3_FINDING).read_text())
    config = harness.make_config(harness.free_port(), [s3_rule(sink.url + "/hook")])
    server = riposte(config, args=["--dry-run"])

    assert server.post_sns(harness.sns_envelope(event)).status == 200

    server.wait_for_log(dry_run_line("notify"))
    time.sleep(0.3)
    assert sink.requests() == []


def test_rule_dry_run_sends_nothing_while_other_rules_act(riposte, sink, corpus):
    event = json.loads((corpus / S3_FINDING).read_text())
    barrier = harness.rule(
        "barrier",
        harness.detail_type_pattern("Riposte:Test/Barrier"),
        [harness.http_step("mark", sink.url + "/barrier", {"ok": True})],
    )
    config = harness.make_config(
        harness.free_port(), [s3_rule(sink.url + "/hook", dry_run=True), barrier], workers=1
    )
    server = riposte(config)

    assert server.post_sns(harness.sns_envelope(event)).status == 200
    server.wait_for_log(dry_run_line("notify"))
    barrier_event = harness.small_event("Riposte:Test/Barrier")
    assert server.post_sns(harness.sns_envelope(barrier_event)).status == 200

    sink.wait_for(1, path="/barrier")
    assert [r["path"] for r in sink.requests()] == ["/barrier"]
