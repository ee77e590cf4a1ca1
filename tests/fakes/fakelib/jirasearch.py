"""Search: Cloud's /search/jql (token paging, ids only unless fields are named,
eventually consistent) and Data Center's /rest/api/2/search (startAt/total).

Cloud removed the old /rest/api/{2,3}/search: it answers 410 Gone.
"""

import base64
import time

from . import jql
from .httpbase import Answer
from .jiraissues import searchable
from .jirastate import ISSUE_TYPES, PRIORITIES, STATUSES
from .jiraview import JiraError, fields_view

REMOVED = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at "
    "https://developer.atlassian.com/changelog/#CHANGE-2046"
)
UNBOUNDED = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)
CLOUD_MAX_RESULTS = 5000
DC_MAX_RESULTS = 1000
MAX_RECONCILE = 50
CATEGORY_NAMES = {"to do", "new", "in progress", "indeterminate", "done"}


def removed():
    return JiraError(410, [REMOVED])


def _list_param(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
        return [str(v) for v in value]
    raise JiraError(
        400, ["Invalid request payload. Refer to the REST API documentation and try again."]
    )


def _int_param(value, default, name):
    if value is None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise JiraError(400, ["The %s parameter must be a number." % name]) from None


def _parse(state, text):
    try:
        query = jql.parse(text)
    except jql.JqlError as err:
        raise JiraError(400, [str(err)]) from None
    known = {
        "project": {v.lower() for p in state.projects.values() for v in (p["key"], p["id"])},
        "status": {s.lower() for s in STATUSES},
        "statusCategory": CATEGORY_NAMES,
        "issuetype": {t.lower() for t in ISSUE_TYPES},
        "priority": {p.lower() for p in PRIORITIES},
    }
    for field, values in known.items():
        for value in jql.field_values(query.where, field):
            if value.lower() not in values:
                raise JiraError(
                    400, ["The value '%s' does not exist for the field '%s'." % (value, field)]
                )
    return query


def _matches(state, query, reconcile):
    """(issue, searchable) pairs in result order, as the index sees them now."""
    now = time.time()
    found = []
    for issue in state.issues.values():
        visible = [s for at, s in issue["index"] if at <= now]
        if issue["id"] in reconcile:
            view = searchable(issue)
        elif visible:
            view = visible[-1]
        else:
            continue
        if jql.evaluate(query.where, view):
            found.append((issue, view))
    # Newest first when nothing else decides, as equal creation times can happen.
    found.sort(key=lambda pair: int(pair[0]["id"]), reverse=True)
    order = query.order or [("created", True)]
    for field, descending in reversed(order):
        found.sort(key=lambda pair: _sort_key(pair[1], field), reverse=descending)
    return found


def _sort_key(view, field):
    if field == "key":
        project, _, number = view["key"][0].partition("-")
        return (project, int(number))
    if field == "priority":
        return PRIORITIES[view["priority"]]
    return view[field]


def _wanted(fields, default):
    if not fields:
        return default
    if "*all" in fields or "*navigable" in fields:
        return None
    return fields


def cloud_search(state, params, ctx):
    """GET (query parameters) or POST (JSON body) /rest/api/{2,3}/search/jql."""
    text = params.get("jql")
    if not isinstance(text, str) or not text.strip():
        raise JiraError(
            400,
            [UNBOUNDED],
        )
    fields = _list_param(params.get("fields"))
    reconcile = set(_list_param(params.get("reconcileIssues")))
    if len(reconcile) > MAX_RECONCILE:
        raise JiraError(400, ["reconcileIssues can hold at most 50 issue ids."])
    max_results = _int_param(params.get("maxResults"), 50, "maxResults")
    max_results = min(max(max_results, 1), CLOUD_MAX_RESULTS)
    start = _decode_token(params.get("nextPageToken"))
    with state.lock:
        query = _parse(state, text)
        found = _matches(state, query, reconcile)
        page = found[start : start + max_results]
        wanted = _wanted([f for f in fields if f not in ("id", "key")], [])
        issues = []
        for issue, _ in page:
            item = {"id": issue["id"]}
            if fields and fields != ["id"]:
                item.update(
                    expand="",
                    self=ctx.api("issue/%s" % issue["id"]),
                    key=issue["key"],
                    fields=fields_view(issue, state.projects, ctx, wanted),
                )
            issues.append(item)
    document = {"issues": issues, "isLast": start + max_results >= len(found)}
    if not document["isLast"]:
        document["nextPageToken"] = _encode_token(start + max_results)
    return Answer.json(200, document)


def approximate_count(state, params):
    text = params.get("jql")
    if not isinstance(text, str) or not text.strip():
        raise JiraError(
            400,
            [UNBOUNDED],
        )
    with state.lock:
        query = _parse(state, text)
        return Answer.json(200, {"count": len(_matches(state, query, set()))})


def dc_search(state, params, ctx):
    """GET or POST /rest/api/2/search on Data Center: startAt, maxResults, total."""
    fields = _list_param(params.get("fields"))
    start = _int_param(params.get("startAt"), 0, "startAt")
    max_results = min(
        max(_int_param(params.get("maxResults"), 50, "maxResults"), 0), DC_MAX_RESULTS
    )
    with state.lock:
        query = _parse(state, _dc_jql(params.get("jql")))
        found = _matches(state, query, set())
        page = found[max(start, 0) : max(start, 0) + max_results]
        wanted = _wanted([f for f in fields if f not in ("id", "key")], None)
        issues = [
            {
                "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
                "id": issue["id"],
                "self": ctx.api("issue/%s" % issue["id"]),
                "key": issue["key"],
                "fields": fields_view(issue, state.projects, ctx, wanted),
            }
            for issue, _ in page
        ]
    return Answer.json(
        200,
        {
            "expand": "names,schema",
            "startAt": start,
            "maxResults": max_results,
            "total": len(found),
            "issues": issues,
        },
    )


def _dc_jql(value):
    if value is not None and not isinstance(value, str):
        raise JiraError(400, ["jql must be a string."])
    return value or ""


def _encode_token(offset):
    return base64.urlsafe_b64encode(("page:%d" % offset).encode()).decode()


def _decode_token(token):
    if token in (None, ""):
        return 0
    try:
        text = base64.urlsafe_b64decode(str(token).encode()).decode()
        if text.startswith("page:"):
            return int(text[5:])
    except (ValueError, UnicodeDecodeError):
        pass
    raise JiraError(400, ["The provided next page token is invalid or expired."])
