"""Issues: create, read, comment, transition; each checked as Jira checks it.

Field errors come back together in one 400, as Jira sends them:
{"errorMessages": [], "errors": {"<field>": "<why>"}}. Cloud and Data Center
word some of them differently; the caller's flavour picks the wording.
"""

import time

from . import adf
from .httpbase import Answer
from .jirastate import CUSTOM_FIELD_RE, ISSUE_TYPES, PRIORITIES, RESOLUTIONS, TRANSITIONS
from .jiraview import (
    JiraError,
    comment_view,
    issue_view,
    not_found,
    rich_text,
    transition_view,
)

STANDARD_FIELDS = ("project", "issuetype", "summary", "description", "labels", "priority")
MAX_SUMMARY = 255
MAX_LABEL = 255
MAX_RICH_TEXT = 32767
NOT_SETTABLE = "Field '%s' cannot be set. It is not on the appropriate screen, or unknown."
NOT_ADF = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
TOO_LONG = "The entered text is too long. It exceeds the allowed limit of 32,767 characters."


def _words(ctx, cloud, dc):
    return cloud if ctx.cloud else dc


def accept_rich(value, ctx, name, errors):
    """Rich text in the form this API version wants, stored as given."""
    if ctx.version == 3:
        if not adf.is_document(value):
            errors[name] = NOT_ADF
            return None
        try:
            adf.check(value)
        except adf.InvalidDocument as err:
            errors[name] = "INVALID_INPUT"
            ctx.problems.append("%s: %s" % (name, err))
            return None
        stored = {"adf": value}
    elif isinstance(value, str):
        stored = {"text": value}
    else:
        errors[name] = "Operation value must be a string"
        return None
    if len(rich_text(stored)) > MAX_RICH_TEXT:
        errors[name] = TOO_LONG
    return stored


def _reference(value, by_name, ctx, field, missing, invalid, errors):
    """An {"id"} or {"name"}/{"key"} reference resolved through by_name, or None."""
    if value is None:
        errors[field] = _words(ctx, *missing)
        return None
    if not isinstance(value, dict):
        errors[field] = "Operation value must be an object"  # Jira's own wording varies here
        return None
    found = by_name(value)
    if found is None:
        errors[field] = _words(ctx, *invalid)
    return found


def _check_labels(value, errors):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors["labels"] = "Operation value must be an array of strings"
        return []
    for label in value:
        if label == "" or any(c.isspace() for c in label):
            errors["labels"] = "The label '%s' contains spaces which is invalid." % label
        elif len(label) > MAX_LABEL:
            errors["labels"] = "The label '%s' exceeds the 255 character limit." % label
    return list(dict.fromkeys(value))


def _check_custom(field_id, kind, value, ctx, errors):
    if kind == "textarea":
        return accept_rich(value, ctx, field_id, errors)
    if kind == "string" and not isinstance(value, str):
        errors[field_id] = "Operation value must be a string"
    elif kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        errors[field_id] = "Operation value must be a number"
    elif kind == "labels" and not (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    ):
        errors[field_id] = "Operation value must be an array of strings"
    return value


