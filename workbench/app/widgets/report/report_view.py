"""One dry-run report: a summary on top, then the stages layer by layer, then conflicts.

Each stage is one item of an :class:`OptionList` (its planned operations, the
paths they touch, estimated bytes and seconds, where the estimate came from), so
the keyboard, the mouse wheel and clicks work as everywhere else. Moving onto a
stage, or onto a conflict (which stands for its first stage), posts
:class:`ReportView.StageSelected`; the owner calls :meth:`ReportView.select_stage`
to follow a selection made elsewhere, such as in the graph.

A composite stage (``pipeline.call``) lists its children's operations under its
own, and carries ``▾`` after its id; :meth:`ReportView.toggle_children` folds
them into one line ("3 child stages folded") and the mark becomes ``▸``, as in
the run view's stage list. Children are shown when a report first opens.

The ``*_content`` functions build the text (Textual :class:`Content` styled only
with theme variables) and are shared with the side-by-side view.
"""

from __future__ import annotations

import os
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from workbench.app.widgets.common.hanging import Hanging, Labelled, Line, indented, labelled
from workbench.app.widgets.run.stage_pane import FOLDED, OPEN
from workbench.engine.cache.reasons import ReasonKind
from workbench.engine.dryrun.models import Conflict, DryRunReport, PlannedOperation, StagePlan
from workbench.engine.pipeline import find_project_root
from workbench.engine.units import counted, format_bytes, format_seconds

MUTED = "$text-muted"
SOURCE_STYLE = {"stage": "$text-primary", "history": "$text-accent", "unknown": "$text-warning"}
"""How each estimate source is coloured: the stage's own, the run history, or nothing known."""


# -- text -------------------------------------------------------------------------------------


def estimate_content(plan: StagePlan) -> Content:
    """ "~1.2 s (history)", or "unknown" in the warning colour."""
    if plan.estimated_seconds is None:
        return Content.styled("time unknown", SOURCE_STYLE["unknown"])
    return Content.assemble(
        f"~{format_seconds(plan.estimated_seconds)} ",
        (f"({plan.estimate_source})", SOURCE_STYLE[plan.estimate_source]),
    )


def stage_heading(plan: StagePlan, critical: bool = False) -> Content:
    """ "load  files.load · 5.8 kB · ~3 ms (history) ◆ critical"."""
    parts: list[Content | str | tuple[str, str]] = [
        (plan.stage_id, "bold"),
        "  ",
        (plan.uses, MUTED),
    ]
    if plan.estimated_bytes:
        parts += [(" · ", MUTED), format_bytes(plan.estimated_bytes)]
    parts += [(" · ", MUTED), estimate_content(plan)]
    if critical:
        parts.append((" ◆ critical path", "$text-accent"))
    return Content.assemble(*parts)


def stage_heading_line(
    plan: StagePlan, critical: bool = False, before: Content | None = None, mark: str = ""
) -> Labelled:
    """The heading as a line whose wrapped part continues under the stage type, not
    under the stage id; ``mark`` (a composite's ``▾`` or ``▸``) follows the id."""
    text = stage_heading(plan, critical)
    size = len(plan.stage_id)
    cut = size + 2
    label = (before or Content("")) + text[:size]
    if mark:
        label += Content.styled(f" {mark}", MUTED)
    return labelled(label + text[size:cut], text[cut:])


def short_path(path: str, root: Path | None) -> str:
    """A path relative to the project folder when it lies inside it, as people write them."""
    if root is None:
        return path
    candidate = Path(path)
    if candidate.is_absolute() and candidate.is_relative_to(root):
        return str(candidate.relative_to(root))
    return path


def project_root(report: DryRunReport) -> Path | None:
    return find_project_root(Path(report.path)) if report.path else None


def operation_lines(
    op: PlannedOperation,
    sign: str = "•",
    style: str = "",
    root: Path | None = None,
    detail: bool = True,
) -> list[Line]:
    """The operation, and under it the paths it reads and writes (relative to ``root``)."""
    extra = []
    if op.estimated_bytes is not None:
        extra.append(format_bytes(op.estimated_bytes))
    if op.estimated_seconds is not None:
        extra.append(format_seconds(op.estimated_seconds))
    line = Content.assemble(
        (f"{sign} ", style or MUTED),
        (op.description, style),
        (f"  {' · '.join(extra)}" if extra else "", MUTED),
    )
    lines: list[Line] = [line]
    if detail:
        for verb, paths in (("reads", op.paths_read), ("writes", op.paths_written)):
            if paths:
                shown = ", ".join(short_path(p, root) for p in paths)
                lines.append(
                    labelled(Content.styled(f"    {verb} ", MUTED), Content.styled(shown, MUTED))
                )
    return lines


def child_stages(plan: StagePlan) -> list[str]:
    """The children whose operations a composite's plan lists, in order (none for a
    plain stage)."""
    return list(dict.fromkeys(op.child for op in plan.operations if op.child is not None))


