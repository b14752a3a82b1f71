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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from decomposer.check.findings import WARNING, Finding
from decomposer.plan.json_types import JsonObject, PathToken
from decomposer.plan.pointers import pointer
from decomposer.resources import data_path

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
# Words are what whitespace separates once punctuation is cut out, so "user-friendly",
# "and/or", "/etc/hosts" and "fast.py" stay single tokens and "etc" or "fast" never
# match inside them. Cut punctuation becomes a token of its own, so a phrase never spans
# a comma or a full stop. (An explicit character list: a negated Unicode class or a
# tokenising regex costs three to six times as much, and this runs on every text.)
_PUNCTUATION = re.compile(r"[,;:!?()\[\]{}<>\"'`|*=+~^$#@&%\\—–…«»“”‘’·•→←≤≥]+")
_CUT = " \x00 "
_LITERAL_START = re.compile("[`\"“‘«']")
# A numeral: a digit that does not continue a word, so an id (S2), a version (v2) or a
# percentile's name (p95) is not the number that makes a comparative precise.
_NUMBER = re.compile(
    r"(?<![\w.])\d|\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"hundred|thousand|million|twice|half|double|triple|percent)\b"
)
# "one" right after a determiner or a comparative/superlative is the pronoun ("the best
# one", "a faster one"), not a count; "under one second" and "per one" stay counts.
_WORD_BEFORE = re.compile(r"(\w+)\s+$")
_DETERMINERS = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "each",
        "every",
        "any",
        "which",
        "another",
        "no",
        "new",
        "other",
        "same",
        "best",
        "worst",
    ]
)
_NOT_COMPARATIVES = frozenset(
    ["under", "over", "after", "per", "never", "ever", "either", "neither", "whether", "rather", "other"]
)
_DOTS = re.compile(r"\.{2,}")
_ELLIPSIS = re.compile(r"\.{3,}|…")
_QUESTION_MARKS = re.compile(r"\?{3,}")
_ALLOWED = None  # marks an allow-list phrase in the phrase table


def _has_number(lowered: str) -> bool:
    for match in _NUMBER.finditer(lowered):
        if match.group() != "one":
            return True
        before = _WORD_BEFORE.search(lowered, max(0, match.start() - 40), match.start())
        word = before.group(1) if before else ""
        pronoun = word in _DETERMINERS or (word.endswith(("er", "est")) and word not in _NOT_COMPARATIVES)
        if not pronoun:
            return True
    return False


@dataclass(frozen=True)
class Smell:
    term: str
    category: str
    label: str


def _tokens(text: str) -> tuple[str, ...]:
    text = _PUNCTUATION.sub(_CUT, text)
    if ".." in text:  # an ellipsis ("fast...", NFKC's form of "fast…") ends the word before it
        text = _DOTS.sub(_CUT, text)
    if "." in text:  # a full stop ends a word; a dot inside one (fast.py, e.g) does not
        text = text.replace(". ", _CUT).replace(".\n", _CUT)
        if text.endswith("."):
            text = text[:-1]
    return tuple(text.split())


_COMMON_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "be",
        "if",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "so",
        "the",
        "to",
        "when",
        "where",
        "with",
        "you",
    ]
)


class _PhraseTable:
    """Phrases as token tuples, found longest-first in a token list.

    Each phrase has a key: its most telling token ("few" for "a few", "needed" for
    "if needed"). A set test of the keys rejects most texts in C before any Python loop
    runs, which keeps the lint cheap on plans with 10,000 subtasks. Allow-list phrases
    (kind ``None``) have no key: they only matter where a real term's key occurs."""

    def __init__(self, phrases: dict[tuple[str, ...], str | None]):
        self.keys = frozenset(
            max(phrase, key=lambda token: (token not in _COMMON_WORDS, len(token)))
            for phrase, kind in phrases.items()
            if kind is not None
        )
        self.by_first: dict[str, list[tuple[tuple[str, ...], str | None]]] = {}
        # Longest first; at equal length an allow-list phrase wins.
        for phrase, kind in sorted(phrases.items(), key=lambda item: (-len(item[0]), item[1] is not None)):
            self.by_first.setdefault(phrase[0], []).append((phrase, kind))

    def find(self, tokens: tuple[str, ...]) -> list[tuple[int, int, str | None]]:
        """(start, end, kind) of each match, scanning left to right without overlaps."""
        if self.keys.isdisjoint(tokens):
            return []
        found, i, count = [], 0, len(tokens)
        while i < count:
            for phrase, kind in self.by_first.get(tokens[i], ()):
                end = i + len(phrase)
                if tokens[i:end] == phrase:
                    found.append((i, end, kind))
                    i = end
                    break
            else:
                i += 1
        return found


