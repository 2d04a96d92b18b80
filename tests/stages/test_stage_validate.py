"""validate.schema: JSON Schema files and pydantic models, every violation with its path."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from kit.stages import Harness
from pydantic import ValidationError

from stages.validate import Schema
from workbench.engine import StageError, StageStatus

ROW_SCHEMA = {
    "type": "object",
    "required": ["name", "amount"],
    "properties": {"name": {"type": "string"}, "amount": {"type": "number", "minimum": 0}},
}


@pytest.fixture
def schema_file(tmp_path: Path) -> str:
    (tmp_path / "row.schema.json").write_text(json.dumps(ROW_SCHEMA), encoding="utf-8")
    return "row.schema.json"


def test_valid_rows_pass_and_are_counted(harness: Harness, schema_file: str) -> None:
    harness.set("rows", [{"name": "a", "amount": 1}, {"name": "b", "amount": 2.5}])
    stage = Schema({"key": "rows", "schema_path": schema_file, "many": True})
    result = harness.run(stage)
    assert result.status is StageStatus.SUCCESS
    assert result.message == "2 items valid against row.schema.json"
    assert result.data["count"] == 2


def test_every_violation_is_listed_with_its_path(harness: Harness, schema_file: str) -> None:
    harness.set(
        "rows",
        [{"name": "a", "amount": 1}, {"name": 5, "amount": -2}, {"amount": "x"}],
    )
    result = harness.run(Schema({"key": "rows", "schema_path": schema_file, "many": True}))
    assert result.status is StageStatus.FAILURE
    assert result.errors == [
        "[1].amount: -2 is less than the minimum of 0",
        "[1].name: 5 is not of type 'string'",
        "[2]: 'name' is a required property",
        "[2].amount: 'x' is not of type 'number'",
    ]
    assert result.message.startswith("4 violations in 'rows'")


def test_whole_value_against_a_schema(harness: Harness, schema_file: str) -> None:
    harness.set("row", {"name": "a"})
    result = harness.run(Schema({"key": "row", "schema_path": schema_file}))
    assert result.errors == ["$: 'amount' is a required property"]


def test_pydantic_model_coerces_into_output_key(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "models_for_validate.py").write_text(
        textwrap.dedent(
            """
            from pydantic import BaseModel, Field

            class Sale(BaseModel):
                region: str
                units: int = Field(ge=1)
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "models_for_validate", raising=False)
    harness.set("sales", [{"region": "N", "units": "3"}])
    stage = Schema(
        {"key": "sales", "model": "models_for_validate:Sale", "many": True, "output_key": "clean"}
    )
    result = harness.run(stage)
    assert result.status is StageStatus.SUCCESS
    assert harness.get("clean") == [{"region": "N", "units": 3}]
    assert stage.keys_written() == ("clean",)

    harness.set("sales", [{"region": "N", "units": 0}, {"units": "x"}])
    failed = harness.run(stage)
    assert failed.errors == [
        "[0].units: Input should be greater than or equal to 1",
        "[1].region: Field required",
        "[1].units: Input should be a valid integer, unable to parse string as an integer",
    ]


def test_a_bad_model_reference_says_what_is_wrong(harness: Harness) -> None:
    harness.set("x", {})
    with pytest.raises(StageError, match="cannot import 'no_such_module_here'"):
        harness.run(Schema({"key": "x", "model": "no_such_module_here:Model"}))
    with pytest.raises(StageError, match="is not a pydantic model class"):
        harness.run(Schema({"key": "x", "model": "json:dumps"}))


def test_a_broken_schema_file_is_reported(harness: Harness, tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"type": 12}', encoding="utf-8")
    harness.set("x", 1)
    with pytest.raises(StageError, match=r"bad\.json is not a valid JSON Schema at type"):
        harness.run(Schema({"key": "x", "schema_path": "bad.json"}))
    with pytest.raises(StageError, match=r"schema file missing\.json does not exist"):
        harness.run(Schema({"key": "x", "schema_path": "missing.json"}))


def test_exactly_one_source_is_required() -> None:
    with pytest.raises(ValidationError, match="exactly one of schema_path"):
        Schema({"key": "x"})
    with pytest.raises(ValidationError, match="exactly one of schema_path"):
        Schema({"key": "x", "schema_path": "a.json", "model": "m:C"})


def test_plan_names_value_and_schema(harness: Harness, schema_file: str, tmp_path: Path) -> None:
    (op,) = harness.plan(Schema({"key": "rows", "schema_path": schema_file, "many": True}))
    assert op.description == "validate each item of 'rows' against row.schema.json"
    assert op.paths_read == (str(tmp_path / "row.schema.json"),)
