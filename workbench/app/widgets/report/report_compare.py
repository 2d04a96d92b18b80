"""Two dry-run reports side by side, scrolled together, with the differences marked.

Each row is one stage: the left report's card, a narrow column saying how the
stage changed (added, removed, reordered, reconfigured, rewired, operations,
estimate), and the right report's card. Both cards of a stage live in the same
row of one :class:`OptionList`, drawn by the :class:`Columns` visual, so the two
sides can never scroll apart and a tall card on one side keeps the other side
aligned. Config differences, operations that appear or disappear, totals and new
or resolved conflicts are rows of the same list.

The same widget shows a plan against a past run (:meth:`ReportCompare.show_plan_against_run`):
the plan on the left, what the run really did on the right, the verdict between.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from textual.app import ComposeResult
from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from workbench.app.widgets.common.hanging import Hanging, Line, indented, labelled
from workbench.app.widgets.report.report_view import (
    MUTED,
    StageItems,
    conflict_content,
    heading,
    operation_lines,
    plan_body,
    project_root,
    stage_heading_line,
)
from workbench.engine.dryrun.compare import ActualRow, CompareRow, Comparison, PlanAgainstRun
from workbench.engine.dryrun.models import DryRunReport, StagePlan
from workbench.engine.units import (
    format_change,
    format_seconds,
    format_total,
    total_label,
)

MARK_WIDTH = 16
GAP = 2

MARK_STYLE = {
    "added": ("+ added", "$text-success"),
    "removed": ("− removed", "$text-error"),
    "reordered": ("↕ reordered", "$text-warning"),
    "reconfigured": ("~ reconfigured", "$text-warning"),
    "rewired": ("⇄ rewired", "$text-warning"),
    "operations": ("± operations", "$text-warning"),
    "estimate": ("≈ estimate", "$text-warning"),
    "now_runs": ("▸ now runs", "$text-warning"),
    "now_cached": ("≡ now cached", "$text-secondary"),
}
"""How each kind of change is named and coloured in the middle column."""

VERDICT_STYLE = {
    "as planned": ("✔ as planned", "$text-success"),
    "slower": ("▲ slower", "$text-warning"),
    "faster": ("▼ faster", "$text-primary"),
    "failed": ("✘ failed", "$text-error"),
    "skipped": ("⊘ skipped", MUTED),
    "cached": ("≡ cached", "$text-secondary"),
    "not run": ("○ not run", MUTED),
    "not planned": ("+ not planned", "$text-warning"),
}

STATUS_STYLE = {
    "success": ("✔", "$text-success"),
    "failure": ("✘", "$text-error"),
    "cancelled": ("■", "$text-error"),
    "interrupted": ("■", "$text-error"),
    "skipped": ("⊘", MUTED),
    "partial": ("◐", "$text-warning"),
    "cached": ("≡", "$text-secondary"),
}


class Columns(Visual):
    """Visuals laid out in columns: fixed widths, the rest shared out evenly.

    Each column is rendered at its own width; shorter columns are padded, so a
    row is as tall as its tallest cell.
    """

    def __init__(self, cells: Sequence[Visual], widths: Sequence[int | None], gap: int = GAP):
        self.cells = list(cells)
        self.widths = list(widths)
        self.gap = gap

    def _widths(self, width: int) -> list[int]:
        fixed = sum(w for w in self.widths if w is not None) + self.gap * (len(self.cells) - 1)
        flexible = [i for i, w in enumerate(self.widths) if w is None]
        spare = max(0, width - fixed)
        out = [w or 0 for w in self.widths]
        for n, i in enumerate(flexible):
            out[i] = spare // len(flexible) + (1 if n < spare % len(flexible) else 0)
        return out

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return container_width

    def get_height(self, rules: RulesMap, width: int) -> int:
        return max(
            (
                cell.get_height(rules, w)
                for cell, w in zip(self.cells, self._widths(width), strict=True)
                if w > 0
            ),
            default=1,
        )

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        widths = self._widths(width)
        columns = [
            cell.render_strips(w, None, style, options) if w > 0 else []
            for cell, w in zip(self.cells, widths, strict=True)
        ]
        rows = max((len(c) for c in columns), default=0)
        rich_style = style.rich_style
        gap = Strip.blank(self.gap, rich_style)
        out: list[Strip] = []
        for y in range(rows if height is None else min(rows, height)):
            parts: list[Strip] = []
            for n, (column, w) in enumerate(zip(columns, widths, strict=True)):
                if n:
                    parts.append(gap)
                line = column[y] if y < len(column) else Strip.blank(w, rich_style)
                parts.append(line.crop_extend(0, w, rich_style))
            out.append(Strip.join(parts))
        return out


def row(left: Visual, mark: Content, right: Visual) -> Columns:
    return Columns([left, mark, right], [None, MARK_WIDTH, None])


def marks_content(marks: Sequence[str]) -> Content:
    return Content("\n").join(
        Content.styled(*MARK_STYLE.get(mark, (mark, "$text-warning"))) for mark in marks
    )


def _value(value: Any) -> str:
    return "—" if value is None else json.dumps(value, default=str)


# -- cards ------------------------------------------------------------------------------------


def compare_card(
    plan: StagePlan | None, changed_ops: Sequence[str], sign: str, style: str
) -> list[Line]:
    """A stage's side of a comparison row; operations that differ carry ``sign`` in ``style``."""
    if plan is None:
        return []
    body: list[Line] = []
    if plan.error or not plan.supported or not plan.operations:
        body += plan_body(plan, detail=False)
    else:
        for op in plan.operations:
            marked = op.description in changed_ops
            body += operation_lines(
                op, sign if marked else "•", style if marked else "", detail=False
            )
    return [stage_heading_line(plan), *(indented(line, 2) for line in body)]


