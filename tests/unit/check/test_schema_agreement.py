"""The fast validator (jsonschema-rs) and the reference (jsonschema) give one verdict.

``decomposer.check.schema`` decides validity with jsonschema-rs and words errors with jsonschema;
a plan one calls valid and the other invalid would either pass unchecked or be reported
with no message. This file holds both to the same verdict on every example plan, on every
mutation the model tests use, and on plans hypothesis generates: damaged copies of a clean
plan, and schema-shaped plans built from scratch, of which a good share are valid (a
counter proves it, so the property cannot pass on invalid plans alone).

``is_valid`` hands a value the compiled validator cannot take (a lone surrogate, more than
255 levels of nesting) to the reference; ``fast_verdict`` below sees through that, so the
compiled validator itself is compared wherever it answers.
"""

from __future__ import annotations

import math
from collections import Counter

import pytest
from hypothesis import event, given, note, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decomposer.check.findings import sort_findings
from decomposer.check.schema import (
    _fast_validator,
    _reference_findings,
    is_valid,
    reference_is_valid,
    schema_findings,
)
from decomposer.resources import plan_schema
from helpers.plans import EXAMPLES, clean_plan, load_json
from helpers.schema_cases import ACCEPTED, REJECTED, at, drop, put, valid_plan

PROPERTY = settings(max_examples=250, deadline=None, derandomize=True, database=None)

DEFS = plan_schema()["$defs"]
SUBTASK_ID = DEFS["subtask"]["properties"]["id"]["pattern"]  # ^S[0-9]+(\.[0-9]+)*$
SLUG = plan_schema()["properties"]["id"]["pattern"]
DATETIME = DEFS["datetime"]["pattern"]


def fast_verdict(document) -> bool | None:
    """The compiled validator's own verdict; None where it refuses the value."""
    try:
        return _fast_validator().is_valid(document)
    except ValueError:
        return None


def assert_agree(document) -> bool:
    """Both validators give the same verdict, and the findings follow it. Returns it."""
    reference = reference_is_valid(document)
    fast = fast_verdict(document)
    assert fast in (reference, None), f"jsonschema-rs says {fast}, jsonschema says {reference}"
    assert is_valid(document) == reference
    findings = schema_findings(document)
    assert bool(findings) == (not reference)
    if not reference:  # worded part by part, as the reference words the whole plan
        assert sort_findings(findings) == sort_findings(_reference_findings(document))
    assert not any("please report this as a bug" in (f.hint or "") for f in findings), findings
    return reference


def agree_and_record(document, verdicts: Counter) -> None:
    """assert_agree inside a hypothesis example, with statistics (--hypothesis-show-statistics)."""
    verdict = assert_agree(document)
    verdicts[verdict] += 1
    event("valid" if verdict else "invalid")
    if fast_verdict(document) is None:
        event("the compiled validator refused the value; the reference decided")


# --- fixtures -------------------------------------------------------------------------------

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_examples(path):
    assert assert_agree(load_json(path)) == (path.name != "flawed.json")


@pytest.mark.parametrize("mutate", list(REJECTED.values()), ids=list(REJECTED))
def test_mutations_the_models_reject(mutate):
    document = valid_plan()
    mutate(document)
    assert assert_agree(document) is False


@pytest.mark.parametrize("mutate", list(ACCEPTED.values()), ids=list(ACCEPTED))
def test_mutations_the_models_accept(mutate):
    document = valid_plan()
    mutate(document)
    assert assert_agree(document) is True


def nest(depth: int, leaf=None):
    value = [] if leaf is None else leaf
    for _ in range(depth):
        value = [value]
    return value


