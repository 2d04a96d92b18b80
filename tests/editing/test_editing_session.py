"""The editing session: undo/redo, coalesced typing, dirtiness, validation and files."""

from __future__ import annotations

from pathlib import Path

import pytest
from kit.editing import CHAIN, installed_registry

from workbench.app.editing import EditError, EditSession
from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import StageRegistry
from workbench.engine.spec import load_spec


@pytest.fixture
def registry() -> StageRegistry:
    return installed_registry()


@pytest.fixture
def session(tmp_path: Path, registry: StageRegistry) -> EditSession:
    path = tmp_path / "chain.toml"
    path.write_text(CHAIN, encoding="utf-8")
    return EditSession.open(path, registry)


def test_a_fresh_session_is_clean_and_valid(session: EditSession) -> None:
    assert not session.dirty
    assert session.pipeline.valid
    assert not session.can_undo


def test_every_edit_undoes_and_redoes(session: EditSession) -> None:
    start = session.text
    sid = session.add_stage("core.noop")
    session.connect(sid, "finish")
    session.rename_stage("start", "begin")
    session.set_stage_settings("begin", retries=3)
    session.remove_stage("middle")
    after = session.text
    assert session.dirty
    labels = [session.undo() for _ in range(5)]
    assert labels == [
        "remove middle",
        "settings of begin",
        "rename start to begin",
        "connect finish -> noop",
        "add core.noop",
    ]
    assert session.text == start
    assert not session.dirty
    for _ in range(5):
        session.redo()
    assert session.text == after
    assert session.redo() is None


def test_typing_into_one_field_is_one_undo_step(session: EditSession) -> None:
    for text in ("a", "ab", "abc"):
        session.set_config("start", {"note": text})
    session.set_config("middle", {"note": "x"})
    session.undo()
    assert session.spec.stages["start"].config == {"note": "abc"}
    session.undo()
    assert session.spec.stages["start"].config == {}


def test_a_new_edit_clears_redo(session: EditSession) -> None:
    session.set_stage_settings("start", retries=1)
    session.undo()
    session.add_stage("core.noop")
    assert not session.can_redo


def test_invalid_states_are_allowed_and_reported(session: EditSession) -> None:
    session.set_config("start", {"bogus": 1})
    problems = session.pipeline.problems
    assert problems and problems[0].stage == "start"
    assert problems[0].line is not None  # points into the preview text
    assert "bogus" in session.text.splitlines()[problems[0].line - 1]


def test_cycle_refusal_keeps_the_spec(session: EditSession) -> None:
    before = session.text
    with pytest.raises(EditError, match="start -> middle"):
        session.connect("start", "middle")
    assert session.text == before
    assert not session.can_undo


def test_save_writes_what_the_preview_shows_and_loads_back_equal(
    session: EditSession, registry: StageRegistry
) -> None:
    session.set_stage_settings("middle", timeout="30s", continue_on_error=True)
    path = session.save()
    assert path.read_text(encoding="utf-8") == session.text
    assert not session.dirty
    loaded = load_spec(path)
    assert loaded.spec == session.spec
    assert Pipeline.load(path, registry).valid


def test_disk_changes_are_noticed_and_a_reload_keeps_the_new_comments(
    session: EditSession,
) -> None:
    assert session.path is not None
    assert not session.disk_changed()
    session.path.write_text("# mine\n" + CHAIN, encoding="utf-8")
    assert session.disk_changed()
    session.reload(session.path.read_text(encoding="utf-8"))
    assert not session.dirty and not session.disk_changed()
    session.set_stage_settings("start", retries=2)
    assert session.text.startswith("# mine\n")


def test_keep_mine_acknowledges_the_disk_without_taking_it(session: EditSession) -> None:
    session.add_stage("core.noop")
    assert session.path is not None
    session.path.write_text(CHAIN.replace("chain", "theirs"), encoding="utf-8")
    session.keep_mine(session.path.read_text(encoding="utf-8"))
    assert "noop" in session.spec.stages
    assert session.dirty and not session.disk_changed()


def test_a_new_pipeline_is_unsaved_until_saved_as(tmp_path: Path, registry: StageRegistry) -> None:
    session = EditSession.new("fresh", registry, "From nothing")
    assert session.dirty
    with pytest.raises(EditError, match="Save As"):
        session.save()
    session.save(tmp_path / "fresh.toml")
    assert not session.dirty
    assert load_spec(tmp_path / "fresh.toml").spec == session.spec


def test_an_unreadable_file_is_salvaged_and_flagged(
    tmp_path: Path, registry: StageRegistry
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(CHAIN + "\n[stages.odd]\nretries = -1\n", encoding="utf-8")
    session = EditSession.open(path, registry)
    assert session.unreadable and not session.save_replaces_file
    assert "start" in session.spec.stages
    session.set_stage_settings("start", retries=2)
    session.save()
    saved = path.read_text(encoding="utf-8")
    assert "[stages.odd]\nretries = -1\n" in saved  # the part it could not read is kept
    assert "retries = 2" in saved


def test_a_file_that_is_not_toml_is_written_afresh(tmp_path: Path, registry: StageRegistry) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(CHAIN + "\n[stages.odd\n", encoding="utf-8")
    session = EditSession.open(path, registry)
    assert session.save_replaces_file
    session.save()
    assert load_spec(path).spec == session.spec
