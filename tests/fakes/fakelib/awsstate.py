"""What the AWS fake knows: access keys, roles, buckets, web identity tokens
and the calls it answered. One lock guards it all; calls are short.

The seed (restored by POST /__reset) is DEFAULT_SEED plus the --accounts file,
whose format is the same document:

    {"keys":    [{"access_key_id", "secret_access_key", "account", "arn",
                  "session_token"?: str, "expires_in"?: seconds}],
     "roles":   [{"arn", "external_id"?: str, "trust"?: [account id or ARN],
                  "max_session"?: seconds, "lifetime"?: seconds}],
     "buckets": [{"name", "account", "region"?: "us-east-1",
                  "deny"?: [account id or principal ARN],
                  "public_access_block"?: {four booleans}}],
     "web_identity_tokens": [{"token", "subject"?, "audience"?, "provider"?,
                              "roles"?: [role ARN]}]}

Entries of the file replace seeded entries with the same id.
"""

import copy
import re
import threading
import time

ROLE_ARN_RE = re.compile(r"arn:aws:iam::(\d{12}):role/((?:[\w+=,.@-]+/)*)([\w+=,.@-]{1,64})")
ACCOUNT_RE = re.compile(r"\d{12}")
PAB_FIELDS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
MAX_CALLS = 10000

DEFAULT_SEED = {
    "keys": [
        {
            "access_key_id": "AKIAFAKE111111111111",
            "secret_access_key": "fake-secret-1",
            "account": "111111111111",
            "arn": "arn:aws:iam::111111111111:user/responder",
        },
        {
            "access_key_id": "AKIAFAKE222222222222",
            "secret_access_key": "fake-secret-2",
            "account": "222222222222",
            "arn": "arn:aws:iam::222222222222:user/responder",
        },
    ],
    "roles": [
        {"arn": "arn:aws:iam::111111111111:role/riposte-responder"},
        {"arn": "arn:aws:iam::222222222222:role/riposte-responder"},
        {
            "arn": "arn:aws:iam::222222222222:role/riposte-external",
            "external_id": "fake-external-id",
        },
    ],
    "buckets": [
        {"name": "bucket-111", "account": "111111111111", "region": "us-east-1"},
        {"name": "bucket-222", "account": "222222222222", "region": "us-east-1"},
        {"name": "bucket-111-eu", "account": "111111111111", "region": "eu-west-1"},
    ],
    "web_identity_tokens": [],
}


class BadSpec(ValueError):
    """A control request or accounts file entry that does not make sense."""


def _need_str(spec, name, pattern=None):
    value = spec.get(name)
    if not isinstance(value, str) or not value:
        raise BadSpec("%s must be a non-empty string" % name)
    if pattern and not pattern.fullmatch(value):
        raise BadSpec("%s %r is not valid" % (name, value))
    return value


def _opt_list(spec, name):
    value = spec.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadSpec("%s must be a list of strings" % name)
    return list(value)


def _opt_seconds(spec, name):
    value = spec.get(name)
    if value is not None and (not isinstance(value, (int, float)) or value < 0):
        raise BadSpec("%s must be a non-negative number of seconds" % name)
    return value


def user_id_for(arn):
    """A stable unique id in IAM's shape (AIDA + 17 characters) for a user ARN."""
    digits = "".join(c for c in arn if c.isalnum()).upper()
    return ("AIDA" + digits[-17:]).ljust(21, "X")


def check_key(spec):
    key = {
        "access_key_id": _need_str(spec, "access_key_id"),
        "secret_access_key": _need_str(spec, "secret_access_key"),
        "account": _need_str(spec, "account", ACCOUNT_RE),
        "arn": _need_str(spec, "arn"),
        "session_token": spec.get("session_token"),
        "user_id": spec.get("user_id") or user_id_for(spec.get("arn", "")),
        "role_arn": spec.get("role_arn"),
        "expires_at": None,
        "origin": spec.get("origin", "control"),
    }
    if key["session_token"] is not None and not isinstance(key["session_token"], str):
        raise BadSpec("session_token must be a string")
    expires_in = _opt_seconds(spec, "expires_in")
    if expires_in is not None:
        key["expires_at"] = time.time() + expires_in
    return key


