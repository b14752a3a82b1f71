"""DraftStore: autosaved drafts in the user data directory."""

from __future__ import annotations

import json
import os
import re
import stat
import time

import pytest

from decomposer.editing.drafts import DraftError, DraftInfo, DraftStore, data_dir
from decomposer.plan.files import write_plan
from decomposer.plan.loading import PlanLoadError
from helpers.plans import clean_plan


@pytest.fixture
def store(tmp_path) -> DraftStore:
    return DraftStore(tmp_path / "data" / "drafts")


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- where drafts live ----------------------------------------------------------------------


def test_default_root_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DECOMPOSER_DATA_DIR", str(tmp_path / "custom"))
    assert data_dir() == tmp_path / "custom"
    assert DraftStore().root == tmp_path / "custom" / "drafts"


def test_default_root_from_platformdirs(monkeypatch):
    import platformdirs

    monkeypatch.delenv("DECOMPOSER_DATA_DIR", raising=False)
    expected = platformdirs.user_data_dir("decomposer", appauthor=False)
    assert str(DraftStore().root) == os.path.join(expected, "drafts")


def test_root_is_created_lazily_and_private(tmp_path, store):
    assert not (tmp_path / "data").exists()
    assert store.list() == [] and store.find_for(tmp_path / "plan.json") is None
    assert not (tmp_path / "data").exists()  # reading never creates it
    file = store.save("new-1", clean_plan(), None)
    assert mode(store.root) == 0o700 and mode(tmp_path / "data") == 0o700
    assert mode(file) == 0o600


# --- keys -----------------------------------------------------------------------------------


def test_key_for_a_file_is_stable_and_safe(tmp_path, monkeypatch):
    path = tmp_path / "Orders Plan (v2).json"
    key = DraftStore.key_for(path)
    assert re.fullmatch(r"orders-plan-v2-[0-9a-f]{16}", key), key
    assert DraftStore.key_for(path) == key
    monkeypatch.chdir(tmp_path)
    assert DraftStore.key_for(path.relative_to(tmp_path)) == key  # same file, relative path


def test_key_for_same_name_in_other_folders_differs(tmp_path):
    assert DraftStore.key_for(tmp_path / "a" / "plan.json") != DraftStore.key_for(tmp_path / "b" / "plan.json")


@pytest.mark.parametrize("name", ["../../etc/passwd", "con.json", "✨✨.json", ".json", "x" * 300 + ".json"])
def test_key_for_hostile_names(tmp_path, name):
    key = DraftStore.key_for(tmp_path / name)
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", key) and len(key) <= 60, key


def test_key_for_new_plans_is_unique():
    keys = {DraftStore.key_for(None) for _ in range(50)}
    assert len(keys) == 50
    assert all(re.fullmatch(r"new-[0-9]{8}t[0-9]{6}-[0-9a-f]{8}", key) for key in keys)


@pytest.mark.parametrize("key", ["../x", "a/b", "", "UPPER", ".hidden", "x.json", None])
def test_bad_keys_are_refused(store, key):
    with pytest.raises(DraftError):
        store.save(key, clean_plan(), None)
    with pytest.raises(DraftError):
        store.load(key)


# --- save, list, load, discard --------------------------------------------------------------