# Cases at the edges of the two implementations: integral floats, numbers past 64 bits,
# "$" before a final newline (the dialect difference schema.py settles), lengths counted
# in code points, and values jsonschema-rs refuses (lone surrogates, deep nesting).
EDGES = {
    "clean-plan": lambda d: d.clear() or d.update(clean_plan()),
    "valid-plan": lambda d: None,
    "version-1.0": put("version", 1.0),
    "expect-exit-0.0": put("subtasks", 0, "acceptance", 0, "verify", "expect_exit", 0.0),
    "expect-exit-255.5": put("subtasks", 0, "acceptance", 0, "verify", "expect_exit", 255.5),
    "expect-exit-2**64": put("subtasks", 0, "acceptance", 0, "verify", "expect_exit", 2**64),
    "timeout-1e-300": put("subtasks", 0, "acceptance", 0, "verify", "timeout_s", 1e-300),
    "timeout-86400.0": put("subtasks", 0, "acceptance", 0, "verify", "timeout_s", 86400.0),
    "criterion-2**70": put("subtasks", 0, "evidence", 0, "criterion", 2**70),
    "criterion-minus-2**70": put("subtasks", 0, "evidence", 0, "criterion", -(2**70)),
    "criterion-1e20": put("subtasks", 0, "evidence", 0, "criterion", 1e20),
    "criterion-minus-zero": put("subtasks", 0, "evidence", 0, "criterion", -0.0),
    "exit-code-10**400": put("subtasks", 0, "evidence", 0, "exit_code", 10**400),
    "cost-1e308": put("source", "usage", "cost_usd", 1e308),
    "version-10**30": put("version", 10**30),
    "slug-dollar": put("id", "orders$"),
    "slug-crlf": put("id", "orders\r\n"),
    "slug-leading-newline": put("id", "\norders"),
    "subtask-id-dollar": put("subtasks", 0, "id", "S1$"),
    "subtask-id-arabic-digit": put("subtasks", 0, "id", "S\u0661"),
    "subtask-id-fullwidth-digit": put("subtasks", 0, "id", "S\uff11"),
    "subtask-id-line-separator": put("subtasks", 0, "id", "S1\u2028"),
    "datetime-trailing-newline": put("created_at", "2026-11-22T10:15:00Z\n"),
    "datetime-nel": put("created_at", "2026-11-22T10:15:00Z\u0085"),
    "title-200-astral": put("title", "\U0001f600" * 200),
    "title-201-astral": put("title", "\U0001f600" * 201),
    "subtask-title-combining": put("subtasks", 0, "title", "e\u0301e"),
    "subtask-title-2-astral": put("subtasks", 0, "title", "\U0001f600\U0001f600"),
    "subtask-title-nul": put("subtasks", 0, "title", "\x00\x00\x00"),
    "label-lone-surrogate": put("subtasks", 0, "labels", ["\ud800"]),
    "subtask-id-lone-surrogate": put("subtasks", 0, "id", "S1\ud800"),
    "slug-lone-surrogate": put("id", "\udfff"),
    "enum-lone-surrogate": put("subtasks", 0, "autonomy", "gated\ud800"),
    "unknown-key-lone-surrogate": put("subtasks", 0, "risk", "\ud800", True),
    "datetime-lone-surrogate": put("created_at", "\ud800"),
    "depends-on-deep-pair-100": put("subtasks", 1, "depends_on", [nest(100), nest(100)]),
    "depends-on-deep-300": put("subtasks", 1, "depends_on", ["S1", nest(300)]),
    "labels-deep-300": put("subtasks", 0, "labels", [nest(300)]),
    "unknown-deep-300": put("subtasks", 0, "x-deep", nest(300)),
    "depends-on-1-and-true": put("subtasks", 1, "depends_on", [1, True]),
    "depends-on-1-and-1.0": put("subtasks", 1, "depends_on", [1, 1.0]),
    "review-without-method": drop("subtasks", 1, "acceptance", 1, "verify", "method"),
    "command-method-null": put("subtasks", 0, "acceptance", 0, "verify", "method", None),
    "empty-object": lambda d: d.clear(),
}


@pytest.mark.parametrize("mutate", list(EDGES.values()), ids=list(EDGES))
def test_edge_cases(mutate):
    document = valid_plan()
    mutate(document)
    assert_agree(document)


@pytest.mark.parametrize(
    "document",
    [[], [valid_plan()], "plan", 1, 1.0, None, True],
    ids=["empty-array", "array-of-plan", "string", "int", "float", "null", "bool"],
)
def test_documents_that_are_not_objects(document):
    assert assert_agree(document) is False