def config_lines(row: CompareRow) -> tuple[list[Line], list[Line]]:
    """The config difference of a reconfigured stage, old values left, new right."""
    change = row.change
    if change is None or not change.config_changes:
        return [], []
    left: list[Line] = [
        labelled(
            Content.styled(f"  {k} = ", "$text-error"), Content.styled(_value(a), "$text-error")
        )
        for k, a, _ in change.config_changes
    ]
    right: list[Line] = [
        labelled(
            Content.styled(f"  {k} = ", "$text-success"), Content.styled(_value(b), "$text-success")
        )
        for k, _, b in change.config_changes
    ]
    return left, right


def stage_row(item: CompareRow) -> Columns:
    change = item.change
    removed = change.operations_removed if change else ()
    added = change.operations_added if change else ()
    left = compare_card(item.left, removed, "−", "$text-error")
    right = compare_card(item.right, added, "+", "$text-success")
    old, new = config_lines(item)
    if item.left is not None:
        left += old
    if item.right is not None:
        right += new
    if item.left is None:
        left = [Content.styled("(not in this report)", MUTED)]
    if item.right is None:
        right = [Content.styled("(not in this report)", MUTED)]
    return row(Hanging(left), marks_content(item.marks), Hanging(right))


def actual_card(item: ActualRow) -> Visual:
    record = item.actual
    if record is None:
        return Content.styled("(did not run)", MUTED)
    mark, style = STATUS_STYLE.get(record.status, ("○", MUTED))
    took = format_seconds(record.duration) if record.duration is not None else "—"
    heading = Content.assemble(
        (record.stage_id, "bold"),
        "  ",
        (f"{mark} {record.status}", style),
        (" · ", MUTED),
        f"took {took}",
    )
    delta = item.seconds_delta
    if delta is not None:
        sign = "+" if delta >= 0 else "−"
        heading += Content.styled(f" ({sign}{format_seconds(abs(delta))})", MUTED)
    if record.attempts > 1:
        heading += Content.styled(f" · {record.attempts} attempts", "$text-warning")
    lines: list[Line] = [heading]
    if record.message:
        lines.append(Content.assemble(("  ", ""), (record.message, MUTED)))
    lines += [Content.styled(f"  {error}", "$text-error") for error in record.errors[:3]]
    return Hanging(lines)


