"""Fake GitHub REST and Linear GraphQL servers, over real HTTP on 127.0.0.1, for the push
tests (``tests/unit/trackers/test_trackers.py``).

Each keeps its state in memory (issues, labels, sub-issue links, teams), answers as the
real API does for the calls decomposer makes, and checks what a real server would refuse:
the auth header, the JSON payload fields and their types (an integer ``sub_issue_id``
that is an issue's ``id``, not its ``number``; GraphQL input fields that exist). A
request it refuses is answered with the API's error and also noted in ``problems``, which
the tests expect to stay empty. ``fail(...)`` makes the Nth matching request fail: an
HTTP status with the API's error body, a GraphQL error on HTTP 200, or a dropped
connection. ``created`` counts tickets created, so a test sees any duplicate.

Nothing here leaves the machine: the servers bind to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from helpers.local_server import LocalServer, QuietHandler


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict  # lower-case names
    body: Any


@dataclass
class Fault:
    """What the Nth request matching ``method`` and ``path`` (a regex searched in the
    path; for GraphQL, the operation name) gets instead of an answer. ``status`` with
    ``body`` and ``headers``; ``drop``: the connection closes without an answer;
    ``apply``: the request is carried out first (a create that succeeded, then failed)."""

    method: str
    path: str
    nth: int = 1
    status: int = 500
    body: Any = None
    headers: dict = field(default_factory=dict)
    drop: bool = False
    apply: bool = False
    seen: int = 0
    fired: bool = False


class _Server(LocalServer):
    """A threaded HTTP server on 127.0.0.1 that hands parsed requests to ``handle``."""

    def __init__(self):
        self.requests: list[Request] = []
        self.problems: list[str] = []
        self.faults: list[Fault] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(QuietHandler):
            def _serve(self):
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                parts = urllib.parse.urlsplit(self.path)
                request = Request(
                    self.command,
                    parts.path,
                    dict(urllib.parse.parse_qsl(parts.query)),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                with fake.lock:
                    fake.requests.append(request)
                    answer = fake._answer(request)
                if answer is None:  # dropped: close without a status line
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                status, headers, payload = answer
                data = json.dumps(payload).encode() if payload is not None else b""
                self.send_response(status)
                self.send_header("content-type", "application/json; charset=utf-8")
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = _serve

        super().__init__(Handler)

    def fail(self, method: str, path: str, nth: int = 1, status: int = 500, body: Any = None, **kwargs) -> Fault:
        fault = Fault(method, path, nth, status, body, **kwargs)
        self.faults.append(fault)
        return fault

    def _fault_for(self, request: Request, name: str) -> Fault | None:
        for fault in self.faults:
            if not fault.fired and request.method == fault.method and re.search(fault.path, name):
                fault.seen += 1
                if fault.seen == fault.nth:
                    fault.fired = True
                    return fault
        return None

    def _answer(self, request: Request):
        fault = self._fault_for(request, self.fault_name(request))
        if fault is not None and not fault.apply:
            return None if fault.drop else (fault.status, fault.headers, fault.body)
        answer = self.handle(request)
        if fault is not None:
            return None if fault.drop else (fault.status, fault.headers, fault.body)
        return answer

    def fault_name(self, request: Request) -> str:
        return request.path

    def handle(self, request: Request):
        raise NotImplementedError

    def problem(self, text: str) -> None:
        self.problems.append(text)


# --- GitHub ---------------------------------------------------------------------------------

GITHUB_ERROR_422 = {
    "message": "Validation Failed",
    "errors": [{"resource": "Issue", "code": "custom", "field": "body", "message": "body is too long"}],
    "documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue",
    "status": "422",
}
GITHUB_ERROR_500 = {"message": "Server Error"}
GITHUB_ERROR_401 = {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"}
_HEX_COLOUR = re.compile(r"[0-9a-fA-F]{6}")


class FakeGitHub(_Server):
    """One repository, ``owner/name``, that accepts ``Bearer <token>``."""

    def __init__(self, token: str, owner: str = "acme", name: str = "shop"):
        super().__init__()
        self.token, self.owner, self.name = token, owner, name
        self.issues: dict[int, dict] = {}
        self.sub_issues: dict[int, list[int]] = {}  # parent number -> child ids, in order
        self.labels: dict[str, dict] = {}  # by casefolded name
        self.created = 0

    def html_url(self, number: int) -> str:
        return f"{self.url}/{self.owner}/{self.name}/issues/{number}"

    def issue_by_id(self, issue_id: Any) -> dict | None:
        return next((i for i in self.issues.values() if i["id"] == issue_id and type(issue_id) is int), None)

    def _refuse(self, status: int, message: str, problem: str | None = None):
        if problem:
            self.problem(problem)
        return status, {}, {"message": message, "documentation_url": "https://docs.github.com/rest"}

    def handle(self, request: Request):
        headers = request.headers
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {}, GITHUB_ERROR_401
        if headers.get("accept") != "application/vnd.github+json":
            self.problem(f"Accept header {headers.get('accept')!r}")
        if headers.get("x-github-api-version") != "2022-11-28":
            self.problem(f"X-GitHub-Api-Version header {headers.get('x-github-api-version')!r}")
        if request.method in ("POST", "PATCH") and not headers.get("content-type", "").startswith("application/json"):
            self.problem(f"content-type {headers.get('content-type')!r}")
        prefix = f"/repos/{self.owner}/{self.name}"
        if not request.path.startswith(prefix + "/"):
            return self._refuse(404, "Not Found", f"request outside the repository: {request.path}")
        route = request.path[len(prefix) :]
        body = request.body if isinstance(request.body, dict) else {}
        if route == "/labels" and request.method == "POST":
            return self._create_label(body)
        if route == "/issues" and request.method == "POST":
            return self._create_issue(body)
        match = re.fullmatch(r"/issues/([0-9]+)(/sub_issues)?", route)
        if match is None:
            return self._refuse(404, "Not Found", f"unknown route {request.method} {request.path}")
        issue = self.issues.get(int(match.group(1)))
        if issue is None:
            return self._refuse(404, "Not Found")
        if match.group(2):
            if request.method == "GET":
                if request.query.get("per_page") not in (None, "100"):
                    self.problem(f"per_page {request.query.get('per_page')!r}")
                return 200, {}, [self.issue_by_id(i) for i in self.sub_issues.get(issue["number"], [])]
            if request.method == "POST":
                return self._add_sub_issue(issue, body)
        elif request.method == "GET":
            return 200, {}, issue
        elif request.method == "PATCH":
            return self._update_issue(issue, body)
        return self._refuse(404, "Not Found", f"unknown route {request.method} {request.path}")

    def _check_issue_fields(self, body: dict, *, create: bool) -> str | None:
        allowed = {"title", "body", "labels"}
        if set(body) - allowed:
            return f"unexpected issue fields {sorted(set(body) - allowed)}"
        if create and not (isinstance(body.get("title"), str) and body["title"]):
            return "an issue needs a title"
        if "title" in body and (not isinstance(body["title"], str) or len(body["title"]) > 256):
            return "title must be a string of at most 256 characters"
        if "body" in body and (not isinstance(body["body"], str) or len(body["body"]) > 65536):
            return "body must be a string of at most 65536 characters"
        labels = body.get("labels", [])
        if not isinstance(labels, list) or not all(isinstance(name, str) for name in labels):
            return "labels must be an array of strings"
        missing = [name for name in labels if name.casefold() not in self.labels]
        if missing:  # the real API would make grey labels: decomposer creates them first
            return f"labels used before they were created: {missing}"
        return None

    def _labels(self, names: list[str]) -> list[dict]:
        return [self.labels[name.casefold()] for name in names]

    def _create_issue(self, body: dict):
        problem = self._check_issue_fields(body, create=True)
        if problem:
            return self._refuse(422, "Validation Failed", problem)
        number = max(self.issues, default=0) + 1
        issue = {
            "id": 7000 + number * 13,
            "node_id": f"I_{number}",
            "number": number,
            "title": body["title"],
            "body": body.get("body", ""),
            "labels": self._labels(body.get("labels", [])),
            "state": "open",
            "html_url": self.html_url(number),
            "url": f"{self.url}/repos/{self.owner}/{self.name}/issues/{number}",
        }
        self.issues[number] = issue
        self.created += 1
        return 201, {"location": issue["url"]}, issue

    def _update_issue(self, issue: dict, body: dict):
        problem = self._check_issue_fields(body, create=False)
        if problem:
            return self._refuse(422, "Validation Failed", problem)
        for name in ("title", "body"):
            if name in body:
                issue[name] = body[name]
        if "labels" in body:
            issue["labels"] = self._labels(body["labels"])
        return 200, {}, issue

    def _create_label(self, body: dict):
        name, colour = body.get("name"), body.get("color")
        if not isinstance(name, str) or not name or len(name) > 50:
            return self._refuse(422, "Validation Failed", f"label name {name!r}")
        if not isinstance(colour, str) or not _HEX_COLOUR.fullmatch(colour):
            return self._refuse(422, "Validation Failed", f"label colour {colour!r}")
        if name.casefold() in self.labels:
            return (
                422,
                {},
                {
                    "message": "Validation Failed",
                    "errors": [{"resource": "Label", "code": "already_exists", "field": "name"}],
                },
            )
        self.labels[name.casefold()] = {
            "id": 500 + len(self.labels),
            "name": name,
            "color": colour,
            "description": body.get("description"),
        }
        return 201, {}, self.labels[name.casefold()]

    def _add_sub_issue(self, parent: dict, body: dict):
        child_id = body.get("sub_issue_id")
        if type(child_id) is not int:
            return self._refuse(
                422,
                f"Invalid request. For 'properties/sub_issue_id', {child_id!r} is not an integer.",
                f"sub_issue_id {child_id!r} is not an integer",
            )
        child = self.issue_by_id(child_id)
        if child is None:
            return self._refuse(
                422, "Validation Failed", f"sub_issue_id {child_id} is no issue's id (an issue number instead?)"
            )
        if child["number"] == parent["number"]:
            return self._refuse(422, "Validation Failed", "an issue cannot be its own sub-issue")
        for children in self.sub_issues.values():
            if child_id in children:
                return self._refuse(
                    422, "Validation Failed", f"#{child['number']} is already a sub-issue (linked twice)"
                )
        self.sub_issues.setdefault(parent["number"], []).append(child_id)
        return 201, {}, parent


# --- Linear ---------------------------------------------------------------------------------

LINEAR_CREATE_FIELDS = {"teamId", "title", "description", "priority", "estimate", "parentId", "labelIds", "id"}
LINEAR_UPDATE_FIELDS = LINEAR_CREATE_FIELDS - {"teamId", "id"}


def graphql_error(message: str, code: str = "INVALID_INPUT") -> dict:
    return {"errors": [{"message": message, "extensions": {"code": code, "type": "invalid input"}}], "data": None}


class FakeLinear(_Server):
    """A workspace with ``teams`` ([(id, key, name, estimation type)]) that accepts
    ``Authorization: <key>`` (no "Bearer")."""

    def __init__(self, api_key: str, teams: list[tuple[str, str, str, str]] | None = None):
        super().__init__()
        self.api_key = api_key
        self.teams = [
            {"id": i, "key": k, "name": n, "issueEstimationType": e}
            for i, k, n, e in (
                teams
                or [
                    ("team-eng-uuid", "ENG", "Engineering", "fibonacci"),
                    ("team-ops-uuid", "OPS", "Operations", "notUsed"),
                ]
            )
        ]
        self.issues: dict[str, dict] = {}  # by uuid
        self.created = 0

    def fault_name(self, request: Request) -> str:
        body = request.body if isinstance(request.body, dict) else {}
        return str(body.get("operationName"))

    def issue(self, ref: str) -> dict | None:
        return self.issues.get(ref) or next((i for i in self.issues.values() if i["identifier"] == ref), None)

    def view(self, issue: dict) -> dict:
        parent = self.issues.get(issue["parentId"]) if issue.get("parentId") else None
        return {
            **{k: v for k, v in issue.items() if k not in ("parentId", "teamId")},
            "parent": {"id": parent["id"]} if parent else None,
            "team": {"id": issue["teamId"]},
        }

    def handle(self, request: Request):
        if request.headers.get("authorization") != self.api_key:
            return 400, {}, graphql_error("Authentication required, not authenticated", "AUTHENTICATION_ERROR")
        if request.method != "POST" or request.path not in ("/", "/graphql"):
            self.problem(f"{request.method} {request.path}")
            return 404, {}, None
        body = request.body if isinstance(request.body, dict) else {}
        operation, query, variables = body.get("operationName"), body.get("query"), body.get("variables")
        if not isinstance(query, str) or not isinstance(variables, dict):
            self.problem(f"not a GraphQL request: {body!r}")
            return 400, {}, graphql_error("Must provide query string.")
        handlers: dict[str, Callable[[dict], Any]] = {
            "Teams": self._teams,
            "Issue": self._issue,
            "IssueCreate": self._create,
            "IssueUpdate": self._update,
        }
        if (
            operation not in handlers
            or f"{'query' if operation in ('Teams', 'Issue') else 'mutation'} {operation}" not in query
        ):
            self.problem(f"unknown operation {operation!r}")
            return 400, {}, graphql_error(f"Unknown operation {operation!r}", "GRAPHQL_VALIDATION_FAILED")
        return 200, {}, handlers[operation](variables)

    def _teams(self, variables: dict):
        return {"data": {"teams": {"nodes": self.teams, "pageInfo": {"hasNextPage": False, "endCursor": None}}}}

    def _issue(self, variables: dict):
        issue = self.issue(str(variables.get("id")))
        if issue is None:
            return graphql_error("Entity not found: Issue", "NOT_FOUND")
        return {"data": {"issue": self.view(issue)}}

    def _check_input(self, fields: Any, allowed: set[str]) -> str | None:
        if not isinstance(fields, dict):
            return "input must be an object"
        unknown = set(fields) - allowed
        if unknown:
            return f"Field {sorted(unknown)[0]!r} is not defined by the input type"
        for name in ("priority", "estimate"):
            if name in fields and type(fields[name]) is not int:
                return f"{name} must be an Int, got {fields[name]!r}"
        if "priority" in fields and not 0 <= fields["priority"] <= 4:
            return f"priority {fields['priority']} is not 0 to 4"
        if "parentId" in fields and fields["parentId"] not in self.issues:
            return f"parentId {fields['parentId']!r} is no issue"
        for name in ("title", "description"):
            if name in fields and not isinstance(fields[name], str):
                return f"{name} must be a String"
        return None

    def _create(self, variables: dict):
        fields = variables.get("input")
        problem = self._check_input(fields, LINEAR_CREATE_FIELDS)
        team = next((t for t in self.teams if isinstance(fields, dict) and t["id"] == fields.get("teamId")), None)
        if problem is None and team is None:
            problem = f"teamId {fields.get('teamId')!r} is no team"
        if problem is None and not fields.get("title"):
            problem = "title is required"
        if problem:
            self.problem(problem)
            return graphql_error(problem)
        number = 1 + sum(1 for i in self.issues.values() if i["teamId"] == team["id"])
        identifier = f"{team['key']}-{number}"
        uuid = f"issue-uuid-{len(self.issues) + 1:04d}"
        self.issues[uuid] = {
            "id": uuid,
            "identifier": identifier,
            "url": f"https://linear.app/acme/issue/{identifier}/x",
            "title": fields["title"],
            "description": fields.get("description", ""),
            "priority": fields.get("priority", 0),
            "estimate": fields.get("estimate"),
            "parentId": fields.get("parentId"),
            "teamId": team["id"],
        }
        self.created += 1
        issue = self.issues[uuid]
        return {"data": {"issueCreate": {"success": True, "issue": {k: issue[k] for k in ("id", "identifier", "url")}}}}

    def _update(self, variables: dict):
        issue = self.issues.get(str(variables.get("id")))
        fields = variables.get("input")
        problem = None if issue is not None else f"issueUpdate id {variables.get('id')!r} is no issue's id"
        problem = problem or self._check_input(fields, LINEAR_UPDATE_FIELDS)
        if problem:
            self.problem(problem)
            return graphql_error(problem)
        issue.update(fields)
        return {"data": {"issueUpdate": {"success": True, "issue": {k: issue[k] for k in ("id", "identifier", "url")}}}}
