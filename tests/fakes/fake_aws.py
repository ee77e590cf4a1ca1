#!/usr/bin/env python3
"""A stand-in for AWS S3 and STS, as strict as the real services, for black-box tests.

    python3 tests/fakes/fake_aws.py --port 0 [--accounts FILE] [--verbose]

One HTTP server answers every service; clients point a custom endpoint at it
(S3 path style). The service is the one named in the SigV4 credential scope;
an unsigned request is STS when it carries an Action parameter, else S3.
Every request must be signed (SigV4, header form) by a key in the key table;
the signature is recomputed with botocore and refused with AWS's own errors.
See fakelib/awsstate.py for the seed and the --accounts file format.

Control paths (never signed, JSON in and out):

    GET    /__state     {"buckets", "keys", "roles", "web_identity_tokens",
                         "clock_offset", "calls", "faults"}
    GET    /__calls     every call answered, oldest first: {"seq", "time",
                         "service", "action", "method", "path", "query",
                         "region", "access_key_id", "account", "principal",
                         "status", "error_code", "headers", "body"}
    DELETE /__calls     forget them
    POST   /__buckets   {"name", "account", "region"?, "deny"?, "public_access_block"?}
    POST   /__roles     {"arn", "external_id"?, "trust"?, "max_session"?, "lifetime"?}
    POST   /__keys      {"access_key_id", "secret_access_key", "account", "arn",
                         "session_token"?, "expires_in"?}
    POST   /__expire    {"access_key_id"}: that key expires now
    POST   /__web_identity_tokens  {"token", "subject"?, "audience"?, "provider"?, "roles"?}
    POST   /__fail      {"service": "s3"|"sts", "action"?, "code"?, "status"?,
                         "message"?, "count"?: 1, "delay_ms"?}: the next `count`
                         signed calls that match answer that error; without a
                         code: SlowDown (s3) / Throttling (sts), or by status
                         (500 InternalError|InternalFailure, 503, 403 AccessDenied);
                         without a status: the one AWS uses for the code
    DELETE /__fail      drop every rule
    POST   /__clock     {"offset_seconds": N}: move the fake's clock (skew tests)
    POST   /__reset     back to the seed
"""

import json
import sys
import time

from fakelib import awsauth, awserrors, awsstate, httpbase, sigv4
from fakelib.faults import FaultList
from fakelib.httpbase import Answer
from fakelib.s3api import S3Service
from fakelib.stsapi import StsService, params_of


class UnknownService:
    """A service named in a credential scope that this fake does not speak."""

    def __init__(self, name):
        self.name = name

    def identify(self, request):
        return params_of(request).get("Action"), None

    def allows_anonymous(self, action):
        return False

    def render(self, err):
        return awserrors.render_query(err, "https://%s.amazonaws.com/doc/" % self.name)

    def authenticate(self, request):
        raise awserrors.AwsError(
            501, "NotImplemented", "fake_aws does not implement service '%s'" % self.name
        )


