"""Form fields from pydantic models, and typed text turned into values."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, Field

from workbench.app.editing.fields import (
    UNSET,
    TomlTextError,
    dump_table,
    field_errors,
    form_fields,
    inline_toml,
    parse_inline_toml,
    parse_table,
    parse_text,
)


class Sample(BaseModel):
    path: str = Field(description="Where")
    format: Literal["csv", "json"] = "csv"
    limit: int | None = None
    ratio: float = 0.5
    strict: bool = False
    columns: list[str] = Field(default_factory=list)
    sizes: list[int] = Field(default_factory=lambda: [1, 2])
    env: dict[str, str] = Field(default_factory=dict)
    rules: list[dict[str, int]] = Field(default_factory=list)


def test_each_type_gets_its_input() -> None:
    kinds = {f.name: f.kind for f in form_fields(Sample)}
    assert kinds == {
        "path": "text",
        "format": "choice",
        "limit": "int",
        "ratio": "float",
        "strict": "bool",
        "columns": "lines",
        "sizes": "lines",
        "env": "table",
        "rules": "toml",
    }
    path = form_fields(Sample)[0]
    assert path.required and path.placeholder == "required" and path.description == "Where"
    assert form_fields(Sample, ["sizes"])[0].placeholder == "1  2"


def test_typed_text_becomes_values() -> None:
    fields = {f.name: f for f in form_fields(Sample)}
    assert parse_text("", fields["path"]) is UNSET
    assert parse_text("12", fields["limit"]) == 12
    assert parse_text("1_000", fields["limit"]) == 1000
    assert parse_text("twelve", fields["limit"]) == "twelve"  # left for pydantic to explain
    assert parse_text("a\n\n b \n", fields["columns"]) == ["a", "b"]
    assert parse_text("3\n4", fields["sizes"]) == [3, 4]
    assert parse_text('HOME = "/x"', fields["env"]) == {"HOME": "/x"}
    assert parse_text("[{ a = 1 }]", fields["rules"]) == [{"a": 1}]
    with pytest.raises(TomlTextError):
        parse_text("[{ a = ", fields["rules"])


def test_errors_are_keyed_by_field() -> None:
    errors = field_errors(Sample, {"limit": "twelve", "format": "xml"})
    assert set(errors) == {"path", "limit", "format"}
    assert errors["path"] == "required: enter a value"
    assert errors["format"].startswith("one of: ")


@pytest.mark.parametrize(
    "value", ["plain", 'q"uote', 3, 2.5, True, [1, "a"], {"a b": {"c": [1]}}, {}]
)
def test_inline_toml_round_trips(value: object) -> None:
    assert parse_inline_toml(inline_toml(value)) == value


def test_tables_round_trip() -> None:
    table = {"a": 1, "b c": "x", "d": {"e": True}}
    assert parse_table(dump_table(table)) == table