@pytest.mark.parametrize(
    "mutate",
    [
        put("subtasks", 0, "id", "S1\ud800"),
        put("subtasks", 0, "risk", "stakes", "low\ud800"),
        put("subtasks", 0, "x-\udfff", 1),
        put("subtasks", 1, "depends_on", ["S1", nest(300)]),
    ],
    ids=["pattern", "enum", "unknown-key", "unique-items-300-deep"],
)
def test_values_the_compiled_validator_refuses(mutate):
    """jsonschema-rs 0.60 raises ValueError on a lone surrogate where it matches a pattern,
    an enum or a key, and on uniqueItems over values nested more than 255 levels deep.
    JSON can carry both, so is_valid must answer (with the reference) instead of raising,
    which crashed `decomposer check` with a traceback."""
    document = valid_plan()
    mutate(document)
    assert is_valid(document) is False
    assert fast_verdict(document) in (None, False)
    assert not reference_is_valid(document)


# --- damaged clean plans --------------------------------------------------------------------

INTERESTING_STRINGS = [
    "",
    "S1",
    "S2.1",
    "S1\n",
    "S1$",
    "s1",
    "S",
    "S1.",
    "S1 ",
    "S\u0661",
    "orders-1",
    "Orders",
    "a" * 65,
    "2026-11-22T10:15:00Z",
    "2026-11-22T10:15:00Z\n",
    "2026-11-22t10:15:00.5-05:30",
    "command",
    "review",
    "comand",
    "ask",
    "confirm",
    "stop",
    "propose",
    "gated",
    "autonomous",
    "low",
    "high",
    "cheap",
    "expensive",
    "XS",
    "XL",
    "pending",
    "approved",
    "claude",
    "manual",
    "\x00",
    "\x1b[31m",
    "\u202e",
    "\ud800",
    "\U0001f600",
    "e\u0301",
    "$",
    "\n",
    "\r\n",
    "x" * 201,
]
strings = st.one_of(
    st.text(max_size=20),
    st.text(max_size=10).map(lambda s: s + "$"),
    st.text(max_size=10).map(lambda s: s + "\n"),
    st.sampled_from(INTERESTING_STRINGS),
)
numbers = st.one_of(
    st.integers(min_value=-300, max_value=90_000),
    st.integers(min_value=-(2**200), max_value=2**200),
    st.sampled_from([0, 1, 255, 256, 86400, 86401, 2**63, 2**64, -(2**63) - 1, 10**400]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1.0, 0.5, 255.0, 1e20, 1e308, 5e-324]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, strings)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(strings, children, max_size=3),
    max_leaves=12,
)
UNKNOWN_KEYS = st.one_of(
    st.sampled_from(["owner", "pause_boundary", "Id", "schema_uri", "$schema", "subtask", "x-note", ""]),
    st.text(max_size=8),
)
SUFFIXES = ["\n", "$", "\r", " ", "\x00", "\u2028", "\u0085", "\n\n", "1", ".1", "x" * 200]


def entries(document, prefix=()):
    """(container path, key, value) for every member of every object and array."""
    if isinstance(document, dict):
        items = list(document.items())
    elif isinstance(document, list):
        items = list(enumerate(document))
    else:
        return
    for key, child in items:
        yield prefix, key, child
        yield from entries(child, (*prefix, key))


def nudges(number) -> list:
    """Numbers next to ``number``: off by one, negated, as a float, halfway, far out."""
    candidates = [True]
    for make in (
        lambda: number + 1,
        lambda: number - 1,
        lambda: -number,
        lambda: float(number),
        lambda: number + 0.5,
        lambda: number * 2**64,
    ):
        try:
            value = make()
        except OverflowError:  # float() of an integer past 1e308
            continue
        if not isinstance(value, float) or math.isfinite(value):
            candidates.append(value)
    return candidates


