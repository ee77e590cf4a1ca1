"""STS, protocol query (form-encoded POST, or GET with the same parameters).

Implemented: GetCallerIdentity, AssumeRole and AssumeRoleWithWebIdentity
(unsigned, as botocore sends it). Issued keys join the key table at once.
"""

import datetime
import random
import re
import secrets
import string
import urllib.parse
import uuid
from xml.sax.saxutils import escape

from . import awsauth
from .awserrors import AwsError, render_query
from .awsstate import ROLE_ARN_RE
from .httpbase import Answer

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
VERSION = "2011-06-15"
ACTIONS = ("GetCallerIdentity", "AssumeRole", "AssumeRoleWithWebIdentity")
UNSIGNED_ACTIONS = ("AssumeRoleWithWebIdentity",)
SESSION_NAME_RE = re.compile(r"[\w+=,.@-]{2,64}")
EXTERNAL_ID_RE = re.compile(r"[\w+=,.@:/-]{2,1224}")
CHAINED_MAX_SECONDS = 3600


def params_of(request):
    """Query parameters, then form body parameters (later ones win)."""
    params = dict(request.query_pairs())
    content_type = (request.header("Content-Type") or "").lower()
    if request.body and content_type.startswith("application/x-www-form-urlencoded"):
        body = request.body.decode("utf-8", errors="replace")
        params.update(urllib.parse.parse_qsl(body, keep_blank_values=True))
    return params


def validation_error(message):
    return AwsError(400, "ValidationError", "1 validation error detected: " + message)


class StsService:
    name = "sts"

    def __init__(self, state):
        self.state = state

    def identify(self, request):
        return params_of(request).get("Action"), None

    def allows_anonymous(self, action):
        return action in UNSIGNED_ACTIONS

    def render(self, err):
        return render_query(err, STS_NS)

    def authenticate(self, request):
        try:
            return awsauth.authenticate(request, self.state, s3=False)
        except awsauth.AuthFailure as failure:
            raise auth_error(failure) from None

    def call(self, action, _resource, request, caller):
        params = params_of(request)
        if action is None:
            raise AwsError(400, "MissingAction", "Missing Action")
        if action not in ACTIONS or params.get("Version") != VERSION:
            raise AwsError(
                400,
                "InvalidAction",
                "Could not find operation %s for version %s"
                % (action, params.get("Version", "NO_VERSION_SPECIFIED")),
            )
        if action == "GetCallerIdentity":
            result = "<Arn>%s</Arn><UserId>%s</UserId><Account>%s</Account>" % (
                escape(caller.arn),
                escape(caller.user_id),
                caller.account,
            )
            return _response(action, result)
        if action == "AssumeRole":
            return self._assume_role(params, caller)
        return self._assume_role_with_web_identity(params)

    def _assume_role(self, params, caller):
        role_arn, session, duration = _common_role_params(params)
        external_id = params.get("ExternalId")
        if external_id is not None and not EXTERNAL_ID_RE.fullmatch(external_id):
            raise validation_error(
                "Value '%s' at 'externalId' failed to satisfy constraint: Member must satisfy "
                "regular expression pattern: [\\w+=,.@:\\/-]*" % external_id
            )
        denied = AwsError(
            403,
            "AccessDenied",
            "User: %s is not authorized to perform: sts:AssumeRole on resource: %s"
            % (caller.arn, role_arn),
        )
        with self.state.lock:
            found = self.state.roles.get(role_arn)
            found = dict(found) if found else None
        if found is None:
            raise denied
        trusted = found["trust"] is None or {caller.account, caller.arn, caller.role_arn} & set(
            found["trust"]
        )
        wrong_external_id = found["external_id"] not in (None, external_id)
        if not trusted or wrong_external_id:
            raise denied
        if caller.role_arn is not None and duration > CHAINED_MAX_SECONDS:
            raise AwsError(
                400,
                "ValidationError",
                "The requested DurationSeconds exceeds the 1 hour session limit for roles "
                "assumed by role chaining.",
            )
        _check_max_session(found, duration)
        return self._issue("AssumeRole", found, session, duration, "")

    def _assume_role_with_web_identity(self, params):
        role_arn, session, duration = _common_role_params(params)
        token_text = params.get("WebIdentityToken")
        if not token_text or len(token_text) < 4:
            raise validation_error(
                "Value at 'webIdentityToken' failed to satisfy constraint: "
                "Member must have length greater than or equal to 4"
            )
        with self.state.lock:
            token = self.state.web_tokens.get(token_text)
            token = dict(token) if token else None
            found = self.state.roles.get(role_arn)
            found = dict(found) if found else None
        if token is None:
            raise AwsError(
                400,
                "InvalidIdentityToken",
                "The web identity token that was passed could not be validated by AWS. "
                "Get a new identity token from the identity provider and then retry the request.",
            )
        if found is None or (token["roles"] is not None and role_arn not in token["roles"]):
            raise AwsError(
                403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"
            )
        _check_max_session(found, duration)
        extra = "<SubjectFromWebIdentityToken>%s</SubjectFromWebIdentityToken>" % escape(
            token["subject"]
        )
        extra += "<Audience>%s</Audience><Provider>%s</Provider>" % (
            escape(token["audience"]),
            escape(token["provider"]),
        )
        return self._issue("AssumeRoleWithWebIdentity", found, session, duration, extra)

    def _issue(self, action, role, session, duration, extra):
        now = self.state.now()
        lifetime = role["lifetime"] if role["lifetime"] is not None else duration
        expires = datetime.datetime.fromtimestamp(now + lifetime, datetime.timezone.utc)
        key_id = "ASIA" + "".join(
            random.choice(string.ascii_uppercase + string.digits) for _ in range(16)
        )
        secret = secrets.token_urlsafe(30)[:40]
        token = "FwoGZXIvYXdzE" + secrets.token_urlsafe(96)
        arn = "arn:aws:sts::%s:assumed-role/%s/%s" % (role["account"], role["name"], session)
        user_id = "%s:%s" % (role["role_id"], session)
        with self.state.lock:
            self.state.keys[key_id] = {
                "access_key_id": key_id,
                "secret_access_key": secret,
                "session_token": token,
                "account": role["account"],
                "arn": arn,
                "user_id": user_id,
                "role_arn": role["arn"],
                "expires_at": now + lifetime,
                "origin": action,
            }
        result = (
            "<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey>"
            "<SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials>"
            "<AssumedRoleUser><AssumedRoleId>%s</AssumedRoleId><Arn>%s</Arn></AssumedRoleUser>%s"
            % (
                key_id,
                secret,
                token,
                expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
                escape(user_id),
                escape(arn),
                extra,
            )
        )
        return _response(action, result)


