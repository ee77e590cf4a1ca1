"""S3, path style (`/<bucket>?publicAccessBlock`), protocol rest-xml.

Implemented: GetPublicAccessBlock, PutPublicAccessBlock,
DeletePublicAccessBlock and HeadBucket. Anything else answers 501
NotImplemented, so a client calling something unexpected finds out at once.
"""

import urllib.parse
import xml.etree.ElementTree as ET

from . import awsauth, s3checks
from .awserrors import AwsError, render_rest_xml, s3_headers, s3_request_ids
from .awsstate import PAB_FIELDS
from .httpbase import Answer

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
PAB_ACTIONS = {
    "GET": "GetPublicAccessBlock",
    "PUT": "PutPublicAccessBlock",
    "DELETE": "DeletePublicAccessBlock",
}
# The IAM action each operation needs, for AccessDenied messages.
IAM_ACTION = {
    "GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "HeadBucket": "s3:ListBucket",
}


class S3Service:
    name = "s3"

    def __init__(self, state):
        self.state = state

    def identify(self, request):
        """(action or None, bucket or None) for a path-style request."""
        parts = request.path.lstrip("/").split("/", 1)
        bucket = urllib.parse.unquote(parts[0]) or None
        has_key = len(parts) > 1 and parts[1] != ""
        subresources = {name for name, _ in request.query_pairs()}
        if bucket is None or has_key:
            return None, bucket
        if subresources == {"publicAccessBlock"}:
            return PAB_ACTIONS.get(request.method), bucket
        if not subresources and request.method == "HEAD":
            return "HeadBucket", bucket
        return None, bucket

    def allows_anonymous(self, action):
        return False

    def render(self, err):
        return render_rest_xml(err)

    def authenticate(self, request):
        if request.header("Authorization") is not None:
            s3checks.check_content_sha256_header(request)
        try:
            caller = awsauth.authenticate(request, self.state, s3=True)
        except awsauth.AuthFailure as failure:
            raise auth_error(failure) from None
        s3checks.check_content_sha256_matches(request)
        return caller

    def call(self, action, bucket_name, request, caller):
        if action is None:
            raise AwsError(
                501,
                "NotImplemented",
                "fake_aws does not implement this S3 operation: %s %s"
                % (request.method, request.target),
            )
        bucket = self._bucket_for(bucket_name, caller, action, request)
        if action == "HeadBucket":
            return _ok(200, headers=[("x-amz-bucket-region", bucket["region"])])
        if action == "GetPublicAccessBlock":
            return self._get_pab(bucket)
        if action == "PutPublicAccessBlock":
            return self._put_pab(bucket, request)
        return self._delete_pab(bucket)

    def _bucket_for(self, name, caller, action, request):
        with self.state.lock:
            bucket = self.state.buckets.get(name)
            bucket = dict(bucket) if bucket else None
        if bucket is None:
            raise AwsError(
                404, "NoSuchBucket", "The specified bucket does not exist", [("BucketName", name)]
            )
        if caller.region != bucket["region"]:
            raise permanent_redirect(bucket)
        principals = {caller.account, caller.arn, caller.role_arn}
        if principals & set(bucket["deny"]):
            raise AwsError(
                403,
                "AccessDenied",
                'User: %s is not authorized to perform: %s on resource: "arn:aws:s3:::%s" '
                "with an explicit deny in a resource-based policy"
                % (caller.arn, IAM_ACTION[action], name),
            )
        expected_owner = request.header("x-amz-expected-bucket-owner")
        if caller.account != bucket["account"] or expected_owner not in (None, bucket["account"]):
            raise AwsError(403, "AccessDenied", "Access Denied")
        return bucket

    def _get_pab(self, bucket):
        pab = bucket["public_access_block"]
        if pab is None:
            raise AwsError(
                404,
                "NoSuchPublicAccessBlockConfiguration",
                "The public access block configuration was not found",
                [("BucketName", bucket["name"])],
            )
        fields = "".join(
            "<%s>%s</%s>" % (name, "true" if pab[name] else "false", name) for name in PAB_FIELDS
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<PublicAccessBlockConfiguration xmlns="%s">%s</PublicAccessBlockConfiguration>'
            % (
                S3_NS,
                fields,
            )
        )
        return _ok(200, body.encode("utf-8"), [("Content-Type", "application/xml")])

    def _put_pab(self, bucket, request):
        s3checks.check_integrity_headers(request, required=True)
        pab = parse_pab(request.body)
        self._store_pab(bucket["name"], pab)
        return _ok(200)

    def _delete_pab(self, bucket):
        self._store_pab(bucket["name"], None)
        return _ok(204)

    def _store_pab(self, name, pab):
        with self.state.lock:
            if name in self.state.buckets:
                self.state.buckets[name]["public_access_block"] = pab


