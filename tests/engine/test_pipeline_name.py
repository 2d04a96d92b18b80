"""A pipeline file's name read without loading it is the name loading it gives.

The app's pipeline list shows these names before it has checked any file, then
the checked pipelines' names: a name must not change under the person's eyes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.engine.pipeline import Pipeline
from workbench.engine.pipeline_name import read_name
from workbench.engine.registry import StageRegistry

FILES = {
    "valid": '[pipeline]\nname = "sales"\n\n[stages.a]\nuses = "core.noop"\n',
    "a comment after the header": '[pipeline]  # the meta\nname = "x"\n[stages.a]\nuses = "core.noop"\n',
    "an invalid stage": '[pipeline]\nname = "sales"\n\n[stages.a]\nuses = "no.such"\n',
    "an invalid field beside the name": '[pipeline]\nname = "sales"\nmax_concurrency = 0\n',
    "no name": '[pipeline]\ndescription = "d"\n',
    "an empty name": '[pipeline]\nname = ""\n',
    "a number for a name": "[pipeline]\nname = 5\n",
    "no [pipeline] table": '[stages.a]\nuses = "core.noop"\n',
    "an inline table": 'pipeline = { name = "inline" }\n',
    "a dotted key": 'pipeline.name = "dotted"\n',
    "a bracket at a line start in a string": (
        '[pipeline]\nname = "multi"\ndescription = """\n[not a table]\n"""\n'
    ),
    "not TOML at all": "this is [ not toml\n",
    "a later [pipeline.sub] table": '[pipeline]\nname = "top"\n[pipeline.extra]\nx = 1\n',
}


@pytest.mark.parametrize("case", sorted(FILES))
def test_the_name_read_ahead_is_the_loaded_name(
    case: str, tmp_path: Path, registry: StageRegistry
) -> None:
    path = tmp_path / "pipelines" / "the-file.toml"
    path.parent.mkdir()
    path.write_text(FILES[case], encoding="utf-8")
    assert read_name(path) == Pipeline.load(path, registry).name


def test_a_file_that_cannot_be_read_is_named_after_the_file(tmp_path: Path) -> None:
    assert read_name(tmp_path / "gone.toml") == "gone"
    (tmp_path / "latin.toml").write_bytes(b'[pipeline]\nname = "caf\xe9"\n')
    assert read_name(tmp_path / "latin.toml") == "latin"


def test_only_the_pipeline_table_is_parsed(tmp_path: Path, registry: StageRegistry) -> None:
    # What is after [pipeline] is not parsed, so a file of many stages is named quickly;
    # the price is that a file broken further down shows its table's name until it is
    # loaded, and its file name after (a file that is not TOML is named after the file).
    path = tmp_path / "the-file.toml"
    path.write_text('[pipeline]\nname = "big"\n[stages.a]\nuses = "core.noop"\nnot = [toml\n')
    assert read_name(path) == "big"
    assert Pipeline.load(path, registry).name == "the-file"