def check_role(spec):
    arn = _need_str(spec, "arn")
    match = ROLE_ARN_RE.fullmatch(arn)
    if not match:
        raise BadSpec("arn must look like arn:aws:iam::<12 digits>:role/<name>")
    external_id = spec.get("external_id")
    if external_id is not None and not isinstance(external_id, str):
        raise BadSpec("external_id must be a string")
    max_session = spec.get("max_session", 3600)
    if not isinstance(max_session, int) or not 3600 <= max_session <= 43200:
        raise BadSpec("max_session must be an integer in 3600..43200")
    return {
        "arn": arn,
        "account": match.group(1),
        "name": match.group(3),
        "external_id": external_id,
        "trust": spec.get("trust") and _opt_list(spec, "trust"),
        "max_session": max_session,
        "lifetime": _opt_seconds(spec, "lifetime"),
        "role_id": "AROA" + (match.group(1) + match.group(3).upper().replace("-", ""))[-17:],
    }


def check_pab(value):
    if not isinstance(value, dict) or not set(value) <= set(PAB_FIELDS):
        raise BadSpec("public_access_block must be an object with %s" % ", ".join(PAB_FIELDS))
    if not all(isinstance(v, bool) for v in value.values()):
        raise BadSpec("public_access_block values must be booleans")
    return {name: value.get(name, False) for name in PAB_FIELDS}


def check_bucket(spec):
    # Legacy names (upper case, '_', up to 255 characters) still exist on old
    # us-east-1 buckets, and GuardDuty's sample findings name one ("bucketName").
    name = _need_str(spec, "name", re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]"))
    pab = spec.get("public_access_block")
    return {
        "name": name,
        "account": _need_str(spec, "account", ACCOUNT_RE),
        "region": spec.get("region", "us-east-1"),
        "deny": _opt_list(spec, "deny"),
        "public_access_block": None if pab is None else check_pab(pab),
    }


def check_web_token(spec):
    return {
        "token": _need_str(spec, "token"),
        "subject": spec.get("subject", "system:serviceaccount:default:riposte"),
        "audience": spec.get("audience", "sts.amazonaws.com"),
        "provider": spec.get("provider", "arn:aws:iam::111111111111:oidc-provider/oidc.example"),
        "roles": spec.get("roles") and _opt_list(spec, "roles"),
    }


def merge_seeds(base, extra):
    """The seed with the entries of `extra` (an accounts file) added or replacing."""
    merged = copy.deepcopy(base)
    ids = {
        "keys": "access_key_id",
        "roles": "arn",
        "buckets": "name",
        "web_identity_tokens": "token",
    }
    for section, id_name in ids.items():
        entries = extra.get(section, [])
        if not isinstance(entries, list):
            raise BadSpec("%s must be a list" % section)
        for entry in entries:
            merged[section] = [e for e in merged[section] if e.get(id_name) != entry.get(id_name)]
            merged[section].append(entry)
    return merged


class AwsState:
    def __init__(self, seed):
        self.lock = threading.Lock()
        self.seed = seed
        self.clock_offset = 0.0
        self.calls = []
        self.reset()

    def reset(self):
        """Back to the seed; every issued key, recorded call and skew is forgotten."""
        keys = [check_key(dict(spec, origin="seed")) for spec in self.seed["keys"]]
        roles = [check_role(spec) for spec in self.seed["roles"]]
        buckets = [check_bucket(spec) for spec in self.seed["buckets"]]
        tokens = [check_web_token(spec) for spec in self.seed["web_identity_tokens"]]
        with self.lock:
            self.keys = {k["access_key_id"]: k for k in keys}
            self.roles = {r["arn"]: r for r in roles}
            self.buckets = {b["name"]: b for b in buckets}
            self.web_tokens = {t["token"]: t for t in tokens}
            self.clock_offset = 0.0
            self.calls = []

    def now(self):
        """The fake's clock: real time moved by POST /__clock."""
        return time.time() + self.clock_offset

    def record(self, call):
        with self.lock:
            call["seq"] = (self.calls[-1]["seq"] + 1) if self.calls else 1
            self.calls.append(call)
            del self.calls[:-MAX_CALLS]

    def snapshot(self):
        with self.lock:
            return {
                "buckets": copy.deepcopy(list(self.buckets.values())),
                "keys": copy.deepcopy(list(self.keys.values())),
                "roles": copy.deepcopy(list(self.roles.values())),
                "web_identity_tokens": copy.deepcopy(list(self.web_tokens.values())),
                "clock_offset": self.clock_offset,
                "calls": copy.deepcopy(self.calls),
            }
