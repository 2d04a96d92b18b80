"""Saving from the editor keeps what the user wrote: only the edited lines change.

Each test opens a commented pipeline, makes one edit through the session (as the
editor does), saves, and compares the file line by line with the original: every
line outside the change is byte for byte the same, comments above tables, trailing
comments and blank lines included.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from kit.editing import installed_registry

from workbench.app.editing import EditSession
from workbench.engine.spec import load_spec

COMMENTED = """\
# The nightly import: fetch, check, publish.
# Owned by the data team; ask before changing the order.

[pipeline]
name = "nightly"  # shown in the app's title
description = "Import with \\"step #1\\" first"

# Where the run starts.
[stages.fetch]
uses = "core.noop"  # a stand-in until the source is ready

[stages.fetch.config]
# how many rows to ask for
limit = 10   # keep it small while testing
source = "s3://bucket/#notacomment"


# Checking comes second, always.
[stages.check]
uses = "core.noop"
depends_on = ["fetch"]  # needs the rows

# Publish only what passed.
[stages.publish]
uses = "core.noop"
depends_on = ["check"]

# end of file: keep this line
"""


@pytest.fixture
def session(tmp_path: Path) -> EditSession:
    path = tmp_path / "nightly.toml"
    path.write_text(COMMENTED, encoding="utf-8")
    return EditSession.open(path, installed_registry())


def _saved(session: EditSession) -> str:
    path = session.save()
    text = path.read_text(encoding="utf-8")
    loaded = load_spec(path)
    assert loaded.spec == session.spec, loaded.problems
    return text


def _changes(after: str) -> tuple[list[str], list[str]]:
    """The lines taken out of COMMENTED and the lines put in, in order."""
    removed: list[str] = []
    added: list[str] = []
    matcher = difflib.SequenceMatcher(None, COMMENTED.splitlines(), after.splitlines(), False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed += COMMENTED.splitlines()[i1:i2]
            added += after.splitlines()[j1:j2]
    return removed, added


def test_opening_and_saving_without_edits_writes_the_same_bytes(session: EditSession) -> None:
    assert session.text == COMMENTED
    assert not session.dirty
    assert _saved(session) == COMMENTED


def test_editing_a_stage_config_changes_only_that_line(session: EditSession) -> None:
    config = dict(session.spec.stages["fetch"].config)
    config["limit"] = 500
    session.set_config("fetch", config)
    assert session.dirty
    removed, added = _changes(_saved(session))
    assert removed == ["limit = 10   # keep it small while testing"]
    assert added == ["limit = 500   # keep it small while testing"]


def test_a_new_config_key_goes_after_the_last_value_not_into_the_next_comment(
    session: EditSession,
) -> None:
    config = dict(session.spec.stages["fetch"].config)
    config["format"] = "csv"
    session.set_config("fetch", config)
    text = _saved(session)
    assert _changes(text) == ([], ['format = "csv"'])
    assert 'source = "s3://bucket/#notacomment"\nformat = "csv"\n\n\n# Checking' in text


def test_a_stage_setting_is_added_inside_its_table(session: EditSession) -> None:
    session.set_stage_settings("check", retries=3)
    text = _saved(session)
    assert _changes(text) == ([], ["retries = 3"])
    assert 'depends_on = ["fetch"]  # needs the rows\nretries = 3\n\n# Publish' in text


def test_adding_a_stage_appends_it_and_touches_nothing_else(session: EditSession) -> None:
    session.add_stage("core.noop", "notify")
    session.connect("notify", "publish")
    removed, added = _changes(_saved(session))
    assert removed == []
    assert "[stages.notify]" in added and 'depends_on = ["publish"]' in added


def test_removing_a_stage_takes_its_comment_and_leaves_the_neighbours(
    session: EditSession,
) -> None:
    session.remove_stage("publish")
    removed, added = _changes(_saved(session))
    assert removed == [
        "# Publish only what passed.",
        "[stages.publish]",
        'uses = "core.noop"',
        'depends_on = ["check"]',
        "",
    ]
    assert added == []


def test_removing_the_first_stage_keeps_the_comment_above_the_second(
    session: EditSession,
) -> None:
    session.remove_stage("fetch")
    text = _saved(session)
    assert "# Checking comes second, always.\n[stages.check]" in text
    assert "# Where the run starts." not in text and "how many rows" not in text
    assert text.startswith(COMMENTED[: COMMENTED.index("# Where the run starts.")])
    removed, added = _changes(text)
    assert added == []
    assert removed == [
        "# Where the run starts.",
        "[stages.fetch]",
        'uses = "core.noop"  # a stand-in until the source is ready',
        "",
        "[stages.fetch.config]",
        "# how many rows to ask for",
        "limit = 10   # keep it small while testing",
        'source = "s3://bucket/#notacomment"',
        "",
        'depends_on = ["fetch"]  # needs the rows',  # its only dependency went with it
    ]


def test_renaming_a_stage_keeps_its_place_comments_and_body(session: EditSession) -> None:
    session.rename_stage("fetch", "download")
    removed, added = _changes(_saved(session))
    assert removed == [
        "[stages.fetch]",
        "[stages.fetch.config]",
        'depends_on = ["fetch"]  # needs the rows',
    ]
    assert added == [
        "[stages.download]",
        "[stages.download.config]",
        'depends_on = ["download"]  # needs the rows',
    ]


def test_changing_depends_on_keeps_the_trailing_comment(session: EditSession) -> None:
    session.connect("publish", "fetch")
    session.disconnect("check", "fetch")
    removed, added = _changes(_saved(session))
    # check's only dependency went, so its line went (with the comment on it)
    assert removed == ['depends_on = ["fetch"]  # needs the rows', 'depends_on = ["check"]']
    assert added == ['depends_on = ["check", "fetch"]']


def test_undoing_every_edit_returns_the_file_byte_for_byte(session: EditSession) -> None:
    session.set_stage_settings("check", retries=3)
    session.rename_stage("fetch", "download")
    session.remove_stage("publish")
    while session.undo():
        pass
    assert session.text == COMMENTED
    assert not session.dirty


def test_a_second_save_edits_the_saved_file_not_the_first_one(session: EditSession) -> None:
    session.set_stage_settings("check", retries=3)
    _saved(session)
    session.set_stage_settings("check", retries=4)
    text = _saved(session)
    assert text.count("retries") == 1 and "retries = 4" in text
    assert "# end of file: keep this line" in text


def test_a_dependency_added_to_a_commented_line_keeps_the_comment(session: EditSession) -> None:
    session.add_stage("core.noop", "prepare")
    session.connect("check", "prepare")
    removed, added = _changes(_saved(session))
    assert removed == ['depends_on = ["fetch"]  # needs the rows']
    assert added[0] == 'depends_on = ["fetch", "prepare"]  # needs the rows'
    assert added[1:] == ["", "[stages.prepare]", 'uses = "core.noop"']
