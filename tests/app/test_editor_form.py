"""The editor's forms speak a person's language: required fields first, errors in words
with an example, types as people write them, one reader of typed values."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from workbench.app.editing.fields import field_errors, form_fields, parse_table
from workbench.app.widgets.common.stage_details import type_name
from workbench.app.widgets.editor.config_form import ConfigForm
from workbench.app.widgets.run.run_params import parse_value as run_params_value
from workbench.engine.assignments import parse_value


class Sample(BaseModel):
    mode: Literal["auto", "csv", "json"] = "auto"
    limit: int | None = None
    ratio: float = Field(default=1.0, ge=0)
    function: str = Field(
        pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$",
        description="The function as 'module:function'.",
    )
    names: list[str] = Field(default_factory=list)
    args: dict[str, str] = Field(default_factory=dict)
    path: str


def test_types_are_written_as_people_write_them() -> None:
    fields = Sample.model_fields
    assert type_name(fields["mode"].annotation) == "one of: auto, csv, json"
    assert type_name(fields["limit"].annotation) == "whole number (optional)"
    assert type_name(fields["ratio"].annotation) == "number"
    assert type_name(fields["function"].annotation) == "text"
    assert type_name(fields["names"].annotation) == "list of text"
    assert type_name(fields["args"].annotation) == "table of text"


def test_errors_are_in_words_with_an_example() -> None:
    errors = field_errors(Sample, {"function": "nocolon", "ratio": -1, "limit": "many"})
    assert errors["function"] == "not in the expected form, for example module:function"
    assert errors["ratio"] == "must be at least 0"
    assert errors["limit"] == "a whole number, for example 3"
    assert errors["path"] == "required: enter a value"
    assert not any("String should" in e or "pattern" in e for e in errors.values())


def test_required_fields_come_first_in_the_form() -> None:
    form = ConfigForm(Sample)
    assert [f.name for f in form.fields][:2] == ["function", "path"]
    assert form_fields(Sample)[0].name == "mode"  # the model's own order kept


def test_one_reader_of_values_bare_text_needs_no_quotes() -> None:
    assert parse_table("region = north\nlimit = 3\nflag = true") == {
        "region": "north",
        "limit": 3,
        "flag": True,
    }
    assert parse_table('region = "north"') == {"region": "north"}
    assert run_params_value is parse_value
