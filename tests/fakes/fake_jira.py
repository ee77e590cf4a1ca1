#!/usr/bin/env python3
"""A stand-in for Jira Cloud (REST v3) and Jira Data Center (REST v2), for black-box tests.

    python3 tests/fakes/fake_jira.py --port 0 [--verbose]

Who calls decides which Jira answers:
  - Cloud: `Authorization: Basic base64(email:api_token)`, on /rest/api/3 (ADF
    rich text) or /rest/api/2 (plain strings). Search is /search/jql; the old
    /search answers 410 Gone, as Cloud does now.
  - Data Center: `Authorization: Bearer <PAT>` (or Basic name:password when the
    user has a password), on /rest/api/2 or /rest/api/latest only; wiki-text
    strings; search is /rest/api/2/search with startAt/total.
Seeded users: Cloud bot@example.com / cloud-token, Data Center riposte-bot /
PAT dc-token. Seeded projects: SEC (custom fields customfield_10010 string,
customfield_10011 rich text; any other customfield_* accepted) and OPS.
Workflow: To Do -> (11 To Do, 21 In Progress, 31 Done) from any status; only
Done has a screen (resolution).

API: POST issue, GET issue/{key} (?fields=), GET|POST issue/{key}/comment,
GET|POST issue/{key}/transitions, GET|POST search/jql (Cloud),
POST search/approximate-count (Cloud), GET|POST search (Data Center).
Writes must send Content-Type: application/json (else 415).

Control paths (no auth, JSON in and out):

    GET    /__state       {"projects", "users", "issues" (fields, comments,
                           status, labels, history, "indexed"), "search_lag",
                           "calls", "faults"}
    GET    /__calls       every API call: {"seq", "time", "method", "path", "query",
                           "version", "flavour", "user", "status", "headers", "body",
                           "problems" (why a rich-text value was refused)}
    DELETE /__calls
    POST   /__projects    {"key", "name"?, "issue_types"?, "custom_fields"?:
                           {"customfield_N": "string"|"textarea"|"number"|"labels"|"any"},
                           "strict_custom_fields"?: false}: other customfield_* values
                           are taken as they come unless strict; other unknown
                           fields are always refused
    POST   /__users       {"email", "token", "display_name"?} (Cloud) or
                          {"name", "pat", "password"?, "display_name"?} (Data Center)
    POST   /__search_lag  {"seconds": N, "flush"?: bool}: changes become searchable
                          N seconds after they happen; flush makes pending ones visible
    POST   /__fail        {"status"?: 429, "count"?: 1, "retry_after"?: seconds,
                           "method"?, "path"? (prefix), "body"? (JSON), "delay_ms"?}
    DELETE /__fail
    POST   /__reset
"""

import base64
import datetime
import re
import sys
import time

from fakelib import httpbase, jiraissues, jirasearch
from fakelib.faults import FaultList
from fakelib.httpbase import Answer
from fakelib.jirastate import BadSpec, JiraState
from fakelib.jiraview import Ctx, JiraError
from fakelib.secretcmp import same_secret

API_RE = re.compile(r"/rest/api/(2|3|latest)/(.*)")
ISSUE_RE = re.compile(r"issue/([^/]+)(?:/(comment|transitions))?")
NOT_AUTHENTICATED = "You are not authenticated. Authentication required to perform this operation."


