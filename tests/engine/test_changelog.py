"""The change log: replaying up to a stage gives the context as it was when that stage finished."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from kit.stages import kit_registry
from pydantic import BaseModel

from workbench.engine import Stage, StageContext, StageResult
from workbench.engine.changelog import ChangeLog
from workbench.engine.context import ContextStore
from workbench.engine.events import RunEvent, StageFinished
from workbench.engine.history.recorder import HistoryRecorder
from workbench.engine.history.store import History
from workbench.engine.pipeline import Pipeline
from workbench.engine.run.runner import Runner


def sample() -> ContextStore:
    store = ContextStore({"region": "north"})
    store.write("load", "rows", [1, 2])
    store.write("load", "note", "hi")
    store.mark_finished("load")
    store.write("fix", "rows", [1, 2, 3])
    store.remove("fix", "note")
    store.remove("fix", "region")
    store.mark_finished("fix")
    store.write("late", "note", "again")
    return store


def test_replay_upto_a_position_rebuilds_values_writers_and_removed_parameters() -> None:
    log = sample().log
    assert log.replay(0, start={"region": "north"}).values == {"region": "north"}
    after_load = log.replay(log.mark("load"), start={"region": "north"})
    assert after_load.values == {"region": "north", "rows": [1, 2], "note": "hi"}
    assert after_load.writers == {"rows": "load", "note": "load"}
    after_fix = log.replay(log.mark("fix"), start={"region": "north"})
    assert after_fix.values == {"rows": [1, 2, 3]}
    assert after_fix.writers == {"rows": "fix"}
    assert after_fix.removed == {"region": "fix"}  # a parameter some stage removed
    now = log.replay(start={"region": "north"})
    assert now.values == {"rows": [1, 2, 3], "note": "again"}
    assert now.writers == {"rows": "fix", "note": "late"}


def test_writers_and_what_a_stage_made_as_of_a_stage() -> None:
    log = sample().log
    assert log.writers(log.mark("load")) == {"rows": "load", "note": "load"}
    assert log.writers() == {"rows": "fix", "note": "late"}
    made = log.made_by("fix", log.mark("fix"))
    assert {k: (c.kind, c.before, c.after) for k, c in made.items()} == {
        "rows": ("changed", "list[2]", "list[3]"),
        "note": ("removed", "'hi'", "—"),
        "region": ("removed", "'north'", "—"),
    }
    with pytest.raises(KeyError, match="'late' has not finished"):
        log.mark("late")


def test_replay_without_some_stages_leaves_their_changes_out() -> None:
    state = sample().log.replay(start={"region": "south"}, without={"fix"})
    assert state.values == {"region": "south", "rows": [1, 2], "note": "again"}
    assert state.writers == {"rows": "load", "note": "late"}


def test_a_seeded_store_removes_a_parameter_the_last_run_removed_and_says_who() -> None:
    store = ContextStore.seeded(sample().log, {"region": "south"}, without=["late"])
    assert store.snapshot() == {"rows": [1, 2, 3]}
    assert [(c.stage, c.key, c.kind) for c in store.changes] == [
        ("fix", "rows", "added"),
        ("fix", "region", "removed"),
    ]


def test_a_replay_shares_the_live_values() -> None:
    store = sample()
    assert store.log.replay().values["rows"] is store.get("rows")


# -- the property: replaying up to stage k is the store as it was after stage k ----------------

KEYS = st.sampled_from(["a", "b", "c", "d"])
VALUES = st.one_of(
    st.integers(-5, 5),
    st.text(max_size=5),
    st.lists(st.integers(0, 9), max_size=3),
    st.dictionaries(st.sampled_from(["x", "y"]), st.integers(0, 3), max_size=2),
)
OPS = st.lists(
    st.one_of(st.tuples(st.just("set"), KEYS, VALUES), st.tuples(st.just("del"), KEYS)),
    max_size=5,
)


class ScriptConfig(BaseModel):
    ops: list[list[Any]] = []


class Script(Stage):
    """Sets and deletes context keys in the order its config lists them."""

    name = "test.script"
    Config = ScriptConfig

    async def run(self, ctx: StageContext) -> StageResult:
        for op in self.config.ops:
            if op[0] == "set":
                ctx.set(op[1], op[2])
            elif op[1] in ctx:
                ctx.delete(op[1])
            await asyncio.sleep(0)  # let concurrent stages interleave their writes
        return StageResult.success()


REGISTRY = kit_registry()
REGISTRY.register(Script)


def pipeline_of(scripts: list[list[tuple[Any, ...]]], parallel: bool) -> Pipeline:
    lines = ["[pipeline]", 'name = "prop"', "max_concurrency = 3", "", "[context]", "a = 0", ""]
    for i, ops in enumerate(scripts):
        lines.append(f"[stages.s{i}]")
        lines.append('uses = "test.script"')
        spec = ", ".join(_toml(list(op)) for op in ops)
        lines.append(f"config = {{ ops = [{spec}] }}")
        if i and not parallel:
            lines.append(f'depends_on = ["s{i - 1}"]')
        elif i and i % 2 == 0:
            lines.append(f'depends_on = ["s{i - 2}"]')
        lines.append("")
    return Pipeline.parse("\n".join(lines), REGISTRY, "prop.toml")


def _toml(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, str):
        # A JSON string is a TOML basic string, once DEL (which JSON leaves bare) is escaped.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    return repr(value)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scripts=st.lists(OPS, min_size=1, max_size=5), parallel=st.booleans())
def test_replaying_up_to_a_stage_is_the_store_as_it_was_after_that_stage(
    scripts: list[list[tuple[Any, ...]]], parallel: bool
) -> None:
    runner = Runner(pipeline_pf(scripts, parallel))
    seen: dict[str, tuple[dict[str, Any], dict[str, str]]] = {}

    def on_event(event: RunEvent) -> None:
        if isinstance(event, StageFinished):
            store = runner.store
            seen[event.stage_id] = (store.snapshot(), store.writers())

    runner.subscribe(on_event)
    with tempfile.TemporaryDirectory() as folder:
        recorder = HistoryRecorder.attach(Path(folder), runner, source="test")
        try:
            asyncio.run(runner.run())
        finally:
            recorder.close()
        with History.open(Path(folder), create=False) as history:
            assert recorder.run_id is not None
            detail = history.get_run(recorder.run_id)
    assert detail is not None
    recorded = detail.change_log()
    store = runner.store
    assert set(seen) == {f"s{i}" for i in range(len(scripts))}
    for stage, (values, writers) in seen.items():
        assert store.as_of(stage) == values
        state = store.log.as_of(stage, start=store.params)
        assert state.writers == writers
        # The history's log, read back from bounded previews, replays to the same context.
        again = recorded.as_of(stage, start=detail.run.params)
        assert again.values == values
        assert again.writers == writers


def pipeline_pf(scripts: list[list[tuple[Any, ...]]], parallel: bool) -> Pipeline:
    pipeline = pipeline_of(scripts, parallel)
    assert pipeline.valid, pipeline.problems
    return pipeline


@given(OPS, OPS)
def test_a_log_rebuilt_from_its_records_answers_the_same(
    first: list[tuple[Any, ...]], second: list[tuple[Any, ...]]
) -> None:
    store = ContextStore({"a": 0})
    for stage, ops in (("one", first), ("two", second)):
        for op in ops:
            if op[0] == "set":
                store.write(stage, op[1], op[2])
            else:
                store.remove(stage, op[1])
        store.mark_finished(stage)
    copy = ChangeLog(store.changes)
    copy.finished_at.update(store.finished_at)
    for stage in ("one", "two"):
        mark = copy.mark(stage)
        assert copy.replay(mark, start=store.params) == store.log.replay(mark, start=store.params)
        assert copy.writers(mark) == store.log.writers(mark)
    assert copy.writers() == store.writers()
