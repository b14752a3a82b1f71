"""Push a plan to GitHub issues over the REST API (``--to github --push --repo OWNER/NAME``).

Order: the labels (created when missing, so they get decomposer's colours: creating an
issue with an unknown label would make a grey one), the plan's parent issue, each subtask
in dependency order (so "Blocked by #N" can name every prerequisite), then the sub-issue
links (``POST .../issues/{parent}/sub_issues`` with the child's integer ``id``, which is not
its ``number``), then the parent's body once every number is known.

A subtask whose ``tracker`` has an entry for this repository (system ``github``, key ``#N``,
a URL ``…/OWNER/NAME/issues/N``) is updated instead of created: ``GET`` the issue (for its
``id`` and what it says now), then ``PATCH`` only what differs. Labels a person added on
GitHub stay; only decomposer's own ``autonomy:`` and ``estimate:`` labels are replaced. The
GET also checks that the issue found is the one recorded (same URL), so a plan pushed to
the same OWNER/NAME on two GitHub hosts cannot update the wrong issues. Entries for other
repositories are left as they are.

Requests: ``Authorization: Bearer <token>``, ``Accept: application/vnd.github+json``,
``X-GitHub-Api-Version: 2022-11-28``; the base URL is ``--api-url`` for GitHub Enterprise
(``https://HOST/api/v3``).
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from typing import Any, TypeGuard

from decomposer.check.validate import Report
from decomposer.exporters.tickets import (
    PARENT,
    creation_order,
    delegable_indexes,
    label_family,
    mappings,
    plan_body,
    plan_title,
    subtask_body,
    subtask_labels,
    subtask_title,
)
from decomposer.text import one_line, shorten
from decomposer.trackers import entries
from decomposer.trackers.http import HttpClient, TrackerError, check_api_url
from decomposer.trackers.push import Recorder, Result, Step, title_shown

SYSTEM = "github"
API_URL = "https://api.github.com"
TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN")
TOKEN_HINT = "a token in GITHUB_TOKEN or GH_TOKEN that may write the repository's issues"
HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
OWN_LABEL_FAMILIES = ("autonomy", "estimate")
# GitHub's rules for names: an owner is letters, digits and single hyphens (at most 39);
# a repository is letters, digits, ".", "-" and "_" (never "." or "..").
_REPO = re.compile(r"([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/([A-Za-z0-9._-]{1,100})")
_KEY = re.compile(r"#([1-9][0-9]*)")
_ISSUE_PATH = re.compile(r"/([^/]+)/([^/]+)/issues/([1-9][0-9]*)/?")
_WORST_REFERENCE = "#99999999"  # the longest issue reference a body can get, for the length check

Key = Any  # PARENT ("plan") or a subtask's position


@dataclass(frozen=True)
class Repo:
    owner: str
    name: str
    api_url: str

    def __str__(self) -> str:
        return f"{self.owner}/{self.name}"

    def path(self, suffix: str) -> str:
        return f"/repos/{self.owner}/{self.name}{suffix}"

    def number(self, entry: dict) -> int | None:
        """The issue number of ``entry`` when it is a ticket in this repository."""
        key, url = entry.get("key"), entry.get("url")
        if entry.get("system") != SYSTEM or not isinstance(key, str) or not isinstance(url, str):
            return None
        match = _KEY.fullmatch(key)
        if match is None:
            return None
        path = _ISSUE_PATH.fullmatch(urllib.parse.urlsplit(url).path)
        if path is None or int(path.group(3)) != int(match.group(1)):
            return None
        same = path.group(1).casefold() == self.owner.casefold() and path.group(2).casefold() == self.name.casefold()
        return int(match.group(1)) if same else None

    def matches(self, entry: dict) -> bool:
        return self.number(entry) is not None


def target_from_args(args: Any) -> Repo:
    """The repository from ``--repo`` (and ``--api-url``); ``ValueError`` when unusable."""
    if getattr(args, "team", None):
        raise ValueError("--team is for Linear; GitHub takes --repo OWNER/NAME")
    text = getattr(args, "repo", None)
    if not text:
        raise ValueError("--push --to github needs --repo OWNER/NAME")
    match = _REPO.fullmatch(text)
    if match is None or match.group(2) in (".", ".."):
        raise ValueError(f"--repo {one_line(shorten(text, 80))!r} is not OWNER/NAME (e.g. acme/shop)")
    return Repo(match.group(1), match.group(2), check_api_url(getattr(args, "api_url", None) or API_URL))


def _whole_number(value: object) -> TypeGuard[int]:
    """An int in JSON's sense: ``True`` is an int to Python, not to GitHub."""
    return isinstance(value, int) and not isinstance(value, bool)