@st.composite
def damaged_plans(draw):
    """A clean plan after one to four random edits: a field at any depth replaced by an
    arbitrary JSON value or by one of its own type, a key deleted, an unknown key added,
    a string or a number nudged, an array cut short or given a repeated item."""
    document = draw(st.sampled_from([clean_plan, valid_plan]))()
    for _ in range(draw(st.integers(1, 4))):
        members = list(entries(document))
        op = draw(st.sampled_from(["replace", "same-type", "delete", "add", "nudge-string", "nudge-number"]))
        if op == "replace" and members:
            container, key, _ = draw(st.sampled_from(members))
            at(document, container)[key] = draw(json_values)
        elif op == "same-type" and members:
            container, key, value = draw(st.sampled_from(members))
            if isinstance(value, bool):
                value = draw(st.booleans())
            elif isinstance(value, (int, float)):
                value = draw(numbers)
            elif isinstance(value, str):
                value = draw(strings)
            elif isinstance(value, list):
                value = draw(st.sampled_from([value[:1], value[:-1], value + value[:1], value[::-1]]))
            at(document, container)[key] = value
        elif op == "delete":
            keyed = [(c, k) for c, k, _ in members if isinstance(k, str)]
            if keyed:
                container, key = draw(st.sampled_from(keyed))
                del at(document, container)[key]
        elif op == "add":
            objects = [()] + [(*c, k) for c, k, v in members if isinstance(v, dict)]
            target = at(document, draw(st.sampled_from(objects)))
            target[draw(UNKNOWN_KEYS)] = draw(json_values)
        elif op == "nudge-string":
            texts = [(c, k, v) for c, k, v in members if isinstance(v, str)]
            if texts:
                container, key, value = draw(st.sampled_from(texts))
                suffix = draw(st.sampled_from(SUFFIXES))
                edit = draw(st.sampled_from(["append", "prepend", "cut", "empty"]))
                at(document, container)[key] = {
                    "append": value + suffix,
                    "prepend": suffix + value,
                    "cut": value[: draw(st.integers(0, len(value)))],
                    "empty": "",
                }[edit]
        elif op == "nudge-number":
            found = [(c, k, v) for c, k, v in members if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if found:
                container, key, value = draw(st.sampled_from(found))
                at(document, container)[key] = draw(st.sampled_from(nudges(value)))
        note(f"{op}: {document!r}"[:500])
    return document


def test_damaged_plans():
    verdicts = Counter()

    @PROPERTY
    @given(document=damaged_plans())
    def agree(document):
        agree_and_record(document, verdicts)

    agree()
    # Damage mostly breaks a plan; some edits keep it valid, and both kinds must occur.
    assert verdicts[True] >= 5 and verdicts[False] >= 150, verdicts


# --- schema-shaped plans built from scratch -------------------------------------------------

# Values of the wrong JSON type, for any field.
WRONG_TYPE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=3),
    st.just([]),
    st.just({}),
    st.just(["S1"]),
)


def text(min_size: int = 1, max_size: int = 30) -> SearchStrategy[str]:
    return st.text(min_size=min_size, max_size=max_size)


def around(low: int, high: int | None) -> SearchStrategy[str]:
    """Strings of one repeated character, just inside and just outside a length range
    (code points count, so astral and combining characters are as long as "a")."""
    lengths = [low - 1, low] + ([high, high + 1] if high is not None else [])
    return st.builds(
        lambda char, n: char * n,
        st.sampled_from(["a", "\U0001f600", "\u0301", "\x00", "\n"]) | st.characters(),
        st.sampled_from([n for n in lengths if n >= 0]),
    )


def near(low: int, high: int | None = None) -> SearchStrategy:
    """Integers at and across the bounds, and integral or fractional floats."""
    edges = [low - 1, low, low + 1] + ([high - 1, high, high + 1] if high is not None else [2**64])
    return st.one_of(
        st.sampled_from(edges), st.sampled_from(edges).map(float), st.sampled_from(edges).map(lambda n: n + 0.5)
    )


def pattern_fields(exact: SearchStrategy[str], schema_pattern: str) -> tuple[SearchStrategy[str], SearchStrategy[str]]:
    """``exact`` (strings in the form the schema's pattern wants), and strings that match
    that pattern only in Python's sense of "$" (before a trailing newline), or are near
    misses, or are anything."""
    loose = st.from_regex(schema_pattern)  # may end in "\n": re.search accepts it, ECMA-262 does not
    return exact, st.one_of(
        loose,
        exact.map(lambda s: s + "$"),
        exact.map(lambda s: s + "\n"),
        exact.map(str.swapcase),
        exact.map(lambda s: " " + s),
        st.text(max_size=6),
    )