def folded_line(plan: StagePlan) -> Content:
    """What stands for a composite's folded child operations."""
    return Content.styled(
        f"{FOLDED} {counted(len(child_stages(plan)), 'child stage')} folded — o shows them", MUTED
    )


def plan_body(
    plan: StagePlan, root: Path | None = None, detail: bool = True, folded: bool = False
) -> list[Line]:
    """What the stage would do, or why nothing can be said; ``folded`` leaves a
    composite's child operations out, with one line saying so."""
    if plan.error:
        return [Content.styled(f"✘ plan failed: {plan.error}", "$text-error")]
    if not plan.supported:
        return [Content.styled("⚠ cannot dry-run: its effects are unknown", "$text-warning bold")]
    if not plan.operations:
        return [Content.styled("nothing planned", MUTED)]
    shown = [op for op in plan.operations if not (folded and op.child is not None)]
    lines = [line for op in shown for line in operation_lines(op, root=root, detail=detail)]
    if folded and len(shown) < len(plan.operations):
        lines.append(folded_line(plan))
    return lines


def reason_words(kind: ReasonKind) -> str:
    """A reason's kind in words ("not cacheable"), as the rest of the app writes them."""
    return kind.value.replace("_", " ")


def cache_lines(plan: StagePlan) -> list[Line]:
    """Up to date (reused from the cache), or why it will run; nothing when not consulted."""
    if plan.up_to_date:
        return [Content.styled("≡ up to date: a run reuses its cached result", "$text-secondary")]
    return [
        labelled(
            Content.assemble(
                ("▸ will run: ", "$text-warning"), (reason_words(reason.kind), "$text-accent")
            ),
            Content.styled(f"  {reason.detail}" if reason.detail else "", MUTED),
        )
        for reason in plan.reasons
    ]


def stage_content(
    plan: StagePlan,
    position: int,
    critical: bool = False,
    root: Path | None = None,
    folded: bool = False,
) -> Hanging:
    """A stage's item: its heading, then what it would do; wrapped lines stay indented.
    A composite's heading carries ``▾`` (children shown) or ``▸`` (``folded``)."""
    mark = (FOLDED if folded else OPEN) if child_stages(plan) else ""
    heading = stage_heading_line(plan, critical, Content.styled(f"{position:>2}  ", MUTED), mark)
    body = [indented(line, 4) for line in cache_lines(plan) + plan_body(plan, root, folded=folded)]
    return Hanging([heading, *body])


def conflict_content(conflict: Conflict, root: Path | None = None) -> Hanging:
    """The conflict's kind and message, with paths inside the project made relative."""
    message = conflict.message
    if root is not None:
        message = message.replace(f"{root}{os.sep}", "")
    return Hanging(
        [
            labelled(
                Content.assemble(
                    ("⚠ ", "$text-warning"),
                    (conflict.kind.replace("_", " "), "$text-warning bold"),
                    "  ",
                ),
                Content(message),
            )
        ]
    )


def summary_content(report: DryRunReport) -> Hanging:
    """Two lines: the counts and totals, then time: wall, critical path, estimate sources.
    Each wraps under its own text, after the pipeline's name and after "wall"."""
    counts = report.summary().split(", ")
    conflicts = len(report.conflicts)
    first = Content.assemble(
        (" · ".join(counts[:3]), ""),
        "  ",
        (
            f"⚠ {counted(conflicts, 'conflict')}" if conflicts else "✔ no conflicts",
            "$text-warning" if conflicts else "$text-success",
        ),
    )
    unsupported = sum(1 for s in report.stages if not s.supported)
    if unsupported:
        first += Content.styled(f"  · {unsupported} cannot dry-run", "$text-warning")
    sources: dict[str, int] = {}
    for plan in report.stages:
        sources[plan.estimate_source] = sources.get(plan.estimate_source, 0) + 1
    second = Content.assemble(
        (report.wall_text(), "bold" if not report.unknown_estimates else "bold $text-warning"),
        (f" at concurrency {report.concurrency}", MUTED),
        # the time before the path: an estimate in words ("unknown (no estimates)")
        # would otherwise sit in brackets inside brackets
        (f"  ·  critical path {report.critical_text()}: ", MUTED),
        " → ".join(report.critical_path) or "—",
        ("  ·  estimates ", MUTED),
        Content(", ").join(
            Content.styled(f"{n} {source}", SOURCE_STYLE[source])
            for source, n in sorted(sources.items())
        ),
    )
    return Hanging(
        [
            labelled(Content.styled(report.pipeline, "bold $text-primary") + "  ", first),
            labelled(Content.styled("wall ", MUTED), second),
        ]
    )


# -- the widget -------------------------------------------------------------------------------


