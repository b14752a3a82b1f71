"""The wording lint (decomposer/check/lint.py) and its word lists, through validate_plan.

Every test puts one text into the clean fixture plan (zero findings), so a finding that
appears can only come from that text.
"""

from __future__ import annotations

import json

import pytest

from decomposer.check.findings import WARNING
from decomposer.check.lint import SMELLS_FILE, lexicon
from decomposer.check.validate import validate_plan
from decomposer.resources import data_path
from helpers.plans import assert_clean, clean_plan, findings_for, the_finding

SMELLS = json.loads(data_path(SMELLS_FILE).read_text(encoding="utf-8"))


# --- helpers ---------------------------------------------------------------------------


# Where a text can go: (setter, JSON pointer, how the message names it).
def _set_statement(plan, text):
    plan["subtasks"][0]["acceptance"][0]["statement"] = text


def _set_trigger(plan, text):
    plan["subtasks"][0]["pause_boundaries"][0]["trigger"] = text


def _set_summary(plan, text):
    plan["subtasks"][0]["input_state"]["summary"] = text


def _set_precondition(plan, text):
    plan["subtasks"][0]["input_state"]["preconditions"][0] = text


def _set_goal(plan, text):
    plan["subtasks"][0]["goal"] = text


def _set_title(plan, text):
    plan["subtasks"][0]["title"] = text


STATEMENT = (_set_statement, "/subtasks/0/acceptance/0/statement", "criterion 1")
TRIGGER = (_set_trigger, "/subtasks/0/pause_boundaries/0/trigger", "the trigger of pause boundary 1")
SUMMARY = (_set_summary, "/subtasks/0/input_state/summary", "the input state")
PRECONDITION = (_set_precondition, "/subtasks/0/input_state/preconditions/0", "precondition 1")
GOAL = (_set_goal, "/subtasks/0/goal", "the goal")
TITLE = (_set_title, "/subtasks/0/title", "the title")

VAGUE_PLACES = {"statement": STATEMENT, "trigger": TRIGGER, "summary": SUMMARY, "precondition": PRECONDITION}


def vague_in(text, place=STATEMENT):
    """vague-language findings for ``text`` put in one place of the clean plan."""
    plan = clean_plan()
    place[0](plan, text)
    return findings_for(plan, "vague-language")


# --- vague-language --------------------------------------------------------------------


@pytest.mark.parametrize("name", list(VAGUE_PLACES))
def test_vague_language_in_each_linted_field(plan, name):
    setter, path, where = VAGUE_PLACES[name]
    setter(plan, "The export finishes quickly")
    finding = the_finding(plan, "vague-language")
    assert (finding.severity, finding.subtask, finding.path) == (WARNING, "S1", path)
    assert finding.message == f'vague wording in {where} (ambiguous adverb or adjective: "quickly")'


def test_vague_language_in_a_later_precondition_and_subtask(plan):
    plan["subtasks"][1]["input_state"]["preconditions"].append("S1 is merged and several tests pass")
    finding = the_finding(plan, "vague-language")
    assert (finding.subtask, finding.path) == ("S2", "/subtasks/1/input_state/preconditions/1")
    assert finding.message.startswith("vague wording in precondition 2 (")


@pytest.mark.parametrize(
    "category, label, word",
    [
        ("subjective", "subjective language", "user-friendly"),
        ("subjective", "subjective language", "robust"),
        ("ambiguous", "ambiguous adverb or adjective", "fast"),
        ("ambiguous", "ambiguous adverb or adjective", "sufficient"),
        ("quantifier", "vague quantifier", "several"),
        ("quantifier", "vague quantifier", "a few"),
        ("open-ended", "open-ended term", "etc"),
        ("open-ended", "open-ended term", "and so on"),
        ("superlative", "superlative without a number", "fastest"),
        ("superlative", "superlative without a number", "optimal"),
        ("comparative", "comparative without a baseline", "faster"),
        ("comparative", "comparative without a baseline", "improved"),
    ],
)
def test_each_category_fires(category, label, word):
    assert word in SMELLS["categories"][category]["terms"]
    assert SMELLS["categories"][category]["label"] == label
    found = vague_in(f"The export page is {word} for the reviewer")
    assert len(found) == 1
    assert found[0].message == f'vague wording in criterion 1 ({label}: "{word}")'