def check_create(state, doc, ctx):
    """The new issue's values, or JiraError(400) listing every problem."""
    if not isinstance(doc, dict) or not isinstance(doc.get("fields"), dict):
        raise JiraError(400, ['The request body must be an object with a "fields" object.'])
    if doc.get("update"):
        raise JiraError(400, ['fake_jira does not implement "update" on create; use "fields".'])
    fields = doc["fields"]
    errors = {}

    project = _reference(
        fields.get("project"),
        lambda v: state.project_by(v.get("key") or v.get("id")),
        ctx,
        "project",
        ("Specify a valid project ID or key", "project is required"),
        ("Specify a valid project ID or key", "valid project is required"),
        errors,
    )
    allowed_types = project["issue_types"] if project else list(ISSUE_TYPES)
    issuetype = _reference(
        fields.get("issuetype"),
        lambda v: next(
            (n for n in allowed_types if v.get("name") == n or v.get("id") == ISSUE_TYPES[n]), None
        ),
        ctx,
        "issuetype",
        ("Specify an issue type", "issue type is required"),
        ("The issue type selected is invalid.", "valid issue type is required"),
        errors,
    )
    summary = fields.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        errors["summary"] = "You must specify a summary of the issue."
    elif len(summary) > MAX_SUMMARY:
        errors["summary"] = "Summary must be less than 255 characters."
    elif "\n" in summary or "\r" in summary:
        errors["summary"] = "The summary is invalid because it contains newline characters."
    description = None
    if fields.get("description") is not None:
        description = accept_rich(fields["description"], ctx, "description", errors)
    labels = _check_labels(fields.get("labels", []), errors)
    priority = "Medium"
    if "priority" in fields:
        priority = _reference(
            fields["priority"],
            lambda v: next(
                (n for n, i in PRIORITIES.items() if v.get("name") == n or v.get("id") == i), None
            ),
            ctx,
            "priority",
            ("Specify a valid priority", "priority is required"),
            ("The priority selected is invalid.", "The priority selected is invalid."),
            errors,
        )
    custom = {}
    custom_kinds = project["custom_fields"] if project else {}
    strict = project is not None and project["strict_custom_fields"]
    for name, value in fields.items():
        if name in STANDARD_FIELDS:
            continue
        kind = custom_kinds.get(name)
        if kind is None and CUSTOM_FIELD_RE.fullmatch(name) and not strict:
            kind = "any"
        if kind is None:
            errors[name] = NOT_SETTABLE % name
        else:
            custom[name] = _check_custom(name, kind, value, ctx, errors)
    if errors:
        raise JiraError(400, [], errors)
    return {
        "project": project["key"],
        "issuetype": issuetype,
        "summary": summary,
        "description": description,
        "labels": labels,
        "priority": priority,
        "custom": custom,
    }


def searchable(issue):
    """The issue as the search index sees it (see jql.evaluate)."""
    category = {"To Do": "new", "In Progress": "indeterminate", "Done": "done"}[issue["status"]]
    text = " ".join(
        [issue["summary"], rich_text(issue["description"])]
        + [rich_text(c["body"]) for c in issue["comments"]]
    )
    return {
        "id": issue["id"],
        "key": [issue["key"], issue["id"]],
        "project": [issue["project"], issue["project_id"]],
        "labels": list(issue["labels"]),
        "status": issue["status"],
        "statusCategory": [issue["status"], category],
        "issuetype": issue["issuetype"],
        "priority": issue["priority"],
        "summary": issue["summary"],
        "text": text,
        "resolution": issue["resolution"],
        "created": issue["created"],
        "updated": issue["updated"],
    }


def create(state, doc, ctx):
    values = check_create(state, doc, ctx)
    now = time.time()
    with state.lock:
        issue_id, key = state.new_issue_ids(values["project"])
        issue = dict(
            values,
            id=issue_id,
            key=key,
            project_id=state.projects[values["project"]]["id"],
            status="To Do",
            resolution=None,
            created=now,
            updated=now,
            reporter=dict(ctx.user),
            comments=[],
            history=[],
            created_with="v%d" % ctx.version,
            index=[],
        )
        state.issues[issue_id] = issue
        state.keys[key] = issue_id
        state.reindex(issue, searchable(issue))
    return Answer.json(201, {"id": issue_id, "key": key, "self": ctx.api("issue/%s" % issue_id)})


def get(state, ref, ctx, wanted):
    with state.lock:
        issue = state.issue_by(ref)
        if issue is None:
            raise not_found()
        return Answer.json(200, issue_view(issue, state.projects, ctx, wanted))


def _new_comment(state, body, visibility, ctx, errors):
    if body is None or (isinstance(body, str) and not body.strip()):
        errors["comment"] = "Comment body can not be empty!"
        return None
    stored = accept_rich(body, ctx, "comment", errors)
    if stored is None or errors:
        return None
    return {
        "id": state.new_comment_id(),
        "author": dict(ctx.user),
        "body": stored,
        "created": time.time(),
        "visibility": visibility,
    }


