"""Who signed a request, or why AWS would refuse it.

authenticate() runs the checks in the order AWS runs them and raises
AuthFailure(kind, details); each service turns the kind into its own error
code and wire shape (S3 says InvalidAccessKeyId where STS says
InvalidClientTokenId, and so on). Kinds:

    missing          no Authorization header
    algorithm        an algorithm other than AWS4-HMAC-SHA256
    malformed        the header or its credential scope cannot be read
    no_date          no usable X-Amz-Date
    scope_date       the scope's date is not X-Amz-Date's date
    skew             X-Amz-Date more than 15 minutes from the fake's clock
    unknown_key      the access key id is not in the key table
    missing_token    a temporary key without X-Amz-Security-Token
    bad_token        a token that is not the key's (or a token on a long-term key)
    expired          the temporary key has expired
    unsigned         host, or (S3) an x-amz-* header, is not in SignedHeaders
    signature        the signature does not match
"""

import datetime
from dataclasses import dataclass

from . import sigv4
from .secretcmp import same_secret


class AuthFailure(Exception):
    def __init__(self, kind, **details):
        super().__init__(kind)
        self.kind = kind
        self.details = details


@dataclass
class Caller:
    access_key_id: str
    account: str
    arn: str
    user_id: str
    role_arn: str  # the role behind assumed-role keys, else None
    temporary: bool
    region: str  # from the credential scope
    service: str


def authenticate(request, state, s3):
    header = request.header("Authorization")
    if header is None:
        raise AuthFailure("missing")
    if sigv4.algorithm_of(header) != sigv4.ALGORITHM:
        raise AuthFailure("algorithm", algorithm=sigv4.algorithm_of(header))
    try:
        auth = sigv4.parse_authorization(header)
    except sigv4.MalformedAuthorization as err:
        raise AuthFailure("malformed", reason=str(err)) from None
    if auth.terminator != "aws4_request":
        raise AuthFailure("malformed", reason="the credential scope must end in aws4_request")

    amz_date = request.header("X-Amz-Date")
    when = sigv4.parse_amz_date(amz_date)
    if when is None:
        raise AuthFailure("no_date")
    if auth.date != amz_date[:8]:
        raise AuthFailure("scope_date", scope_date=auth.date, amz_date=amz_date)
    now = datetime.datetime.fromtimestamp(state.now(), datetime.timezone.utc)
    if abs(now - when) > sigv4.MAX_SKEW:
        raise AuthFailure("skew", request_time=when, server_time=now)

    with state.lock:
        key = state.keys.get(auth.access_key_id)
        key = dict(key) if key else None
    if key is None:
        raise AuthFailure("unknown_key", access_key_id=auth.access_key_id)
    token = request.header("X-Amz-Security-Token")
    if key["session_token"] is not None and token is None:
        raise AuthFailure("missing_token", access_key_id=auth.access_key_id)
    if token is not None and not same_secret(token, key["session_token"] or ""):
        raise AuthFailure("bad_token", access_key_id=auth.access_key_id, token=token)
    if key["expires_at"] is not None and state.now() >= key["expires_at"]:
        raise AuthFailure("expired", access_key_id=auth.access_key_id)

    unsigned = _unsigned_headers(request, auth, s3)
    if unsigned:
        raise AuthFailure("unsigned", headers=unsigned)
    computed = sigv4.compute(request, auth, key["secret_access_key"], amz_date, s3)
    if not same_secret(computed.signature, auth.signature):
        raise AuthFailure(
            "signature",
            access_key_id=auth.access_key_id,
            provided=auth.signature,
            string_to_sign=computed.string_to_sign,
            canonical_request=computed.canonical_request,
        )
    return Caller(
        access_key_id=auth.access_key_id,
        account=key["account"],
        arn=key["arn"],
        user_id=key["user_id"],
        role_arn=key["role_arn"],
        temporary=key["session_token"] is not None,
        region=auth.region,
        service=auth.service,
    )


def _unsigned_headers(request, auth, s3):
    listed = set(auth.signed_headers)
    missing = [] if "host" in listed else ["host"]
    if s3:
        present = sorted(request.header_names())
        missing += [n for n in present if n.startswith("x-amz-") and n not in listed]
    return missing


def credential_scope_service(request):
    """The service named in the Authorization header's scope, or None."""
    header = request.header("Authorization")
    if header is None:
        return None
    try:
        return sigv4.parse_authorization(header).service
    except sigv4.MalformedAuthorization:
        return None
