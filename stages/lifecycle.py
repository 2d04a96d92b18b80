"""The application lifecycle as stages: bootstrap, config, plugins, UI, ready, shutdown.

Each stage declares where it stands among the others through its own
:attr:`~workbench.engine.Stage.dependencies`, so a pipeline may list them in any
order and the graph still runs them bootstrap first and shutdown last; leaving a
required one out is a validation error naming the stage to add. Each records
what it did under ``app.*`` context keys, so the context inspector shows the
start-up of an application step by step.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
import time
import tomllib
from datetime import UTC, datetime
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any, Literal

from pydantic import Field

from stages._counts import counted, produced
from stages._paths import resolve, shown
from workbench.engine import (
    Dependency,
    PlannedOperation,
    Stage,
    StageConfig,
    StageContext,
    StageError,
    StageResult,
)
from workbench.engine.fileio import atomic_write_bytes
from workbench.engine.paths import WrittenPath

STARTED = "app.started"
PLATFORM = "app.platform"
CONFIG = "app.config"
PLUGINS = "app.plugins"
LOADED = "app.plugins_loaded"
UI = "app.ui"
READY = "app.ready"
SUMMARY = "app.summary"


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Bootstrap(Stage):
    """Marks the start of an application run, so later stages can measure against it."""

    name = "core.bootstrap"
    runs_on_driver = True
    description = "Record the start time and the platform (Python, OS, machine, pid)."
    writes = (STARTED, PLATFORM)

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        return [PlannedOperation(f"record start time and platform in {STARTED}, {PLATFORM}")]

    def run(self, ctx: StageContext) -> StageResult:
        info = {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
            "pid": os.getpid(),
            "executable": sys.executable,
        }
        ctx.set(STARTED, {"at": _now_iso(), "epoch": time.time()})
        ctx.set(PLATFORM, info)
        return produced(len(info), "fact", f"recorded: Python {info['python']} on {info['system']}")


class ConfigLoadConfig(StageConfig):
    path: str = Field(
        default="app.toml",
        description="The application's TOML config file, relative to the project folder.",
    )
    required: bool = Field(
        default=False, description="Fail when the file is missing (else start with no settings)."
    )


class ConfigLoad(Stage):
    """Reads the application's settings once, early, so every later stage sees the same ones."""

    name = "core.config_load"
    runs_on_driver = True
    description = "Read a TOML config file into app.config."
    Config = ConfigLoadConfig
    config: ConfigLoadConfig
    writes = (CONFIG,)
    dependencies = (Dependency("core.bootstrap"),)

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        path = resolve(ctx, self.config.path)
        size = path.stat().st_size if path.is_file() else None
        return [
            PlannedOperation(
                f"read {shown(ctx, path)} into {CONFIG}"
                + ("" if size is not None else " (missing now)"),
                action="read",
                paths_read=(str(path),),
                estimated_bytes=size,
            )
        ]

    def run(self, ctx: StageContext) -> StageResult:
        path = resolve(ctx, self.config.path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            if self.config.required:
                raise StageError(f"config file {shown(ctx, path)} does not exist") from None
            ctx.set(CONFIG, {})
            return produced(0, "setting", f"({shown(ctx, path)} not found; defaults apply)")
        except tomllib.TOMLDecodeError as exc:
            raise StageError(f"{shown(ctx, path)} is not valid TOML: {exc}") from None
        ctx.set(CONFIG, data)
        return produced(_leaves(data), "setting", f"from {shown(ctx, path)}", path=str(path))


def _leaves(data: Any) -> int:
    if isinstance(data, dict):
        return sum(_leaves(v) for v in data.values())
    return 1


class PluginLoadConfig(StageConfig):
    group: str = Field(
        default="workbench.stages", description="Entry-point group to discover plugins in."
    )
    disabled: list[str] = Field(
        default_factory=list,
        description="Entry-point names to leave out (added to [plugins].disabled of the config).",
    )


class PluginLoad(Stage):
    """Finds the installed plugins without importing them, so a broken one cannot stop start-up."""

    name = "core.plugin_load"
    runs_on_driver = True
    description = "Discover the entry points of a group and record them in app.plugins."
    Config = PluginLoadConfig
    config: PluginLoadConfig
    reads = (CONFIG,)
    writes = (PLUGINS,)
    dependencies = (Dependency("core.config_load"),)

    def _disabled(self, ctx: StageContext) -> set[str]:
        settings = ctx.get(CONFIG, {}) or {}
        from_file = (
            settings.get("plugins", {}).get("disabled", []) if isinstance(settings, dict) else []
        )
        return set(self.config.disabled) | {str(name) for name in from_file}

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        found = entry_points(group=self.config.group)
        return [
            PlannedOperation(
                f"discover entry points of {self.config.group!r} "
                f"({counted(len(found), 'plugin')} installed now) into {PLUGINS}"
            )
        ]

    def run(self, ctx: StageContext) -> StageResult:
        disabled = self._disabled(ctx)
        records: list[dict[str, str]] = []
        skipped = 0
        for ep in sorted(entry_points(group=self.config.group), key=lambda e: (e.name, e.value)):
            if ep.name in disabled:
                skipped += 1
                continue
            dist = ep.dist.name if ep.dist is not None else ""
            records.append({"name": ep.name, "value": ep.value, "group": ep.group, "dist": dist})
        ctx.set(PLUGINS, records)
        note = f" ({skipped:,} disabled)" if skipped else ""
        return produced(
            len(records), "plugin", f"found in {self.config.group!r}{note}", disabled=skipped
        )


class PluginInitConfig(StageConfig):
    fail_on_error: bool = Field(
        default=False,
        description="Fail when any plugin cannot be loaded (else finish partial and list them).",
    )


class PluginInit(Stage):
    """Imports the discovered plugins, keeping each failure apart so the others still start."""

    name = "core.plugin_init"
    runs_on_driver = True
    description = "Load each plugin found by core.plugin_load and record what it provided."
    Config = PluginInitConfig
    config: PluginInitConfig
    reads = (PLUGINS,)
    writes = (LOADED,)
    dependencies = (Dependency("core.plugin_load"),)

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        known = ctx.get(PLUGINS, None)
        what = counted(len(known), "plugin") if isinstance(known, list) else "the plugins"
        return [PlannedOperation(f"import {what} listed in {PLUGINS}; record them in {LOADED}")]

    def run(self, ctx: StageContext) -> StageResult:
        plugins = ctx.get(PLUGINS, None)
        if not isinstance(plugins, list):
            raise StageError(f"{PLUGINS} is missing; core.plugin_load must run first")
        loaded: list[dict[str, str]] = []
        errors: list[str] = []
        for index, record in enumerate(plugins):
            ctx.raise_if_cancelled()
            ctx.progress(index, len(plugins), record["name"])
            ep = EntryPoint(record["name"], record["value"], record["group"])
            try:
                obj = ep.load()
            except Exception as exc:
                errors.append(f"{record['name']} = {record['value']}: {type(exc).__name__}: {exc}")
                continue
            kind = type(obj).__name__ if not isinstance(obj, type) else "class"
            loaded.append({"name": record["name"], "kind": kind, "object": _qualname(obj)})
        ctx.set(LOADED, loaded)
        if errors:
            message = f"{counted(len(loaded), 'plugin')} loaded, {len(errors):,} failed"
            if self.config.fail_on_error:
                return StageResult.failure(message, *errors, count=len(loaded), unit="plugins")
            return StageResult.partial(message, *errors, count=len(loaded), unit="plugins")
        return produced(len(loaded), "plugin", "loaded")


def _qualname(obj: Any) -> str:
    """``package.module`` for a module, ``package.module:Name`` for a class or function."""
    if isinstance(obj, ModuleType):
        return obj.__name__
    module = getattr(obj, "__module__", None) or "?"
    name = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    return f"{module}:{name}"


class UiInitConfig(StageConfig):
    columns: int | None = Field(
        default=None, ge=20, description="Terminal width to use; empty measures the terminal."
    )
    lines: int | None = Field(
        default=None, ge=5, description="Terminal height to use; empty measures the terminal."
    )
    theme: str = Field(default="textual-dark", description="Theme name.")
    color: Literal["auto", "always", "never"] = Field(
        default="auto", description="Colour output; 'auto' honours NO_COLOR."
    )


class UiInit(Stage):
    """Settles the display settings before anything is drawn."""

    name = "core.ui_init"
    runs_on_driver = True
    description = "Record the terminal size, theme and colour settings in app.ui."
    Config = UiInitConfig
    config: UiInitConfig
    reads = (CONFIG,)
    writes = (UI,)
    dependencies = (
        Dependency("core.config_load"),
        Dependency("core.plugin_init", required=False),
    )

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        return [PlannedOperation(f"record terminal size and theme in {UI}")]

    def run(self, ctx: StageContext) -> StageResult:
        measured = shutil.get_terminal_size(fallback=(80, 24))
        settings = ctx.get(CONFIG, {}) or {}
        ui_file = settings.get("ui", {}) if isinstance(settings, dict) else {}
        theme = str(ui_file.get("theme", self.config.theme))
        if self.config.color == "auto":
            color = "NO_COLOR" not in os.environ
        else:
            color = self.config.color == "always"
        ui = {
            "columns": self.config.columns or measured.columns,
            "lines": self.config.lines or measured.lines,
            "theme": theme,
            "color": color,
        }
        ctx.set(UI, ui)
        return produced(
            len(ui), "setting", f"recorded: {ui['columns']}x{ui['lines']}, theme {theme}"
        )


class Ready(Stage):
    """Marks the moment the application can take work, and how long start-up took."""

    name = "core.ready"
    runs_on_driver = True
    description = "Write the ready flag, its time and the start-up duration to app.ready."
    reads = (STARTED,)
    writes = (READY,)
    dependencies = (
        Dependency("core.plugin_init"),
        Dependency("core.ui_init", required=False),
    )

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        return [PlannedOperation(f"set {READY} with the time and the start-up duration")]

    def run(self, ctx: StageContext) -> StageResult:
        started = ctx.get(STARTED, None)
        startup = time.time() - started["epoch"] if isinstance(started, dict) else None
        ctx.set(READY, {"ready": True, "at": _now_iso(), "startup_seconds": startup})
        took = f" after {startup:.3f}s" if startup is not None else ""
        return StageResult.success(
            f"1 flag set: ready{took}", count=1, unit="flags", startup_seconds=startup
        )


class ShutdownConfig(StageConfig):
    summary_path: WrittenPath | None = Field(
        default=None, description="Also write the summary as JSON here (relative to the project)."
    )


class Shutdown(Stage):
    """Closes the run with a summary of what the application did, for people and for logs."""

    name = "core.shutdown"
    runs_on_driver = True
    description = (
        "Write a summary (uptime, plugins, context keys) to app.summary and optionally a file."
    )
    Config = ShutdownConfig
    config: ShutdownConfig
    reads = (STARTED, LOADED, READY)
    writes = (SUMMARY,)
    dependencies = (Dependency("core.ready"),)

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        ops = [PlannedOperation(f"write a summary to {SUMMARY}")]
        if self.config.summary_path:
            path = resolve(ctx, self.config.summary_path)
            ops.append(
                PlannedOperation(
                    f"write {shown(ctx, path)}", action="write", paths_written=(str(path),)
                )
            )
        return ops

    def run(self, ctx: StageContext) -> StageResult:
        import json

        started = ctx.get(STARTED, None)
        loaded = ctx.get(LOADED, None)
        keys = sorted(k for k in ctx if k != SUMMARY)
        summary: dict[str, Any] = {
            "stopped_at": _now_iso(),
            "uptime_seconds": time.time() - started["epoch"] if isinstance(started, dict) else None,
            "plugins_loaded": len(loaded) if isinstance(loaded, list) else 0,
            "ready": bool((ctx.get(READY, None) or {}).get("ready")),
            "context_keys": keys,
        }
        ctx.set(SUMMARY, summary)
        data: dict[str, Any] = {}
        where = ""
        if self.config.summary_path:
            path = resolve(ctx, self.config.summary_path)
            atomic_write_bytes(path, (json.dumps(summary, indent=2) + "\n").encode())
            data["path"] = str(path)
            where = f", written to {shown(ctx, path)}"
        return produced(len(keys), "context key", f"summarised{where}", **data)
