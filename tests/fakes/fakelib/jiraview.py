"""How the Jira fake answers: the request context, errors in Jira's shape,
and the JSON views of users, issues, comments and transitions.

Rich text is stored as given ({"adf": doc} from v3, {"text": str} from v2)
and shown in the form the reading API version speaks, as Jira does.
"""

from dataclasses import dataclass, field

from . import adf
from .httpbase import Answer
from .jirastate import ISSUE_TYPES, PRIORITIES, RESOLUTIONS, STATUSES, jira_time

EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"
NAVIGABLE = (
    "summary",
    "description",
    "labels",
    "priority",
    "issuetype",
    "project",
    "status",
    "resolution",
    "created",
    "updated",
    "reporter",
    "creator",
)


@dataclass
class Ctx:
    version: int  # 2 or 3, from the path
    user: dict  # from jirastate.check_user
    base: str  # scheme://host[:port] the client used
    problems: list = field(default_factory=list)  # details for /__calls, not for the client

    @property
    def cloud(self):
        return self.user["flavour"] == "cloud"

    def api(self, rest):
        return "%s/rest/api/%d/%s" % (self.base, self.version, rest)


class JiraError(Exception):
    def __init__(self, status, messages=(), errors=None, headers=()):
        super().__init__("%d %s %s" % (status, list(messages), errors or {}))
        self.status = status
        self.messages = list(messages)
        self.errors = dict(errors or {})
        self.headers = list(headers)

    def answer(self):
        document = {"errorMessages": self.messages, "errors": self.errors}
        return Answer.json(self.status, document, self.headers)


def not_found():
    return JiraError(404, ["Issue does not exist or you do not have permission to see it."])


def rich(stored, ctx):
    if stored is None:
        return None
    if ctx.version == 3:
        return stored["adf"] if "adf" in stored else adf.from_text(stored["text"])
    return stored["text"] if "text" in stored else adf.to_text(stored["adf"])


def rich_text(stored):
    """The plain text of stored rich text (for search and length limits)."""
    if stored is None:
        return ""
    return stored["text"] if "text" in stored else adf.to_text(stored["adf"])


def user_view(user, ctx):
    if user["flavour"] == "cloud":
        return {
            "self": "%s/rest/api/%d/user?accountId=%s"
            % (ctx.base, ctx.version, user["account_id"]),
            "accountId": user["account_id"],
            "emailAddress": user["email"],
            "displayName": user["display_name"],
            "active": True,
            "timeZone": "Etc/UTC",
            "accountType": "atlassian",
        }
    return {
        "self": "%s/rest/api/2/user?username=%s" % (ctx.base, user["name"]),
        "name": user["name"],
        "key": user["name"],
        "displayName": user["display_name"],
        "active": True,
    }


def status_view(name, ctx):
    status = STATUSES[name]
    category = dict(
        status["category"], self=ctx.api("statuscategory/%d" % status["category"]["id"])
    )
    return {
        "self": ctx.api("status/%s" % status["id"]),
        "description": "",
        "name": name,
        "id": status["id"],
        "statusCategory": category,
    }


def comment_view(issue, comment, ctx):
    view = {
        "self": ctx.api("issue/%s/comment/%s" % (issue["id"], comment["id"])),
        "id": comment["id"],
        "author": user_view(comment["author"], ctx),
        "body": rich(comment["body"], ctx),
        "updateAuthor": user_view(comment["author"], ctx),
        "created": jira_time(comment["created"]),
        "updated": jira_time(comment["created"]),
    }
    if comment["visibility"] is not None:
        view["visibility"] = comment["visibility"]
    if ctx.cloud:
        view["jsdPublic"] = True
    return view


def fields_view(issue, projects, ctx, wanted=None):
    """The issue's fields; `wanted` limits them (None: every navigable field)."""
    project = projects[issue["project"]]
    every = {
        "summary": issue["summary"],
        "description": rich(issue["description"], ctx),
        "labels": list(issue["labels"]),
        "priority": {
            "self": ctx.api("priority/%s" % PRIORITIES[issue["priority"]]),
            "name": issue["priority"],
            "id": PRIORITIES[issue["priority"]],
        },
        "issuetype": {
            "self": ctx.api("issuetype/%s" % ISSUE_TYPES[issue["issuetype"]]),
            "id": ISSUE_TYPES[issue["issuetype"]],
            "name": issue["issuetype"],
            "subtask": False,
        },
        "project": {
            "self": ctx.api("project/%s" % project["id"]),
            "id": project["id"],
            "key": project["key"],
            "name": project["name"],
            "projectTypeKey": "software",
        },
        "status": status_view(issue["status"], ctx),
        "resolution": None
        if issue["resolution"] is None
        else {"name": issue["resolution"], "id": RESOLUTIONS[issue["resolution"]]},
        "created": jira_time(issue["created"]),
        "updated": jira_time(issue["updated"]),
        "reporter": user_view(issue["reporter"], ctx),
        "creator": user_view(issue["reporter"], ctx),
    }
    for field_id, value in issue["custom"].items():
        kind = project["custom_fields"].get(field_id)
        every[field_id] = rich(value, ctx) if kind == "textarea" else value
    if wanted is None:
        return every
    return {name: every[name] for name in wanted if name in every}


def issue_view(issue, projects, ctx, wanted=None):
    fields = fields_view(issue, projects, ctx, wanted)
    if wanted is None or "comment" in wanted:
        comments = [comment_view(issue, c, ctx) for c in issue["comments"]]
        fields["comment"] = {
            "comments": comments,
            "maxResults": len(comments),
            "total": len(comments),
            "startAt": 0,
        }
    return {
        "expand": EXPAND,
        "id": issue["id"],
        "self": ctx.api("issue/%s" % issue["id"]),
        "key": issue["key"],
        "fields": fields,
    }


def transition_view(transition, ctx):
    return {
        "id": transition["id"],
        "name": transition["name"],
        "to": status_view(transition["to"], ctx),
        "hasScreen": bool(transition["screen"]),
        "isGlobal": True,
        "isInitial": False,
        "isAvailable": True,
        "isConditional": False,
        "isLooped": False,
    }