class FakeAws:
    name = "fake_aws"

    def __init__(self, seed):
        self.state = awsstate.AwsState(seed)
        self.faults = FaultList()
        self.services = {"s3": S3Service(self.state), "sts": StsService(self.state)}
        self.controls = {
            ("GET", "/__state"): self.get_state,
            ("GET", "/__calls"): lambda doc: self.state.snapshot()["calls"],
            ("DELETE", "/__calls"): self.clear_calls,
            ("POST", "/__buckets"): self.add_bucket,
            ("POST", "/__roles"): self.add_role,
            ("POST", "/__keys"): self.add_key,
            ("POST", "/__expire"): self.expire_key,
            ("POST", "/__web_identity_tokens"): self.add_web_token,
            ("POST", "/__fail"): self.add_fault,
            ("DELETE", "/__fail"): self.clear_faults,
            ("POST", "/__clock"): self.set_clock,
            ("POST", "/__reset"): self.reset,
        }

    def handle(self, request):
        if request.path.startswith("/__"):
            return self.control(request)
        service = self.pick_service(request)
        action, resource = service.identify(request)
        call = self.new_call(service.name, action, request)
        try:
            caller = None
            anonymous = request.header("Authorization") is None
            if not (anonymous and service.allows_anonymous(action)):
                caller = service.authenticate(request)
                call.update(account=caller.account, principal=caller.arn)
            self.inject_fault(service.name, action)
            answer = service.call(action, resource, request, caller)
        except awserrors.AwsError as err:
            answer = service.render(err)
            call["error_code"] = err.code
        call["status"] = answer.status
        self.state.record(call)
        answer.note = "%s %s" % (service.name, action or "?")
        return answer

    def pick_service(self, request):
        scope_service = awsauth.credential_scope_service(request)
        if scope_service is not None:
            return self.services.get(scope_service) or UnknownService(scope_service)
        if "Action" in params_of(request):
            return self.services["sts"]
        return self.services["s3"]

    def new_call(self, service, action, request):
        access_key_id = region = None
        header = request.header("Authorization")
        if header:
            try:
                auth = sigv4.parse_authorization(header)
                access_key_id, region = auth.access_key_id, auth.region
            except sigv4.MalformedAuthorization:
                pass
        return {
            "time": time.time(),
            "service": service,
            "action": action,
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "region": region,
            "access_key_id": access_key_id,
            "account": None,
            "principal": None,
            "status": None,
            "error_code": None,
            "headers": {name.lower(): value for name, value in request.headers},
            "body": request.body.decode("utf-8", errors="replace"),
        }

    def inject_fault(self, service, action):
        def matches(rule):
            return rule["service"] == service and rule["action"] in (None, action)

        fault = self.faults.take(matches)
        if fault is None:
            return
        if fault["delay_ms"]:
            time.sleep(fault["delay_ms"] / 1000.0)
        raise awserrors.injected(fault["code"], fault["status"], fault["message"])

    def control(self, request):
        handler = self.controls.get((request.method, request.path))
        if handler is None:
            return Answer.json(
                404, {"error": "no control path %s %s" % (request.method, request.path)}
            )
        try:
            document = request.json() if request.body else {}
            if not isinstance(document, dict):
                raise awsstate.BadSpec("expected a JSON object")
            return Answer.json(200, handler(document))
        except (ValueError, awsstate.BadSpec) as err:
            return Answer.json(400, {"error": str(err)})

    def get_state(self, _doc):
        snapshot = self.state.snapshot()
        snapshot["faults"] = self.faults.snapshot()
        return snapshot

    def clear_calls(self, _doc):
        with self.state.lock:
            count = len(self.state.calls)
            self.state.calls = []
        return {"cleared": count}

    def add_bucket(self, doc):
        bucket = awsstate.check_bucket(doc)
        with self.state.lock:
            self.state.buckets[bucket["name"]] = bucket
        return {"bucket": bucket}

    def add_role(self, doc):
        role = awsstate.check_role(doc)
        with self.state.lock:
            self.state.roles[role["arn"]] = role
        return {"role": role}

    def add_key(self, doc):
        key = awsstate.check_key(doc)
        with self.state.lock:
            self.state.keys[key["access_key_id"]] = key
        return {"key": key}

    def expire_key(self, doc):
        key_id = doc.get("access_key_id")
        if not isinstance(key_id, str):
            raise awsstate.BadSpec("access_key_id must be a string")
        with self.state.lock:
            key = self.state.keys.get(key_id)
            if key is None:
                raise awsstate.BadSpec("no key %r" % key_id)
            key["expires_at"] = self.state.now() - 1
        return {"expired": key_id}

    def add_web_token(self, doc):
        token = awsstate.check_web_token(doc)
        with self.state.lock:
            self.state.web_tokens[token["token"]] = token
        return {"web_identity_token": token}

    def add_fault(self, doc):
        service = doc.get("service")
        if service not in self.services:
            raise awsstate.BadSpec("service must be one of %s" % ", ".join(sorted(self.services)))
        status = doc.get("status")
        code = doc.get("code") or awserrors.default_code(service, status)
        count = doc.get("count", 1)
        delay_ms = doc.get("delay_ms", 0)
        if status is not None and (not isinstance(status, int) or not 300 <= status <= 599):
            raise awsstate.BadSpec("status must be an integer in 300..599")
        if not isinstance(count, int) or count < 0:
            raise awsstate.BadSpec("count must be a non-negative integer")
        if not isinstance(code, str) or not isinstance(doc.get("message", ""), str):
            raise awsstate.BadSpec("code and message must be strings")
        if not isinstance(doc.get("action", ""), str):
            raise awsstate.BadSpec("action must be an operation name such as PutPublicAccessBlock")
        if not isinstance(delay_ms, (int, float)) or delay_ms < 0:
            raise awsstate.BadSpec("delay_ms must be a non-negative number")
        match = {"service": service, "action": doc.get("action")}
        answer = {
            "code": code,
            "status": status,
            "message": doc.get("message"),
            "delay_ms": delay_ms,
        }
        self.faults.add(match, answer, count)
        return {"scripted": count, "code": code}

    def clear_faults(self, _doc):
        self.faults.clear()
        return {"cleared": True}

    def set_clock(self, doc):
        offset = doc.get("offset_seconds", 0)
        if not isinstance(offset, (int, float)):
            raise awsstate.BadSpec("offset_seconds must be a number")
        with self.state.lock:
            self.state.clock_offset = float(offset)
        return {"offset_seconds": offset}

    def reset(self, _doc):
        self.state.reset()
        self.faults.clear()
        return {"reset": True}


def load_seed(path):
    if path is None:
        return awsstate.DEFAULT_SEED
    with open(path, encoding="utf-8") as handle:
        extra = json.load(handle)
    if not isinstance(extra, dict):
        raise awsstate.BadSpec("the accounts file must hold a JSON object")
    return awsstate.merge_seeds(awsstate.DEFAULT_SEED, extra)


def main(argv=None):
    parser = httpbase.argument_parser("A stand-in for AWS S3 and STS (test fake).")
    parser.add_argument("--accounts", help="JSON file of extra keys, roles, buckets, tokens")
    args = parser.parse_args(argv)
    try:
        app = FakeAws(load_seed(args.accounts))
    except (OSError, ValueError, awsstate.BadSpec) as err:
        sys.stderr.write("fake_aws: cannot load %s: %s\n" % (args.accounts, err))
        return 2
    return httpbase.serve(app, args)


if __name__ == "__main__":
    sys.exit(main())