def plan_card(plan: StagePlan | None) -> Visual:
    if plan is None:
        return Content.styled("(not in the plan)", MUTED)
    body = (indented(line, 2) for line in plan_body(plan, detail=False))
    return Hanging([stage_heading_line(plan), *body])


def _unknown(name: str, report: DryRunReport | None) -> tuple[int, int]:
    """How many of the stages a time total adds up have no estimate, and of how many."""
    if report is None or "seconds" not in name:
        return 0, 0
    return report.unknown_estimates, len(report.running)


def _total(name: str, value: float | None, report: DryRunReport | None = None) -> Content:
    """A total in its unit; a time summed over stages without estimates says so
    ("unknown", "≥ 1.7 s (1 of 4 unknown)") rather than showing them as 0."""
    unknown, of = _unknown(name, report)
    if unknown and unknown >= of:
        return Content.styled("unknown", "$text-warning")
    text = format_total(name, value)
    if unknown:
        return Content.assemble(f"≥ {text} ", (f"({unknown} of {of} unknown)", "$text-warning"))
    return Content(text)


def _total_cell(label: str, total: Content) -> Hanging:
    """``wall seconds  ≥ 1.7 s (1 of 4 unknown)``, wrapping under the figure."""
    return Hanging([labelled(Content.styled(f"{label}  ", MUTED), total)])


def _delta(
    name: str,
    before: float | None,
    after: float | None,
    reports: tuple[DryRunReport | None, DryRunReport | None] = (None, None),
) -> Content:
    if any(_unknown(name, report)[0] for report in reports):
        return Content.styled("unknown", MUTED)  # a difference with a missing estimate in it
    text = format_change(name, before, after)
    return Content.styled(text, MUTED if text == "=" else "$text-warning")


def _side_title(label: str, report: DryRunReport) -> Hanging:
    """The side's name over its one-line summary (a figure keeps its unit when it wraps)."""
    return Hanging(
        [
            Content.styled(label, "bold $text-primary"),
            # a paragraph: its "4 stages, …" is not a numbered item to hang under
            labelled("", Content.styled(report.summary(), MUTED)),
        ]
    )


# -- the widget -------------------------------------------------------------------------------


