#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into OUT/<target>/.

Seeds come from the shared test corpus (SNS messages, GuardDuty findings, the SigV4 test
suite's requests), from examples/*.yaml, and from a few requests, patterns and templates
written here to reach what those files do not. Targets that take two JSON texts get them
separated by a NUL byte (tests/fuzz/fuzz_support.h).

The SNS seeds include envelopes signed by a test signing certificate, made (once) in the
--sns-pki folder with tests/fakes/sns_signer.py; fuzz_sns_envelope trusts that folder.

usage: seed_corpus.py --corpus DIR --examples DIR --out DIR --sns-pki DIR
"""

import argparse
import datetime
import json
import pathlib
import re
import sys

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fakes"))
try:
    import sns_signer  # tests/fakes is not a package; it needs python3-cryptography
except ImportError as missing:
    sns_signer = None
    SIGNER_MISSING = str(missing)

SEP = b"\0"


def write(out, target, name, data):
    folder = out / target
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    (folder / safe).write_bytes(data if isinstance(data, bytes) else data.encode())


def compact(value):
    return json.dumps(value, separators=(",", ":")).encode()


def crlf_request(raw):
    """A SigV4 suite .req (LF line ends, no final blank line) as a request a server accepts."""
    text = raw.decode("utf-8", "replace").replace("\r\n", "\n")
    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    if body:
        lines.append("Content-Length: %d" % len(body.encode()))
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def http_request(method, path, headers=(), body=b"", version="HTTP/1.1"):
    lines = ["%s %s %s" % (method, path, version), "Host: riposte.example"]
    lines += list(headers)
    if body and not any(h.lower().startswith("transfer-encoding") for h in headers):
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def chunked(body):
    half = len(body) // 2
    parts = [body[:half], body[half:]]
    out = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts if p)
    return out + b"0\r\nX-Trailer: yes\r\n\r\n"


def http_seeds(out, corpus):
    sns_body = b'{"Type":"Notification","MessageId":"m-1","Message":"{}"}'
    for req in sorted((corpus / "sigv4").rglob("*.req")):
        write(out, "fuzz_http_request", "sigv4-raw-" + req.stem, req.read_bytes())
        write(out, "fuzz_http_request", "sigv4-" + req.stem, crlf_request(req.read_bytes()))
    for http in sorted((corpus / "sns").glob("*.http")):
        raw = http.read_bytes()
        write(out, "fuzz_http_request", "sns-" + http.stem, raw)
        write(
            out,
            "fuzz_http_request",
            "sns-later-" + http.stem,
            raw.replace(b"POST / ", b"POST /sns ", 1),
        )
        write(out, "fuzz_http_request", "sns-pipelined-" + http.stem, raw + raw)
    seeds = {
        "healthz": http_request("GET", "/healthz"),
        "head-healthz": http_request("HEAD", "/healthz"),
        "status-204": http_request("GET", "/status?204"),
        "status-304": http_request("GET", "/status?304"),
        "status-out-of-range": http_request("GET", "/status?99"),
        "not-found": http_request("GET", "/nowhere?x=1"),
        "wrong-method": http_request("DELETE", "/healthz"),
        "echo": http_request("POST", "/", ["Content-Type: application/json"], sns_body),
        "echo-chunked": http_request(
            "POST",
            "/",
            ["Transfer-Encoding: chunked", "Content-Type: text/plain"],
            chunked(sns_body),
        ),
        "later-chunked": http_request(
            "POST", "/sns", ["Transfer-Encoding: chunked"], chunked(sns_body)
        ),
        "expect-continue": http_request("POST", "/sns", ["Expect: 100-continue"], sns_body),
        "expect-too-big": http_request(
            "POST", "/", ["Expect: 100-continue", "Content-Length: 999999"]
        ),
        "http10-keep-alive": http_request(
            "GET", "/healthz", ["Connection: keep-alive"], version="HTTP/1.0"
        )
        + http_request("GET", "/healthz", version="HTTP/1.0"),
        "connection-close": http_request("GET", "/healthz", ["Connection: close"])
        + http_request("GET", "/healthz"),
        "no-host": b"GET /healthz HTTP/1.1\r\n\r\n",
        "two-hosts": http_request("GET", "/healthz", ["Host: other.example"]),
        "pipelined-mix": http_request("POST", "/sns", [], sns_body)
        + http_request("GET", "/status?500")
        + http_request("POST", "/", [], b"x" * 100),
        "header-too-big": http_request("GET", "/healthz", ["X-Big: " + "a" * 5000]),
        "body-too-big": http_request("POST", "/", [], b"b" * 5000),
        "both-lengths": http_request(
            "POST", "/", ["Transfer-Encoding: chunked", "Content-Length: 4"], b"0\r\n\r\n"
        ),
    }
    for name, data in seeds.items():
        write(out, "fuzz_http_request", name, data)


# Must stay equal to tests/fuzz/fuzz_sns_envelope.c: the verifier there checks as of CHECK_TIME
# and holds the test signing certificate for CERT_URL.
CHECK_TIME = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
CERT_STEM = "SimpleNotificationService-f22f0b6c9e2a4c1d8a7b3e5f60718293"
CERT_URL = "https://sns.us-east-1.amazonaws.com/" + CERT_STEM + ".pem"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:riposte-fuzz"


def test_pki(pki):
    """The test CA and signing certificate, made once per build directory; the key's path."""
    key = pki / (CERT_STEM + ".key")
    if not key.exists() or not (pki / "ca.pem").exists():
        day = datetime.timedelta(days=1)
        ca = sns_signer.make_ca(
            str(pki), not_before=CHECK_TIME - 365 * day, not_after=CHECK_TIME + 3650 * day
        )
        sns_signer.make_cert(
            str(pki),
            ca,
            not_before=CHECK_TIME - day,
            not_after=CHECK_TIME + 30 * day,
            stem=CERT_STEM,
        )
    return str(key)


def signed_sns_seeds(out, corpus, pki):
    if sns_signer is None:
        print(f"seed_corpus: no signed SNS seeds ({SIGNER_MISSING})", file=sys.stderr)
        return
    key = test_pki(pki)
    finding = next(iter(sorted((corpus / "guardduty" / "eventbridge").glob("*.json"))), None)
    message = compact(json.loads(finding.read_bytes())).decode() if finding else '{"detail":{}}'
    when = CHECK_TIME - datetime.timedelta(minutes=1)
    for type_ in sns_signer.TYPES:
        envelope = sns_signer.make_envelope(
            type_,
            TOPIC_ARN,
            CERT_URL,
            when=when,
            message=message if type_ == "Notification" else None,
            subject="fuzz" if type_ == "Notification" else None,
        )
        for version in ("1", "2"):
            signed = sns_signer.sign(envelope, key, version)
            write(
                out, "fuzz_sns_envelope", f"signed-{type_}-v{version}", json.dumps(signed, indent=2)
            )


def sns_seeds(out, corpus):
    for path in sorted((corpus / "sns").glob("*.json")):
        write(out, "fuzz_sns_envelope", path.stem, path.read_bytes())
        envelope = json.loads(path.read_bytes())
        if envelope.get("Type") == "Notification":
            finding = next(
                iter(sorted((corpus / "guardduty" / "eventbridge").glob("*.json"))), None
            )
            if finding is not None:
                envelope["Message"] = finding.read_text()
                write(out, "fuzz_sns_envelope", path.stem + "-finding", compact(envelope))


def events(corpus, count):
    found = sorted((corpus / "guardduty" / "eventbridge").glob("*.json"))
    return [json.loads(p.read_bytes()) for p in found[:count]]


def example_rules(examples):
    for path in sorted(examples.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text()) or {}
        for rule in doc.get("rules") or []:
            yield path.stem, rule


HAND_PATTERNS = [
    {"source": ["aws.guardduty"], "detail": {"severity": [{"numeric": [">=", 7, "<", 9]}]}},
    {"detail": {"type": [{"prefix": "Policy:S3/"}, {"suffix": ".B"}]}},
    {"detail": {"type": [{"wildcard": "*S3/Bucket*Access*"}]}},
    {"region": [{"anything-but": ["us-east-1", "eu-west-1"]}]},
    {"region": [{"anything-but": {"prefix": "cn-"}}]},
    {"detail": {"service": {"archived": [False]}, "accountId": [{"exists": True}]}},
    {"detail": {"resource": {"instanceDetails": {"imageId": [{"exists": False}]}}}},
    {"detail-type": [{"equals-ignore-case": "guardduty finding"}]},
    {
        "detail": {
            "service": {
                "action": {
                    "networkConnectionAction": {
                        "remoteIpDetails": {
                            "ipAddressV4": [{"cidr": "198.51.100.0/24"}, "10.0.0.1"]
                        }
                    }
                }
            }
        }
    },
    {"$or": [{"detail": {"severity": [8]}}, {"source": [{"exactly": "aws.guardduty"}]}]},
    {"resources": [None], "version": ["0"], "detail": {"severity": [2.0, 5, 8.0e0]}},
    {"detail": {"type": [{"prefix": {"equals-ignore-case": "policy:"}}]}},
]

HAND_TEMPLATES = [
    "{{ .event.detail.severity }}",
    {"summary": "GuardDuty {{ .event.detail.type }} in {{ .event.region }}", "n": 3},
    {
        "list": ["{{ .event.resources }}", "{{ .steps.earlier.id }}", "plain"],
        "nested": {"a": [True, None]},
    },
    {"obj": "{{ {a: .event.account, b: [.event.detail.severity]} }}"},
    {"text": '{{ "}}" }} and {{ .event["detail-type"] # a comment }}'},
    {"steps": '{{ .["steps"].earlier.detail.id }} {{ $__loc__ }} {{ .run.id }}'},
    {"fails": '{{ error("no") }}', "empty": "{{ empty }}", "many": "{{ 1, 2 }}"},
    {"env": "{{ env }} {{ $ENV }}", "halt": "{{ halt }}"},
    "no template at all",
    {"unclosed": "{{ .event", "empty": "{{ }}"},
]


def pattern_seeds(out, corpus, examples):
    evs = events(corpus, 6)
    patterns = [
        (f"{stem}-{rule.get('name')}", rule.get("pattern"))
        for stem, rule in example_rules(examples)
    ]
    patterns += [(f"hand-{i}", p) for i, p in enumerate(HAND_PATTERNS)]
    for name, pattern in patterns:
        write(out, "fuzz_pattern", name + "-alone", compact(pattern))
        for i, event in enumerate(evs):
            write(out, "fuzz_pattern", f"{name}-event{i}", compact(pattern) + SEP + compact(event))


def template_seeds(out, corpus, examples):
    event = events(corpus, 1)
    event_text = compact(event[0]) if event else b"{}"
    withs = []
    for stem, rule in example_rules(examples):
        for i, step in enumerate(rule.get("steps") or []):
            withs.append((f"{stem}-{rule.get('name')}-{i}", step.get("with")))
    withs += [(f"hand-{i}", w) for i, w in enumerate(HAND_TEMPLATES)]
    for name, with_ in withs:
        write(out, "fuzz_template", name, compact(with_) + SEP + event_text)
        write(out, "fuzz_template", name + "-no-event", compact(with_))


def without_templates(value):
    if isinstance(value, str):
        return value.replace("{{", "(").replace("}}", ")")
    if isinstance(value, list):
        return [without_templates(v) for v in value]
    if isinstance(value, dict):
        return {k: without_templates(v) for k, v in value.items()}
    return value


def config_seeds(out, examples):
    for path in sorted(examples.glob("*.yaml")):
        text = path.read_bytes()
        doc = yaml.safe_load(text)
        write(out, "fuzz_config", path.name, text)
        write(out, "fuzz_config", path.stem + ".json", json.dumps(doc, indent=1).encode())
        write(out, "fuzz_config", path.stem + "-no-templates.json", compact(without_templates(doc)))
    write(
        out,
        "fuzz_config",
        "anchors.yaml",
        b"a: &x {b: [1, 0x1f, 0o17, 1.5e3, ~, true]}\nc: *x\nd: !!str 12\n",
    )
    write(out, "fuzz_config", "refused.yaml", b"a: .inf\nb: 0123\n<<: {c: 1}\nd: !custom x\n")
    write(out, "fuzz_config", "keys.json", b'{"a.b": {"[0]": ["x", {"\\"q\\"": null}]}, "": 1}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=pathlib.Path, required=True)
    parser.add_argument("--examples", type=pathlib.Path, required=True)
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument(
        "--sns-pki",
        type=pathlib.Path,
        required=True,
        help="folder for the test CA and SNS signing certificate",
    )
    args = parser.parse_args()

    http_seeds(args.out, args.corpus)
    sns_seeds(args.out, args.corpus)
    signed_sns_seeds(args.out, args.corpus, args.sns_pki)
    pattern_seeds(args.out, args.corpus, args.examples)
    template_seeds(args.out, args.corpus, args.examples)
    config_seeds(args.out, args.examples)


if __name__ == "__main__":
    main()
