"""Where the next run's stages go: this process, or a Dask cluster.

Starts from what the files say (``[pipeline] executor``, then ``workbench.toml``'s
``[executor]``) and lets a person change it for the session's runs, as
``workbench run --executor/--scheduler`` does on the command line; the files are
never changed. While a run is on a cluster it shows the scheduler's address and
the dashboard's link, or says there is no dashboard.

Messages go up: :class:`RunExecutor.Changed` with the new choice.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, Select, Static

from workbench.engine.run.executor_choice import ExecutorChoice, ExecutorKind

KINDS: list[tuple[str, ExecutorKind]] = [
    ("local: this process", "local"),
    ("dask: a Dask cluster", "dask"),
]


class RunExecutor(Vertical):
    """A choice of executor and scheduler, and the cluster a run is using."""

    DEFAULT_CSS = """
    RunExecutor {
        height: auto;
        padding: 0 1;
        & > Label { color: $foreground-muted; }
        & > Select { width: 1fr; }
        & > Input { width: 1fr; }
        & > #executor-cluster { color: $foreground-muted; height: auto; }
    }
    """

    class Changed(Message):
        """A person chose another executor or scheduler."""

        def __init__(self, widget: RunExecutor, choice: ExecutorChoice) -> None:
            super().__init__()
            self.widget = widget
            self.choice = choice

        @property
        def control(self) -> RunExecutor:
            return self.widget

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.choice = ExecutorChoice()

    def compose(self) -> ComposeResult:
        yield Label("Executor")
        yield Select(KINDS, value="local", allow_blank=False, compact=True, id="executor-kind")
        yield Input(
            placeholder="scheduler, e.g. tcp://host:8786",
            compact=True,
            id="executor-scheduler",
        )
        yield Static("", id="executor-cluster")

    # -- methods down --------------------------------------------------------------------
    def set_choice(self, choice: ExecutorChoice) -> None:
        """Show a choice made elsewhere (the files), without announcing it as a change."""
        self.choice = choice
        kind = self.query_one("#executor-kind", Select)
        scheduler = self.query_one("#executor-scheduler", Input)
        with self.prevent(Select.Changed, Input.Changed):
            kind.value = choice.kind
            scheduler.value = choice.scheduler or ""
        scheduler.display = choice.distributed
        self.show_cluster(choice.describe())

    def show_cluster(self, text: str) -> None:
        """Where the stages run: the choice, or the running cluster with its dashboard."""
        self.query_one("#executor-cluster", Static).update(text)

    # -- events up -----------------------------------------------------------------------
    @on(Select.Changed, "#executor-kind")
    @on(Input.Changed, "#executor-scheduler")
    def _on_change(self, event: Select.Changed | Input.Changed) -> None:
        event.stop()
        kind = self.query_one("#executor-kind", Select).value
        scheduler = self.query_one("#executor-scheduler", Input).value.strip() or None
        chosen: ExecutorKind = "dask" if kind == "dask" else "local"
        self.choice = ExecutorChoice(
            chosen, scheduler if chosen == "dask" else None, self.choice.workers
        )
        self.query_one("#executor-scheduler", Input).display = self.choice.distributed
        self.show_cluster(self.choice.describe())
        self.post_message(self.Changed(self, self.choice))
