"""The payload integrity headers S3 checks before it looks at a request's body:
x-amz-content-sha256 (on every SigV4 request) and Content-MD5 or one
x-amz-checksum-* header (required by operations such as PutPublicAccessBlock).
Each check raises AwsError with the code and text S3 uses.
"""

import hashlib
import re

from . import checksums
from .awserrors import AwsError

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_PREFIX = "STREAMING-"
_HEX_SHA256_RE = re.compile(r"[0-9a-f]{64}")


def check_content_sha256_header(request):
    """Before the signature: the header must be there and be a hash or a known marker."""
    value = request.header("x-amz-content-sha256")
    if value is None:
        raise AwsError(
            400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256"
        )
    if value.startswith(STREAMING_PREFIX):
        raise AwsError(
            501,
            "NotImplemented",
            "fake_aws does not decode aws-chunked bodies (x-amz-content-sha256: %s)" % value,
        )
    if value != UNSIGNED_PAYLOAD and not _HEX_SHA256_RE.fullmatch(value):
        raise AwsError(
            400,
            "InvalidArgument",
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
            "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, "
            "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.",
            extra=[("ArgumentName", "x-amz-content-sha256"), ("ArgumentValue", value)],
        )


def check_content_sha256_matches(request):
    """After the signature: a signed hash must be the body's."""
    value = request.header("x-amz-content-sha256")
    actual = hashlib.sha256(request.body).hexdigest()
    if value != UNSIGNED_PAYLOAD and value != actual:
        raise AwsError(
            400,
            "XAmzContentSHA256Mismatch",
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            extra=[("ClientComputedContentSHA256", value), ("S3ComputedContentSHA256", actual)],
        )


def check_integrity_headers(request, required):
    """Content-MD5 / x-amz-checksum-*: each one present must match; `required`
    means one of them must be present (httpChecksum requestChecksumRequired)."""
    md5_header = request.header("Content-MD5")
    if md5_header is not None:
        _check_md5(request.body, md5_header)
    # x-amz-checksum-type and -mode are settings, not checksums.
    prefix = "x-amz-checksum-"
    found = sorted(
        n
        for n in request.header_names()
        if n.startswith(prefix) and n[len(prefix) :] in checksums.ALGORITHMS
    )
    declared = request.header("x-amz-sdk-checksum-algorithm")
    if declared is not None:
        if declared.lower() not in checksums.ALGORITHMS:
            raise AwsError(
                400, "InvalidRequest", "Value for x-amz-sdk-checksum-algorithm header is invalid."
            )
        if "x-amz-checksum-" + declared.lower() not in found:
            raise AwsError(
                400,
                "InvalidRequest",
                "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* "
                "or x-amz-trailer headers were found.",
            )
    if len(found) > 1:
        raise AwsError(
            400,
            "InvalidRequest",
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
        )
    for name in found:
        _check_flexible(request.body, name, request.header(name))
    if required and md5_header is None and not found:
        raise AwsError(
            400,
            "InvalidRequest",
            "Missing required header for this request: Content-MD5 OR x-amz-checksum-*",
        )


def _check_md5(body, header_value):
    given = checksums.decode_b64(header_value)
    if given is None or len(given) != 16:
        raise AwsError(400, "InvalidDigest", "The Content-MD5 you specified was invalid.")
    actual = checksums.md5(body)
    if given != actual:
        raise AwsError(
            400,
            "BadDigest",
            "The Content-MD5 you specified did not match what we received.",
            extra=[("ExpectedDigest", given.hex()), ("CalculatedDigest", checksums.b64(actual))],
        )


def _check_flexible(body, header_name, header_value):
    algorithm = header_name[len("x-amz-checksum-") :]
    label, digest = checksums.ALGORITHMS[algorithm]
    actual = digest(body)
    given = checksums.decode_b64(header_value)
    if given is None or len(given) != len(actual):
        raise AwsError(400, "InvalidRequest", "Value for %s header is invalid." % header_name)
    if given != actual:
        raise AwsError(
            400, "BadDigest", "The %s you specified did not match the calculated checksum." % label
        )
