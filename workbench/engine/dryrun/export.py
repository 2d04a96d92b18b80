"""A report or a comparison as JSON or Markdown, to paste into a pull request or a ticket.

The Markdown is GitHub-flavoured: a heading, one summary line, a table per
section and plain lists for conflicts, so it reads well both rendered and raw.
The JSON is the same data the command line prints with ``--format json``.
:func:`write_export` puts either under the project's ``out/dry-run/`` folder
(or a chosen path) atomically and returns where it went.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from workbench.engine.dryrun.compare import Comparison, PlanAgainstRun
from workbench.engine.dryrun.dry_run import DryRunReport, StagePlan
from workbench.engine.fileio import atomic_write_text
from workbench.engine.units import (
    format_bytes,
    format_change,
    format_seconds,
    format_total,
    total_label,
)

Exportable = DryRunReport | Comparison | PlanAgainstRun
ExportFormat = Literal["json", "markdown"]
SUFFIX: dict[ExportFormat, str] = {"json": ".json", "markdown": ".md"}
EXPORT_DIR = Path("out") / "dry-run"


def to_json(item: Exportable) -> dict[str, Any]:
    return item.to_json()


def to_markdown(item: Exportable) -> str:
    if isinstance(item, DryRunReport):
        return report_markdown(item)
    if isinstance(item, Comparison):
        return comparison_markdown(item)
    return plan_against_run_markdown(item)


def render(item: Exportable, fmt: ExportFormat) -> str:
    if fmt == "json":
        return json.dumps(to_json(item), indent=2, ensure_ascii=False, default=str) + "\n"
    return to_markdown(item)


def default_name(item: Exportable) -> str:
    """A file name that says what is inside: ``sales-report``, ``a-vs-b``, ``x-run-3``."""
    if isinstance(item, DryRunReport):
        return _safe(item.pipeline)
    if isinstance(item, Comparison):
        if item.left.pipeline == item.right.pipeline:
            return _safe(f"{item.left.pipeline}-{item.kind}")
        return _safe(f"{item.left.pipeline}-vs-{item.right.pipeline}")
    return _safe(f"{item.report.pipeline}-run-{item.run.run.id}")


def format_for(path: Path) -> ExportFormat:
    """The format a chosen file name asks for: ``.json`` is JSON, anything else Markdown."""
    return "json" if path.suffix.lower() == ".json" else "markdown"


def write_export(item: Exportable, fmt: ExportFormat, root: Path, path: Path | None = None) -> Path:
    """Write ``item`` to ``path`` (relative to ``root``), or under ``root/out/dry-run/``."""
    target = path if path is not None else EXPORT_DIR / (default_name(item) + SUFFIX[fmt])
    if not target.is_absolute():
        target = root / target
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, render(item, fmt))
    return target


# -- Markdown ----------------------------------------------------------------------------------


def report_markdown(report: DryRunReport) -> str:
    lines = [f"## Dry run: {report.pipeline}", "", f"**{report.summary()}**", ""]
    lines += _layers_md(report)
    cached = any(p.up_to_date or p.reasons for p in report.stages)
    cache_head = (" cache |", "---|") if cached else ("", "")
    lines += [
        "| # | layer | stage | uses | planned operations | bytes | estimate |" + cache_head[0],
        "|--:|--:|---|---|---|--:|--:|" + cache_head[1],
    ]
    for n, plan in enumerate(report.stages, 1):
        lines.append(
            f"| {n} | {plan.layer} | `{plan.stage_id}` | `{plan.uses}` | {_ops_md(plan)} | "
            f"{_bytes(plan)} | {_estimate(plan)} |" + (f" {_cache_md(plan)} |" if cached else "")
        )
    lines += ["", *_critical_md(report), "", *_conflicts_md(report)]
    return "\n".join(lines).rstrip() + "\n"


def _cache_md(plan: StagePlan) -> str:
    """Up to date, or will run with its reasons (Markdown table cell)."""
    if plan.up_to_date:
        return "up to date"
    reasons = "<br>".join(f"{r.kind.value}: {r.detail}".replace("|", "\\|") for r in plan.reasons)
    return f"will run<br>{reasons}" if reasons else "will run"


def comparison_markdown(comparison: Comparison) -> str:
    c = comparison
    lines = [
        f"## Dry-run comparison: {c.left_label} → {c.right_label}",
        "",
        f"**{c.summary()}**",
        "",
    ]
    if c.parameter_changes:
        lines += ["| parameter | before | after |", "|---|---|---|"]
        for key, before, after in c.parameter_changes:
            lines.append(f"| `{key}` | {_value(before)} | {_value(after)} |")
        lines.append("")
    changed = [row for row in c.rows if row.change is not None]
    if changed:
        lines += ["| stage | change | before | after |", "|---|---|---|---|"]
        for row in changed:
            change = row.change
            assert change is not None
            before = _side_md(row.left, change.operations_removed, "−")
            after = _side_md(row.right, change.operations_added, "+")
            lines.append(f"| `{row.stage_id}` | {', '.join(row.marks)} | {before} | {after} |")
            for key, old, new in change.config_changes:
                lines.append(f"| | `{key}` | {_value(old)} | {_value(new)} |")
        lines.append("")
    else:
        lines += ["No stage differs.", ""]
    lines += ["| total | before | after | change |", "|---|--:|--:|--:|"]
    for name, (before, after) in c.diff.totals.items():
        lines.append(
            f"| {total_label(name)} | {format_total(name, before)} | {format_total(name, after)} | "
            f"{format_change(name, before, after)} |"
        )
    lines.append("")
    for conflict in c.diff.conflicts_new:
        lines.append(f"- ⚠ new conflict: {conflict.message}")
    for conflict in c.diff.conflicts_resolved:
        lines.append(f"- ✔ resolved conflict: {conflict.message}")
    return "\n".join(lines).rstrip() + "\n"


def plan_against_run_markdown(item: PlanAgainstRun) -> str:
    run = item.run.run
    lines = [
        f"## Plan against {item.label}: {item.report.pipeline}",
        "",
        f"**{item.summary()}**",
        "",
        "| stage | planned operations | estimate | actual | took | difference | verdict |",
        "|---|---|--:|---|--:|--:|---|",
    ]
    for row in item.rows:
        plan, actual = row.plan, row.actual
        ops = _ops_md(plan) if plan else "—"
        estimate = _estimate(plan) if plan else "—"
        status = actual.status if actual else "—"
        if actual and actual.message:
            status += f": {_cell(actual.message)}"
        took = format_seconds(actual.duration) if actual and actual.duration is not None else "—"
        delta = row.seconds_delta
        diff = "—" if delta is None else ("+" if delta >= 0 else "−") + format_seconds(abs(delta))
        lines.append(
            f"| `{row.stage_id}` | {ops} | {estimate} | {status} | {took} | {diff} | "
            f"{row.verdict} |"
        )
    lines += ["", "| total | planned | actual |", "|---|--:|--:|"]
    for name, (planned, actual_value) in item.totals.items():
        lines.append(
            f"| {total_label(name)} | {format_total(name, planned)} | {format_total(name, actual_value)} |"
        )
    lines += ["", f"Run #{run.id} ({run.source}) finished {run.status}."]
    return "\n".join(lines).rstrip() + "\n"


def _layers_md(report: DryRunReport) -> list[str]:
    layers = " → ".join(
        "{" + ", ".join(layer) + "}" if len(layer) > 1 else layer[0]
        for layer in report.layers
        if layer
    )
    return [f"Order and layers: {layers}", ""] if layers else []


def _critical_md(report: DryRunReport) -> list[str]:
    if not report.critical_path:
        return []
    return [
        f"Critical path: {' → '.join(report.critical_path)} "
        f"({report.critical_text()}); estimated wall time "
        f"{report.wall_text()} at concurrency {report.concurrency}."
    ]


def _conflicts_md(report: DryRunReport) -> list[str]:
    if not report.conflicts:
        return ["No conflicts."]
    out = [f"{len(report.conflicts)} potential conflict(s):", ""]
    out += [f"- ⚠ {c.kind}: {c.message}" for c in report.conflicts]
    return out


def _ops_md(plan: StagePlan) -> str:
    if plan.error:
        return f"plan failed: {_cell(plan.error)}"
    if not plan.supported:
        return "**cannot dry-run**"
    return "<br>".join(_cell(op.description) for op in plan.operations) or "—"


def _side_md(plan: StagePlan | None, marked: tuple[str, ...], sign: str) -> str:
    """One side of a changed stage: its type and estimate, then the operations that changed."""
    if plan is None:
        return "—"
    parts = [f"`{plan.uses}` {_estimate(plan)}"]
    parts += [f"{sign} {_cell(d)}" for d in marked]
    return "<br>".join(parts)


def _estimate(plan: StagePlan) -> str:
    if plan.estimated_seconds is None:
        return "unknown"
    return f"{format_seconds(plan.estimated_seconds)} ({plan.estimate_source})"


def _bytes(plan: StagePlan) -> str:
    return format_bytes(plan.estimated_bytes) if plan.estimated_bytes else "—"


def _value(value: Any) -> str:
    return "—" if value is None else f"`{_cell(json.dumps(value, default=str))}`"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: no pipes, no line breaks."""
    return text.replace("|", "\\|").replace("\n", " ")


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)