class StageItems(Vertical):
    """Base of the report widgets: an option list whose items stand for stages.

    It keeps which item stands for which stage and announces the highlighted one,
    so the single report and the comparison link to the graph the same way.
    """

    DEFAULT_CSS = """
    StageItems {
        height: 1fr;
        & > OptionList {
            height: 1fr;
            border: none;
            padding: 0;
            background: $surface;
            &:focus { border: none; }
            & > .option-list--option { padding: 0 1; }
        }
    }
    """

    class StageSelected(Message):
        """The highlighted item is (or stands for) this stage."""

        def __init__(self, items: StageItems, stage_id: str) -> None:
            super().__init__()
            self.items = items
            self.stage_id = stage_id

        @property
        def control(self) -> StageItems:
            return self.items

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._stage_of: dict[str, str] = {}
        """Option id -> the stage it stands for."""

    @property
    def selected_stage(self) -> str | None:
        option = self.query_one(OptionList).highlighted_option
        return self._stage_of.get(option.id or "") if option is not None else None

    # -- messages up --------------------------------------------------------------------------
    @on(OptionList.OptionHighlighted)
    def _on_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        stage_id = self._stage_of.get(event.option.id or "")
        if stage_id is not None:
            self.post_message(self.StageSelected(self, stage_id))

    @on(OptionList.OptionSelected)
    def _on_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()


def heading(text: str, option_id: str) -> Option:
    """A section title in a report list: shown, never selected."""
    return Option(Content.styled(text, "bold $text-secondary"), option_id, disabled=True)


class ReportView(StageItems):
    """A dry-run report to read and walk; the selected item names a stage."""

    DEFAULT_CSS = """
    ReportView {
        & > .report-summary { height: auto; padding: 0 1; background: $panel; }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.report: DryRunReport | None = None
        self.collapsed: set[str] = set()
        """Composites whose child operations are folded away (kept across re-plans)."""
        self._root: Path | None = None
        self._critical: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Static("", classes="report-summary")
        yield OptionList()

    # -- methods down -----------------------------------------------------------------------
    def show_report(self, report: DryRunReport) -> None:
        """Show a report, keeping the selected stage when it is still there."""
        keep = self.selected_stage
        self.report = report
        self.query_one(".report-summary", Static).update(summary_content(report))
        options = self.query_one(OptionList)
        options.clear_options()
        self._stage_of = {}
        root = self._root = project_root(report)
        self._critical = set(report.critical_path)
        plans = {p.stage_id: p for p in report.stages}
        self.collapsed &= set(plans)
        position = {sid: n for n, sid in enumerate(report.order, 1)}
        items: list[Option] = []
        for layer_no, layer in enumerate(report.layers):
            together = f" · {len(layer)} stages can run side by side" if len(layer) > 1 else ""
            items.append(heading(f"Layer {layer_no}{together}", f"layer:{layer_no}"))
            for sid in sorted(layer, key=position.__getitem__):
                option_id = f"stage:{sid}"
                self._stage_of[option_id] = sid
                items.append(Option(self._stage_item(plans[sid], position[sid]), option_id))
        count = len(report.conflicts)
        items.append(heading(f"Conflicts ({count})" if count else "No conflicts", "conflicts"))
        for n, conflict in enumerate(report.conflicts):
            option_id = f"conflict:{n}"
            self._stage_of[option_id] = conflict.stages[0]
            items.append(Option(conflict_content(conflict, root), option_id))
        options.add_options(items)
        self.select_stage(keep if keep in plans else next(iter(report.order), None))

    def _stage_item(self, plan: StagePlan, position: int) -> Hanging:
        assert self.report is not None
        return stage_content(
            plan,
            position,
            plan.stage_id in self._critical,
            self._root,
            plan.stage_id in self.collapsed,
        )

    def selected_composite(self) -> str | None:
        """The selected stage when it is a composite whose plan lists child operations."""
        stage = self.selected_stage
        if self.report is None or stage is None:
            return None
        option = self.query_one(OptionList).highlighted_option
        if option is None or option.id != f"stage:{stage}":
            return None  # a conflict stands for a stage but is not its card
        return stage if child_stages(self.report.stage(stage)) else None

    def toggle_children(self) -> None:
        """Fold the selected composite's child operations away, or show them again."""
        stage = self.selected_composite()
        if stage is None or self.report is None:
            return
        self.collapsed ^= {stage}
        position = self.report.order.index(stage) + 1
        options = self.query_one(OptionList)
        options.replace_option_prompt(
            f"stage:{stage}", self._stage_item(self.report.stage(stage), position)
        )

    def show_message(self, text: str) -> None:
        """No report to show: say why (no pipeline, a broken one, a plan still building)."""
        self.report = None
        self._stage_of = {}
        self.query_one(".report-summary", Static).update(text)
        self.query_one(OptionList).clear_options()

    def select_stage(self, stage_id: str | None) -> None:
        """Highlight a stage's item (selection made elsewhere, e.g. in the graph)."""
        if stage_id is None or self.selected_stage == stage_id:
            return
        options = self.query_one(OptionList)
        try:
            index = options.get_option_index(f"stage:{stage_id}")
        except Exception:  # OptionDoesNotExist: a stage this report does not have
            return
        with options.prevent(OptionList.OptionHighlighted):  # set in code: no echo
            options.highlighted = index
