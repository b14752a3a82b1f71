"""The reviewer's lint: wording that makes a subtask hard to delegate.

Rules (all warnings): ``vague-language``, ``loophole-trigger``, ``placeholder``.
The word lists and their sources live in ``decomposer/data/requirement-smells.json``.

Matching is on whole words and phrases after NFKC normalisation and lower-casing.
Text inside backticks or quotes is taken literally, never as vague wording: in
"`grep -c TODO src` prints 0" neither TODO nor anything else is flagged.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterator

from .findings import WARNING, Finding, pointer
from .resources import data_path

SMELLS_FILE = "requirement-smells.json"

# Code spans and quoted strings: replaced by a space before matching.
_LITERAL = re.compile(
    r"```.*?```"
    r"|`[^`\n]*`"
    r'|"[^"\n]*"'
    r"|“[^”\n]*”"
    r"|‘[^’\n]*’"
    r"|«[^»\n]*»"
    # Single quotes only where they cannot be an apostrophe (don't, the agent's).
    r"|(?<!\w)'[^'\n]*'(?!\w)",
    re.DOTALL,
)
# Whole words: a term must not continue a word, a path (/etc/hosts), a hyphenated word,
# or a file name (fast.py).
_BEFORE = r"(?<![\w/.\-])"
_AFTER = r"(?![\w/\-])(?!\.\w)"
_NUMBER = re.compile(
    r"\d|\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"hundred|thousand|million|twice|half|double|triple|percent)\b"
)
_ELLIPSIS = re.compile(r"\.{3,}|…")
_QUESTION_MARKS = re.compile(r"\?{3,}")


@dataclass(frozen=True)
class Smell:
    term: str
    category: str
    label: str


def _alternation(terms) -> str:
    # Longest first, so "as appropriate" wins over "appropriate" at the same position.
    ordered = sorted({t.lower() for t in terms}, key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(word) for word in term.split()) for term in ordered)


def _normalise_spaces(term: str) -> str:
    return " ".join(term.split())


class Lexicon:
    """Compiled word lists. Build once (``lexicon()``) and reuse."""

    def __init__(self, data: dict):
        self.sources = data["sources"]
        self.categories = data["categories"]
        self._category_of: dict[str, str] = {}
        for name, category in self.categories.items():
            for term in category["terms"]:
                self._category_of.setdefault(_normalise_spaces(term.lower()), name)
        self._terms = re.compile(_BEFORE + "(?:" + _alternation(self._category_of) + ")" + _AFTER)
        self._allow = re.compile(_BEFORE + "(?:" + _alternation(data["allow"]["phrases"]) + ")" + _AFTER)
        placeholders = data["placeholders"]
        self._upper_placeholders = re.compile(
            r"(?<![\w-])(?:" + "|".join(map(re.escape, placeholders["upper_case_words"])) + r")(?![\w-])"
        )
        self._word_placeholders = re.compile(
            _BEFORE + "(?:" + _alternation(placeholders["words"]) + ")" + _AFTER, re.IGNORECASE
        )

    @staticmethod
    def prose(text: str) -> str:
        """NFKC-normalised text with code spans and quoted strings blanked out."""
        return _LITERAL.sub(" ", unicodedata.normalize("NFKC", text))

    def smells(self, text: str) -> list[Smell]:
        """Vague terms in ``text``, in order of appearance, each term once."""
        lowered = self._allow.sub(" ", self.prose(text).lower())
        has_number = None
        found: dict[str, Smell] = {}
        for match in self._terms.finditer(lowered):
            term = _normalise_spaces(match.group())
            if term in found:
                continue
            category = self._category_of[term]
            spec = self.categories[category]
            if spec.get("unless_number"):
                if has_number is None:
                    has_number = bool(_NUMBER.search(lowered))
                if has_number:
                    continue
            found[term] = Smell(term, category, spec["label"])
        return list(found.values())

    def placeholders(self, text: str) -> list[str]:
        """Placeholder marks in ``text``: TODO, TBD, lorem, ???, a bare ellipsis."""
        prose = self.prose(text)
        marks = [m.group() for m in self._upper_placeholders.finditer(prose)]
        marks += [_normalise_spaces(m.group()) for m in self._word_placeholders.finditer(prose)]
        marks += [m.group() for m in _QUESTION_MARKS.finditer(prose)]
        for m in _ELLIPSIS.finditer(prose):
            before = prose[m.start() - 1] if m.start() else " "
            after = prose[m.end()] if m.end() < len(prose) else " "
            if not (before.isalnum() and after.isalnum()):  # 1...10, main...topic are ranges
                marks.append(m.group())
        return list(dict.fromkeys(marks))


@functools.lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return Lexicon(json.loads(data_path(SMELLS_FILE).read_text(encoding="utf-8")))


# --- applying the lexicon to a plan -------------------------------------------------

_VAGUE_HINT = (
    "say it so a command or a number settles it: a count, a limit with its unit, "
    "an exit code, a named list (e.g. '`pytest -q` exits 0', 'p95 under 400 ms at 50 rps')"
)
_LOOPHOLE_HINT = (
    "name an observable event instead, e.g. 'When about to run a migration against "
    "production' or 'If the diff touches files outside src/export/'"
)
_PLACEHOLDER_HINT = "replace the placeholder with the real content, or remove it"


def _quoted_terms(terms) -> str:
    return ", ".join(f'"{term}"' for term in terms)


def _vague(text: str, subtask: str | None, path: str, where: str, skip_loopholes: bool = False) -> Iterator[Finding]:
    smells = [s for s in lexicon().smells(text) if not (skip_loopholes and s.category == "loophole")]
    if smells:
        by_label: dict[str, list[str]] = {}
        for smell in smells:
            by_label.setdefault(smell.label, []).append(smell.term)
        details = "; ".join(f"{label}: {_quoted_terms(terms)}" for label, terms in by_label.items())
        yield Finding("vague-language", WARNING, subtask, path, f"vague wording in {where} ({details})", _VAGUE_HINT)


def _loopholes(text: str, subtask: str | None, path: str) -> Iterator[Finding]:
    terms = [s.term for s in lexicon().smells(text) if s.category == "loophole"]
    if terms:
        yield Finding(
            "loophole-trigger", WARNING, subtask, path,
            f"trigger is a loophole ({_quoted_terms(terms)}): it gives the agent no rule to follow",
            _LOOPHOLE_HINT,
        )


def _placeholders(text: str, subtask: str | None, path: str, where: str) -> Iterator[Finding]:
    marks = lexicon().placeholders(text)
    if marks:
        yield Finding("placeholder", WARNING, subtask, path,
                      f"placeholder in {where}: {_quoted_terms(marks)}", _PLACEHOLDER_HINT)


def _dicts(value: Any) -> Iterator[tuple[int, dict]]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def _strings(value: Any) -> Iterator[tuple[int, str]]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str):
                yield index, item


def lint_plan(plan: dict) -> list[Finding]:
    """Wording warnings for a plan. Tolerates any shape: what is not text is skipped
    (the schema check reports it)."""
    findings: list[Finding] = []
    for field in ("title", "context"):
        if isinstance(plan.get(field), str):
            findings += _placeholders(plan[field], None, pointer(field), f"the plan {field}")
    for i, subtask in _dicts(plan.get("subtasks")):
        sid = subtask.get("id") if isinstance(subtask.get("id"), str) else None
        findings += _lint_subtask(subtask, sid, i)
    return findings


def _lint_subtask(subtask: dict, sid: str | None, i: int) -> Iterator[Finding]:
    for field in ("title", "goal"):
        if isinstance(subtask.get(field), str):
            yield from _placeholders(subtask[field], sid, pointer("subtasks", i, field), f"the {field}")

    state = subtask.get("input_state")
    if isinstance(state, dict):
        texts = []
        if isinstance(state.get("summary"), str):
            texts.append((pointer("subtasks", i, "input_state", "summary"), state["summary"], "the input state"))
        for j, text in _strings(state.get("preconditions")):
            texts.append((pointer("subtasks", i, "input_state", "preconditions", j), text, f"precondition {j + 1}"))
        for path, text, where in texts:
            yield from _vague(text, sid, path, where)
            yield from _placeholders(text, sid, path, where)

    for j, criterion in _dicts(subtask.get("acceptance")):
        where = f"criterion {j + 1}"
        if isinstance(criterion.get("statement"), str):
            path = pointer("subtasks", i, "acceptance", j, "statement")
            yield from _vague(criterion["statement"], sid, path, where)
            yield from _placeholders(criterion["statement"], sid, path, where)
        verify = criterion.get("verify")
        if isinstance(verify, dict) and isinstance(verify.get("reviewer"), str):
            path = pointer("subtasks", i, "acceptance", j, "verify", "reviewer")
            yield from _placeholders(verify["reviewer"], sid, path, f"the reviewer of {where}")

    for j, boundary in _dicts(subtask.get("pause_boundaries")):
        where = f"pause boundary {j + 1}"
        if isinstance(boundary.get("trigger"), str):
            path = pointer("subtasks", i, "pause_boundaries", j, "trigger")
            text = boundary["trigger"]
            yield from _loopholes(text, sid, path)
            yield from _vague(text, sid, path, f"the trigger of {where}", skip_loopholes=True)
            yield from _placeholders(text, sid, path, f"the trigger of {where}")
        for field in ("question", "reason"):
            if isinstance(boundary.get(field), str):
                path = pointer("subtasks", i, "pause_boundaries", j, field)
                yield from _placeholders(boundary[field], sid, path, f"the {field} of {where}")
