"""An edit confined to one stage is made on that stage's lines, exactly as on the file."""

from __future__ import annotations

import copy
import tomllib

from workbench.app.editing.one_stage_edit import changed_stage, edit_one_stage
from workbench.engine.toml_edit import edit_in_place

TEXT = """\
[pipeline]
name = "p"   # the name

[stages.a]
uses = "files.load"
config = { path = "a.csv", key = "k" }

# b loads the second file
[stages.b]
uses = "files.load"   # keep me
depends_on = ["a"]

[stages.b.config]
path = "b.csv"
key = "k"

[stages.c]
uses = "core.noop"
"""


def _edited(change: dict[str, str], stage: str = "b") -> tuple[dict, dict]:
    before = tomllib.loads(TEXT)
    after = copy.deepcopy(before)
    after["stages"][stage].setdefault("config", {}).update(change)
    return before, after


def test_a_value_typed_into_one_stage_gives_the_same_text_as_editing_the_whole_file() -> None:
    for stage in ("a", "b", "c"):
        before, after = _edited({"key": "kabc"}, stage)
        fast = edit_one_stage(TEXT, before, after)
        assert fast is not None
        assert fast == edit_in_place(TEXT, before, after)
        assert tomllib.loads(fast) == after
    assert "# keep me" in fast and "# b loads the second file" in fast


def test_edits_across_stages_or_outside_them_are_left_to_the_whole_file() -> None:
    before = tomllib.loads(TEXT)
    both = copy.deepcopy(before)
    both["stages"]["a"]["uses"] = "core.noop"
    both["stages"]["b"]["uses"] = "core.noop"
    assert changed_stage(before, both) is None
    assert edit_one_stage(TEXT, before, both) is None
    renamed = copy.deepcopy(before)
    renamed["pipeline"]["name"] = "q"
    assert edit_one_stage(TEXT, before, renamed) is None
    reordered = copy.deepcopy(before)
    reordered["stages"] = dict(reversed(list(before["stages"].items())))
    assert edit_one_stage(TEXT, before, reordered) is None


def test_a_stage_whose_tables_are_apart_is_left_to_the_whole_file() -> None:
    split = TEXT + "\n[stages.b.retry]\nmax = 2\n"  # b's tables on both sides of c
    before = tomllib.loads(split)
    after = copy.deepcopy(before)
    after["stages"]["b"]["config"]["key"] = "x"
    assert edit_one_stage(split, before, after) is None
