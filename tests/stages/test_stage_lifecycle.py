"""The core lifecycle stages: what each records, and the order they impose on a pipeline."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from kit.stages import Harness

from stages.lifecycle import (
    Bootstrap,
    ConfigLoad,
    PluginInit,
    PluginLoad,
    Ready,
    Shutdown,
    UiInit,
)
from workbench.engine import StageError, StageRegistry, StageStatus
from workbench.engine.pipeline import Pipeline
from workbench.engine.spec import PipelineMeta, PipelineSpec, StageSpec

LIFECYCLE = [
    "core.bootstrap",
    "core.config_load",
    "core.plugin_load",
    "core.plugin_init",
    "core.ui_init",
    "core.ready",
    "core.shutdown",
]


@pytest.fixture(scope="module")
def registry() -> StageRegistry:
    found = StageRegistry()
    found.discover()
    return found


def test_a_full_start_and_stop_records_each_step(harness: Harness, tmp_path: Path) -> None:
    (tmp_path / "app.toml").write_text(
        '[plugins]\ndisabled = ["http"]\n[ui]\ntheme = "nord"\n', encoding="utf-8"
    )
    results = [
        harness.run(Bootstrap()),
        harness.run(ConfigLoad({"path": "app.toml", "required": True})),
        harness.run(PluginLoad()),
        harness.run(PluginInit()),
        harness.run(UiInit({"columns": 100, "lines": 30})),
        harness.run(Ready()),
        harness.run(Shutdown({"summary_path": "out/summary.json"})),
    ]
    assert [r.status for r in results] == [StageStatus.SUCCESS] * 7
    assert harness.get("app.platform")["pid"] > 0
    assert harness.get("app.config")["ui"]["theme"] == "nord"
    plugins = {p["name"] for p in harness.get("app.plugins")}
    assert {"core", "files", "lifecycle"} <= plugins and "http" not in plugins
    assert "(1 disabled)" in results[2].message
    loaded = {p["name"]: p for p in harness.get("app.plugins_loaded")}
    assert loaded["files"] == {"name": "files", "kind": "module", "object": "stages.files"}
    ui = harness.get("app.ui")
    assert (ui["columns"], ui["lines"], ui["theme"]) == (100, 30, "nord")
    ready = harness.get("app.ready")
    assert ready["ready"] is True and ready["startup_seconds"] >= 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["ready"] is True
    assert summary["plugins_loaded"] == len(loaded)
    assert "app.ui" in summary["context_keys"]
    assert results[6].data["count"] == len(summary["context_keys"])


def test_missing_config_is_fine_unless_required(harness: Harness) -> None:
    result = harness.run(ConfigLoad({"path": "absent.toml"}))
    assert result.message.startswith("0 settings (absent.toml not found")
    assert harness.get("app.config") == {}
    with pytest.raises(StageError, match=r"config file absent\.toml does not exist"):
        harness.run(ConfigLoad({"path": "absent.toml", "required": True}))


def test_broken_config_is_named(harness: Harness, tmp_path: Path) -> None:
    (tmp_path / "app.toml").write_text("name = \n", encoding="utf-8")
    with pytest.raises(StageError, match=r"app\.toml is not valid TOML"):
        harness.run(ConfigLoad({"path": "app.toml"}))


def test_plugin_init_keeps_going_past_a_broken_plugin(harness: Harness) -> None:
    harness.set(
        "app.plugins",
        [
            {"name": "good", "value": "stages.core", "group": "g", "dist": ""},
            {"name": "bad", "value": "no_such_plugin_module_q", "group": "g", "dist": ""},
        ],
    )
    result = harness.run(PluginInit())
    assert result.status is StageStatus.PARTIAL
    assert result.message == "1 plugin loaded, 1 failed"
    assert result.errors[0].startswith("bad = no_such_plugin_module_q: ModuleNotFoundError")
    strict = harness.run(PluginInit({"fail_on_error": True}))
    assert strict.status is StageStatus.FAILURE


def test_plugin_init_without_plugin_load_says_what_to_run(harness: Harness) -> None:
    with pytest.raises(StageError, match=r"core\.plugin_load must run first"):
        harness.run(PluginInit())


def _pipeline(names: list[str], registry: StageRegistry) -> Pipeline:
    spec = PipelineSpec(
        pipeline=PipelineMeta(name="lifecycle"),
        stages={name.split(".")[1]: StageSpec(uses=name) for name in names},
    )
    return Pipeline.from_spec(spec, registry)


def test_listed_in_any_order_they_still_run_in_lifecycle_order(registry: StageRegistry) -> None:
    shuffled = LIFECYCLE[:]
    random.Random(7).shuffle(shuffled)
    assert shuffled != LIFECYCLE
    pipeline = _pipeline(shuffled, registry)
    assert pipeline.valid, pipeline.problems
    assert list(pipeline.graph.order) == [name.split(".")[1] for name in LIFECYCLE]


def test_leaving_out_a_required_stage_names_it(registry: StageRegistry) -> None:
    without = [n for n in LIFECYCLE if n != "core.plugin_load"]
    pipeline = _pipeline(without, registry)
    assert not pipeline.valid
    text = " ".join(p.describe() for p in pipeline.problems)
    assert "core.plugin_load" in text
    assert all("core.ui_init" not in p.message for p in pipeline.problems)


def test_optional_ui_may_be_left_out(registry: StageRegistry) -> None:
    headless = [n for n in LIFECYCLE if n != "core.ui_init"]
    pipeline = _pipeline(headless, registry)
    assert pipeline.valid, pipeline.problems
