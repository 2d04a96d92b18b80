"""Broken pipeline files under tests/data/broken: each error names the file, place and stage."""

from __future__ import annotations

from pathlib import Path

import pytest
from kit.pipelines import DATA

from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import StageRegistry

BROKEN = DATA / "broken"

# file, kind, stage, line, words the message or hint must contain
CASES = [
    ("toml_syntax.toml", "toml", None, 6, ["not valid TOML"]),
    ("schema_unknown_key.toml", "schema", "load", 6, ["colour", "known here"]),
    ("schema_wrong_type.toml", "schema", "load", 6, ["whole number", "'three'"]),
    ("strict_bool.toml", "schema", "load", 6, ["true or false", "'yes'", "without quotes"]),
    ("strict_int.toml", "schema", "load", 6, ["whole number", "'3'", "without quotes"]),
    ("strict_config.toml", "config", "nap", 6, ["config 'seconds' must be a number", "'0.5'"]),
    ("schema_negative_retries.toml", "schema", "save", 10, ["greater than or equal to 0", "-1"]),
    ("schema_bad_stage_id.toml", "schema", "-save", 7, ["not a valid stage id"]),
    ("schema_bad_timeout.toml", "schema", "load", 6, ["'soon' is not a duration", "'30s'"]),
    ("unknown_stage.toml", "unknown_stage", "save", 8, ["core.nop", "did you mean 'core.noop'"]),
    ("missing_dependency.toml", "missing_dependency", "save", 9, ["'lod'", "did you mean 'load'"]),
    ("cycle.toml", "cycle", "a", 7, ["a -> b -> c -> a"]),
    ("config.toml", "config", "nap", 6, ["seconds", "'long'"]),
    ("requirement.toml", "requirement", "query", 7, ["'db'", "kit.provider"]),
]


@pytest.mark.parametrize(
    ("name", "kind", "stage", "line", "words"),
    CASES,
    ids=[c[0].removesuffix(".toml") for c in CASES],
)
def test_each_error_names_file_line_stage_and_kind(
    registry: StageRegistry, name: str, kind: str, stage: str | None, line: int, words: list[str]
) -> None:
    path = BROKEN / name
    pipeline = Pipeline.load(path, registry)

    assert not pipeline.valid
    assert len(pipeline.problems) == 1, [p.describe() for p in pipeline.problems]
    problem = pipeline.problems[0]
    assert problem.kind == kind
    assert problem.path == str(path)
    assert problem.stage == stage
    assert problem.line == line
    text = problem.describe()
    assert text.startswith(f"{path}:{line}")
    for word in words:
        assert word in text
    if stage is not None:
        assert f"[stages.{stage}]" in text
    if kind == "cycle":
        assert problem.cycle == ("a", "b", "c", "a")


def test_every_kind_of_problem_has_a_broken_file() -> None:
    kinds = {case[1] for case in CASES}
    assert kinds == {
        "toml",
        "schema",
        "unknown_stage",
        "missing_dependency",
        "cycle",
        "config",
        "requirement",
    }
    assert sorted(p.name for p in BROKEN.glob("*.toml")) == sorted(
        [c[0] for c in CASES]
        + ["several.toml", "several_schema.toml"]
        + ["misspelt_uses_and_unknown_dependency.toml", "bad_timeout_and_cycle.toml"]
    )


def test_a_file_with_several_problems_reports_all_of_them_in_file_order(
    registry: StageRegistry,
) -> None:
    pipeline = Pipeline.load(BROKEN / "several.toml", registry)

    found = [(p.kind, p.stage, p.line) for p in pipeline.problems]
    assert found == [
        ("unknown_stage", "check", 8),
        ("missing_dependency", "save", 13),
        ("requirement", "query", 15),
    ]


def test_schema_problems_and_reference_problems_are_reported_together(
    registry: StageRegistry,
) -> None:
    pipeline = Pipeline.load(BROKEN / "several_schema.toml", registry)

    found = [(p.kind, p.stage, p.line) for p in pipeline.problems]
    assert found == [
        ("schema", "load", 6),
        ("schema", "load", 7),
        ("unknown_stage", "check", 10),
    ]
    # the valid parts are still built, so the app can draw the file
    assert list(pipeline.graph.order) == ["load", "check"]


def test_an_unreadable_file_is_an_io_problem(registry: StageRegistry, tmp_path: Path) -> None:
    pipeline = Pipeline.load(tmp_path / "nowhere.toml", registry)

    assert [p.kind for p in pipeline.problems] == ["io"]
    assert "nowhere.toml" in pipeline.problems[0].describe()


def test_a_misspelt_uses_key_does_not_hide_an_unknown_dependency(registry: StageRegistry) -> None:
    pipeline = Pipeline.load(BROKEN / "misspelt_uses_and_unknown_dependency.toml", registry)

    found = [(p.kind, p.stage, p.field, p.line) for p in pipeline.problems]
    assert ("schema", "save", "usse", 8) in found
    assert ("missing_dependency", "save", "depends_on", 9) in found
    missing = next(p for p in pipeline.problems if p.kind == "missing_dependency")
    assert "did you mean 'load'" in missing.describe()


def test_a_bad_timeout_keeps_the_stage_edges_and_its_cycle(registry: StageRegistry) -> None:
    pipeline = Pipeline.load(BROKEN / "bad_timeout_and_cycle.toml", registry)

    kinds = sorted(p.kind for p in pipeline.problems)
    assert kinds == ["cycle", "schema"]
    cycle = next(p for p in pipeline.problems if p.kind == "cycle")
    assert "a -> b -> a" in cycle.message
    assert set(pipeline.graph.edges) == {("b", "a"), ("a", "b")}
