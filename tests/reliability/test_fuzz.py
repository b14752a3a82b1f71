"""Fuzzing `decomposer check`: whatever a file holds, the answer is findings or exit 2.

The requirement: arbitrary JSON values, truncated files, non-UTF-8 bytes, deep nesting
and huge strings produce only findings or exit 2 (the file and the reason named), never a
traceback. Every case goes through the library (``parse_plan``, ``validate_plan``,
``check_file``) and the real command line (``decomposer.cli.main``; two cases also start
``python -m decomposer``). Output must never carry a raw escape byte to the terminal.

Hypothesis runs derandomized and without an example database, so CI sees the same
examples on every run.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decomposer.check.validate import check_file, validate_plan
from decomposer.cli.main import main
from decomposer.cli.report import TextRenderer
from decomposer.plan.loading import MAX_PLAN_BYTES, PlanLoadError, parse_plan, read_plan_bytes
from helpers.plans import EXAMPLES, ROOT, clean_plan

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    # tmp_path and capsys are shared by the examples of one test: each example rewrites
    # the file and reads the captured output, so nothing leaks from one to the next.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SUMMARY = re.compile(r"[0-9]+ errors?, [0-9]+ warnings? · delegable [0-9]+/[0-9]+ subtasks")
# Text that must reach the terminal as visible escapes, never as the raw characters.
RAW_UNSAFE = ("\x1b", "\x07", "\x9b", "\u202e", "\ud800", "\udfff")
# Known load failures, so an unexpected reason (say, a leaked exception text) is noticed.
LOAD_REASONS = (
    "empty file",
    "not valid JSON",
    "not UTF-8 text",
    "expected a JSON object",
    "nested too deeply",
    "too large",
)


# --- helpers --------------------------------------------------------------------------------


def write(tmp_path, name: str, content) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    return str(path)


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def assert_text_outcome(code: int, out: str, path: str) -> None:
    """Exit 0/1 with findings and a summary, or exit 2 naming the file and the reason."""
    assert code in (0, 1, 2), out
    for raw in RAW_UNSAFE:
        assert raw not in out, f"{raw!r} reached the terminal"
    assert out.startswith(path + "\n"), out[:300]
    if code == 2:
        assert re.search(r"^  cannot check: \S", out, re.M), out[:300]
        assert any(reason in out for reason in LOAD_REASONS), out[:300]
    else:
        assert SUMMARY.search(out), out[-300:]
        assert "cannot check" not in out


def assert_json_outcome(code: int, out: str, path: str) -> dict:
    """`--format json` output parses, has the documented shape and matches the exit code."""
    document = json.loads(out)
    [entry] = document["files"]
    assert entry["path"] == path
    if code == 2:
        assert isinstance(entry["error"], str) and entry["error"]
        assert entry["findings"] == [] and entry["readiness"] is None
        return entry
    assert code in (0, 1)
    assert "error" not in entry
    readiness = entry["readiness"]
    assert 0 <= readiness["delegable"] <= readiness["total"]
    for finding in entry["findings"]:
        assert set(finding) == {"rule", "severity", "subtask", "path", "message", "hint"}
        assert finding["severity"] in ("error", "warning")
        assert finding["path"] == "" or finding["path"].startswith("/")
        assert isinstance(finding["message"], str) and finding["message"]
    has_errors = any(f["severity"] == "error" for f in entry["findings"])
    assert code == (1 if has_errors else 0)
    return entry


def check_everywhere(capsys, path: str, data: bytes, *, deep: bool = False) -> tuple[int, str]:
    """Check one file through parse_plan/validate_plan, check_file and both CLI formats;
    all must agree on whether the file could be used. Returns (exit code, text output).

    With ``deep``, whether a nesting near the limit parses depends on how much stack the
    caller already uses, so the library and the CLI may differ (each is still a verdict
    or "nested too deeply"), and validate_plan, which promises no more than Python does,
    may raise RecursionError; check_file never does."""
    try:
        loaded = parse_plan(data, path)
    except PlanLoadError as exc:
        assert exc.path == path and exc.reason
        assert str(exc) == f"{path}: {exc.reason}"
        library_usable = False
    else:
        try:
            report = validate_plan(loaded.plan, loaded.duplicate_keys)
        except RecursionError:
            assert deep
        else:
            assert all(f.severity in ("error", "warning") for f in report.findings)
        library_usable = True

    result = check_file(path)
    assert (result.report is None) == (result.error is not None)
    if not deep:
        assert (result.error is None) == library_usable, result.error

    code, out, _ = cli(capsys, path)
    assert_text_outcome(code, out, path)
    assert (code == 2) == (result.error is not None) or deep

    json_code, json_out, _ = cli(capsys, "--format", "json", path)
    assert json_code == code
    entry = assert_json_outcome(json_code, json_out, path)
    if result.error is not None and code == 2:
        assert entry["error"] == result.error
        assert f"  cannot check: {result.error}\n" in out
    return code, out


# --- strategies -----------------------------------------------------------------------------

# Fragments a hostile or careless plan may carry: terminal escapes, bidi overrides, Rich
# markup, lone surrogates (JSON allows "\ud800"), line breaks, pattern-anchor bait, lint bait.
NASTY = [
    "\x1b[31m",
    "\x1b]0;pwned\x07",
    "\x9b2J",
    "\u202e",
    "\u2066",
    "\ud800",
    "\udfff",
    "\x00",
    "\n",
    "\r\n",
    "\u2028",
    "\u0085",
    "$",
    "[bold red]",
    "[/]",
    "TODO",
    "...",
    "fast",
    "S1",
    "S1\n",
    "2026-11-22T10:15:00Z",
    "é",
    "\U0001f600",
    " ",
]
strings = st.lists(st.one_of(st.characters(exclude_categories=()), st.sampled_from(NASTY)), max_size=12).map("".join)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from([0, -0.0, 1.0, 255, 256, 86400, 2**63, 2**64, -(2**63) - 1, 10**300]),
    st.floats(allow_nan=False, allow_infinity=False),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, strings)
PLAN_KEYS = [
    "version",
    "id",
    "title",
    "task",
    "subtasks",
    "autonomy",
    "risk",
    "depends_on",
    "acceptance",
    "verify",
    "method",
    "pause_boundaries",
    "action",
    "estimate",
]
keys = st.one_of(st.sampled_from(PLAN_KEYS), strings)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=20,
)


def paths_in(document, prefix=()):
    """Every (container path, key) in a JSON document."""
    if isinstance(document, dict):
        items = document.items()
    elif isinstance(document, list):
        items = enumerate(document)
    else:
        return
    for key, child in items:
        yield prefix, key
        yield from paths_in(child, (*prefix, key))


def at(document, path):
    for key in path:
        document = document[key]
    return document


@st.composite
def damaged_plans(draw):
    """The clean plan with one to three fields replaced by arbitrary JSON values."""
    plan = clean_plan()
    for _ in range(draw(st.integers(1, 3))):
        container, key = draw(st.sampled_from(list(paths_in(plan))))
        at(plan, container)[key] = draw(json_values)
    return plan


def encode(value, ensure_ascii: bool) -> bytes:
    # ensure_ascii=False writes lone surrogates as raw code points: not valid UTF-8.
    return json.dumps(value, ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass")


# --- arbitrary JSON values and arbitrary bytes ----------------------------------------------


@FUZZ
@given(value=json_values, ensure_ascii=st.booleans())
def test_any_json_value(tmp_path, capsys, value, ensure_ascii):
    data = encode(value, ensure_ascii)
    path = write(tmp_path, "value.json", data)
    code, out = check_everywhere(capsys, path, data)
    if not isinstance(value, dict) and ensure_ascii:
        assert code == 2 and "expected a JSON object (a plan) at the top level" in out


@FUZZ
@given(plan=damaged_plans(), ensure_ascii=st.booleans())
def test_plan_with_arbitrary_values_in_its_fields(tmp_path, capsys, plan, ensure_ascii):
    data = encode(plan, ensure_ascii)
    path = write(tmp_path, "plan.json", data)
    code, _ = check_everywhere(capsys, path, data)
    if ensure_ascii:
        assert code in (0, 1)  # an object, valid JSON: always findings, never "unusable"


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.tuples(
            st.sampled_from([b"{", b'{"version": ', b"\xef\xbb\xbf{", b'{"subtasks": [{"id": "']),
            st.binary(max_size=300),
        ).map(b"".join),
    )
)
def test_arbitrary_bytes(tmp_path, capsys, data):
    path = write(tmp_path, "bytes.json", data)
    check_everywhere(capsys, path, data)


@pytest.mark.parametrize("value", [[], {}, ["gated"], {"gated": 1}, 1, None])
def test_containers_where_the_checks_expect_strings(tmp_path, capsys, value):
    """Found by the fuzz above: an array or object as autonomy was looked up in a dict
    (unhashable) and crashed the semantic checks."""
    plan = clean_plan()
    plan["subtasks"][0]["autonomy"] = value
    plan["subtasks"][0]["estimate"] = value
    plan["subtasks"][1]["risk"]["stakes"] = value
    plan["subtasks"][1]["pause_boundaries"][0]["action"] = value
    plan["subtasks"][1]["acceptance"][0]["verify"]["method"] = value
    plan["subtasks"][1]["depends_on"] = [value]
    data = json.dumps(plan).encode()
    code, out = check_everywhere(capsys, write(tmp_path, "plan.json", data), data)
    assert code == 1 and "/subtasks/0/autonomy" in out


# --- truncated files ------------------------------------------------------------------------

EXAMPLE = (EXAMPLES / "api-endpoint.json").read_bytes()
CUTS = sorted({len(EXAMPLE) * i // 50 for i in range(51)})


@pytest.mark.parametrize("cut", CUTS)
def test_truncated_example(tmp_path, capsys, cut):
    data = EXAMPLE[:cut]
    path = write(tmp_path, "api-endpoint.json", data)
    code, out = check_everywhere(capsys, path, data)
    if cut == len(EXAMPLE):
        assert code == 0
    else:
        assert code == 2
        assert "empty file" in out if not data.strip() else "not valid JSON" in out


def test_truncated_inside_a_multibyte_character(tmp_path, capsys):
    plan = clean_plan()
    plan["title"] = "Exportação → CSV"
    data = json.dumps(plan, ensure_ascii=False).encode("utf-8")
    arrow = data.index("→".encode())
    for cut in (arrow + 1, arrow + 2):  # inside the three bytes of "→"
        path = write(tmp_path, "plan.json", data[:cut])
        code, out = check_everywhere(capsys, path, data[:cut])
        assert code == 2 and f"not UTF-8 text (invalid byte at offset {arrow})" in out


# --- encodings ------------------------------------------------------------------------------

PLAN_TEXT = json.dumps(clean_plan(), ensure_ascii=False)
LATIN_1 = PLAN_TEXT.replace("Add CSV export", "Café CSV export")


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe{\x00}\x00",
        PLAN_TEXT.encode("utf-16"),
        PLAN_TEXT.encode("utf-32"),
        LATIN_1.encode("latin-1"),
        PLAN_TEXT.replace("Add CSV export", "\ud800 CSV export").encode("utf-8", "surrogatepass"),
        PLAN_TEXT.replace("Add CSV export", "\udcff").encode("utf-8", "surrogatepass"),
        b'{"title": "\xc0\xaf"}',  # overlong "/"
        b'{"title": "\xe2\x82"}',  # a three-byte character cut short
        b"\x80" * 64,
        bytes(range(256)),
    ],
    ids=[
        "utf16-bom-tiny",
        "utf16",
        "utf32",
        "latin1",
        "surrogatepass-high",
        "surrogatepass-low",
        "overlong",
        "cut-multibyte",
        "continuation-bytes",
        "all-bytes",
    ],
)
def test_not_utf8(tmp_path, capsys, data):
    path = write(tmp_path, "plan.json", data)
    code, out = check_everywhere(capsys, path, data)
    assert code == 2
    assert "not UTF-8 text (invalid byte at offset" in out


def test_utf8_bom_is_accepted_and_raw_control_characters_are_not(tmp_path, capsys):
    data = b"\xef\xbb\xbf" + PLAN_TEXT.encode()
    assert check_everywhere(capsys, write(tmp_path, "bom.json", data), data)[0] == 0
    # UTF-16 without a BOM is valid UTF-8 (NUL bytes and ASCII), but not JSON.
    data = PLAN_TEXT.encode("utf-16-be")
    code, out = check_everywhere(capsys, write(tmp_path, "utf16be.json", data), data)
    assert code == 2 and "not valid JSON: Expecting value at line 1, column 1" in out
    data = PLAN_TEXT.replace("Add CSV export", "Add\x00CSV\x1b export").encode()
    code, out = check_everywhere(capsys, write(tmp_path, "nul.json", data), data)
    assert code == 2 and "not valid JSON: Invalid control character" in out


def test_stdin_with_bad_bytes(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\xff\xfe\x00junk")))
    code, out, _ = cli(capsys, "-")
    assert code == 2
    assert out.startswith("<stdin>\n") and "not UTF-8 text" in out


# --- lone surrogates that are valid JSON ("\ud800" escapes) ---------------------------------


def test_lone_surrogate_escapes_are_findings_not_a_crash(tmp_path, capsys):
    """JSON may spell a lone surrogate as an escape; Python decodes it to a str that cannot
    be encoded to UTF-8. Every field that is matched against a pattern or an enum, shown in
    a heading, or named as a key must survive it."""
    plan = clean_plan()
    plan["id"] = "plan\ud800"
    plan["created_at"] = "\udfff"
    plan["subtasks"][0]["id"] = "S1\ud800"
    plan["subtasks"][0]["title"] = "Write the \ud800 serializer"
    plan["subtasks"][0]["autonomy"] = "gated\udfff"
    plan["subtasks"][0]["labels"] = ["\ud83d"]
    plan["subtasks"][1]["depends_on"] = ["S1\udfff"]
    plan["subtasks"][1]["risk"]["\ud800"] = True
    data = json.dumps(plan).encode()  # ensure_ascii: the surrogates become \ud800 escapes
    assert b"\\ud800" in data
    path = write(tmp_path, "plan.json", data)
    code, out = check_everywhere(capsys, path, data)
    assert code == 1
    assert "\\ud800" in out and "\\udfff" in out  # shown as escapes
    loaded = parse_plan(data, path)
    messages = {f.path: f.message for f in validate_plan(loaded.plan).findings}
    assert "/subtasks/0/id" in messages and "/subtasks/0/autonomy" in messages
    assert "/subtasks/1/risk/\ud800" in messages and "/created_at" in messages


# --- deep nesting ---------------------------------------------------------------------------

DEEP = 100_000


def splice(field_json: str, where: str) -> str:
    """The clean plan's JSON text with ``field_json`` as the value of one field."""
    marker = "__SPLICE__"
    plan = clean_plan()
    if where == "top":
        return field_json
    if where == "labels":
        plan["subtasks"][0]["labels"] = marker
    elif where == "risk":
        plan["subtasks"][0]["risk"] = marker
    elif where == "depends_on":
        plan["subtasks"][1]["depends_on"] = [marker, marker]
    elif where == "version":
        plan["version"] = marker
    elif where == "unknown":
        plan["subtasks"][0]["x-unknown"] = marker
    return json.dumps(plan).replace(json.dumps(marker), field_json)


