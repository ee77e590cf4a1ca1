"""AWS errors and how each wire protocol spells them.

rest-xml (S3):  <Error><Code/><Message/>...<RequestId/><HostId/></Error>,
                headers x-amz-request-id and x-amz-id-2.
query (STS):    <ErrorResponse xmlns=...><Error><Type>Sender|Receiver</Type>
                <Code/><Message/></Error><RequestId/></ErrorResponse>,
                header x-amzn-RequestId.
"""

import base64
import os
import random
import string
import uuid
from xml.sax.saxutils import escape

from .httpbase import Answer

# The status AWS answers with for the codes a test is likely to inject.
STATUS_OF_CODE = {
    "AccessDenied": 403,
    "BadDigest": 400,
    "ExpiredToken": 400,
    "InternalError": 500,
    "InternalFailure": 500,
    "InvalidAccessKeyId": 403,
    "InvalidClientTokenId": 403,
    "InvalidRequest": 400,
    "NoSuchBucket": 404,
    "NoSuchPublicAccessBlockConfiguration": 404,
    "RegionDisabledException": 403,
    "RequestLimitExceeded": 503,
    "RequestTimeTooSkewed": 403,
    "RequestTimeout": 400,
    "ServiceUnavailable": 503,
    "SignatureDoesNotMatch": 403,
    "SlowDown": 503,
    "Throttling": 400,
    "ThrottlingException": 400,
}

MESSAGE_OF_CODE = {
    "AccessDenied": "Access Denied",
    "InternalError": "We encountered an internal error. Please try again.",
    "InternalFailure": "An internal error occurred.",
    "ServiceUnavailable": "Service is unable to handle request.",
    "SlowDown": "Please reduce your request rate.",
    "Throttling": "Rate exceeded",
    "ThrottlingException": "Rate exceeded",
    "RequestLimitExceeded": "Request limit exceeded.",
}


class AwsError(Exception):
    """An error answer. extra: (tag, text) pairs S3 adds inside <Error>."""

    def __init__(self, status, code, message, extra=(), headers=()):
        super().__init__("%d %s: %s" % (status, code, message))
        self.status = status
        self.code = code
        self.message = message
        self.extra = list(extra)
        self.headers = list(headers)


# The code a scripted failure gets when only the status is given.
DEFAULT_CODES = {
    "s3": {None: "SlowDown", 403: "AccessDenied", 500: "InternalError", 503: "SlowDown"},
    "sts": {
        None: "Throttling",
        400: "Throttling",
        403: "AccessDenied",
        500: "InternalFailure",
        503: "ServiceUnavailable",
    },
}


def default_code(service, status):
    codes = DEFAULT_CODES[service]
    return codes.get(status, codes[None] if status is None else "InternalError")


def injected(code, status=None, message=None):
    """The error a /__fail rule asks for, with AWS's usual status and text."""
    return AwsError(
        status or STATUS_OF_CODE.get(code, 500),
        code,
        message or MESSAGE_OF_CODE.get(code, "Injected failure."),
    )


def s3_request_ids():
    """(x-amz-request-id, x-amz-id-2) shaped like S3's: 16 upper-case characters, 76 base64."""
    request_id = "".join(random.choice(string.ascii_uppercase + string.digits) for _ in range(16))
    host_id = base64.b64encode(os.urandom(57)).decode("ascii")
    return request_id, host_id


def s3_headers(request_id, host_id):
    return [("x-amz-request-id", request_id), ("x-amz-id-2", host_id)]


def render_rest_xml(err):
    request_id, host_id = s3_request_ids()
    parts = ["<Code>%s</Code><Message>%s</Message>" % (escape(err.code), escape(err.message))]
    for tag, text in err.extra:
        parts.append("<%s>%s</%s>" % (tag, escape(str(text)), tag))
    parts.append("<RequestId>%s</RequestId><HostId>%s</HostId>" % (request_id, host_id))
    body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error>%s</Error>' % "".join(parts)
    headers = [("Content-Type", "application/xml")] + s3_headers(request_id, host_id)
    return Answer(err.status, body.encode("utf-8"), headers + err.headers)


def render_query(err, namespace):
    request_id = str(uuid.uuid4())
    kind = "Receiver" if err.status >= 500 else "Sender"
    body = (
        '<ErrorResponse xmlns="%s">\n  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n'
        "    <Message>%s</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n</ErrorResponse>\n"
        % (namespace, kind, escape(err.code), escape(err.message), request_id)
    )
    headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    return Answer(err.status, body.encode("utf-8"), headers + err.headers)