def test_message_names_every_word_once_grouped_by_label():
    found = vague_in("The page is fast, handles several files, etc. and is fast")
    assert len(found) == 1
    assert found[0].message == (
        'vague wording in criterion 1 (ambiguous adverb or adjective: "fast"; '
        'vague quantifier: "several"; open-ended term: "etc")'
    )


def test_two_words_of_one_label_share_it():
    [finding] = vague_in("Responses are fast and reliable")
    assert finding.message == 'vague wording in criterion 1 (ambiguous adverb or adjective: "fast", "reliable")'


@pytest.mark.parametrize(
    "text",
    [
        "p95 faster than 400 ms",
        "GET /orders returns 200 with at most 50 items",
        "at least one row is written",
        "the fastest of 3 runs takes under 2 s",
        "cold start is 10x faster than v1.4",
        "the import uses less memory than 512 MB",
        "two or more files are written",
    ],
)
def test_numbers_and_bounds_are_quiet(text):
    assert vague_in(text) == []


@pytest.mark.parametrize(
    "text, word",
    [
        ("the export is faster than before", "faster"),
        ("the page loads with the lowest latency", "lowest"),
        ("the search returns more results", "more"),
    ],
)
def test_comparatives_and_superlatives_without_a_number_fire(text, word):
    [finding] = vague_in(text)
    assert f'"{word}"' in finding.message


@pytest.mark.parametrize(
    "text",
    [
        "`make fast` exits 0",
        "```\nmake fast\n```",
        'the log contains "fast path enabled"',
        "the log contains 'fast path enabled'",
        "the log contains “fast path enabled”",
        "the log contains ‘fast path enabled’",
        "the flag «fast» is set",
    ],
)
def test_literal_text_is_quiet(text):
    assert vague_in(text) == []


def test_apostrophes_do_not_hide_words():
    # "don't ... agent's": an apostrophe is not a quote, so "fast" between them counts.
    [finding] = vague_in("don't stop; the export is fast, the agent's log says so")
    assert '"fast"' in finding.message


@pytest.mark.parametrize(
    "text", ["The export finishes ｑｕｉｃｋｌｙ", "The export finishes QUICKLY", "The export finishes Quickly."]
)
def test_normalised_and_case_folded_words_are_caught(text):
    [finding] = vague_in(text)
    assert '"quickly"' in finding.message


@pytest.mark.parametrize(
    "text",
    [
        "the service runs under fastapi",
        "breakfast orders are exported",
        "/etc/hosts maps api.local to 127.0.0.1",
        "fast.py defines the exporter",
        "someone with the admin role can download it",
        "handsome output",
        "the fast-forward merge to main succeeds",
    ],
)
def test_whole_words_only(text):
    assert vague_in(text) == []


@pytest.mark.parametrize(
    "text, word",
    [
        ("some rows are exported", "some"),
        ("Some rows are exported", "some"),
        ("it is fast.", "fast"),
        ("(fast) export", "fast"),
        ("see /etc or etc.", "etc"),
    ],
)
def test_the_words_themselves_still_match(text, word):
    [finding] = vague_in(text)
    assert f'"{word}"' in finding.message


@pytest.mark.parametrize(
    "text",
    [
        "the working tree is clean",
        "git status is clean after the run",
        "a clean checkout of main builds",
        "the output is well-formed JSON",
        "the export is as well as the import covered by tests",
        "the most recent report is exported",
    ],
)
def test_allow_list_phrases_are_quiet(text):
    assert vague_in(text) == []


def test_allow_list_does_not_hide_other_words():
    [finding] = vague_in("the working tree is clean and the build is fast")
    assert finding.message.endswith('(ambiguous adverb or adjective: "fast")')
    [finding] = vague_in("the code is clean")
    assert '"clean"' in finding.message