class FakeJira:
    name = "fake_jira"
    base_url = "http://127.0.0.1"

    def __init__(self):
        self.state = JiraState()
        self.faults = FaultList()
        self.controls = {
            ("GET", "/__state"): self.get_state,
            ("GET", "/__calls"): lambda doc: self.state.snapshot()["calls"],
            ("DELETE", "/__calls"): self.clear_calls,
            ("POST", "/__projects"): lambda doc: {"project": self.state.add_project(doc)},
            ("POST", "/__users"): lambda doc: {"user": self.state.add_user(doc)},
            ("POST", "/__search_lag"): self.set_search_lag,
            ("POST", "/__fail"): self.add_fault,
            ("DELETE", "/__fail"): self.clear_faults,
            ("POST", "/__reset"): self.reset,
        }

    def handle(self, request):
        if request.path.startswith("/__"):
            return self.control(request)
        call = {
            "time": time.time(),
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "version": None,
            "flavour": None,
            "user": None,
            "status": None,
            "headers": {name.lower(): value for name, value in request.headers},
            "body": request.body.decode("utf-8", errors="replace"),
            "problems": [],
        }
        try:
            answer = self.api(request, call)
        except JiraError as err:
            answer = err.answer()
        call["status"] = answer.status
        self.state.record(call)
        return answer

    def api(self, request, call):
        match = API_RE.fullmatch(request.path)
        if not match:
            raise JiraError(404, ["null for uri: %s%s" % (self.base_url, request.target)])
        version = 3 if match.group(1) == "3" else 2
        user = self.authenticate(request, version)
        ctx = Ctx(version, user, self.client_base(request), call["problems"])
        call.update(
            version=version, flavour=user["flavour"], user=user.get("email") or user.get("name")
        )
        self.inject_fault(request)
        return self.route(request, match.group(2), ctx)

    def authenticate(self, request, version):
        scheme, _, value = (request.header("Authorization") or "").partition(" ")
        user = None
        if scheme.lower() == "basic":
            try:
                name, _, secret = (
                    base64.b64decode(value.strip(), validate=True).decode().partition(":")
                )
            except (ValueError, UnicodeDecodeError):
                name = secret = None
            user = self.find_user(lambda u: _basic_matches(u, name, secret))
        elif scheme.lower() == "bearer":
            user = self.find_user(
                lambda u: u["flavour"] == "dc" and same_secret(u["pat"], value.strip())
            )
        if user is None or (version == 3 and user["flavour"] != "cloud"):
            headers = [("WWW-Authenticate", 'Basic realm="protected-area"')]
            if version == 2:
                headers.append(("X-Seraph-LoginReason", "AUTHENTICATED_FAILED"))
            raise JiraError(401, [NOT_AUTHENTICATED], headers=headers)
        return user

    def find_user(self, predicate):
        with self.state.lock:
            return next((dict(u) for u in self.state.users if predicate(u)), None)

    def client_base(self, request):
        scheme = self.base_url.split("://", 1)[0]
        host = request.header("Host")
        return "%s://%s" % (scheme, host) if host else self.base_url

    def inject_fault(self, request):
        def matches(rule):
            return rule["method"] in (None, request.method) and request.path.startswith(
                rule["path"] or ""
            )

        fault = self.faults.take(matches)
        if fault is None:
            return
        if fault["delay_ms"]:
            time.sleep(fault["delay_ms"] / 1000.0)
        headers = []
        if fault["retry_after"] is not None:
            headers.append(("Retry-After", str(fault["retry_after"])))
        if fault["status"] == 429:
            reset = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
                seconds=fault["retry_after"] or 1
            )
            headers += [
                ("X-RateLimit-Limit", "100"),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", reset.strftime("%Y-%m-%dT%H:%MZ")),
                ("RateLimit-Reason", "jira-burst-based"),
            ]
        body = fault["body"]
        if body is None:
            text = "Rate limit exceeded." if fault["status"] == 429 else "Injected failure."
            body = {"errorMessages": [text], "errors": {}}
        raise _Scripted(Answer.json(fault["status"], body, headers))

    def route(self, request, rest, ctx):
        method = request.method
        if method in ("POST", "PUT") and not (
            request.header("Content-Type") or ""
        ).lower().startswith("application/json"):
            raise JiraError(415, ["Unsupported Media Type: send Content-Type: application/json"])
        params = self.params(request)
        issue = ISSUE_RE.fullmatch(rest)
        if rest == "issue" and method == "POST":
            return jiraissues.create(self.state, params, ctx)
        if issue and issue.group(2) is None and method == "GET":
            fields = params.get("fields")
            wanted = None if not fields or fields in ("*all", "*navigable") else fields.split(",")
            return jiraissues.get(self.state, issue.group(1), ctx, wanted)
        if issue and issue.group(2) == "comment":
            if method == "POST":
                return jiraissues.add_comment(self.state, issue.group(1), params, ctx)
            if method == "GET":
                return jiraissues.list_comments(self.state, issue.group(1), ctx)
        if issue and issue.group(2) == "transitions":
            if method == "POST":
                return jiraissues.do_transition(self.state, issue.group(1), params, ctx)
            if method == "GET":
                return jiraissues.list_transitions(self.state, issue.group(1), ctx)
        if rest == "search/jql" and ctx.cloud and method in ("GET", "POST"):
            return jirasearch.cloud_search(self.state, params, ctx)
        if rest == "search/approximate-count" and ctx.cloud and method == "POST":
            return jirasearch.approximate_count(self.state, params)
        if rest == "search" and method in ("GET", "POST"):
            if ctx.cloud:
                raise jirasearch.removed()
            return jirasearch.dc_search(self.state, params, ctx)
        raise JiraError(404, ["null for uri: %s%s" % (ctx.base, request.target)])

    @staticmethod
    def params(request):
        """The JSON body of a write, or the query parameters of a read."""
        if request.method in ("POST", "PUT"):
            try:
                document = request.json()
            except (ValueError, UnicodeDecodeError) as err:
                raise JiraError(400, ["Invalid JSON in the request body: %s" % err]) from None
            if not isinstance(document, dict):
                raise JiraError(400, ["The request body must be a JSON object."])
            return document
        return dict(request.form_pairs())

    def control(self, request):
        handler = self.controls.get((request.method, request.path))
        if handler is None:
            return Answer.json(
                404, {"error": "no control path %s %s" % (request.method, request.path)}
            )
        try:
            document = request.json() if request.body else {}
            if not isinstance(document, dict):
                raise BadSpec("expected a JSON object")
            return Answer.json(200, handler(document))
        except (ValueError, BadSpec) as err:
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

    def set_search_lag(self, doc):
        seconds = doc.get("seconds", 0)
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise BadSpec("seconds must be a non-negative number")
        with self.state.lock:
            self.state.search_lag = float(seconds)
            if doc.get("flush"):
                now = time.time()
                for issue in self.state.issues.values():
                    issue["index"] = [(min(at, now), view) for at, view in issue["index"]]
        return {"seconds": seconds}

    def add_fault(self, doc):
        status = doc.get("status", 429)
        count = doc.get("count", 1)
        retry_after = doc.get("retry_after", 1 if status in (429, 503) else None)
        delay_ms = doc.get("delay_ms", 0)
        if not isinstance(status, int) or not 400 <= status <= 599:
            raise BadSpec("status must be an integer in 400..599")
        if not isinstance(count, int) or count < 0:
            raise BadSpec("count must be a non-negative integer")
        if retry_after is not None and (not isinstance(retry_after, int) or retry_after < 0):
            raise BadSpec("retry_after must be a non-negative integer (seconds)")
        if not isinstance(delay_ms, (int, float)) or delay_ms < 0:
            raise BadSpec("delay_ms must be a non-negative number")
        if not all(isinstance(doc.get(name, ""), str) for name in ("method", "path")):
            raise BadSpec("method and path must be strings")
        match = {"method": doc.get("method"), "path": doc.get("path")}
        answer = {
            "status": status,
            "retry_after": retry_after,
            "body": doc.get("body"),
            "delay_ms": delay_ms,
        }
        self.faults.add(match, answer, count)
        return {"scripted": count}

    def clear_faults(self, _doc):
        self.faults.clear()
        return {"cleared": True}

    def reset(self, _doc):
        self.state.reset()
        self.faults.clear()
        return {"reset": True}


class _Scripted(JiraError):
    """A /__fail answer, sent as scripted."""

    def __init__(self, answer):
        super().__init__(answer.status)
        self.scripted = answer

    def answer(self):
        return self.scripted


def _basic_matches(user, name, secret):
    if name is None:
        return False
    if user["flavour"] == "cloud":
        return user["email"] == name and same_secret(user["token"], secret)
    return (
        user["name"] == name
        and user["password"] is not None
        and same_secret(user["password"], secret)
    )


def main(argv=None):
    args = httpbase.argument_parser(
        "A stand-in for Jira Cloud and Data Center (test fake)."
    ).parse_args(argv)
    return httpbase.serve(FakeJira(), args)


if __name__ == "__main__":
    sys.exit(main())
