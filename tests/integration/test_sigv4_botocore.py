"""riposte's SigV4 signer against botocore's, on randomized requests.

Each case is signed twice, by botocore (SigV4Auth, or S3SigV4Auth for s3) and
by tests/tools/sigv4_tool, at the same fixed time, and the Authorization
headers must be equal. The tool is given the query as it might be sent
(lower-case hex, some characters left unencoded, a raw space), botocore the
strictly encoded form: the two must canonicalise alike.

Environment:
    RIPOSTE_SIGV4_TOOL  the tool (default <repo>/build-test/tests/sigv4_tool)
"""

import datetime
import json
import os
import pathlib
import random
import string
import subprocess
import types
from unittest import mock
from urllib.parse import quote

import pytest

import harness

botocore_auth = pytest.importorskip("botocore.auth")
botocore_awsrequest = pytest.importorskip("botocore.awsrequest")
botocore_credentials = pytest.importorskip("botocore.credentials")

SEED = 20150830
CASE_COUNT = 200

SERVICES = {
    "s3": ["bucket.s3.us-east-1.amazonaws.com", "s3.eu-west-1.amazonaws.com", "localhost:4566"],
    "iam": ["iam.amazonaws.com"],
    "ec2": ["ec2.eu-west-1.amazonaws.com", "127.0.0.1:8080"],
    "sts": ["sts.us-east-1.amazonaws.com", "sts.amazonaws.com"],
}
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1"]
METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD"]

# Pieces that paths and query components are made of: plain text, text that
# must be encoded, reserved characters and non-ASCII text.
TEXT_PIECES = [
    "a", "Key", "photo.user", "2024", "-", "_", "~", "é", "日本", "\U0001f642",
    " ", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", ":", "@", "%",
    "?", "#", "[", "]", "/",
]
QUERY_KEYS = ["Action", "Version", "a", "b", "Param", "prefix", "é", "x y", "k+1", "list.1", "~z"]
HEADER_NAMES = [
    "Content-Type", "X-Amz-Target", "X-Custom", "x-custom", "X-Amz-Meta-Note", "Accept",
    "Range", "If-Match", "Cache-Control", "X-Amz-Acl",
]
HEADER_VALUES = [
    "application/x-www-form-urlencoded; charset=utf-8", "  padded  value  ",
    '"a   b   c"', "tab\there", "", "   ", "bytes=0-9", "*/*", "private",
    "AmazonSQS.ReceiveMessage",
]
# Characters that are safe to leave unencoded in a query as sent.
LOOSE_QUERY_CHARS = "/:@!*(),;$'"


def tool_path():
    default = harness.REPO_ROOT / "build-test" / "tests" / "sigv4_tool"
    return pathlib.Path(os.environ.get("RIPOSTE_SIGV4_TOOL", default))


@pytest.fixture(scope="module")
def sigv4_tool():
    path = tool_path()
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.skip("sigv4_tool not built at %s (set RIPOSTE_SIGV4_TOOL)" % path)
    return path


def random_text(rng, max_pieces):
    return "".join(rng.choice(TEXT_PIECES) for _ in range(rng.randint(1, max_pieces)))


def random_path(rng):
    """A path as sent: random segments, some empty or dot segments, encoded as botocore would
    (strictly), or with sub-delimiters left as they are (still valid on the wire)."""
    segments = []
    for _ in range(rng.randint(0, 5)):
        roll = rng.random()
        if roll < 0.1:
            segments.append("")
        elif roll < 0.15:
            segments.append(".")
        elif roll < 0.2:
            segments.append("..")
        else:
            segments.append(random_text(rng, 5).replace("/", ""))
    raw = "/" + "/".join(segments) + ("/" if segments and rng.random() < 0.3 else "")
    safe = "/~" if rng.random() < 0.7 else "/~!$&'()*+,;=:@"
    return quote(raw, safe=safe)


def strict(text):
    return quote(text, safe="-_.~")


def loose(rng, text):
    """The same text encoded the way a careless client might: lower-case hex, unreserved
    characters encoded anyway, some characters left raw, a raw space."""
    out = []
    for ch in text:
        roll = rng.random()
        if ch in LOOSE_QUERY_CHARS and roll < 0.5:
            out.append(ch)
        elif ch == " " and roll < 0.5:
            out.append(" ")
        elif ch in "-_.~" or (ch.isascii() and ch.isalnum()):
            out.append(ch if roll < 0.8 else "%%%02X" % ord(ch))
        else:
            escape = quote(ch, safe="")
            out.append(escape.lower() if roll < 0.5 else escape)
    return "".join(out)


def random_query(rng):
    """(as sent to the tool, as given to botocore): the same parameters, with repeated keys,
    empty values and keys without '='."""
    if rng.random() < 0.3:
        return "", ""
    sent, strict_parts = [], []
    for _ in range(rng.randint(1, 6)):
        key = rng.choice(QUERY_KEYS) if rng.random() < 0.7 else random_text(rng, 3)
        roll = rng.random()
        if roll < 0.1:
            sent.append(loose(rng, key))
            strict_parts.append(strict(key))
            continue
        value = "" if roll < 0.25 else random_text(rng, 6)
        sent.append(loose(rng, key) + "=" + loose(rng, value))
        strict_parts.append(strict(key) + "=" + strict(value))
    return "&".join(sent), "&".join(strict_parts)


