"""One reader for ``KEY=VALUE`` and typed values: the CLI, the app and comparisons agree."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, strategies as st

from workbench.app.editing.fields import TomlTextError, inline_toml, parse_inline_toml
from workbench.engine.assignments import (
    AssignmentError,
    parse_assignment,
    parse_assignments,
    parse_value,
)
from workbench.engine.dryrun.compare import CompareError, parse_parameters

keys = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True).filter(
    lambda k: k != "project_dir"
)
scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.booleans(),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20),
)
values = st.one_of(scalars, st.lists(st.integers(), max_size=4))


@given(keys, values)
def test_a_value_written_as_toml_reads_back_as_itself(key: str, value: Any) -> None:
    got = parse_assignment(f"{key}={inline_toml(value)}")
    assert got[0] == key
    assert got[1] == value or (isinstance(value, float) and math.isclose(got[1], value))


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30))
def test_any_single_line_is_a_value_and_every_reader_agrees(text: str) -> None:
    value = parse_value(text)
    assert parse_assignments([f"k={text}"]) == {"k": value}
    assert parse_parameters([f"k={text}"]) == {"k": value}
    if isinstance(value, str) and value == text.strip():
        return
    assert parse_inline_toml(text) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3),
        ("true", True),
        ("[1, 2]", [1, 2]),
        ('"a b"', "a b"),
        ("data/sales.csv", "data/sales.csv"),
        ("  sales data  ", "sales data"),
        ("1\nother = 2", "1\nother = 2"),
    ],
)
def test_toml_when_it_is_one_value_else_the_text(text: str, expected: Any) -> None:
    assert parse_value(text) == expected


def test_the_editor_field_is_strict_about_toml() -> None:
    with pytest.raises(TomlTextError, match="not a TOML value"):
        parse_inline_toml("data/sales.csv")
    with pytest.raises(TomlTextError, match="more than one value"):
        parse_inline_toml("1\nother = 2")


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("oops", r"--set 'oops': write KEY=VALUE"),
        ("=3", r"write KEY=VALUE"),
        ("name=a\nb", r"control character \('\\n'\)"),
        ("name=a\x1bb", r"control character"),
        ("project_dir=/tmp", r"'project_dir' is reserved"),
    ],
)
def test_an_assignment_that_would_mislead_is_refused(item: str, message: str) -> None:
    with pytest.raises(AssignmentError, match=message):
        parse_assignment(item)


def test_the_message_names_the_option_it_came_from() -> None:
    with pytest.raises(AssignmentError, match="--set-right 'x'"):
        parse_assignments(["x"], option="--set-right")
    with pytest.raises(CompareError, match="'x': write KEY=VALUE") as caught:
        parse_parameters(["x"])
    assert caught.value.title == "Bad parameter"


def test_a_later_key_wins() -> None:
    assert parse_assignments(["n=1", "n=2"]) == {"n": 2}