@pytest.mark.parametrize("place", [GOAL, TITLE], ids=["goal", "title"])
def test_goal_and_title_are_prose_not_linted_for_vagueness(plan, place):
    place[0](plan, "Make the export fast, robust and user-friendly, etc")
    assert_clean(plan)


def test_other_free_text_is_not_linted_for_vagueness(plan):
    plan["context"] = "The team wants a fast, user-friendly export."
    plan["task"] = "Make the CSV export fast and user-friendly, etc."
    plan["subtasks"][1]["acceptance"][1]["verify"]["reviewer"] = "a sufficiently senior reviewer"
    plan["subtasks"][1]["pause_boundaries"][0].update(question="Is it fast enough?", reason="Some users lose data")
    plan["subtasks"][0]["acceptance"][0]["verify"]["command"] = "pytest -q -k 'fast or several'"
    assert_clean(plan)


# --- loophole-trigger ------------------------------------------------------------------


@pytest.mark.parametrize(
    "trigger, term",
    [
        ("If needed", "if needed"),
        ("when unsure", "when unsure"),
        ("As appropriate", "as appropriate"),
        ("If in doubt", "if in doubt"),
        ("When in doubt, stop", "when in doubt"),
        ("If something goes wrong", "if something goes wrong"),
        ("Stop where possible", "where possible"),
    ],
)
def test_loophole_triggers_fire(plan, trigger, term):
    _set_trigger(plan, trigger)
    finding = the_finding(plan, "loophole-trigger")
    assert (finding.severity, finding.subtask, finding.path) == (
        WARNING,
        "S1",
        "/subtasks/0/pause_boundaries/0/trigger",
    )
    assert finding.message == f'trigger is a loophole ("{term}"): it gives the agent no rule to follow'


def test_loophole_in_a_later_boundary_points_at_it(plan):
    plan["subtasks"][1]["pause_boundaries"].append({"trigger": "If unsure about the button text", "action": "ask"})
    finding = the_finding(plan, "loophole-trigger")
    assert (finding.subtask, finding.path) == ("S2", "/subtasks/1/pause_boundaries/1/trigger")


@pytest.mark.parametrize(
    "trigger",
    [
        "When about to run git push",
        "When about to run a command that writes to a remote (git push, gh issue create)",
        "If the diff touches files outside src/",
        "If `pytest -q` fails twice in a row",
        "When a migration would drop a column",
    ],
)
def test_concrete_ears_triggers_are_quiet(plan, trigger):
    _set_trigger(plan, trigger)
    assert_clean(plan)


@pytest.mark.parametrize("trigger", ["If needed", "As appropriate", "if necessary", "When uncertain"])
def test_loophole_is_not_also_vague_language(plan, trigger):
    _set_trigger(plan, trigger)
    assert [f.rule for f in validate_plan(plan).findings] == ["loophole-trigger"]


def test_loophole_and_vague_word_in_one_trigger_give_one_finding_each(plan):
    _set_trigger(plan, "If the output looks good, or if needed")
    found = validate_plan(plan).findings
    assert sorted(f.rule for f in found) == ["loophole-trigger", "vague-language"]
    by_rule = {f.rule: f for f in found}
    assert '"if needed"' in by_rule["loophole-trigger"].message
    assert by_rule["vague-language"].message == (
        'vague wording in the trigger of pause boundary 1 (subjective language: "good")'
    )
    assert "needed" not in by_rule["vague-language"].message


def test_loophole_wording_outside_a_trigger_is_vague_language(plan):
    _set_statement(plan, "the header row is written if needed")
    finding = the_finding(plan, "vague-language")
    assert finding.message == 'vague wording in criterion 1 (loophole: "if needed")'
    assert findings_for(plan, "loophole-trigger") == []


# --- placeholder -----------------------------------------------------------------------

PLACEHOLDER_PLACES = {
    "goal": GOAL,
    "title": TITLE,
    "statement": STATEMENT,
    "trigger": TRIGGER,
    "precondition": PRECONDITION,
    "summary": SUMMARY,
}