def two(low: int, high: int) -> SearchStrategy[str]:
    return st.integers(low, high).map("{:02d}".format)


# Built rather than drawn from the regexes: from_regex is several times slower.
IDS, BAD_IDS = pattern_fields(
    st.lists(st.integers(0, 999), min_size=1, max_size=3).map(lambda parts: "S" + ".".join(map(str, parts))), SUBTASK_ID
)
SLUGS, BAD_SLUGS = pattern_fields(st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True), SLUG)
DATETIMES, BAD_DATETIMES = pattern_fields(
    st.tuples(
        st.integers(0, 9999).map("{:04d}".format),
        two(0, 99),
        two(0, 99),
        st.sampled_from("Tt"),
        two(0, 99),
        two(0, 99),
        two(0, 99),
        st.sampled_from(["", ".5", ".250", ".123456"]),
        st.sampled_from(["Z", "z", "+01:00", "-05:30", "+99:99"]),
    ).map(lambda p: "{}-{}-{}{}{}:{}:{}{}{}".format(*p)),
    DATETIME,
)


def enum(*values: str) -> tuple[SearchStrategy[str], SearchStrategy[str]]:
    wrong = st.one_of(
        st.sampled_from([v.upper() for v in values] + [v + "\n" for v in values] + [v[:-1] for v in values] + [""]),
        st.text(max_size=5),
    )
    return st.sampled_from(values), wrong