def _ok(status, body=b"", headers=()):
    request_id, host_id = s3_request_ids()
    return Answer(status, body, s3_headers(request_id, host_id) + list(headers))


def permanent_redirect(bucket):
    region = bucket["region"]
    host = "s3.amazonaws.com" if region == "us-east-1" else "s3.%s.amazonaws.com" % region
    return AwsError(
        301,
        "PermanentRedirect",
        "The bucket you are attempting to access must be addressed using the specified "
        "endpoint. Please send all future requests to this endpoint.",
        extra=[("Endpoint", "%s.%s" % (bucket["name"], host)), ("Bucket", bucket["name"])],
        headers=[("x-amz-bucket-region", region)],
    )


def _malformed():
    return AwsError(
        400,
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
    )


def parse_pab(body):
    """The four booleans of a PublicAccessBlockConfiguration document."""
    if not body.strip():
        raise AwsError(400, "MissingRequestBodyError", "Request Body is empty")
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise _malformed() from None
    if root.tag != "{%s}PublicAccessBlockConfiguration" % S3_NS or (root.text or "").strip():
        raise _malformed()
    pab = {}
    for child in root:
        name = child.tag[len(S3_NS) + 2 :] if child.tag.startswith("{%s}" % S3_NS) else None
        text = (child.text or "").strip()
        if name not in PAB_FIELDS or name in pab or len(child) or text not in ("true", "false"):
            raise _malformed()
        if (child.tail or "").strip():
            raise _malformed()
        pab[name] = text == "true"
    return {name: pab.get(name, False) for name in PAB_FIELDS}


def auth_error(failure):
    """S3's answer to each awsauth failure kind."""
    kind, d = failure.kind, failure.details
    if kind in ("missing", "no_date"):
        message = "Access Denied"
        if kind == "no_date":
            message = "AWS authentication requires a valid Date or x-amz-date header"
        return AwsError(403, "AccessDenied", message)
    if kind == "algorithm":
        return AwsError(
            400,
            "InvalidRequest",
            "The authorization mechanism you have provided is not supported. "
            "Please use AWS4-HMAC-SHA256.",
        )
    if kind == "malformed":
        return AwsError(
            400,
            "AuthorizationHeaderMalformed",
            "The authorization header is malformed; %s" % d["reason"],
        )
    if kind == "scope_date":
        return AwsError(
            400,
            "AuthorizationHeaderMalformed",
            "The authorization header is malformed; Invalid credential date. "
            "Date is not the same as X-Amz-Date.",
        )
    if kind == "skew":
        return AwsError(
            403,
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
            extra=[
                ("RequestTime", d["request_time"].strftime("%Y%m%dT%H%M%SZ")),
                ("ServerTime", d["server_time"].strftime("%Y-%m-%dT%H:%M:%SZ")),
                ("MaxAllowedSkewMilliseconds", "900000"),
            ],
        )
    if kind in ("unknown_key", "missing_token"):
        return AwsError(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            extra=[("AWSAccessKeyId", d["access_key_id"])],
        )
    if kind == "bad_token":
        return AwsError(
            400,
            "InvalidToken",
            "The provided token is malformed or otherwise invalid.",
            extra=[("Token-0", d["token"])],
        )
    if kind == "expired":
        return AwsError(400, "ExpiredToken", "The provided token has expired.")
    if kind == "unsigned":
        return AwsError(
            403,
            "AccessDenied",
            "There were headers present in the request which were not signed",
            extra=[("HeadersNotSigned", ", ".join(d["headers"]))],
        )
    return AwsError(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        extra=[
            ("AWSAccessKeyId", d["access_key_id"]),
            ("StringToSign", d["string_to_sign"]),
            ("SignatureProvided", d["provided"]),
            ("CanonicalRequest", d["canonical_request"]),
        ],
    )
