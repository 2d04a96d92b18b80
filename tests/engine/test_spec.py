"""Pipeline files: durations, the TOML round trip, atomic saving and the JSON Schema."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings, strategies as st

from workbench.engine import spec as spec_module
from workbench.engine.spec import (
    DependencySpec,
    PipelineMeta,
    PipelineSpec,
    StageSpec,
    format_duration,
    load_spec,
    parse_duration,
    parse_spec,
    save_spec,
    schema,
    to_toml,
)

PIPELINES = Path(__file__).parents[2] / "pipelines"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30.0),
        ("5m", 300.0),
        ("1h30m", 5400.0),
        ("250ms", 0.25),
        ("1h 2m 3s", 3723.0),
        ("1.5s", 1.5),
        ("45", 45.0),
        (12, 12.0),
        (0.5, 0.5),
    ],
)
def test_durations_read_as_seconds(text: str | float, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("soon", "'soon' is not a duration"),
        ("5 minutes", "is not a duration"),
        ("30x", "is not a duration"),
        ("s", "is not a duration"),
        ("", "is not a duration"),
        (0, "must be positive"),
        (-3, "must be positive"),
        ("-5s", "is not a duration"),
        (True, "a duration is a number"),
        ([30], "not list"),
    ],
)
def test_bad_durations_are_refused_with_a_clear_message(value: object, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_duration(value)


@settings(deadline=None)  # a busy CI machine must not turn a slow example into a failure
@given(st.floats(min_value=1e-9, max_value=1e7, allow_nan=False, allow_infinity=False))
def test_format_duration_parses_back_to_the_same_seconds(seconds: float) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


def test_durations_are_written_readably() -> None:
    assert format_duration(30) == "30s"
    assert format_duration(5400) == "1h30m"
    assert format_duration(3600) == "1h"
    assert format_duration(0.25) == "0.25s"


def _full_spec() -> PipelineSpec:
    return PipelineSpec(
        pipeline=PipelineMeta(
            name="report", description="Round trip", max_concurrency=3, retry_delay=0.5
        ),
        context={"input": "data/sales.csv", "limit": 10, "nested": {"a": [1, 2]}},
        stages={
            "load": StageSpec(uses="files.load", config={"path": "a.csv", "format": "csv"}),
            "check": StageSpec(uses="validate.schema", depends_on=["load"], before=["summary"]),
            "summary": StageSpec(
                uses="transform.call",
                description="sums",
                depends_on=["check", DependencySpec(stage="enrich", required=False)],
                timeout=5400.0,
                retries=2,
                continue_on_error=True,
            ),
            "v1.2-final_step": StageSpec(timeout=0.25),
        },
    )


def test_to_toml_then_parse_gives_an_equal_spec() -> None:
    original = _full_spec()

    text = to_toml(original)
    loaded = parse_spec(text, "round.toml")

    assert loaded.problems == []
    assert loaded.spec == original
    assert list(loaded.spec.stages) == list(original.stages)  # file order kept
    assert 'timeout = "1h30m"' in text
    assert '{ stage = "enrich", required = false }' in text.replace("\n", " ") or (
        "required = false" in text
    )


def test_defaults_are_left_out_of_saved_files() -> None:
    text = to_toml(PipelineSpec(pipeline=PipelineMeta(name="tiny"), stages={"a": StageSpec()}))

    assert "retries" not in text
    assert "max_concurrency" not in text
    assert parse_spec(text).spec == PipelineSpec(
        pipeline=PipelineMeta(name="tiny"), stages={"a": StageSpec()}
    )


@pytest.mark.parametrize("path", sorted(PIPELINES.glob("*.toml")), ids=lambda p: p.name)
def test_example_pipelines_survive_a_round_trip(path: Path) -> None:
    loaded = load_spec(path)
    assert loaded.spec is not None, loaded.problems

    assert parse_spec(to_toml(loaded.spec)).spec == loaded.spec


def test_save_writes_the_file_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "p.toml"

    save_spec(_full_spec(), target)

    assert load_spec(target).spec == _full_spec()
    assert [p.name for p in target.parent.iterdir()] == ["p.toml"]


def test_save_replaces_an_existing_file_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "p.toml"
    target.write_text("old")
    target.chmod(0o600)

    save_spec(_full_spec(), target)

    assert load_spec(target).spec == _full_spec()
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["p.toml"]


def test_a_failure_while_saving_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "p.toml"
    target.write_text('[pipeline]\nname = "old"\n')

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(spec_module.os, "replace", broken_replace)

    with pytest.raises(OSError, match="No space left"):
        save_spec(_full_spec(), target)

    assert target.read_text() == '[pipeline]\nname = "old"\n'
    assert [p.name for p in tmp_path.iterdir()] == ["p.toml"]


def test_a_failure_while_writing_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "p.toml"
    target.write_text("old")

    def broken_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(spec_module.os, "fsync", broken_fsync)

    with pytest.raises(OSError):
        save_spec(_full_spec(), target)

    assert target.read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["p.toml"]


def test_schema_is_valid_json_schema_and_accepts_every_example_pipeline() -> None:
    out = schema()
    jsonschema.Draft202012Validator.check_schema(out)
    validator = jsonschema.Draft202012Validator(out)
    examples = sorted(PIPELINES.glob("*.toml"))
    assert examples
    for path in examples:
        raw = load_spec(path).raw
        errors = [e.message for e in validator.iter_errors(raw)]
        assert errors == [], f"{path.name}: {errors}"
    json.dumps(out)  # plain JSON


@pytest.mark.parametrize(
    "raw",
    [
        {"pipeline": {"name": "x"}, "stages": {"a": {"colour": "red"}}},
        {"pipeline": {"name": "x"}, "stages": {"a": {"retries": -1}}},
        {"pipeline": {"name": "x"}, "stages": {"a": {"timeout": "soon"}}},
        {"pipeline": {"name": "x"}, "stages": {"-a": {}}},
        {"pipeline": {}},
    ],
)
def test_schema_refuses_what_the_loader_refuses(raw: dict[str, object]) -> None:
    validator = jsonschema.Draft202012Validator(schema())
    assert list(validator.iter_errors(raw))
