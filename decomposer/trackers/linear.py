"""Push a plan to Linear over its GraphQL API (``--to linear --push --team KEY``).

First the team: ``--team`` is matched against every team's key, name or id (a query, so
the dry run, which sends nothing, takes ``--team`` for the key). Then the plan's parent
issue, then each subtask in dependency order as its child (``parentId``), with "Blocked
by ENG-12" lines Linear links by itself, priority from the risk and an estimate on the
team's own scale (none when the team does not use estimates); then the parent's
description once every identifier is known. Linear labels are not set: they need label
ids a workspace defines, and the autonomy level is in the description.

A ticket whose ``tracker`` has an entry for this team (system ``linear``, key
``<TEAM KEY>-<n>``) is looked up (``issue(id: "ENG-12")``, which also checks it is in
this team) and updated with ``issueUpdate`` where it differs; else ``issueCreate``.

Requests: ``POST`` to ``https://api.linear.app/graphql`` (``--api-url`` to change it)
with ``Authorization: <LINEAR_API_KEY>``. GraphQL reports errors in an ``errors`` array,
also with HTTP 200: every answer is checked for it, and mutations for ``success``.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from decomposer.check.validate import Report
from decomposer.exporters.linear import TITLE_LIMIT, estimate, priority
from decomposer.exporters.tickets import (
    PARENT,
    creation_order,
    delegable_indexes,
    plan_body,
    plan_title,
    subtask_body,
    subtask_title,
)
from decomposer.plan.pointers import as_dict
from decomposer.text import one_line, shorten
from decomposer.trackers import entries
from decomposer.trackers.http import HttpClient, TrackerError, api_message, check_api_url
from decomposer.trackers.push import Recorder, Result, Step, title_shown

SYSTEM = "linear"
API_URL = "https://api.linear.app/graphql"
TOKEN_VARIABLES = ("LINEAR_API_KEY",)
TOKEN_HINT = "a Linear API key in LINEAR_API_KEY"
RATE_LIMITED = "RATELIMITED"

TEAMS = """query Teams($after: String) {
  teams(first: 100, after: $after) {
    nodes { id key name issueEstimationType }
    pageInfo { hasNextPage endCursor }
  }
}"""
ISSUE = """query Issue($id: String!) {
  issue(id: $id) { id identifier url title description priority estimate parent { id } team { id } }
}"""
ISSUE_CREATE = """mutation IssueCreate($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { id identifier url } }
}"""
ISSUE_UPDATE = """mutation IssueUpdate($id: String!, $input: IssueUpdateInput!) {
  issueUpdate(id: $id, input: $input) { success issue { id identifier url } }
}"""

Key = Any  # PARENT ("plan") or a subtask's position


def target_from_args(args: Any) -> dict:
    """``{"team": --team, "api_url": …}``; ``ValueError`` when unusable."""
    if getattr(args, "repo", None):
        raise ValueError("--repo is for GitHub; Linear takes --team KEY")
    team = (getattr(args, "team", None) or "").strip()
    if not team:
        raise ValueError("--push --to linear needs --team KEY (the team's key, e.g. ENG, or its name)")
    return {"team": team, "api_url": check_api_url(getattr(args, "api_url", None) or API_URL)}


def _is_rate_limited(body: Any) -> bool:
    errors = body.get("errors") if isinstance(body, dict) else None
    return any(
        isinstance(e, dict) and isinstance(e.get("extensions"), dict) and e["extensions"].get("code") == RATE_LIMITED
        for e in errors or []
    )


class Pusher:
    """The steps of one push of ``plan`` (checked: ``report``) to a Linear team."""

    def __init__(self, plan: dict, report: Report, recorder: Recorder, target: dict):
        self.plan, self.recorder = plan, recorder
        self.team_arg, self.api_url = target["team"], target["api_url"]
        # Until the team is looked up, --team stands for its key (the dry run sends nothing).
        self.team: dict = {"id": None, "key": self.team_arg.upper(), "name": self.team_arg, "issueEstimationType": None}
        self.delegable = delegable_indexes(report)
        self.order = creation_order(plan)
        self._client: HttpClient | None = None  # made by connect()
        self.identifiers: dict[Key, str] = {}
        self.uuids: dict[Key, str] = {}  # Linear's id of each issue, learnt from its create or lookup
        self.parent_description_sent: str | None = None
        self._find_recorded()

    def _find_recorded(self) -> None:
        self.identifiers = {}
        for key in (PARENT, *self.order):
            entry = entries.find(self._container(key), self.matches)
            if entry is not None:
                self.identifiers[key] = entry["key"]

    def matches(self, entry: dict) -> bool:
        """Whether ``entry`` is a ticket of this team: ``<team key>-<number>``."""
        key = entry.get("key")
        return (
            entry.get("system") == SYSTEM
            and isinstance(key, str)
            and re.fullmatch(re.escape(self.team["key"]) + r"-[1-9][0-9]*", key, re.IGNORECASE) is not None
        )

    # --- what the plan becomes --------------------------------------------------------------

    def _container(self, key: Key) -> dict:
        return self.plan if key == PARENT else self.plan["subtasks"][key]

    def _subject(self, key: Key) -> str:
        return PARENT if key == PARENT else one_line(shorten(str(self.plan["subtasks"][key]["id"]), 20))

    def _title(self, key: Key) -> str:
        return (
            plan_title(self.plan, TITLE_LIMIT)
            if key == PARENT
            else subtask_title(self.plan["subtasks"][key], TITLE_LIMIT)
        )

    def _description(self, key: Key) -> str:
        refs = {self.plan["subtasks"][k]["id"]: ident for k, ident in self.identifiers.items() if k != PARENT}
        if key == PARENT:
            return plan_body(self.plan, refs, self.delegable)
        return subtask_body(self.plan, key, refs, key in self.delegable)

    def _fields(self, key: Key) -> dict:
        """The fields decomposer sets (``IssueCreateInput`` / ``IssueUpdateInput``), less
        teamId."""
        fields: dict[str, Any] = {"title": self._title(key), "description": self._description(key)}
        if key != PARENT:
            subtask = self.plan["subtasks"][key]
            fields["priority"] = priority(subtask)
            points = estimate(subtask, self.team["issueEstimationType"])  # None on "notUsed"
            if points is not None:
                fields["estimate"] = points
            if PARENT in self.uuids:
                fields["parentId"] = self.uuids[PARENT]
        return fields

    def where(self) -> str:
        host = urllib.parse.urlsplit(self.api_url).netloc
        team = self.team["key"] if self.team["id"] is None else f"{self.team['key']} ({self.team['name']})"
        return f"Linear team {one_line(shorten(team, 60))}" + ("" if self.api_url == API_URL else f" at {host}")

    def preflight(self) -> list[str]:
        return []

    def notes(self) -> list[str]:
        notes = []
        elsewhere = sum(len(entries.others(self._container(key), self.matches)) for key in (PARENT, *self.order))
        if elsewhere:
            notes.append(
                f"{elsewhere} ticket{'s' if elsewhere != 1 else ''} recorded for other trackers or teams "
                f"{'are' if elsewhere != 1 else 'is'} left as {'they are' if elsewhere != 1 else 'it is'}"
            )
        if self.team["id"] is None:
            notes.append(
                f"--team {one_line(shorten(self.team_arg, 40))!r} is taken as the team's key here; the push "
                "looks the team up by key or name first"
            )
        return notes

    # --- steps ------------------------------------------------------------------------------

    def steps(self) -> list[Step]:
        steps = [self._ticket_step(key) for key in (PARENT, *self.order)]
        steps.append(
            Step("finish", PARENT, "put every subtask's identifier in the plan issue's description", self._finish)
        )
        return steps

    def _ticket_step(self, key: Key) -> Step:
        existing = self.identifiers.get(key)
        summary = (f"{one_line(existing)} " if existing else "") + title_shown(self._title(key))
        if key != PARENT:
            subtask = self.plan["subtasks"][key]
            summary += f" · priority {priority(subtask)}"
            points = estimate(subtask, self.team["issueEstimationType"])
            if points is not None:
                summary += f" · estimate {points}"
            summary += " · child of the plan issue"
            positions = {self.plan["subtasks"][i]["id"]: i for i in self.order}
            deps = subtask.get("depends_on") or []
            if deps:
                summary += " · blocked by " + ", ".join(
                    f"{one_line(dep)} ({one_line(self.identifiers[positions[dep]])})"
                    if positions.get(dep) in self.identifiers
                    else f"{one_line(dep)} (created before it)"
                    for dep in deps
                )
        if existing:
            return Step("update", self._subject(key), summary, lambda: self._update(key))
        return Step("create", self._subject(key), summary, lambda: self._create(key))

    def _graphql(self, operation: str, query: str, variables: dict, *, mutation: bool, what: str) -> dict:
        """The ``data`` of a GraphQL answer; ``TrackerError`` for ``errors`` (even on HTTP 200)."""
        answer = self.client.request(
            "POST",
            "",
            idempotent=not mutation,
            what=what,
            json_body={"query": query, "variables": variables, "operationName": operation},
        )
        if not isinstance(answer, dict):
            raise self.client.error(what, "the answer is not a GraphQL response")
        if answer.get("errors"):
            raise self.client.error(what, api_message(answer) or "GraphQL error", body=answer)
        data = answer.get("data")
        if not isinstance(data, dict):
            raise self.client.error(what, "the answer has no data")
        return data

    def _saved_issue(self, data: dict, field: str, what: str) -> dict:
        payload = data.get(field)
        issue = payload.get("issue") if isinstance(payload, dict) else None
        if not (
            isinstance(payload, dict)
            and payload.get("success") is True
            and isinstance(issue, dict)
            and all(isinstance(issue.get(k), str) for k in ("id", "identifier", "url"))
        ):
            raise self.client.error(what, f"{field} did not succeed")
        return issue

    def _create(self, key: Key) -> Result:
        subject = self._subject(key)
        what = f"creating the issue for {subject}"
        fields = {"teamId": self.team["id"], **self._fields(key)}
        data = self._graphql("IssueCreate", ISSUE_CREATE, {"input": fields}, mutation=True, what=what)
        issue = self._saved_issue(data, "issueCreate", what)
        self.identifiers[key], self.uuids[key] = issue["identifier"], issue["id"]
        if key == PARENT:
            self.parent_description_sent = fields["description"]
        self.recorder.record(
            self._container(key),
            {"system": SYSTEM, "key": issue["identifier"], "url": issue["url"]},
            self.matches,
            what=f"the issue for {subject}",
        )
        return Result("created", f"{one_line(issue['identifier'])} {one_line(issue['url'])}")

    def _update(self, key: Key) -> Result:
        subject, identifier = self._subject(key), self.identifiers[key]
        what = f"reading {identifier} of {subject}"
        current = self._graphql("Issue", ISSUE, {"id": identifier}, mutation=False, what=what).get("issue")
        if not isinstance(current, dict) or not isinstance(current.get("id"), str):
            raise TrackerError(
                f"Linear has no issue {one_line(identifier)}, recorded for {subject}: remove that "
                "tracker entry to create a new one"
            )
        team = as_dict(current.get("team"))
        if team.get("id") != self.team["id"]:
            raise TrackerError(
                f"Linear issue {one_line(identifier)}, recorded for {subject}, is not in team "
                f"{one_line(self.team['key'])} any more: fix or remove that tracker entry"
            )
        self.uuids[key] = current["id"]
        fields = self._fields(key)
        if key == PARENT:
            self.parent_description_sent = fields["description"]
        parent = as_dict(current.get("parent"))
        now = {**current, "parentId": parent.get("id"), "description": current.get("description") or ""}
        changes = {name: value for name, value in fields.items() if now.get(name) != value}
        url = current.get("url")
        url = url if isinstance(url, str) else ""
        if not changes:
            return Result("unchanged", f"{one_line(identifier)} {one_line(url)}")
        what = f"updating {identifier} of {subject}"
        data = self._graphql(
            "IssueUpdate", ISSUE_UPDATE, {"id": current["id"], "input": changes}, mutation=True, what=what
        )
        issue = self._saved_issue(data, "issueUpdate", what)
        return Result("updated", f"{one_line(issue['identifier'])} {one_line(issue['url'])}")

    def _finish(self) -> Result:
        identifier = self.identifiers[PARENT]
        description = self._description(PARENT)
        if description == self.parent_description_sent:
            return Result("done", f"{one_line(identifier)} already lists every subtask's issue")
        what = f"updating the description of {identifier}"
        data = self._graphql(
            "IssueUpdate",
            ISSUE_UPDATE,
            {"id": self.uuids[PARENT], "input": {"description": description}},
            mutation=True,
            what=what,
        )
        self._saved_issue(data, "issueUpdate", what)
        self.parent_description_sent = description
        return Result("done", f"{one_line(identifier)} now lists every subtask's issue")

    # --- connection -------------------------------------------------------------------------

    def connect(self, token: str) -> HttpClient:
        self._client = HttpClient(
            self.api_url,
            {"Authorization": token, "Content-Type": "application/json"},
            name="Linear",
            secret=token,
            is_rate_limited=_is_rate_limited,
        )
        return self._client

    @property
    def client(self) -> HttpClient:
        """The connection the steps talk through; they run only once ``connect`` made it."""
        if self._client is None:
            raise RuntimeError("the push to Linear is not connected: call connect() before running its steps")
        return self._client

    def prepare(self) -> None:
        """Look the team up by key, name or id; then find the tickets recorded for it."""
        teams, after = [], None
        while True:
            data = self._graphql("Teams", TEAMS, {"after": after}, mutation=False, what="listing teams")
            page = as_dict(data.get("teams"))
            teams += [
                t
                for t in page.get("nodes") or []
                if isinstance(t, dict) and isinstance(t.get("id"), str) and isinstance(t.get("key"), str)
            ]
            info = as_dict(page.get("pageInfo"))
            # A cursor that does not move would list the same page for ever.
            if not info.get("hasNextPage") or not info.get("endCursor") or info["endCursor"] == after:
                break
            after = info["endCursor"]
        wanted = self.team_arg.casefold()
        found = next((t for t in teams if t["key"].casefold() == wanted), None) or next(
            (t for t in teams if wanted in (str(t.get("name", "")).casefold(), t["id"].casefold())), None
        )
        if found is None:
            known = ", ".join(one_line(shorten(f"{t['key']} ({t.get('name', '')})", 40)) for t in teams[:10])
            raise TrackerError(
                f"Linear has no team with key, name or id {one_line(shorten(self.team_arg, 40))!r}"
                + (f"; teams: {known}" if known else "; the key sees no teams"),
                usage=True,
            )
        self.team = {
            "id": found["id"],
            "key": found["key"],
            "name": str(found.get("name", "")),
            "issueEstimationType": found.get("issueEstimationType"),
        }
        self._find_recorded()