def _common_role_params(params):
    """RoleArn, RoleSessionName and DurationSeconds checked as STS checks them."""
    role_arn = params.get("RoleArn")
    session = params.get("RoleSessionName")
    if role_arn is None:
        raise validation_error(
            "Value null at 'roleArn' failed to satisfy constraint: Member must not be null"
        )
    if session is None:
        raise validation_error(
            "Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"
        )
    if len(role_arn) < 20:
        raise validation_error(
            "Value '%s' at 'roleArn' failed to satisfy constraint: "
            "Member must have length greater than or equal to 20" % role_arn
        )
    if not SESSION_NAME_RE.fullmatch(session):
        raise validation_error(
            "Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy "
            "regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64" % session
        )
    if not ROLE_ARN_RE.fullmatch(role_arn):
        raise validation_error("Value '%s' at 'roleArn' is not a valid role ARN" % role_arn)
    duration_text = params.get("DurationSeconds", "3600")
    if not duration_text.isdigit() or not 900 <= int(duration_text) <= 43200:
        raise validation_error(
            "Value '%s' at 'durationSeconds' failed to satisfy constraint: "
            "Member must have value between 900 and 43200" % duration_text
        )
    return role_arn, session, int(duration_text)


def _check_max_session(role, duration):
    if duration > role["max_session"]:
        raise AwsError(
            400,
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        )


def _response(action, result):
    request_id = str(uuid.uuid4())
    body = (
        '<%sResponse xmlns="%s">\n  <%sResult>%s</%sResult>\n'
        "  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n"
        "</%sResponse>\n" % (action, STS_NS, action, result, action, request_id, action)
    )
    return Answer(
        200,
        body.encode("utf-8"),
        [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)],
    )


def auth_error(failure):
    """STS's answer to each awsauth failure kind."""
    kind, d = failure.kind, failure.details
    invalid_token = "The security token included in the request is invalid."
    if kind == "missing":
        return AwsError(
            403, "MissingAuthenticationToken", "Request is missing Authentication Token"
        )
    if kind == "algorithm":
        return AwsError(
            400, "IncompleteSignature", "Unsupported AWS 'algorithm': '%s'" % d["algorithm"]
        )
    if kind == "malformed":
        return AwsError(400, "IncompleteSignature", d["reason"])
    if kind == "no_date":
        return AwsError(
            400,
            "IncompleteSignature",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        )
    if kind == "scope_date":
        return AwsError(
            403,
            "SignatureDoesNotMatch",
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            "from HTTP: '%s' != '%s', from '%s'."
            % (d["scope_date"], d["amz_date"][:8], d["amz_date"]),
        )
    if kind == "skew":
        return AwsError(
            403, "SignatureDoesNotMatch", _skew_message(d["request_time"], d["server_time"])
        )
    if kind in ("unknown_key", "missing_token", "bad_token"):
        return AwsError(403, "InvalidClientTokenId", invalid_token)
    if kind == "expired":
        return AwsError(
            403, "ExpiredToken", "The security token included in the request is expired"
        )
    if kind == "unsigned":
        return AwsError(
            403,
            "SignatureDoesNotMatch",
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        )
    return AwsError(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. "
        "Consult the service documentation for details.",
    )


def _skew_message(request_time, server_time):
    fmt = "%Y%m%dT%H%M%SZ"
    window = datetime.timedelta(minutes=15)
    if request_time < server_time:
        return "Signature expired: %s is now earlier than %s (%s - 15 min.)" % (
            request_time.strftime(fmt),
            (server_time - window).strftime(fmt),
            server_time.strftime(fmt),
        )
    return "Signature not yet current: %s is still later than %s (%s + 15 min.)" % (
        request_time.strftime(fmt),
        (server_time + window).strftime(fmt),
        server_time.strftime(fmt),
    )