@pytest.mark.parametrize("name", list(PLACEHOLDER_PLACES))
@pytest.mark.parametrize(
    "text, mark",
    [
        ("Write the TODO section", "TODO"),
        ("FIXME: name the columns", "FIXME"),
        ("Columns: TBD", "TBD"),
        ("columns tbd", "tbd"),
        ("lorem ipsum dolor", "lorem ipsum"),
        ("Columns are ???", "???"),
        ("Columns are ... for now", "..."),
    ],
)
def test_placeholders_fire(plan, name, text, mark):
    setter, path, where = PLACEHOLDER_PLACES[name]
    setter(plan, text)
    finding = the_finding(plan, "placeholder")
    assert (finding.severity, finding.subtask, finding.path) == (WARNING, "S1", path)
    assert finding.message == f'placeholder in {where}: "{mark}"'


@pytest.mark.parametrize("name", list(PLACEHOLDER_PLACES))
def test_unicode_ellipsis_fires(plan, name):
    setter, path, where = PLACEHOLDER_PLACES[name]
    setter(plan, "Columns are … for now")
    finding = the_finding(plan, "placeholder")
    assert finding.path == path
    assert finding.message.startswith(f"placeholder in {where}: ")
    # NFKC turns "…" into "...", so the mark may be reported in either spelling.
    assert '"…"' in finding.message or '"..."' in finding.message


def test_placeholder_in_the_plan_title_and_context(plan):
    plan["title"] = "CSV export TBD"
    plan["context"] = "Owner: ???"
    found = findings_for(plan, "placeholder")
    assert [(f.subtask, f.path, f.message) for f in found] == [
        (None, "/context", 'placeholder in the plan context: "???"'),
        (None, "/title", 'placeholder in the plan title: "TBD"'),
    ]


def test_every_placeholder_in_a_text_is_named_once(plan):
    _set_goal(plan, "TODO: columns TBD, see ??? and TODO")
    finding = the_finding(plan, "placeholder")
    assert finding.message == 'placeholder in the goal: "TODO", "TBD", "???"'


def test_placeholder_and_vague_word_are_separate_findings(plan):
    _set_statement(plan, "the export is fast TODO")
    assert sorted(f.rule for f in validate_plan(plan).findings) == ["placeholder", "vague-language"]


@pytest.mark.parametrize(
    "text",
    [
        "Build the todo app export",
        "Todo items are exported",
        "`grep -c TODO src` prints 0",
        "the file TODO.md lists 0 items",
        "Columns 1...10 are exported",
        "`git diff main...feature` is empty",
        "the diff main...feature touches only reports/",
        "Is the export done?",
        "XXXL sizes are exported",
    ],
)
def test_placeholder_lookalikes_are_quiet(plan, text):
    _set_statement(plan, text)
    assert findings_for(plan, "placeholder") == []


def test_task_and_command_are_never_linted(plan):
    # (only a task that opens with a placeholder is flagged: see the test below)
    plan["task"] = "Export CSV (TODO: columns TBD) ... lorem ipsum ??? and make it fast"
    verify = plan["subtasks"][0]["acceptance"][0]["verify"]
    verify["command"] = "grep -rn TODO src/ ... ; echo TBD ???"
    verify["expect_output"] = "TODO|TBD"
    assert_clean(plan)


# --- regressions: false negatives and positives found in review ---------------------------


@pytest.mark.parametrize(
    "text, word",
    [
        ("Responses are fast...", "fast"),
        ("Supports CSV, JSON, etc...", "etc"),
        ("Responses are fast…", "fast"),
    ],
)
def test_word_before_an_ellipsis_is_vague(text, word):
    found = vague_in(text)
    assert found and f'"{word}"' in found[0].message


@pytest.mark.parametrize("text", ["S2 is merged and the page is faster", "p95 latency is the lowest"])
def test_an_id_is_not_a_number(text):
    assert vague_in(text) != []