def test_save_writes_only_the_plan_and_meta_fields(tmp_path, store, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-secret-never-stored")
    source = tmp_path / "plan.json"
    key = store.key_for(source)
    file = store.save(key, clean_plan(), source)
    text = file.read_text(encoding="utf-8")
    record = json.loads(text)
    assert set(record) == {"saved_at", "source_path", "plan"}
    assert record["plan"] == clean_plan()
    assert record["source_path"] == str(source.resolve())
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", record["saved_at"])
    assert "sk-secret" not in text and "\n" not in text  # compact, one line
    assert [p.name for p in store.root.iterdir()] == [f"{key}.json"]  # no temp file left


def test_save_overwrites_the_same_key(store):
    store.save("new-a", clean_plan(), None)
    plan = clean_plan()
    plan["title"] = "Second"
    store.save("new-a", plan, None)
    assert store.load("new-a")["title"] == "Second"
    assert len(store.list()) == 1


def test_save_survives_a_lone_surrogate(store):
    plan = clean_plan()
    plan["title"] = "bad \ud800 title"
    store.save("new-s", plan, None)
    assert store.load("new-s")["title"] == "bad \ud800 title"


def test_save_is_fast_enough_for_every_edit(store):
    plan = clean_plan()
    plan["subtasks"] = plan["subtasks"] * 250  # 500 subtasks
    start = time.perf_counter()
    for _ in range(5):
        store.save("new-big", plan, None)
    assert (time.perf_counter() - start) / 5 < 0.25


def test_list_newest_first_with_info(tmp_path, store):
    store.save("new-old", clean_plan(), None)
    time.sleep(0.002)
    newer = clean_plan()
    newer["title"] = "Newer plan"
    newer["subtasks"] = newer["subtasks"][:1]
    store.save("newer", newer, tmp_path / "p.json")
    infos = store.list()
    assert [i.key for i in infos] == ["newer", "new-old"]
    assert infos[0] == DraftInfo("newer", infos[0].saved_at, str((tmp_path / "p.json").resolve()), "Newer plan", 1)
    assert infos[1].source_path is None and infos[1].subtask_count == 2


def test_list_skips_corrupt_and_foreign_files(store):
    store.save("good", clean_plan(), None)
    (store.root / "truncated.json").write_text('{"saved_at": "2026', encoding="utf-8")
    (store.root / "not-a-draft.json").write_text('{"plan": 3}', encoding="utf-8")
    (store.root / "array.json").write_text("[]", encoding="utf-8")
    (store.root / "binary.json").write_bytes(b"\xff\xfe\x00")
    (store.root / "notes.txt").write_text("hello", encoding="utf-8")
    (store.root / "folder.json").mkdir()
    (store.root / "BAD NAME.json").write_text(json.dumps({"saved_at": "x", "source_path": None, "plan": {}}))
    (store.root / ".good.json.123.tmp").write_text("{}", encoding="utf-8")  # an interrupted write
    assert [info.key for info in store.list()] == ["good"]


def test_list_tolerates_odd_plans(store):
    store.save("odd", {"title": 5, "subtasks": "many"}, None)
    (info,) = store.list()
    assert (info.title, info.subtask_count) == ("", 0)


def test_load_and_discard(store):
    store.save("new-x", clean_plan(), None)
    assert store.load("new-x") == clean_plan()
    store.discard("new-x")
    store.discard("new-x")  # twice is fine
    with pytest.raises(FileNotFoundError):
        store.load("new-x")
    (store.root / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(PlanLoadError):
        store.load("broken")


# --- find_for -------------------------------------------------------------------------------


def test_find_for_returns_a_draft_that_differs_from_the_file(tmp_path, store):
    source = tmp_path / "plan.json"
    write_plan(source, clean_plan())
    edited = clean_plan()
    edited["title"] = "Edited, not saved"
    store.save(store.key_for(source), edited, source)
    info = store.find_for(source)
    assert info is not None and info.title == "Edited, not saved"
    assert store.load(info.key) == edited


def test_find_for_discards_a_stale_draft(tmp_path, store):
    source = tmp_path / "plan.json"
    write_plan(source, clean_plan())
    key = store.save(store.key_for(source), clean_plan(), source).stem
    assert store.find_for(source) is None
    assert not (store.root / f"{key}.json").exists()


def test_find_for_a_file_that_is_gone_or_broken(tmp_path, store):
    source = tmp_path / "plan.json"
    store.save(store.key_for(source), clean_plan(), source)
    assert store.find_for(source) is not None  # the file was never saved: the draft is the work
    source.write_text("{broken", encoding="utf-8")
    assert store.find_for(source) is not None


def test_find_for_other_files_and_new_plans(tmp_path, store):
    store.save(store.key_for(tmp_path / "a.json"), clean_plan(), tmp_path / "a.json")
    assert store.find_for(tmp_path / "b.json") is None
    assert store.find_for(None) is None


def test_find_for_ignores_a_corrupt_draft(tmp_path, store):
    source = tmp_path / "plan.json"
    store.save(store.key_for(source), clean_plan(), source)
    (store.root / f"{store.key_for(source)}.json").write_text("garbage", encoding="utf-8")
    assert store.find_for(source) is None


# --- to_offer: the draft offered at start-up -------------------------------------------------


def test_to_offer_a_plan_file_is_find_for(tmp_path, store):
    source = tmp_path / "plan.json"
    write_plan(source, clean_plan())
    edited = clean_plan()
    edited["title"] = "Edited, not saved"
    store.save(store.key_for(source), edited, source)
    store.save("new-other", clean_plan(), None)  # a new plan's draft is not this file's
    offered = store.to_offer(source, store.key_for(source))
    assert offered is not None and offered.title == "Edited, not saved"
    assert store.to_offer(tmp_path / "other.json", "x") is None


def test_to_offer_a_new_plan_is_the_newest_unsaved_draft_with_content(tmp_path, store):
    store.save("new-older", clean_plan(), None)
    time.sleep(0.002)
    store.save("new-file", clean_plan(), tmp_path / "plan.json")  # belongs to a file
    time.sleep(0.002)
    store.save("new-empty", {"title": "Nothing yet", "subtasks": []}, None)  # no subtasks, no task
    time.sleep(0.002)
    store.save("new-blank-task", {"task": "   ", "subtasks": []}, None)
    time.sleep(0.002)
    store.save("new-current", clean_plan(), None)  # the plan being edited now
    offered = store.to_offer(None, "new-current")
    assert offered is not None and offered.key == "new-older"


def test_to_offer_a_new_plan_takes_a_draft_with_only_a_task(store):
    store.save("new-task", {"task": "Export the report as CSV.", "subtasks": []}, None)
    offered = store.to_offer(None, "new-current")
    assert offered is not None and offered.key == "new-task" and offered.subtask_count == 0


def test_to_offer_nothing_for_a_new_plan(store):
    assert store.to_offer(None, "new-current") is None
    store.save("new-current", clean_plan(), None)
    assert store.to_offer(None, "new-current") is None