def nested_lists(depth: int) -> str:
    return "[" * depth + "]" * depth


def nested_objects(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


@pytest.mark.parametrize(
    "text",
    [
        splice(nested_lists(DEEP), "top"),
        splice(nested_objects(DEEP), "top"),
        splice(nested_lists(DEEP), "labels"),
        splice(nested_objects(DEEP), "risk"),
        splice('[{"a": ' * (DEEP // 2) + "0" + "}]" * (DEEP // 2), "unknown"),
    ],
    ids=["top-lists", "top-objects", "labels-lists", "risk-objects", "unknown-mixed"],
)
def test_very_deep_nesting_is_refused(tmp_path, capsys, text):
    data = text.encode()
    path = write(tmp_path, "deep.json", data)
    code, out = check_everywhere(capsys, path, data, deep=True)
    assert code == 2 and "nested too deeply" in out


# Depths around the compiled validator's limit of 255 levels and up to where the loader
# itself gives up (which depends on the interpreter's recursion limit and stack use).
@pytest.mark.parametrize("depth", [200, 255, 256, 300, 600, 950])
@pytest.mark.parametrize("where", ["depends_on", "labels", "version", "unknown", "risk"])
def test_deep_nesting_gives_findings_or_exit_2(tmp_path, capsys, depth, where):
    inner = nested_objects(depth) if where == "risk" else nested_lists(depth)
    data = splice(inner, where).encode()
    path = write(tmp_path, "deep.json", data)
    code, out = check_everywhere(capsys, path, data, deep=True)
    if code == 2:
        assert "nested too deeply" in out
    else:
        assert code == 1 and "error    schema" in out


def test_library_validates_python_values_nested_past_the_compiled_limit():
    """jsonschema-rs refuses values nested deeper than 255 levels; validate_plan still
    gives the verdict (from the reference validator) instead of raising."""
    deep = []
    for _ in range(400):
        deep = [deep]
    plan = clean_plan()
    plan["subtasks"][0]["labels"] = [deep]
    plan["subtasks"][1]["depends_on"] = ["S1", deep]
    report = validate_plan(plan)
    paths = {f.path for f in report.errors}
    assert {"/subtasks/0/labels/0", "/subtasks/1/depends_on/1"} <= paths


# --- huge strings ---------------------------------------------------------------------------

# Rich markup, SGR and OSC escapes, a bell, a CSI in its C1 form and a bidi override,
# repeated on one line of 50,000 characters.
HOSTILE = "[bold red]alert[/bold red] \x1b[31mred\x1b[0m \x1b]0;pwned\x07 \x9b2J [link=https://x]y[/link] \u202e "
HOSTILE_LINE = (HOSTILE * (50_000 // len(HOSTILE) + 1))[:50_000]


def test_five_megabyte_title(tmp_path, capsys):
    plan = clean_plan()
    plan["title"] = "x" * 5_000_000
    data = json.dumps(plan).encode()
    path = write(tmp_path, "plan.json", data)
    code, out = check_everywhere(capsys, path, data)
    assert code == 1
    assert "is too long: 5,000,000 characters, at most 200" in out
    assert len(out) < 5_000  # the title is measured, not echoed


def test_one_megabyte_criterion(tmp_path, capsys):
    plan = clean_plan()
    plan["subtasks"][0]["acceptance"][0]["statement"] = "the page is fast and " * 50_000
    data = json.dumps(plan).encode()
    path = write(tmp_path, "plan.json", data)
    code, out = check_everywhere(capsys, path, data)
    assert code == 0  # a warning only
    assert "vague-language" in out and '"fast"' in out
    assert len(out) < 5_000
    assert cli(capsys, "--strict", path)[0] == 1


def test_hostile_50000_character_line_stays_data(tmp_path, capsys):
    plan = clean_plan()
    plan["title"] = HOSTILE_LINE
    plan["subtasks"][0]["id"] = HOSTILE_LINE
    plan["subtasks"][0]["title"] = HOSTILE_LINE
    plan["subtasks"][0]["labels"] = [HOSTILE_LINE]
    plan["subtasks"][0]["acceptance"][0]["statement"] = HOSTILE_LINE
    plan["subtasks"][0]["acceptance"][0]["verify"]["expect_output"] = HOSTILE_LINE + "("
    plan["subtasks"][0]["pause_boundaries"][0]["trigger"] = HOSTILE_LINE
    plan["subtasks"][1]["depends_on"] = [HOSTILE_LINE]
    plan["subtasks"][1][HOSTILE_LINE] = HOSTILE_LINE
    data = json.dumps(plan, ensure_ascii=False).encode()
    path = write(tmp_path, "plan.json", data)
    code, out = check_everywhere(capsys, path, data)
    assert code == 1
    assert "\\x1b[31m" in out and "\\x07" in out and "\\x9b" in out and "\\u202e" in out
    assert "[bold red]alert[/bold red]" in out  # markup is shown as typed, not interpreted

    # On a terminal the only escapes are the renderer's own colours.
    coloured = TextRenderer(colour=True).render([check_file(path)])
    assert "\x1b[31m" in coloured
    own = re.compile(r"\x1b\[(?:0|1|2|31|32|33)m")
    assert "\x1b" not in own.sub("", coloured)
    for raw in RAW_UNSAFE[1:]:
        assert raw not in coloured


# --- JSON oddities --------------------------------------------------------------------------


def test_duplicate_keys_are_findings(tmp_path, capsys):
    text = PLAN_TEXT.replace('"version": 1,', '"version": 1, "version": 1,', 1)
    text = text.replace('"id": "S1",', '"id": "S1", "id": "S1", "id": "S1",', 1)
    data = text.encode()
    path = write(tmp_path, "plan.json", data)
    code, out = check_everywhere(capsys, path, data)
    assert code == 1
    assert '"version" is given more than once in the same object' in out
    assert '"id" is given more than once in the same object' in out
    entry = json.loads(cli(capsys, "--format", "json", path)[1])["files"][0]
    duplicates = [f for f in entry["findings"] if "more than once" in f["message"]]
    assert [(f["path"], f["subtask"]) for f in duplicates] == [("/version", None), ("/subtasks/0/id", "S1")]


@pytest.mark.parametrize(
    "literal, reason",
    [
        ("NaN", "NaN is not valid JSON"),
        ("Infinity", "Infinity is not valid JSON"),
        ("-Infinity", "-Infinity is not valid JSON"),
        ("1e999", "too large"),
        ("-1e999", "too large"),
        ("1" * 5000, "not valid JSON"),  # beyond Python's integer digit limit
        ("nan", "not valid JSON"),
        ("undefined", "not valid JSON"),
        ("0x10", "not valid JSON"),
        ("'single'", "not valid JSON"),
    ],
    ids=["nan", "inf", "-inf", "1e999", "-1e999", "5000-digits", "nan-lower", "undefined", "hex", "quote"],
)
@pytest.mark.parametrize("where", ["version", "subtask-field"])
def test_non_json_numbers_and_literals(tmp_path, capsys, literal, reason, where):
    marker = '"__LITERAL__"'
    plan = clean_plan()
    if where == "version":
        plan["version"] = "__LITERAL__"
    else:
        plan["subtasks"][0]["acceptance"][0]["verify"]["expect_exit"] = "__LITERAL__"
    data = json.dumps(plan).replace(marker, literal).encode()
    path = write(tmp_path, "plan.json", data)
    code, out = check_everywhere(capsys, path, data)
    assert code == 2 and reason in out


def test_large_but_finite_numbers_are_findings(tmp_path, capsys):
    plan = clean_plan()
    plan["version"] = 10**4000
    plan["subtasks"][0]["acceptance"][0]["verify"]["expect_exit"] = 1.7976931348623157e308
    plan["subtasks"][0]["acceptance"][0]["verify"]["timeout_s"] = -(2**64)
    plan["subtasks"][0]["evidence"] = [
        {"criterion": 2**70, "at": "2026-11-22T10:15:00Z", "passed": True, "exit_code": -(10**30)}
    ]
    data = json.dumps(plan).encode()
    path = write(tmp_path, "plan.json", data)
    code, out = check_everywhere(capsys, path, data)
    assert code == 1
    paths = re.findall(r"error    schema  (\S+)", out)
    assert paths == [
        "/version",
        "/subtasks/0/acceptance/0/verify/expect_exit",
        "/subtasks/0/acceptance/0/verify/timeout_s",
    ]


@pytest.mark.parametrize(
    "text, found",
    [
        ("[]", "an array"),
        (json.dumps([clean_plan()]), "an array"),
        ('"a plan"', "a string"),
        ("42", "a number"),
        ("-1.5e3", "a number"),
        ("true", "a boolean"),
        ("null", "null"),
    ],
)
def test_top_level_not_an_object(tmp_path, capsys, text, found):
    path = write(tmp_path, "plan.json", text)
    code, out = check_everywhere(capsys, path, text.encode())
    assert code == 2
    assert f"expected a JSON object (a plan) at the top level, found {found}" in out


@pytest.mark.parametrize(
    "data",
    [b"", b" \n\t\r\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf  \n"],
    ids=["empty", "whitespace", "bom", "bom-whitespace"],
)
def test_empty_files(tmp_path, capsys, data):
    path = write(tmp_path, "plan.json", data)
    code, out = check_everywhere(capsys, path, data)
    assert code == 2 and "empty file, expected a JSON object" in out


# --- size -----------------------------------------------------------------------------------


def test_twenty_megabytes_is_the_limit(tmp_path, capsys):
    at_limit = b" " * (MAX_PLAN_BYTES - 2) + b"{}"
    over = at_limit + b" "
    path = write(tmp_path, "limit.json", at_limit)
    code, out, _ = cli(capsys, path)
    assert code == 1 and "too large" not in out  # read and parsed: a schema finding
    assert 'missing required field "version"' in out

    path = write(tmp_path, "over.json", over)
    code, out, _ = cli(capsys, path)
    assert code == 2
    assert out.startswith(path + "\n") and "too large (20,971,521 bytes; the limit is 20,971,520)" in out
    code, out, _ = cli(capsys, "--format", "json", path)
    assert code == 2 and json.loads(out)["files"][0]["error"].startswith("too large")
    assert check_file(path).error.startswith("too large")
    with pytest.raises(PlanLoadError, match="too large"):
        parse_plan(over, path)
    with pytest.raises(PlanLoadError, match="too large"):
        read_plan_bytes("-", io.BytesIO(over))


# --- the real process -----------------------------------------------------------------------


def nasty_files(tmp_path) -> list[str]:
    surrogate = clean_plan()
    surrogate["subtasks"][0]["id"] = "S1\ud800"
    surrogate["subtasks"][0]["title"] = "Write \udfff the serializer"
    hostile = clean_plan()
    hostile["subtasks"][0]["title"] = HOSTILE_LINE
    return [
        write(tmp_path, "surrogate.json", json.dumps(surrogate)),
        write(tmp_path, "hostile.json", json.dumps(hostile, ensure_ascii=False)),
        write(tmp_path, "deep.json", splice(nested_lists(300), "depends_on")),
        write(tmp_path, "deeper.json", nested_lists(DEEP)),
        write(tmp_path, "latin1.json", LATIN_1.encode("latin-1")),
        write(tmp_path, "nan.json", '{"version": NaN}'),
        write(tmp_path, "truncated.json", EXAMPLE[: len(EXAMPLE) // 2]),
        write(tmp_path, "empty.json", b""),
        write(tmp_path, "array.json", "[1, 2]"),
    ]


def run_process(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "decomposer", "check", *args], capture_output=True, cwd=ROOT, timeout=60
    )


def test_real_process_text(tmp_path):
    paths = nasty_files(tmp_path)
    result = run_process(*paths)
    out, err = result.stdout.decode("utf-8"), result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, err
    assert "Traceback" not in err and err == ""
    assert b"\x1b" not in result.stdout and b"\x07" not in result.stdout
    for path in paths:
        assert f"\n{path}\n" in f"\n{out}"
    assert "9 files:" in out and "could not be checked" in out


def test_real_process_json(tmp_path):
    paths = nasty_files(tmp_path)
    result = run_process("--format", "json", *paths)
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    files = json.loads(result.stdout)["files"]
    assert [f["path"] for f in files] == paths
    unusable = {f["path"].rsplit("/", 1)[-1] for f in files if f["readiness"] is None}
    assert {"deeper.json", "latin1.json", "nan.json", "truncated.json", "empty.json", "array.json"} <= unusable
    assert {"surrogate.json", "hostile.json"}.isdisjoint(unusable)
    for entry in files:
        assert entry["findings"] or entry.get("error")