@pytest.mark.parametrize(
    "text",
    [
        "p95 under 400 ms, faster than before",
        "replies in under one second, faster than the old endpoint",
        "the build is 2x faster",
        "at most one retry, fewer than the current three",
    ],
)
def test_a_real_number_still_licenses_a_comparative(text):
    assert vague_in(text) == []


@pytest.mark.parametrize("text", ["S2.1 is merged and the page is faster", "v1.2 is better"])
def test_a_dotted_id_is_not_a_number(text):
    assert vague_in(text) != []


@pytest.mark.parametrize("text", ["pick the best one", "the exporter is a faster one"])
def test_pronoun_one_is_not_a_number(text):
    assert vague_in(text) != []


def test_to_be_determined_is_a_placeholder(plan):
    _set_goal(plan, "Export the columns; the column order is to be determined")
    assert findings_for(plan, "placeholder") != []


def test_in_case_of_doubt_is_a_loophole(plan):
    _set_trigger(plan, "In case of doubt")
    assert findings_for(plan, "loophole-trigger") != []


def test_a_multiple_of_a_number_is_precise():
    assert vague_in("the page size is a multiple of 4096 bytes") == []


def test_kind_of_as_a_noun_phrase_is_precise():
    assert vague_in("each kind of event is logged with its name") == []


# --- the word-list data file -------------------------------------------------------------


def test_every_category_names_known_sources():
    known = set(SMELLS["sources"])
    assert known and all(SMELLS["sources"][key].strip() for key in known)
    sections = dict(SMELLS["categories"], placeholders=SMELLS["placeholders"])
    for name, section in sections.items():
        assert isinstance(section.get("sources"), list) and section["sources"], name
        assert set(section["sources"]) <= known, (name, set(section["sources"]) - known)


def test_every_category_has_a_label_and_terms():
    for name, category in SMELLS["categories"].items():
        assert category["label"].strip(), name
        assert category["terms"], name


def test_every_term_and_phrase_is_lower_case():
    words = [term for category in SMELLS["categories"].values() for term in category["terms"]]
    words += SMELLS["allow"]["phrases"] + SMELLS["placeholders"]["words"]
    assert [w for w in words if w != w.lower()] == []
    assert [w for w in words if w != w.strip() or not w] == []
    upper = SMELLS["placeholders"]["upper_case_words"]
    assert upper and [w for w in upper if w != w.upper()] == []


def test_no_term_is_in_two_categories():
    seen: dict[str, str] = {}
    for name, category in SMELLS["categories"].items():
        for term in category["terms"]:
            assert term not in seen, (term, seen.get(term), name)
            seen[term] = name


ALL_TERMS = [(name, term) for name, category in SMELLS["categories"].items() for term in category["terms"]]


@pytest.mark.parametrize("category, term", ALL_TERMS, ids=[f"{c}:{t}" for c, t in ALL_TERMS])
def test_every_term_is_found_on_its_own(category, term):
    # No allow-list phrase or longer term may make a listed term unreachable.
    smells = lexicon().smells(term)
    assert [(s.term, s.category) for s in smells] == [(term, category)]


@pytest.mark.parametrize("word", SMELLS["placeholders"]["words"] + SMELLS["placeholders"]["upper_case_words"])
def test_every_placeholder_word_is_found_on_its_own(word):
    assert lexicon().placeholders(word) == [word]


@pytest.mark.parametrize(
    "task, flagged",
    [
        ("TBD: the broad task, as the engineer would state it", True),  # what an import writes
        ("  to be determined", True),
        ("TODO", True),
        ("Remove the TODO comments from src/", False),  # the engineer's words, about placeholders
        ("Fix the ... in the export", False),
    ],
)
def test_a_task_that_opens_with_a_placeholder_is_flagged(task, flagged):
    from decomposer.check.lint import lint_plan

    findings = [f for f in lint_plan({"task": task, "subtasks": []}) if f.path == "/task"]
    assert bool(findings) == flagged
    if flagged:
        assert findings[0].rule == "placeholder" and findings[0].subtask is None
