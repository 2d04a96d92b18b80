"""Rich renderings of engine objects for the command line.

Kept out of the engine (which prints nothing) and out of the app (which has its
own widgets), so the headless commands stay fast and the output stays the same
everywhere the CLI runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from workbench.engine.dryrun.dry_run import DryRunReport, StagePlan
from workbench.engine.glyphs import STATUS_GLYPHS
from workbench.engine.stage import StageStatus
from workbench.engine.terminal_text import clean_output
from workbench.engine.units import (
    format_bytes,
    format_change,
    format_seconds,
    format_total,
    total_label,
)

if TYPE_CHECKING:
    from workbench.engine.cache.status import PipelineStatus
    from workbench.engine.cache.store import CacheInfo
    from workbench.engine.dryrun.compare import Comparison
    from workbench.engine.errors import Problem
    from workbench.engine.graph import DependencyGraph
    from workbench.engine.history.store import RunDetail, RunRecord
    from workbench.engine.registry import PluginLoadError, PluginOutput, StageMetadata
    from workbench.engine.run.runner import RunResult
    from workbench.engine.stats import StageStats

_STATUS_STYLE = {
    StageStatus.PENDING: "dim",
    StageStatus.WAITING: "dim",
    StageStatus.PAUSED: "yellow",
    StageStatus.RUNNING: "cyan",
    StageStatus.SUCCESS: "green",
    StageStatus.FAILURE: "bold red",
    StageStatus.SKIPPED: "yellow",
    StageStatus.PARTIAL: "yellow",
    StageStatus.CANCELLED: "magenta",
    StageStatus.CACHED: "blue",
}
STATUS_MARK = {status: (STATUS_GLYPHS[status], style) for status, style in _STATUS_STYLE.items()}
"""Each status's shared glyph with its colour on a terminal."""


def output(text: str, style: str = "") -> Text:
    """Text a stage or a plugin wrote: control sequences removed, its colours kept, no markup."""
    return Text.from_ansi(clean_output(text), style=style)


def status_text(status: StageStatus) -> Text:
    mark, style = STATUS_MARK[status]
    return Text(f"{mark} {status.value}", style=style)


# -- stages ---------------------------------------------------------------------------