class Lexicon:
    """Compiled word lists. Build once (``lexicon()``) and reuse."""

    def __init__(self, data: JsonObject) -> None:
        self.sources = data["sources"]
        self.categories = data["categories"]
        terms: dict[tuple[str, ...], str | None] = {}
        for phrase in data["allow"]["phrases"]:
            terms[_tokens(phrase.lower())] = _ALLOWED
        for name, category in self.categories.items():
            for term in category["terms"]:
                terms.setdefault(_tokens(term.lower()), name)
        self._terms = _PhraseTable(terms)
        placeholders = data["placeholders"]
        self._upper_placeholders = frozenset(placeholders["upper_case_words"])
        self._word_placeholders = _PhraseTable({_tokens(w.lower()): "placeholder" for w in placeholders["words"]})
        # Substrings without which no placeholder can be present (a cheap first test).
        needles = (
            {w.lower() for w in placeholders["upper_case_words"]}
            | {max(_tokens(w.lower()), key=len) for w in placeholders["words"]}
            | {"??", "..", "…"}
        )
        self._placeholder_needles = re.compile("|".join(map(re.escape, sorted(needles))))

    @staticmethod
    def prose(text: str) -> str:
        """NFKC-normalised text with code spans and quoted strings blanked out."""
        text = unicodedata.normalize("NFKC", text)
        return _LITERAL.sub(" ", text) if _LITERAL_START.search(text) else text

    @functools.lru_cache(maxsize=8192)  # noqa: B019 - one Lexicon per process; the TUI re-checks on every edit
    def analyse(self, text: str, smells: bool = True) -> tuple[tuple[Smell, ...], tuple[str, ...]]:
        """(vague terms, placeholder marks) in ``text``, each once, in order of appearance.
        With ``smells=False`` only placeholders are looked for."""
        prose = self.prose(text)
        lowered = prose.lower()
        maybe_placeholder = self._placeholder_needles.search(lowered) is not None
        if not (smells or maybe_placeholder):
            return (), ()
        tokens = _tokens(lowered)
        return (
            tuple(self._smells(lowered, tokens)) if smells else (),
            tuple(self._placeholders(prose, tokens)) if maybe_placeholder else (),
        )

    def smells(self, text: str) -> list[Smell]:
        return list(self.analyse(text)[0])

    def placeholders(self, text: str) -> list[str]:
        return list(self.analyse(text, smells=False)[1])

    def _smells(self, lowered: str, tokens: tuple[str, ...]) -> list[Smell]:
        has_number = None
        found: dict[str, Smell] = {}
        for start, end, category in self._terms.find(tokens):
            if category is _ALLOWED:
                continue
            term = " ".join(tokens[start:end])
            if term in found:
                continue
            spec = self.categories[category]
            if spec.get("unless_number"):
                if has_number is None:
                    has_number = _has_number(lowered)
                if has_number:
                    continue
            found[term] = Smell(term, category, spec["label"])
        return list(found.values())

    def _placeholders(self, prose: str, lowered_tokens: tuple[str, ...]) -> list[str]:
        marks: list[str] = []
        matches = self._word_placeholders.find(lowered_tokens)
        maybe_upper = any(word in prose for word in self._upper_placeholders)
        original = _tokens(prose) if matches or maybe_upper else ()
        if original:
            marks += [t for t in original if t in self._upper_placeholders]
            # Report the words as written (TBD, not tbd) when case folding kept the token count.
            source = original if len(original) == len(lowered_tokens) else lowered_tokens
            marks += [" ".join(source[start:end]) for start, end, _ in matches]
        if "??" in prose:
            marks += [m.group() for m in _QUESTION_MARKS.finditer(prose)]
        if ".." in prose or "…" in prose:
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


def _quoted_terms(terms: Iterable[str]) -> str:
    return ", ".join(f'"{term}"' for term in terms)


# How a finding names the text it is about: a label, and the item's index in a list.
TextPlace = tuple[str, int | None]

# What each kind of text is checked for.
_PLACEHOLDER_ONLY = 0
_STATEMENT = 1  # vague wording and placeholders
_TRIGGER = 2  # loopholes too


def _lint_text(
    lex: Lexicon, text: str, kind: int, subtask: str | None, where: TextPlace, tokens: tuple[PathToken, ...]
) -> list[Finding]:
    """Findings for one text field. ``where`` is a (label, number) pair and ``tokens``
    the JSON pointer's parts; both are formatted only when something is found, since
    most texts are clean and the lint must stay cheap on plans of 10,000 subtasks."""
    smells, marks = lex.analyse(text, kind != _PLACEHOLDER_ONLY)
    if not (smells or marks):
        return []
    label, number = where
    named = label if number is None else f"{label} {number + 1}"
    found: list[Finding] = []
    if smells:
        loopholes = [s.term for s in smells if s.category == "loophole"] if kind == _TRIGGER else []
        if loopholes:
            found.append(
                Finding(
                    "loophole-trigger",
                    WARNING,
                    subtask,
                    pointer(*tokens),
                    f"trigger is a loophole ({_quoted_terms(loopholes)}): it gives the agent no rule to follow",
                    _LOOPHOLE_HINT,
                )
            )
        vague = [s for s in smells if s.category != "loophole"] if loopholes else smells
        if vague:
            by_label: dict[str, list[str]] = {}
            for smell in vague:
                by_label.setdefault(smell.label, []).append(smell.term)
            details = "; ".join(f"{label}: {_quoted_terms(terms)}" for label, terms in by_label.items())
            found.append(
                Finding(
                    "vague-language",
                    WARNING,
                    subtask,
                    pointer(*tokens),
                    f"vague wording in {named} ({details})",
                    _VAGUE_HINT,
                )
            )
    if marks:
        found.append(
            Finding(
                "placeholder",
                WARNING,
                subtask,
                pointer(*tokens),
                f"placeholder in {named}: {_quoted_terms(marks)}",
                _PLACEHOLDER_HINT,
            )
        )
    return found