def add_comment(state, ref, doc, ctx):
    if not isinstance(doc, dict):
        raise JiraError(400, ["The request body must be a JSON object."])
    visibility = doc.get("visibility")
    if visibility is not None and not (
        isinstance(visibility, dict)
        and visibility.get("type") in ("role", "group")
        and visibility.get("value")
    ):
        message = 'visibility must be {"type": "role"|"group", "value": <name>}'
        raise JiraError(400, [], {"commentLevel": message})
    with state.lock:
        issue = state.issue_by(ref)
        if issue is None:
            raise not_found()
        errors = {}
        comment = _new_comment(state, doc.get("body"), visibility, ctx, errors)
        if comment is None:
            raise JiraError(400, [], errors)
        issue["comments"].append(comment)
        issue["updated"] = comment["created"]
        state.reindex(issue, searchable(issue))
        return Answer.json(201, comment_view(issue, comment, ctx))


def list_comments(state, ref, ctx):
    with state.lock:
        issue = state.issue_by(ref)
        if issue is None:
            raise not_found()
        comments = [comment_view(issue, c, ctx) for c in issue["comments"]]
    return Answer.json(
        200,
        {"startAt": 0, "maxResults": len(comments), "total": len(comments), "comments": comments},
    )


def list_transitions(state, ref, ctx):
    with state.lock:
        issue = state.issue_by(ref)
        if issue is None:
            raise not_found()
        available = [t for t in TRANSITIONS if t["to"] != issue["status"]]
    return Answer.json(
        200, {"expand": "transitions", "transitions": [transition_view(t, ctx) for t in available]}
    )


def do_transition(state, ref, doc, ctx):
    if not isinstance(doc, dict):
        raise JiraError(400, ["The request body must be a JSON object."])
    wanted = doc.get("transition")
    if not isinstance(wanted, dict) or not wanted.get("id"):
        raise JiraError(400, ["Missing 'transition' identifier"])
    with state.lock:
        issue = state.issue_by(ref)
        if issue is None:
            raise not_found()
        available = {t["id"]: t for t in TRANSITIONS if t["to"] != issue["status"]}
        transition = available.get(str(wanted["id"]))
        if transition is None:
            raise JiraError(400, ["Transition id '%s' is not valid for this issue." % wanted["id"]])
        fields, update = doc.get("fields") or {}, doc.get("update") or {}
        if not isinstance(fields, dict) or not isinstance(update, dict):
            raise JiraError(400, ["fields and update must be JSON objects."])
        errors = {}
        resolution = _transition_fields(fields, transition, errors)
        comments = []
        operations = update.get("comment", [])
        for operation in operations if isinstance(operations, list) else [None]:
            add = operation.get("add") if isinstance(operation, dict) else None
            body = add.get("body") if isinstance(add, dict) else None
            comment = _new_comment(state, body, None, ctx, errors)
            if comment is not None:
                comments.append(comment)
        if errors:
            raise JiraError(400, [], errors)
        issue["history"].append(
            {
                "time": time.time(),
                "transition": transition["id"],
                "from": issue["status"],
                "to": transition["to"],
            }
        )
        issue["status"] = transition["to"]
        issue["resolution"] = (resolution or "Done") if transition["to"] == "Done" else None
        issue["comments"].extend(comments)
        issue["updated"] = time.time()
        state.reindex(issue, searchable(issue))
    return Answer(204)


def _transition_fields(fields, transition, errors):
    resolution = None
    for name, value in fields.items():
        if name not in transition["screen"]:
            errors[name] = NOT_SETTABLE % name
        elif not isinstance(value, dict) or value.get("name") not in RESOLUTIONS:
            errors[name] = "Could not find valid 'id' or 'name' in resolution object."
        else:
            resolution = value["name"]
    return resolution
