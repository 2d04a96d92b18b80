"""gate.check: open gates pass, closed ones name the condition and the value seen."""

from __future__ import annotations

import asyncio

import pytest
from kit.stages import Harness
from pydantic import ValidationError

from stages.gate import Check
from workbench.engine import GateConditionError, StageStatus


def test_all_conditions_hold(harness: Harness) -> None:
    harness.set("index", {"rows": 16, "table": "chunks"})
    harness.set("status", "ok: 3 files")
    stage = Check(
        {
            "conditions": [
                {"key": "index.rows", "op": "ge", "value": 12},
                {"key": "index.table", "op": "eq", "value": "chunks"},
                {"key": "status", "op": "matches", "value": r"^ok: \d+"},
                {"key": "index"},
            ]
        }
    )
    result = harness.run(stage)
    assert result.status is StageStatus.SUCCESS
    assert result.message == "4 conditions held; gate open"
    assert result.data["count"] == 4
    assert stage.keys_read() == ("index", "status")


def test_closed_gate_names_the_condition_and_the_value(harness: Harness) -> None:
    harness.set("index", {"rows": 3})
    stage = Check({"conditions": [{"key": "index.rows", "op": "ge", "value": 12}]})
    with pytest.raises(GateConditionError, match=r"index\.rows >= 12 failed: value is 3"):
        harness.run(stage)


def test_missing_value_is_reported_as_missing(harness: Harness) -> None:
    harness.set("index", {"rows": 3})
    stage = Check({"conditions": [{"key": "index.count", "op": "gt", "value": 0}]})
    with pytest.raises(GateConditionError, match=r"'index\.count' is missing"):
        harness.run(stage)


def test_length_compares_the_number_of_items(harness: Harness) -> None:
    harness.set("chunks", ["a", "b"])
    ok = Check({"conditions": [{"key": "chunks", "op": "eq", "value": 2, "length": True}]})
    assert harness.run(ok).status is StageStatus.SUCCESS
    closed = Check({"conditions": [{"key": "chunks", "op": "ge", "value": 5, "length": True}]})
    with pytest.raises(GateConditionError, match=r"len\(chunks\) >= 5 failed: value is 2"):
        harness.run(closed)


def test_any_mode_opens_on_one_condition(harness: Harness) -> None:
    harness.set("n", 1)
    stage = Check(
        {
            "mode": "any",
            "conditions": [
                {"key": "n", "op": "gt", "value": 5},
                {"key": "n", "op": "eq", "value": 1},
            ],
        }
    )
    assert harness.run(stage).message == "1 condition held; gate open"


def test_uncomparable_values_say_so(harness: Harness) -> None:
    harness.set("n", "many")
    stage = Check({"conditions": [{"key": "n", "op": "lt", "value": 3}]})
    with pytest.raises(GateConditionError, match="cannot compare 'many' with 3"):
        harness.run(stage)


def test_waiting_gate_opens_when_another_stage_writes_the_value(harness: Harness) -> None:
    stage = Check(
        {
            "conditions": [{"key": "ready", "op": "truthy"}],
            "wait": True,
            "poll_interval": 0.02,
            "timeout": 5,
        }
    )

    async def scenario() -> None:
        gate = asyncio.create_task(harness.run_async(stage))
        await asyncio.sleep(0.1)
        assert not gate.done()
        harness.set("ready", True)
        result = await gate
        assert result.status is StageStatus.SUCCESS
        assert "gate open" in result.message

    asyncio.run(scenario())
    assert any("waiting: ready truthy failed" in m for _, _, m, _ in harness.logs)


def test_waiting_gate_times_out(harness: Harness) -> None:
    stage = Check(
        {
            "conditions": [{"key": "ready", "op": "exists"}],
            "wait": True,
            "poll_interval": 0.02,
            "timeout": 0.1,
        }
    )
    with pytest.raises(GateConditionError, match=r"after waiting 0\.1s: ready exists failed"):
        harness.run(stage)


def test_plan_describes_the_check(harness: Harness) -> None:
    stage = Check({"conditions": [{"key": "a", "op": "ne", "value": 0}, {"key": "b"}]})
    (op,) = harness.plan(stage)
    assert op.description == "check a != 0 and b exists"
    assert op.action == "check"


def test_config_catches_bad_conditions() -> None:
    with pytest.raises(ValidationError, match="not a regular expression"):
        Check({"conditions": [{"key": "a", "op": "matches", "value": "("}]})
    with pytest.raises(ValidationError, match="set value"):
        Check({"conditions": [{"key": "a", "op": "gt"}]})
    with pytest.raises(ValidationError):
        Check({"conditions": []})