class ReportCompare(StageItems):
    """Two reports (or a plan and a run) side by side; the highlighted row names a stage."""

    DEFAULT_CSS = """
    ReportCompare {
        & > .compare-summary { height: auto; padding: 0 1; background: $panel; }
        & > .compare-titles {
            height: auto;
            padding: 0 1;
            background: $panel;
            border-bottom: solid $foreground 20%;
        }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static("", classes="compare-summary")
        yield Static("", classes="compare-titles")
        yield OptionList()

    # -- methods down -----------------------------------------------------------------------
    def show_comparison(self, comparison: Comparison) -> None:
        c = comparison
        keep = self._reset()
        lines: list[Line] = [
            labelled(
                Content.styled("Compared: ", "bold"),
                Content.styled(c.summary(), "$text-success" if c.empty else "$text-warning bold"),
            )
        ]
        for key, before, after in c.parameter_changes:
            lines.append(
                labelled(
                    Content.assemble(("  parameter ", MUTED), (key, "bold"), ": "),
                    Content.assemble(
                        (_value(before), "$text-error"), " → ", (_value(after), "$text-success")
                    ),
                )
            )
        summary = Hanging(lines)
        items: list[Option] = []
        for n, item in enumerate(c.rows):
            items.append(self._stage_option(n, item.stage_id, stage_row(item)))
        items.append(heading("Totals", "totals"))
        for name, (before, after) in c.diff.totals.items():
            label = total_label(name)
            items.append(
                Option(
                    row(
                        _total_cell(label, _total(name, before, c.left)),
                        _delta(name, before, after, (c.left, c.right)),
                        _total_cell(label, _total(name, after, c.right)),
                    ),
                    f"total:{name}",
                    disabled=True,
                )
            )
        items += self._conflict_options(c)
        self._show(keep, summary, c.left_label, c.left, c.right_label, c.right, items)

    def show_plan_against_run(self, item: PlanAgainstRun) -> None:
        run = item.run.run
        keep = self._reset()
        summary = Hanging(
            [labelled(Content.styled("Plan against what happened: ", "bold"), item.summary())]
        )
        items: list[Option] = []
        for n, actual in enumerate(item.rows):
            mark = Content.styled(*VERDICT_STYLE[actual.verdict])
            items.append(
                self._stage_option(
                    n, actual.stage_id, row(plan_card(actual.plan), mark, actual_card(actual))
                )
            )
        items.append(heading("Totals", "totals"))
        for name, (planned, real) in item.totals.items():
            label = total_label(name)
            items.append(
                Option(
                    row(
                        _total_cell(label, _total(name, planned, item.report)),
                        _delta(name, planned, real, (item.report, None)),
                        _total_cell(label, _total(name, real)),
                    ),
                    f"total:{name}",
                    disabled=True,
                )
            )
        right = Content.assemble(
            (f"{item.label} · {run.source}", "bold $text-primary"),
            "\n",
            (f"{run.status}, took {format_seconds(run.duration)}", MUTED),
        )
        self._show(keep, summary, "plan (now)", item.report, right, None, items)

    def select_stage(self, stage_id: str | None) -> None:
        """Highlight the row of a stage chosen elsewhere (the graph)."""
        if stage_id is None or self.selected_stage == stage_id:
            return
        options = self.query_one(OptionList)
        for option_id, sid in self._stage_of.items():
            if sid == stage_id and option_id.startswith("stage:"):
                with options.prevent(OptionList.OptionHighlighted):  # set in code: no echo
                    options.highlighted = options.get_option_index(option_id)
                return

    # -- building ---------------------------------------------------------------------------
    def _stage_option(self, n: int, stage_id: str, prompt: Columns) -> Option:
        option_id = f"stage:{n}"
        self._stage_of[option_id] = stage_id
        return Option(prompt, option_id)

    def _conflict_options(self, c: Comparison) -> list[Option]:
        new, resolved = set(c.diff.conflicts_new), set(c.diff.conflicts_resolved)
        every = sorted(set(c.left.conflicts) | set(c.right.conflicts))
        root = project_root(c.right)
        if not every:
            return [heading("No conflicts on either side", "conflicts")]
        out = [heading(f"Conflicts ({len(every)})", "conflicts")]
        for n, conflict in enumerate(every):
            if conflict in new:
                mark = Content.styled("+ new conflict", "$text-error")
            elif conflict in resolved:
                mark = Content.styled("✔ resolved", "$text-success")
            else:
                mark = Content.styled("unchanged", MUTED)
            left = conflict_content(conflict, root) if conflict not in new else Content("")
            right = conflict_content(conflict, root) if conflict not in resolved else Content("")
            option_id = f"conflict:{n}"
            self._stage_of[option_id] = conflict.stages[0]
            out.append(Option(row(left, mark, right), option_id))
        return out

    def _reset(self) -> str | None:
        """Forget the old rows; return the stage that was selected, to select it again."""
        keep = self.selected_stage
        self._stage_of = {}
        return keep

    def _show(
        self,
        keep: str | None,
        summary: Hanging,
        left_label: str,
        left: DryRunReport,
        right_label: str | Content | Hanging,
        right: DryRunReport | None,
        items: list[Option],
    ) -> None:
        self.query_one(".compare-summary", Static).update(summary)
        right_title: Visual
        if isinstance(right_label, Content | Hanging):
            right_title = right_label
        else:
            assert right is not None
            right_title = _side_title(right_label, right)
        titles = row(_side_title(left_label, left), Content(""), right_title)
        self.query_one(".compare-titles", Static).update(titles)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(items)
        if keep is not None:
            self.select_stage(keep)
        if options.highlighted is None and items:
            options.highlighted = 0

    # -- messages up --------------------------------------------------------------------------