def _issue(client: HttpClient, answer: Any, what: str) -> tuple[int, int, str]:
    """(number, id, html_url) from an issue in an answer."""
    if isinstance(answer, dict):
        number, issue_id, url = answer.get("number"), answer.get("id"), answer.get("html_url")
        if _whole_number(number) and _whole_number(issue_id) and isinstance(url, str):
            return number, issue_id, url
    raise client.error(what, "the answer has no issue number, id and URL")


def _label_names(issue: dict) -> list[str]:
    labels = issue.get("labels")
    names = [label.get("name") if isinstance(label, dict) else label for label in labels or []]
    return [name for name in names if isinstance(name, str)]


def merged_labels(current: list[str], wanted: list[str]) -> list[str]:
    """The labels an updated issue keeps: what it has, less decomposer's own labels that
    are no longer wanted (an autonomy level that changed), plus what is wanted."""
    wanted_folded = {name.casefold() for name in wanted}
    kept = [
        name for name in current if name.casefold() in wanted_folded or label_family(name) not in OWN_LABEL_FAMILIES
    ]
    kept_folded = {name.casefold() for name in kept}
    return kept + [name for name in wanted if name.casefold() not in kept_folded]


class Pusher:
    """The steps of one push of ``plan`` (checked: ``report``) to ``repo``."""

    def __init__(self, plan: dict, report: Report, recorder: Recorder, repo: Repo):
        self.plan, self.recorder, self.repo = plan, recorder, repo
        self.limits = mappings()["github"]["limits"]
        self.delegable = delegable_indexes(report)
        self.order = creation_order(plan)
        self._client: HttpClient | None = None  # made by connect()
        self.numbers: dict[Key, int] = {}
        self.urls: dict[Key, str] = {}
        self.ids: dict[Key, int] = {}  # GitHub's id of each issue, learnt from its create or GET
        self.parent_body_sent: str | None = None
        for key in (PARENT, *self.order):
            entry = entries.find(self._container(key), self.repo.matches)
            # find() matched the entry by its number, so a found entry has one.
            number = self.repo.number(entry) if entry is not None else None
            if entry is not None and number is not None:
                self.numbers[key], self.urls[key] = number, entry["url"]

    # --- what the plan becomes --------------------------------------------------------------

    def _container(self, key: Key) -> dict:
        return self.plan if key == PARENT else self.plan["subtasks"][key]

    def _subject(self, key: Key) -> str:
        return PARENT if key == PARENT else one_line(shorten(str(self.plan["subtasks"][key]["id"]), 20))

    def _title(self, key: Key) -> str:
        if key == PARENT:
            return plan_title(self.plan, self.limits["title_length"])
        return subtask_title(self.plan["subtasks"][key], self.limits["title_length"])

    def _labels(self, key: Key) -> list[str]:
        return [] if key == PARENT else subtask_labels(self.plan["subtasks"][key])

    def _refs(self, numbers: dict[Key, int] | None = None) -> dict[str, str]:
        numbers = self.numbers if numbers is None else numbers
        return {self.plan["subtasks"][key]["id"]: f"#{n}" for key, n in numbers.items() if key != PARENT}

    def _body(self, key: Key, refs: dict[str, str] | None = None) -> str:
        refs = self._refs() if refs is None else refs
        if key == PARENT:
            return plan_body(self.plan, refs, self.delegable)
        return subtask_body(self.plan, key, refs, key in self.delegable)

    def _all_labels(self) -> list[str]:
        seen: dict[str, str] = {}
        for i in self.order:
            for name in self._labels(i):
                seen.setdefault(name.casefold(), name)
        return list(seen.values())

    def where(self) -> str:
        host = urllib.parse.urlsplit(self.repo.api_url).netloc
        return f"GitHub {self.repo}" + ("" if self.repo.api_url == API_URL else f" at {host}")

    def preflight(self) -> list[str]:
        """What GitHub would refuse, found before anything is sent."""
        problems = []
        for name in self._all_labels():
            if len(name) > self.limits["label_length"]:
                problems.append(
                    f"label {shorten(name, 60)!r} is longer than GitHub's {self.limits['label_length']} "
                    "characters: shorten it in the plan"
                )
        worst = {self.plan["subtasks"][i]["id"]: _WORST_REFERENCE for i in self.order}
        for key in (PARENT, *self.order):
            if len(self._body(key, worst)) > self.limits["body_length"]:
                problems.append(
                    f"the issue body of {self._subject(key)} would exceed GitHub's "
                    f"{self.limits['body_length']:,} characters: shorten its text"
                )
        if len(self.order) > self.limits["sub_issues"]:
            problems.append(
                f"GitHub allows {self.limits['sub_issues']} sub-issues per issue; the plan has "
                f"{len(self.order)} subtasks: split the plan"
            )
        return problems

    def notes(self) -> list[str]:
        elsewhere = sum(len(entries.others(self._container(key), self.repo.matches)) for key in (PARENT, *self.order))
        if not elsewhere:
            return []
        return [
            f"{elsewhere} ticket{'s' if elsewhere != 1 else ''} recorded for other trackers or repositories "
            f"{'are' if elsewhere != 1 else 'is'} left as {'they are' if elsewhere != 1 else 'it is'}"
        ]

    # --- steps ------------------------------------------------------------------------------

    def steps(self) -> list[Step]:
        steps = []
        labels = self._all_labels()
        if labels:
            shown = ", ".join(one_line(shorten(name, 30)) for name in labels[:6]) + (", …" if len(labels) > 6 else "")
            steps.append(
                Step(
                    "labels",
                    "",
                    f"make sure {len(labels)} label{'s' if len(labels) != 1 else ''} exist: {shown}",
                    self._ensure_labels,
                )
            )
        steps += [self._ticket_step(key) for key in (PARENT, *self.order)]
        steps.append(
            Step(
                "link",
                "",
                f"make the {len(self.order)} subtask issues sub-issues of the plan issue (those not linked yet)",
                self._link,
            )
        )
        steps.append(Step("finish", PARENT, "put every subtask's issue number in the plan issue's body", self._finish))
        return steps

    def _ticket_step(self, key: Key) -> Step:
        existing = self.numbers.get(key)
        summary = (f"#{existing} " if existing else "") + title_shown(self._title(key))
        if key != PARENT:
            labels = self._labels(key)
            if labels:
                summary += " · labels: " + ", ".join(one_line(shorten(name, 30)) for name in labels)
            summary += " · sub-issue of the plan issue"
            deps = self.plan["subtasks"][key].get("depends_on") or []
            positions = {self.plan["subtasks"][i]["id"]: i for i in self.order}
            if deps:
                summary += " · blocked by " + ", ".join(
                    f"{one_line(dep)} (#{self.numbers[positions[dep]]})"
                    if positions.get(dep) in self.numbers
                    else f"{one_line(dep)} (created before it)"
                    for dep in deps
                )
        if existing:
            return Step("update", self._subject(key), summary, lambda: self._update(key))
        return Step("create", self._subject(key), summary, lambda: self._create(key))

    def _create(self, key: Key) -> Result:
        subject = self._subject(key)
        body = self._body(key)
        answer = self.client.request(
            "POST",
            self.repo.path("/issues"),
            idempotent=False,
            json_body={"title": self._title(key), "body": body, "labels": self._labels(key)},
            what=f"creating the issue for {subject}",
        )
        number, issue_id, url = _issue(self.client, answer, f"creating the issue for {subject}")
        self.numbers[key], self.ids[key], self.urls[key] = number, issue_id, url
        if key == PARENT:
            self.parent_body_sent = body
        self.recorder.record(
            self._container(key),
            {"system": SYSTEM, "key": f"#{number}", "url": url},
            self.repo.matches,
            what=f"the issue for {subject}",
        )
        return Result("created", f"#{number} {one_line(url)}")

    def _update(self, key: Key) -> Result:
        subject, number = self._subject(key), self.numbers[key]
        what = f"reading issue #{number} of {subject}"
        current = self.client.request("GET", self.repo.path(f"/issues/{number}"), idempotent=True, what=what)
        _, issue_id, url = _issue(self.client, current, what)
        if url.casefold() != self.urls[key].casefold():
            raise TrackerError(
                f"GitHub issue #{number} is {one_line(shorten(url, 100))}, but the plan records "
                f"{one_line(shorten(self.urls[key], 100))} for {subject}: fix or remove that tracker "
                "entry (a push creates a new issue where there is none)"
            )
        if "pull_request" in current:
            raise TrackerError(f"GitHub #{number}, recorded for {subject}, is a pull request, not an issue")
        self.ids[key] = issue_id
        body = self._body(key)
        if key == PARENT:
            self.parent_body_sent = body
        changes: dict[str, Any] = {}
        if current.get("title") != self._title(key):
            changes["title"] = self._title(key)
        if (current.get("body") or "") != body:
            changes["body"] = body
        labels = merged_labels(_label_names(current), self._labels(key))
        if {n.casefold() for n in labels} != {n.casefold() for n in _label_names(current)}:
            changes["labels"] = labels
        if not changes:
            return Result("unchanged", f"#{number} {one_line(url)}")
        self.client.request(
            "PATCH",
            self.repo.path(f"/issues/{number}"),
            json_body=changes,
            idempotent=True,
            what=f"updating issue #{number} of {subject}",
        )
        return Result("updated", f"#{number} {one_line(url)}")

    def _ensure_labels(self) -> Result:
        styles = mappings()["github"]["labels"]
        created = existing = 0
        for name in self._all_labels():
            style = styles[label_family(name)]
            try:
                self.client.request(
                    "POST",
                    self.repo.path("/labels"),
                    idempotent=True,
                    json_body={"name": name, "color": style["color"], "description": style["description"]},
                    what=f"creating the label {shorten(name, 40)!r}",
                )
                created += 1
            except TrackerError as exc:
                errors = exc.body.get("errors") if isinstance(exc.body, dict) else None
                if exc.status == 422 and any(
                    isinstance(e, dict) and e.get("code") == "already_exists" for e in errors or []
                ):
                    existing += 1
                    continue
                raise
        return Result("done", f"{created} created, {existing} already there")

    def _link(self) -> Result:
        parent = self.numbers[PARENT]
        listed = self.client.request(
            "GET",
            self.repo.path(f"/issues/{parent}/sub_issues"),
            idempotent=True,
            params={"per_page": self.limits["sub_issues"]},
            what=f"listing the sub-issues of #{parent}",
        )
        linked = {item.get("id") for item in listed if isinstance(item, dict)} if isinstance(listed, list) else set()
        added = 0
        for key in self.order:
            if self.ids[key] in linked:
                continue
            self.client.request(
                "POST",
                self.repo.path(f"/issues/{parent}/sub_issues"),
                idempotent=False,
                json_body={"sub_issue_id": self.ids[key]},
                what=f"making #{self.numbers[key]} ({self._subject(key)}) a sub-issue of #{parent}",
            )
            added += 1
        return Result("done", f"sub-issues of #{parent}: {added} linked, {len(self.order) - added} already linked")

    def _finish(self) -> Result:
        parent = self.numbers[PARENT]
        body = self._body(PARENT)
        if body == self.parent_body_sent:
            return Result("done", f"#{parent} already lists every subtask's issue")
        self.client.request(
            "PATCH",
            self.repo.path(f"/issues/{parent}"),
            json_body={"body": body},
            idempotent=True,
            what=f"updating the body of #{parent}",
        )
        self.parent_body_sent = body
        return Result("done", f"#{parent} now lists every subtask's issue")

    # --- connection -------------------------------------------------------------------------

    def connect(self, token: str) -> HttpClient:
        self._client = HttpClient(
            self.repo.api_url, {"Authorization": f"Bearer {token}", **HEADERS}, name="GitHub", secret=token
        )
        return self._client

    @property
    def client(self) -> HttpClient:
        """The connection the steps talk through; they run only once ``connect`` made it."""
        if self._client is None:
            raise RuntimeError("the push to GitHub is not connected: call connect() before running its steps")
        return self._client

    def prepare(self) -> None:
        """Nothing to look up before the steps: the repository is in every path."""
