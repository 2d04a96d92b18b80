"""Dry runs in words: a report's one-line summary, a diff's, and estimates that say
how much of them is unknown (never a bare 0 s when nothing was estimated).

Shared by the app, the command line and the Markdown export, so all three say the
same thing the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.engine.units import counted, format_bytes, format_seconds

if TYPE_CHECKING:
    from workbench.engine.dryrun.diff import ReportDiff
    from workbench.engine.dryrun.models import DryRunReport


def estimate_text(seconds: float, unknown: int, total: int) -> str:
    """A sum of estimates where ``unknown`` of ``total`` parts have none (counted as 0)."""
    if total and unknown >= total:
        return "unknown (no estimates)" if total > 1 else "unknown (no estimate)"
    if unknown:
        return f"at least ~{format_seconds(seconds)} ({unknown} of {total} estimates unknown)"
    return f"~{format_seconds(seconds)}"


def report_summary(report: DryRunReport) -> str:
    """One line: "5 stages, 9 operations, 12.0 kB, ~3.1 s, 0 conflicts"."""
    unsupported = sum(1 for s in report.stages if not s.supported)
    cached = report.up_to_date
    parts = [
        counted(len(report.stages), "stage")
        + (f" ({len(report.stages) - cached} to run, {cached} up to date)" if cached else ""),
        counted(report.total_operations, "operation"),
        format_bytes(report.total_bytes)
        + (f" (+{report.unknown_writes} of unknown size)" if report.unknown_writes else ""),
        f"{report.wall_text()} wall"
        if not report.unknown_estimates
        else f"wall {report.wall_text()}",
        counted(len(report.conflicts), "conflict"),
    ]
    if unsupported:
        parts.append(f"{unsupported} cannot dry-run")
    return ", ".join(parts)


def diff_summary(diff: ReportDiff) -> str:
    """ "1 added, 1 removed, 2 reconfigured, 1 new conflict"."""
    counts: dict[str, int] = {}
    for change in diff.stages:
        for kind in change.kinds:
            counts[kind] = counts.get(kind, 0) + 1
    label = {
        "operations": "with other operations",
        "now_runs": "now to run",
        "now_cached": "now up to date",
    }
    parts = [f"{n} {label.get(kind, kind)}" for kind, n in counts.items()]
    if diff.conflicts_new:
        parts.append(f"{counted(len(diff.conflicts_new), 'new conflict')}")
    if diff.conflicts_resolved:
        parts.append(f"{counted(len(diff.conflicts_resolved), 'conflict')} resolved")
    return ", ".join(parts) if parts else "no differences"
