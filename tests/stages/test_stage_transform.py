"""transform.call: plain functions over context values, resolved from the project folder."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from kit.stages import Harness

from stages.transform import Call
from workbench.engine import StageError

MODULE = """
import asyncio

def scale(values, factor=1):
    return [v * factor for v in values]

async def total(values):
    await asyncio.sleep(0)
    return sum(values)

def explode(values):
    raise ValueError("bad values")
"""


@pytest.fixture
def project_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "helpers_for_transform.py").write_text(textwrap.dedent(MODULE), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "helpers_for_transform", raising=False)
    return "helpers_for_transform"


def test_context_values_and_literals_become_arguments(
    harness: Harness, project_module: str
) -> None:
    harness.set("numbers", [1, 2, 3])
    stage = Call(
        {
            "function": f"{project_module}:scale",
            "args": {"values": "numbers"},
            "kwargs": {"factor": 10},
            "output_key": "scaled",
        }
    )
    result = harness.run(stage)
    assert harness.get("scaled") == [10, 20, 30]
    assert result.message == "3 items into 'scaled' (list[3])"
    assert result.data["count"] == 3
    assert stage.keys_read() == ("numbers",) and stage.keys_written() == ("scaled",)


def test_coroutine_functions_are_awaited(harness: Harness, project_module: str) -> None:
    harness.set("numbers", [1, 2, 3])
    stage = Call(
        {"function": f"{project_module}:total", "args": {"values": "numbers"}, "output_key": "t"}
    )
    result = harness.run(stage)
    assert harness.get("t") == 6
    assert result.message == "1 value into 't' (6)"


def test_a_missing_context_key_is_named(harness: Harness, project_module: str) -> None:
    stage = Call({"function": f"{project_module}:scale", "args": {"values": "absent"}})
    with pytest.raises(StageError, match="context has no key 'absent'"):
        harness.run(stage)


def test_the_function_error_reaches_the_runner(harness: Harness, project_module: str) -> None:
    harness.set("numbers", [1])
    stage = Call({"function": f"{project_module}:explode", "args": {"values": "numbers"}})
    with pytest.raises(ValueError, match="bad values"):
        harness.run(stage)
    assert "out" not in harness.store


def test_plan_catches_bad_references_and_arguments(harness: Harness, project_module: str) -> None:
    with pytest.raises(StageError, match="has no attribute 'nope'"):
        harness.plan(Call({"function": f"{project_module}:nope"}))
    with pytest.raises(StageError, match="cannot import 'missing_mod_xyz'"):
        harness.plan(Call({"function": "missing_mod_xyz:f"}))
    with pytest.raises(StageError, match="cannot take these arguments"):
        harness.plan(Call({"function": f"{project_module}:scale", "kwargs": {"colour": 1}}))
    (op,) = harness.plan(
        Call(
            {
                "function": f"{project_module}:scale",
                "args": {"values": "n"},
                "kwargs": {"factor": 2},
                "output_key": "out",
            }
        )
    )
    assert op.description == f"call {project_module}:scale(values=ctx['n'], factor=2) -> 'out'"
    assert harness.logs == []