def random_headers(rng):
    headers = []
    for _ in range(rng.randint(0, 4)):
        headers.append([rng.choice(HEADER_NAMES), rng.choice(HEADER_VALUES)])
    return headers


def random_body(rng):
    return rng.choice([
        "",
        "Action=ListUsers&Version=2010-05-08",
        '{"QueueUrl": "https://sqs.us-east-1.amazonaws.com/1/q", "note": "caf\u00e9"}',
        "".join(rng.choice(string.printable + "éü日") for _ in range(rng.randint(1, 300))),
    ])


def random_word(rng, alphabet, length):
    return "".join(rng.choice(alphabet) for _ in range(length))


def make_cases():
    rng = random.Random(SEED)
    cases = []
    for index in range(CASE_COUNT):
        service = rng.choice(sorted(SERVICES))
        query_sent, query_strict = random_query(rng)
        token = None
        if rng.random() < 0.5:
            token = random_word(rng, string.ascii_letters + string.digits + "/+=", 120)
        cases.append({
            "id": "%03d-%s" % (index, service),
            "method": rng.choice(METHODS),
            "host": rng.choice(SERVICES[service]),
            "path": random_path(rng),
            "query": query_sent,
            "query_strict": query_strict,
            "headers": random_headers(rng),
            "body": random_body(rng),
            "region": rng.choice(REGIONS),
            "service": service,
            "now": rng.randint(1420070400, 1893456000),
            "s3": service == "s3",
            "access_key_id": "AKIA" + random_word(rng, string.ascii_uppercase + string.digits, 16),
            "secret_access_key": random_word(rng, string.ascii_letters + string.digits + "/+", 40),
            "session_token": token,
        })
    return cases


CASES = make_cases()


def botocore_sign(case):
    """Signs with botocore at the case's time; returns (Authorization, canonical request)."""
    fixed = datetime.datetime.utcfromtimestamp(case["now"])

    class FixedDatetime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return fixed

    base = botocore_auth.S3SigV4Auth if case["s3"] else botocore_auth.SigV4Auth

    class Capturing(base):
        def canonical_request(self, request):
            self.captured = super().canonical_request(request)
            return self.captured

    url = "http://" + case["host"] + case["path"]
    if case["query_strict"]:
        url += "?" + case["query_strict"]
    request = botocore_awsrequest.AWSRequest(method=case["method"], url=url,
                                             data=case["body"].encode("utf-8"))
    for name, value in case["headers"]:
        request.headers[name] = value
    credentials = botocore_credentials.Credentials(
        case["access_key_id"], case["secret_access_key"], case["session_token"])
    signer = Capturing(credentials, case["service"], case["region"])
    fixed_clock = types.SimpleNamespace(datetime=FixedDatetime)
    with mock.patch.object(botocore_auth, "datetime", fixed_clock):
        signer.add_auth(request)
    assert request.headers["X-Amz-Date"] == fixed.strftime("%Y%m%dT%H%M%SZ")
    return request.headers["Authorization"], signer.captured


def tool_sign(tool, case):
    request = {key: case[key] for key in (
        "method", "host", "path", "query", "headers", "body", "region", "service", "now", "s3",
        "access_key_id", "secret_access_key", "session_token")}
    done = subprocess.run([str(tool)], input=json.dumps(request).encode(), capture_output=True,
                          timeout=30, check=False)
    assert done.returncode == 0, (done.stdout + done.stderr).decode(errors="replace")
    return json.loads(done.stdout)


def test_cases_cover_what_they_claim():
    """The generator produces the variety the comparison relies on."""
    assert len(CASES) == CASE_COUNT
    assert {c["service"] for c in CASES} == set(SERVICES)
    assert sum(1 for c in CASES if c["session_token"]) > CASE_COUNT // 4
    assert any("//" in c["path"] for c in CASES)
    assert any("/../" in c["path"] or c["path"].endswith("/..") for c in CASES)
    assert any("%F0%9F%99%82" in c["path"] for c in CASES)
    assert any(" " in c["query"] for c in CASES)
    assert any(c["query"] != c["query_strict"] for c in CASES)
    assert any(part and "=" not in part for c in CASES for part in c["query"].split("&"))
    assert any(len({n.lower() for n, _ in c["headers"]}) < len(c["headers"]) for c in CASES)
    assert any(c["body"] for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_authorization_matches_botocore(sigv4_tool, case):
    expected_authorization, expected_creq = botocore_sign(case)
    result = tool_sign(sigv4_tool, case)
    assert result["canonical_request"] == expected_creq
    assert result["authorization"] == expected_authorization
    assert result["amz_date"] == datetime.datetime.utcfromtimestamp(case["now"]).strftime(
        "%Y%m%dT%H%M%SZ")


def test_suite_vector_through_botocore_and_tool(sigv4_tool):
    """get-vanilla of AWS's test suite, to show the fixed clock and both signers are sound."""
    case = {
        "method": "GET", "host": "example.amazonaws.com", "path": "/", "query": "",
        "query_strict": "", "headers": [], "body": "", "region": "us-east-1",
        "service": "service", "now": 1440938160, "s3": False,
        "access_key_id": "AKIDEXAMPLE",
        "secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session_token": None,
    }
    expected = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                "SignedHeaders=host;x-amz-date, "
                "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    assert botocore_sign(case)[0] == expected
    assert tool_sign(sigv4_tool, case)["authorization"] == expected