def stages_table(stages: Iterable[StageMetadata]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("stage", style="bold cyan", no_wrap=True)
    table.add_column("version", style="dim", no_wrap=True)
    table.add_column("description")
    table.add_column("reads → writes", style="dim")
    table.add_column("source", style="dim", overflow="fold")
    namespace = None
    for meta in stages:
        if namespace is not None and meta.namespace != namespace:
            table.add_section()
        namespace = meta.namespace
        flow = f"{', '.join(meta.reads) or '—'} → {', '.join(meta.writes) or '—'}"
        table.add_row(
            meta.name,
            f"v{meta.version}",
            output(meta.description.split("\n")[0]),
            flow,
            meta.source,
        )
    return table


def plugin_errors(errors: Sequence[PluginLoadError]) -> RenderableType:
    lines = [Text(f"{len(errors)} plugin(s) failed to load:", style="bold red")]
    for error in errors:
        lines.append(
            Text.assemble(
                ("  ✘ ", "red"),
                output(error.plugin, "bold"),
                f" ({error.kind}): ",
                output(error.message),
            )
        )
    return Group(*lines)


def plugin_output(outputs: Sequence[PluginOutput]) -> RenderableType:
    """What plugins printed while they were imported, each under its plugin's name."""
    lines = []
    for output in outputs:
        lines.append(Text.assemble(("plugin output of ", "dim"), (output.plugin, "bold"), ":"))
        for line in output.text.rstrip("\n").splitlines():
            lines.append(Text(f"  │ {line}", style="dim"))
    return Group(*lines)


# -- validation -----------------------------------------------------------------------


def problems(items: Sequence[Problem], style: str = "red") -> RenderableType:
    rows = []
    for p in items:
        line = Text.assemble(("  ", ""), (p.place, "bold"), ": ", (p.kind, style), " — ", p.message)
        if p.hint:
            line.append(f"\n      fix: {p.hint}", style="dim")
        rows.append(line)
    return Group(*rows)


# -- graph ------------------------------------------------------------------------------


def graph_text(name: str, graph: DependencyGraph) -> RenderableType:
    lines: list[RenderableType] = [Text(f"pipeline {name}: {len(graph)} stages", style="bold")]
    for i, layer in enumerate(graph.layers):
        lines.append(Text.assemble((f"  layer {i}: ", "dim"), ", ".join(layer)))
    if graph.edges:
        lines.append(Text("edges:", style="bold"))
        for before, after in graph.edges:
            lines.append(Text(f"  {before} → {after}"))
    return Group(*lines)


def graph_dot(name: str, graph: DependencyGraph) -> str:
    out = [f"digraph {_quote(name)} {{", "  rankdir=LR;", "  node [shape=box, style=rounded];"]
    out += [f"  {_quote(node)};" for node in graph.nodes]
    out += [f"  {_quote(a)} -> {_quote(b)};" for a, b in graph.edges]
    out.append("}")
    return "\n".join(out)


def graph_mermaid(graph: DependencyGraph) -> str:
    ids = {node: f"s{i}" for i, node in enumerate(graph.nodes)}
    out = ["flowchart LR"]
    out += [f'  {ids[node]}["{node}"]' for node in graph.nodes]
    out += [f"  {ids[a]} --> {ids[b]}" for a, b in graph.edges]
    return "\n".join(out)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- dry run ------------------------------------------------------------------------------


def report(rep: DryRunReport) -> RenderableType:
    parts: list[RenderableType] = [
        Text.assemble(("Dry run of ", "bold"), (rep.pipeline, "bold cyan"), f": {rep.summary()}")
    ]
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("layer", justify="right", style="dim")
    table.add_column("stage", style="bold", no_wrap=True)
    table.add_column("uses", style="cyan", no_wrap=True)
    table.add_column("planned operations")
    table.add_column("bytes", justify="right")
    table.add_column("estimate", justify="right")
    cached = any(p.up_to_date or p.reasons for p in rep.stages)
    if cached:
        table.add_column("cache")
    for plan in rep.stages:
        cells: list[RenderableType] = [
            str(plan.layer),
            plan.stage_id,
            plan.uses,
            _operations(plan),
            format_bytes(plan.estimated_bytes) if plan.estimated_bytes else "—",
            _estimate(plan),
        ]
        if cached:
            cells.append(plan_state(plan))
        table.add_row(*cells)
    parts.append(table)
    if rep.critical_path:
        parts.append(
            Text.assemble(
                ("critical path: ", "bold"),
                " → ".join(rep.critical_path),
                f" ({format_seconds(rep.critical_seconds)}); ",
                ("estimated wall time ", "bold"),
                f"{format_seconds(rep.wall_seconds)} at concurrency {rep.concurrency}",
            )
        )
    if rep.conflicts:
        parts.append(Text(f"{len(rep.conflicts)} potential conflict(s):", style="bold yellow"))
        for c in rep.conflicts:
            parts.append(output(f"  ! {c.kind}: {c.message}", "yellow"))
    else:
        parts.append(Text("no conflicts", style="green"))
    return Group(*parts)


def _operations(plan: StagePlan) -> Text:
    if plan.error:
        return output(f"plan failed: {plan.error}", "red")
    if not plan.supported:
        return Text("cannot dry-run", style="yellow")
    return output("\n".join(f"• {op.description}" for op in plan.operations) or "—")


def plan_state(plan: StagePlan) -> Text:
    """``up to date``, or ``will run`` with each reason on its own line."""
    if plan.up_to_date:
        return Text("≡ up to date", style="blue")
    text = Text("▶ will run", style="yellow")
    for reason in plan.reasons:
        text.append("\n  ")
        text.append(reason.kind.value, style="cyan")
        if reason.detail:
            text.append(": ")
            text.append_text(output(reason.detail, "dim"))
    return text


def _estimate(plan: StagePlan) -> Text:
    if plan.estimated_seconds is None:
        return Text("unknown", style="dim")
    return Text(f"{format_seconds(plan.estimated_seconds)} ({plan.estimate_source})")


def comparison(item: Comparison) -> RenderableType:
    """Two plans side by side, in the rows :class:`Comparison` gives (the app's and Markdown's order)."""
    left, right, diff = item.left, item.right, item.diff
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=True)
    table.add_column(f"{left.pipeline}  ({left.path or ''})", ratio=1)
    table.add_column("", width=14, style="bold")
    table.add_column(f"{right.pipeline}  ({right.path or ''})", ratio=1)
    for row in item.rows:
        change = row.change
        style = {"added": "green", "removed": "red"}.get(
            change.kinds[0] if change and change.kinds else "", "yellow" if change else ""
        )
        table.add_row(_cell(row.left), Text(", ".join(row.marks), style=style), _cell(row.right))
        if change and change.config_changes:
            for key, before, after in change.config_changes:
                table.add_row(
                    Text(f"    {key} = {before!r}", style="red"),
                    "",
                    Text(f"    {key} = {after!r}", style="green"),
                )
    totals = Table(box=box.SIMPLE, show_edge=False, title="totals", title_justify="left")
    totals.add_column("")
    totals.add_column("before", justify="right")
    totals.add_column("after", justify="right")
    totals.add_column("change", justify="right")
    for name, (before, after) in diff.totals.items():
        change_text = format_change(name, before, after)
        change_style = "dim" if before == after else ("green" if after < before else "yellow")
        totals.add_row(
            total_label(name),
            format_total(name, before),
            format_total(name, after),
            Text(change_text, style=change_style),
        )
    parts: list[RenderableType] = [
        Text.assemble(("Comparison: ", "bold"), diff.summary()),
        table,
        totals,
    ]
    for c in diff.conflicts_new:
        parts.append(Text(f"  + new conflict: {c.message}", style="red"))
    for c in diff.conflicts_resolved:
        parts.append(Text(f"  - resolved conflict: {c.message}", style="green"))
    return Group(*parts)