class Builder:
    """Draws one plan. A tidy plan uses only good values; a noisy one makes about one
    field in ten bad (wrong type, out of range, not matching its pattern), drops a
    required field now and then, and adds unknown fields."""

    def __init__(self, draw, noisy: bool):
        self.draw = draw
        self.noisy = noisy

    def chance(self, one_in: int) -> bool:
        return self.noisy and self.draw(st.integers(0, one_in - 1)) == 0

    def value(self, spec):
        good, bad = spec if isinstance(spec, tuple) else (spec, None)
        if self.chance(10):
            return self.draw(WRONG_TYPE if bad is None else st.one_of(bad, WRONG_TYPE))
        return good() if callable(good) and not isinstance(good, SearchStrategy) else self.draw(good)

    def obj(self, required: dict, optional: dict | None = None) -> dict:
        out = {}
        for name, spec in required.items():
            if not self.chance(25):
                out[name] = self.value(spec)
        for name, spec in (optional or {}).items():
            if self.draw(st.booleans()):
                out[name] = self.value(spec)
        if self.chance(20):
            out[self.draw(UNKNOWN_KEYS)] = self.draw(WRONG_TYPE)
        return out

    def items(self, make, low: int, high: int) -> list:
        count = self.draw(st.integers(0 if self.chance(15) else low, high))
        return [make() for _ in range(count)]

    def texts(self, low: int = 0, high: int = 2) -> list:
        return self.items(lambda: self.value((text(), text(0, 0))), low, high)

    def plan(self) -> dict:
        self.ids = self.draw(st.lists(IDS, min_size=1, max_size=2, unique=True))
        return self.obj(
            {
                "version": (st.sampled_from([1, 1.0]), st.sampled_from([0, 2, True, "1"])),
                "id": (SLUGS, BAD_SLUGS),
                "title": (text(1, 200), around(1, 200)),
                "task": (text(1, 60), around(1, None)),
                "subtasks": self.subtasks,
            },
            {
                "$schema": st.just("../schemas/plan.schema.json"),
                "context": text(0, 40),
                "created_at": (DATETIMES, BAD_DATETIMES),
                "updated_at": (DATETIMES, BAD_DATETIMES),
                "source": self.source,
                "tracker": self.trackers,
            },
        )

    def trackers(self) -> dict | list:
        """One ticket, or an array of them (the schema's anyOf; ``items`` may draw none)."""

        def tracker() -> dict:
            return self.obj(
                {"system": (text(), text(0, 0)), "key": (text(), text(0, 0))}, {"url": (text(), text(0, 0))}
            )

        return tracker() if self.draw(st.booleans()) else self.items(tracker, 1, 2)

    def source(self) -> dict:
        counts = (st.integers(0, 2**70), near(0))
        return self.obj(
            {"kind": enum("claude", "import", "manual")},
            {
                "model": (text(), text(0, 0)),
                "importer": (text(), text(0, 0)),
                "usage": lambda: self.obj(
                    {},
                    {
                        "input_tokens": counts,
                        "output_tokens": counts,
                        "cache_read_input_tokens": counts,
                        "cache_creation_input_tokens": counts,
                        "cost_usd": (st.floats(0, 1e6) | st.integers(0, 10**6), near(0)),
                    },
                ),
            },
        )

    def subtasks(self) -> list:
        if self.chance(15):
            return []
        return [self.subtask(sid) for sid in self.ids]

    def subtask(self, sid: str) -> dict:
        others = [other for other in self.ids if other != sid]
        return self.obj(
            {
                "id": (st.just(sid), BAD_IDS),
                "title": (text(3, 120), around(3, 120)),
                "goal": (text(1, 60), around(1, 4000)),
                "input_state": lambda: self.obj(
                    {"summary": (text(), text(0, 0)), "preconditions": lambda: self.texts(1, 2)},
                    {"artifacts": self.texts},
                ),
                "acceptance": lambda: self.items(self.criterion, 1, 2),
                "pause_boundaries": lambda: self.items(self.pause_boundary, 1, 2),
                "autonomy": enum("propose", "gated", "autonomous"),
                "risk": lambda: self.obj(
                    {
                        "stakes": enum("low", "high"),
                        "verification_cost": enum("cheap", "expensive"),
                        "reversible": st.booleans(),
                    }
                ),
            },
            {
                "depends_on": (
                    st.lists(st.sampled_from(others), unique=True) if others else st.just([]),
                    st.lists(st.one_of(st.sampled_from(self.ids), BAD_IDS), min_size=2, max_size=3).map(
                        lambda ids: ids + ids[:1]
                    ),
                ),
                "estimate": enum("XS", "S", "M", "L", "XL"),
                "labels": self.texts,
                "review": lambda: self.obj(
                    {"status": enum("pending", "approved", "changes_requested")},
                    {"notes": text(0, 20), "by": (text(), text(0, 0)), "at": (DATETIMES, BAD_DATETIMES)},
                ),
                "tracker": self.trackers,
                "evidence": lambda: self.items(
                    lambda: self.obj(
                        {
                            "criterion": (st.integers(0, 2**70), near(0)),
                            "at": (DATETIMES, BAD_DATETIMES),
                            "passed": st.booleans(),
                        },
                        {
                            "exit_code": (st.integers(-(2**70), 2**70), st.sampled_from([0.5, "0"])),
                            "output_tail": text(0, 20),
                        },
                    ),
                    0,
                    2,
                ),
            },
        )

    def criterion(self) -> dict:
        return self.obj({"statement": (text(), text(0, 0)), "verify": self.verify})

    def verify(self) -> dict:
        method = self.value(enum("command", "review"))
        out = {"method": method} if not self.chance(25) else {}
        if method == "command" and not self.chance(10) or self.draw(st.integers(0, 9)) == 0:
            out["command"] = self.value((text(), text(0, 0)))
        out.update(
            self.obj(
                {},
                {
                    "expect_exit": (st.integers(0, 255), near(0, 255)),
                    "expect_output": text(0, 10),
                    "timeout_s": (st.integers(1, 86400), near(1, 86400)),
                    "reviewer": (text(), text(0, 0)),
                },
            )
        )
        return out

    def pause_boundary(self) -> dict:
        return self.obj(
            {"trigger": (text(), text(0, 0)), "action": enum("ask", "confirm", "stop")},
            {"question": (text(), text(0, 0)), "reason": (text(), text(0, 0))},
        )


@st.composite
def built_plans(draw):
    noisy = draw(st.booleans())
    event("noisy" if noisy else "tidy")
    return Builder(draw, noisy).plan()


def test_built_plans():
    verdicts = Counter()

    @PROPERTY
    @given(document=built_plans())
    def agree(document):
        agree_and_record(document, verdicts)

    agree()
    total = sum(verdicts.values())
    # Neither verdict may be rare, or the agreement would be shown on one side only.
    assert verdicts[True] >= total // 4 and verdicts[False] >= total // 4, verdicts
