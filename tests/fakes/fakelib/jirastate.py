"""What the Jira fake knows: users, projects, issues (with comments and status),
the search index and the calls it answered. One lock guards it all.

The search index lags like Jira Cloud's: every change of an issue is indexed
`search_lag` seconds later, and searches see the newest indexed version.
"""

import copy
import datetime
import re
import threading
import time

MAX_CALLS = 10000

STATUSES = {
    "To Do": {
        "id": "10000",
        "category": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    },
    "In Progress": {
        "id": "3",
        "category": {"id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"},
    },
    "Done": {
        "id": "10001",
        "category": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
    },
}
# Global transitions (any status to the named one), as in Jira Cloud's simplified workflow.
# Only the transition to Done has a screen, and it holds the resolution field.
TRANSITIONS = [
    {"id": "11", "name": "To Do", "to": "To Do", "screen": ()},
    {"id": "21", "name": "In Progress", "to": "In Progress", "screen": ()},
    {"id": "31", "name": "Done", "to": "Done", "screen": ("resolution",)},
]
RESOLUTIONS = {
    "Done": "10000",
    "Won't Do": "10001",
    "Duplicate": "10002",
    "Cannot Reproduce": "10003",
}
PRIORITIES = {"Highest": "1", "High": "2", "Medium": "3", "Low": "4", "Lowest": "5"}
ISSUE_TYPES = {"Task": "10001", "Bug": "10002", "Story": "10003", "Incident": "10004"}
CUSTOM_FIELD_KINDS = ("string", "textarea", "number", "labels", "any")
CUSTOM_FIELD_RE = re.compile(r"customfield_\d+")
PROJECT_KEY_RE = re.compile(r"[A-Z][A-Z0-9_]{1,9}")

DEFAULT_PROJECTS = [
    {
        "key": "SEC",
        "name": "Security",
        "custom_fields": {"customfield_10010": "string", "customfield_10011": "textarea"},
    },
    {"key": "OPS", "name": "Operations"},
]
DEFAULT_CLOUD_USERS = [
    {"email": "bot@example.com", "token": "cloud-token", "display_name": "Riposte Bot"}
]
DEFAULT_DC_USERS = [{"name": "riposte-bot", "pat": "dc-token", "display_name": "Riposte Bot"}]


class BadSpec(ValueError):
    pass


def jira_time(seconds):
    """Jira's timestamp format: 2026-12-03T17:32:00.000+0000."""
    moment = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d+0000" % (moment.microsecond // 1000)


def check_project(spec, project_id):
    key = spec.get("key")
    if not isinstance(key, str) or not PROJECT_KEY_RE.fullmatch(key):
        raise BadSpec("key must be 2-10 upper-case letters, digits or _ starting with a letter")
    fields = spec.get("custom_fields", {})
    if not isinstance(fields, dict) or not all(
        CUSTOM_FIELD_RE.fullmatch(k) and v in CUSTOM_FIELD_KINDS for k, v in fields.items()
    ):
        raise BadSpec(
            "custom_fields must map customfield_<n> to one of %s" % ", ".join(CUSTOM_FIELD_KINDS)
        )
    issue_types = spec.get("issue_types", list(ISSUE_TYPES))
    if not isinstance(issue_types, list) or not set(issue_types) <= set(ISSUE_TYPES):
        raise BadSpec("issue_types must be a list drawn from %s" % ", ".join(ISSUE_TYPES))
    return {
        "key": key,
        "id": str(project_id),
        "name": spec.get("name", key),
        "issue_types": issue_types,
        "custom_fields": dict(fields),
        "strict_custom_fields": bool(spec.get("strict_custom_fields", False)),
    }


def check_user(spec):
    display = spec.get("display_name", "Riposte Bot")
    if "email" in spec:
        if not isinstance(spec["email"], str) or not isinstance(spec.get("token"), str):
            raise BadSpec("a Cloud user needs email and token strings")
        account_id = "712020:" + "".join("%02x" % b for b in spec["email"].encode()[:16])
        return {
            "flavour": "cloud",
            "email": spec["email"],
            "token": spec["token"],
            "account_id": account_id,
            "display_name": display,
        }
    if not isinstance(spec.get("name"), str) or not isinstance(spec.get("pat"), str):
        raise BadSpec(
            "a Data Center user needs name and pat strings (or email and token for Cloud)"
        )
    password = spec.get("password")
    return {
        "flavour": "dc",
        "name": spec["name"],
        "pat": spec["pat"],
        "password": password,
        "display_name": display,
    }


class JiraState:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.projects = {}
            self.next_project_id = 10000
            for spec in DEFAULT_PROJECTS:
                self._add_project_locked(spec)
            self.users = [check_user(u) for u in DEFAULT_CLOUD_USERS + DEFAULT_DC_USERS]
            self.issues = {}  # id -> issue
            self.keys = {}  # key -> id
            self.next_issue_id = 10000
            self.next_comment_id = 10000
            self.counters = {}
            self.search_lag = 0.0
            self.calls = []

    def add_project(self, spec):
        with self.lock:
            return copy.deepcopy(self._add_project_locked(spec))

    def _add_project_locked(self, spec):
        existing = self.projects.get(spec.get("key"))
        project_id = existing["id"] if existing else self.next_project_id
        project = check_project(spec, project_id)
        if not existing:
            self.next_project_id += 1
        self.projects[project["key"]] = project
        return project

    def add_user(self, spec):
        user = check_user(spec)
        with self.lock:
            self.users = [u for u in self.users if not _same_user(u, user)] + [user]
        return user

    def project_by(self, ref):
        """A project named by key or id, or None."""
        for project in self.projects.values():
            if ref in (project["key"], project["id"]):
                return project
        return None

    def issue_by(self, ref):
        """The issue with this key or id (caller holds the lock), or None."""
        issue_id = self.keys.get(ref.upper(), ref)
        return self.issues.get(issue_id)

    def new_issue_ids(self, project_key):
        self.counters[project_key] = self.counters.get(project_key, 0) + 1
        issue_id = str(self.next_issue_id)
        self.next_issue_id += 1
        return issue_id, "%s-%d" % (project_key, self.counters[project_key])

    def new_comment_id(self):
        self.next_comment_id += 1
        return str(self.next_comment_id - 1)

    def reindex(self, issue, searchable):
        """Queue the issue's current searchable form; visible after the lag."""
        issue["index"].append((time.time() + self.search_lag, searchable))

    def record(self, call):
        with self.lock:
            call["seq"] = (self.calls[-1]["seq"] + 1) if self.calls else 1
            self.calls.append(call)
            del self.calls[:-MAX_CALLS]

    def snapshot(self):
        with self.lock:
            issues = []
            for issue in self.issues.values():
                shown = {k: v for k, v in issue.items() if k != "index"}
                shown["indexed"] = any(at <= time.time() for at, _ in issue["index"])
                issues.append(copy.deepcopy(shown))
            return {
                "projects": copy.deepcopy(list(self.projects.values())),
                "users": copy.deepcopy(self.users),
                "issues": issues,
                "search_lag": self.search_lag,
                "calls": copy.deepcopy(self.calls),
            }


def _same_user(a, b):
    if a["flavour"] != b["flavour"]:
        return False
    return a.get("email") == b.get("email") if a["flavour"] == "cloud" else a["name"] == b["name"]