def _cell(plan: StagePlan | None) -> Text:
    if plan is None:
        return Text("")
    text = Text.assemble(
        (plan.stage_id, "bold"),
        " ",
        (plan.uses, "cyan"),
        f"  {_estimate(plan)}  ",
        ("up to date", "blue") if plan.up_to_date else ("will run", "yellow"),
    )
    for op in plan.operations:
        text.append(f"\n  • {op.description}", style="dim")
    return text


# -- runs -----------------------------------------------------------------------------------


def finished_line(
    stage_id: str, status: StageStatus, duration: float, message: str, width: int
) -> Text:
    mark, style = STATUS_MARK[status]
    return Text.assemble(
        (f"{mark} ", style),
        (stage_id.ljust(width), "bold"),
        (f" {format_seconds(duration):>8}  ", "dim"),
        output(message, "red" if status is StageStatus.FAILURE else ""),
    )


def finished_mark(stage_id: str, status: StageStatus, duration: float) -> Text:
    """A finished stage in the live view: its mark, name and time, no message."""
    mark, style = STATUS_MARK[status]
    return Text.assemble(
        (f"{mark} ", style), (stage_id, "bold"), (f"  {format_seconds(duration)}", "dim")
    )


def run_summary(result: RunResult) -> RenderableType:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("stage", style="bold", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("time", justify="right")
    table.add_column("result")
    workers = any(r.worker for r in result.results.values())
    if workers:
        table.add_column("worker", style="dim", no_wrap=True)
    for sid, r in result.results.items():
        row: list[RenderableType] = [sid, status_text(r.status), format_seconds(r.duration)]
        row.append(output(r.message))
        if workers:
            row.append(r.worker or "")
        table.add_row(*row)
        _child_rows(table, r.data.get("children"), 1)
    counts = ", ".join(f"{n} {k}" for k, n in result.counts().items())
    mark, style = STATUS_MARK[result.status]
    verdict = Text.assemble(
        (f"{mark} {result.pipeline} {result.status.value}", f"bold {style}"),
        f" in {format_seconds(result.duration)} ({counts})",
    )
    notes: list[Text] = []
    if result.error is not None:
        notes.append(Text(f"the runner failed: {result.error}", style="bold red"))
    if result.left_running:
        names = ", ".join(result.left_running)
        notes.append(Text(f"left running (they ignore cancellation): {names}", style="yellow"))
    return Group(table, *notes, verdict)


def _child_rows(table: Table, children: Any, depth: int, *, log_column: bool = False) -> None:
    """The child stages of a composite stage, indented under it (and theirs under them)."""
    if not isinstance(children, list):
        return
    for child in children:
        try:
            status = StageStatus(child.get("status"))
        except ValueError:
            status = StageStatus.PENDING
        duration = child.get("duration_s")
        cells: list[RenderableType] = [
            Text("  " * depth + "└ " + str(child.get("id")), style="not bold"),
            status_text(status),
            format_seconds(duration) if isinstance(duration, (int, float)) else "—",
            output(str(child.get("message", ""))),
        ]
        if log_column:
            cells.append("")
        table.add_row(*cells)
        _child_rows(table, child.get("children"), depth + 1, log_column=log_column)


def key_values(data: dict[str, Any]) -> Text:
    return Text(", ".join(f"{k}={v!r}" for k, v in data.items()), style="dim")


# -- incremental runs ------------------------------------------------------------------------


def pipeline_status(status: PipelineStatus) -> RenderableType:
    """`workbench status`: a line per stage, each stage that will run with its reasons."""
    width = max((len(s.stage_id) for s in status.stages), default=8)
    lines: list[RenderableType] = []
    for line in status.stages:
        if line.will_run:
            lines.append(
                Text.assemble(
                    ("▶ ", "yellow"), (line.stage_id.ljust(width), "bold"), ("  will run", "yellow")
                )
            )
            for reason in line.reasons:
                lines.append(
                    Text.assemble("    ", (reason.kind.value, "cyan"), ": ", output(reason.detail))
                )
        else:
            lines.append(
                Text.assemble(
                    ("≡ ", "blue"),
                    (line.stage_id.ljust(width), "bold"),
                    ("  up to date", "blue"),
                    output(f"  {line.message}", "dim"),
                )
            )
    lines.append(Text(f"{status.pipeline}: {status.summary()}", style="bold"))
    return Group(*lines)


def cache_info(info: CacheInfo) -> RenderableType:
    rate = "no runs recorded" if info.hit_rate is None else f"{info.hit_rate:.0%}"
    table = Table.grid(padding=(0, 2))
    table.add_row(Text("cache", style="bold"), info.path)
    table.add_row(Text("entries", style="bold"), f"{info.entries:,} ({info.objects:,} values)")
    table.add_row(
        Text("size", style="bold"),
        f"{format_bytes(info.bytes)} of {format_bytes(info.max_bytes)}",
    )
    table.add_row(
        Text("hit rate", style="bold"),
        f"{rate} over the last {info.runs} run{'s' if info.runs != 1 else ''}"
        f" ({info.hits:,} hits, {info.misses:,} misses)",
    )
    return table


# -- history -----------------------------------------------------------------------------------

_HISTORY_STYLE = {
    "success": "green",
    "failure": "bold red",
    "cancelled": "magenta",
    "cached": "blue",
    "interrupted": "magenta",
    "running": "cyan",
    "skipped": "yellow",
}


def history_table(runs: Sequence[RunRecord]) -> RenderableType:
    if not runs:
        return Text("no runs recorded yet; `workbench run PIPELINE` records one", style="dim")
    import datetime as dt

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("run", justify="right", style="dim")
    table.add_column("pipeline", style="bold")
    table.add_column("started")
    table.add_column("duration", justify="right")
    table.add_column("status")
    table.add_column("from", style="dim")
    for run in runs:
        started = dt.datetime.fromtimestamp(run.started).strftime("%Y-%m-%d %H:%M:%S")
        table.add_row(
            str(run.id),
            run.pipeline,
            started,
            format_seconds(run.duration) if run.duration is not None else "—",
            Text(run.status, style=_HISTORY_STYLE.get(run.status, "")),
            run.source,
        )
    return table


def history_run(detail: RunDetail) -> RenderableType:
    run = detail.run
    head = Text.assemble(
        (f"run {run.id}: ", "bold"),
        (run.pipeline, "bold cyan"),
        "  ",
        (run.status, _HISTORY_STYLE.get(run.status, "")),
        f"  {format_seconds(run.duration) if run.duration is not None else ''}",
    )
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("stage", style="bold")
    table.add_column("status")
    table.add_column("time", justify="right")
    table.add_column("result")
    workers = any(stage.worker for stage in detail.stages)
    if workers:
        table.add_column("worker", style="dim", no_wrap=True)
    table.add_column("log", style="dim")
    for stage in detail.stages:
        row: list[RenderableType] = [
            stage.stage_id,
            Text(stage.status, style=_HISTORY_STYLE.get(stage.status, "")),
            format_seconds(stage.duration) if stage.duration is not None else "—",
            output(stage.message),
        ]
        if workers:
            row.append(stage.worker or "")
        row.append(stage.log_path or "")
        table.add_row(*row)
        _child_rows(table, stage.data.get("children"), 1, log_column=True)
    parts: list[RenderableType] = [head, table]
    if detail.changes:
        parts.append(Text("context changes:", style="bold"))
        for c in detail.changes:
            parts.append(Text(f"  {c.stage_id}: {c.kind} {c.key}  {c.before} → {c.after}"))
    return Group(*parts)


def stage_stats_table(pipeline: str, stats: Sequence[StageStats]) -> RenderableType:
    """Per stage: runs, median and p95 duration, failure rate, last outcome."""
    if not stats:
        return Text(f"no recorded runs of {pipeline!r}; `workbench run` records them", style="dim")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title=pipeline)
    table.add_column("stage", style="bold")
    table.add_column("runs", justify="right")
    table.add_column("median", justify="right")
    table.add_column("p95", justify="right")
    table.add_column("failure rate", justify="right")
    table.add_column("last")
    for s in stats:
        rate = s.failure_rate
        table.add_row(
            s.stage_id,
            str(s.runs),
            format_seconds(s.median_s) if s.median_s is not None else "—",
            format_seconds(s.p95_s) if s.p95_s is not None else "—",
            f"{rate:.0%} ({s.failures}/{s.runs})" if rate is not None else "—",
            Text(s.last_status, style=_HISTORY_STYLE.get(s.last_status, "")),
        )
    return table
