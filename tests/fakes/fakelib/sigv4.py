"""SigV4 header signatures, checked the way AWS checks them.

The signature is recomputed with botocore's own signer over a request rebuilt
from what arrived: the headers the client listed in SignedHeaders (and only
those, as the server sees them), the decoded query re-encoded by the SigV4
rules, the body, and the client's own X-Amz-Date. So a client is held to
exactly what botocore would have produced for the same request.
"""

import datetime
import re
from dataclasses import dataclass

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

ALGORITHM = "AWS4-HMAC-SHA256"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_SKEW = datetime.timedelta(minutes=15)

_AMZ_DATE_RE = re.compile(r"\d{8}T\d{6}Z")
_PART_RE = re.compile(r"\s*(Credential|SignedHeaders|Signature)=([^,\s]*)\s*")


class MalformedAuthorization(ValueError):
    """The Authorization header cannot be read; the text says why."""


@dataclass
class Authorization:
    access_key_id: str
    date: str  # yyyymmdd from the credential scope
    region: str
    service: str
    terminator: str
    signed_headers: list  # lower-case names, as listed
    signature: str


def algorithm_of(header_value):
    return header_value.strip().split(" ", 1)[0]


def parse_authorization(header_value):
    """Reads `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`."""
    algorithm, _, rest = header_value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise MalformedAuthorization("unsupported algorithm %r" % algorithm)
    parts = {}
    for piece in rest.split(","):
        match = _PART_RE.fullmatch(piece)
        if not match:
            raise MalformedAuthorization("cannot read %r" % piece.strip())
        parts[match.group(1)] = match.group(2)
    for name in ("Credential", "SignedHeaders", "Signature"):
        if not parts.get(name):
            raise MalformedAuthorization("Authorization header requires '%s' parameter" % name)
    scope = parts["Credential"].split("/")
    if len(scope) != 5 or not all(scope):
        raise MalformedAuthorization(
            "the Credential is mal-formed; expecting "
            '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request"'
        )
    return Authorization(
        access_key_id=scope[0],
        date=scope[1],
        region=scope[2],
        service=scope[3],
        terminator=scope[4],
        signed_headers=parts["SignedHeaders"].split(";"),
        signature=parts["Signature"],
    )


def parse_amz_date(text):
    """The X-Amz-Date value as an aware datetime, or None when it is not one."""
    if not isinstance(text, str) or not _AMZ_DATE_RE.fullmatch(text):
        return None
    try:
        return datetime.datetime.strptime(text, AMZ_DATE_FORMAT).replace(
            tzinfo=datetime.timezone.utc
        )
    except (TypeError, ValueError):
        return None


class _SignedAsArrived:
    """Signs exactly the headers the client listed, with the values that arrived."""

    signed_pairs = ()

    def headers_to_sign(self, request):
        headers = HTTPHeaders()
        for name, value in self.signed_pairs:
            headers[name.lower()] = value
        return headers


class _ServiceSigner(_SignedAsArrived, SigV4Auth):
    pass


class _S3Signer(_SignedAsArrived, S3SigV4Auth):
    pass


@dataclass
class Computed:
    signature: str
    canonical_request: str
    string_to_sign: str


def compute(request, auth, secret, amz_date, s3):
    """The signature AWS would expect for `request` (a httpbase.Request)."""
    signer_class = _S3Signer if s3 else _ServiceSigner
    signer = signer_class(Credentials(auth.access_key_id, secret), auth.service, auth.region)
    listed = set(auth.signed_headers)
    signer.signed_pairs = [(n, v) for n, v in request.headers if n.lower() in listed]

    host = request.header("Host") or ""
    aws_request = AWSRequest(
        method=request.method,
        url="http://%s%s" % (host, request.path),
        headers={n: v for n, v in request.headers},
        data=request.body,
    )
    aws_request.params = request.query_pairs()
    aws_request.context["timestamp"] = amz_date

    canonical = signer.canonical_request(aws_request)
    string_to_sign = signer.string_to_sign(aws_request, canonical)
    return Computed(signer.signature(string_to_sign, aws_request), canonical, string_to_sign)