def _dicts(value: Any) -> Iterator[tuple[int, JsonObject]]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def lint_plan(plan: JsonObject) -> list[Finding]:
    """Wording warnings for a plan. Tolerates any shape: what is not text is skipped
    (the schema check reports it). The ``task`` is the engineer's words, kept verbatim,
    so it is not linted, except for a task that opens with a placeholder ("TBD: …", as
    an import writes when the source states no task): that task is still to be written."""
    findings = lint_plan_fields(plan)
    for i, subtask in _dicts(plan.get("subtasks")):
        findings += lint_subtask(subtask, i)
    return findings


def lint_plan_fields(plan: JsonObject) -> list[Finding]:
    """Wording warnings for the plan's own fields (not its subtasks)."""
    lex = lexicon()
    findings: list[Finding] = []
    for field in ("title", "context"):
        if isinstance(plan.get(field), str):
            findings += _lint_text(lex, plan[field], _PLACEHOLDER_ONLY, None, (f"the plan {field}", None), (field,))
    task = plan.get("task")
    if isinstance(task, str):
        # Only an opening mark: "Remove the TODO comments" is a task, "TBD: …" is not yet.
        marks = lex.placeholders(task)
        opening = task.strip().lower()
        if any(opening.startswith(mark.lower()) for mark in marks):
            findings.append(
                Finding(
                    "placeholder",
                    WARNING,
                    None,
                    pointer("task"),
                    f"the task is a placeholder: {_quoted_terms(marks)}",
                    "write the broad task as you would give it to a colleague",
                )
            )
    return findings


def lint_subtask(subtask: JsonObject, i: int) -> list[Finding]:
    """Wording warnings for the subtask at position ``i``; they depend on nothing else."""
    lex = lexicon()
    sid = subtask.get("id") if isinstance(subtask.get("id"), str) else None
    findings: list[Finding] = []
    for text, kind, where, tokens in _subtask_texts(subtask, i):
        if isinstance(text, str):
            findings += _lint_text(lex, text, kind, sid, where, tokens)
    return findings


def _subtask_texts(subtask: JsonObject, i: int) -> Iterator[tuple[Any, int, TextPlace, tuple[PathToken, ...]]]:
    """(text, kind, where, pointer tokens) for every text field of a subtask."""
    # Title and goal are prose about intent: only placeholders count there.
    yield subtask.get("title"), _PLACEHOLDER_ONLY, ("the title", None), ("subtasks", i, "title")
    yield subtask.get("goal"), _PLACEHOLDER_ONLY, ("the goal", None), ("subtasks", i, "goal")
    state = subtask.get("input_state")
    if isinstance(state, dict):
        yield state.get("summary"), _STATEMENT, ("the input state", None), ("subtasks", i, "input_state", "summary")
        preconditions = state.get("preconditions")
        if isinstance(preconditions, list):
            for j, text in enumerate(preconditions):
                yield text, _STATEMENT, ("precondition", j), ("subtasks", i, "input_state", "preconditions", j)
    for j, criterion in _dicts(subtask.get("acceptance")):
        yield criterion.get("statement"), _STATEMENT, ("criterion", j), ("subtasks", i, "acceptance", j, "statement")
        verify = criterion.get("verify")
        if isinstance(verify, dict) and "reviewer" in verify:  # command and expect_output are code: never linted
            yield (
                verify["reviewer"],
                _PLACEHOLDER_ONLY,
                ("the reviewer of criterion", j),
                ("subtasks", i, "acceptance", j, "verify", "reviewer"),
            )
    for j, boundary in _dicts(subtask.get("pause_boundaries")):
        yield (
            boundary.get("trigger"),
            _TRIGGER,
            ("the trigger of pause boundary", j),
            ("subtasks", i, "pause_boundaries", j, "trigger"),
        )
        for field in ("question", "reason"):
            if field in boundary:
                yield (
                    boundary[field],
                    _PLACEHOLDER_ONLY,
                    (f"the {field} of pause boundary", j),
                    ("subtasks", i, "pause_boundaries", j, field),
                )
