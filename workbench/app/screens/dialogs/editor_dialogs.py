"""The editor's dialogs: add, rename, new, save as, a choice, and the file conflict.

Each is a :class:`~workbench.app.screens.dialogs.base.Dialog` that returns what the
person chose through ``dismiss`` (None for cancel), so the editor reads them with
``push_screen_wait`` and never reaches inside. Escape always cancels.
Ids are checked as they are typed, with the reason shown under the box.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, Label, Select, Static

from workbench.app.editing import id_problem, propose_id
from workbench.app.screens.dialogs.base import Dialog
from workbench.app.widgets.editor.stage_picker import StagePicker
from workbench.engine.registry import StageRegistry
from workbench.engine.spec import PipelineSpec
from workbench.engine.templates import TEMPLATES, slug
from workbench.engine.units import counted

# -- a choice ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choice:
    """One button of a :class:`ChoiceDialog`: its label, what it returns, its look."""

    label: str
    value: str
    variant: str = "default"


class ChoiceDialog(Dialog[str]):
    """A question with a few answers; returns the chosen answer's value."""

    def __init__(
        self, title: str, message: str | Content, choices: Sequence[Choice], *, id: str
    ) -> None:
        super().__init__(id=id)
        self._title = title
        self._message = message
        self._choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = self._title
            yield Static(self._message, classes="dialog-message")
            with Horizontal(classes="dialog-buttons"):
                for choice in self._choices:
                    yield Button(
                        choice.label,
                        variant=choice.variant,  # type: ignore[arg-type]
                        id=f"choice-{choice.value}",
                    )

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id:
            self.dismiss(event.button.id.removeprefix("choice-"))


# -- adding and renaming ----------------------------------------------------------------


class AddStageDialog(Dialog[tuple[str, str]]):
    """Pick a stage type with a fuzzy filter and give the new stage an id."""

    def __init__(self, registry: StageRegistry, spec: PipelineSpec) -> None:
        super().__init__(id="add-stage")
        self._registry = registry
        self._spec = spec
        self._uses: str | None = None
        self._proposed = ""
        """The last id proposed; while the box still shows it, the next type proposes anew."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -wide") as box:
            box.border_title = "Add a stage"
            yield Label("Stage type", classes="dialog-label")
            yield StagePicker(self._registry, id="add-picker")
            yield Label("Id in this pipeline", classes="dialog-label")
            yield Input(placeholder="a free id is proposed", id="add-id", compact=True)
            yield Static("", id="add-reason", classes="dialog-reason")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add", variant="primary", id="add-ok")
                yield Button("Cancel", id="add-cancel")

    def on_mount(self) -> None:
        self.query_one("#picker-filter", Input).focus()

    @on(StagePicker.Highlighted)
    def _highlighted(self, event: StagePicker.Highlighted) -> None:
        self._uses = event.name
        box = self.query_one("#add-id", Input)
        if event.name is not None and box.value in ("", self._proposed):
            self._proposed = propose_id(self._spec, event.name)
            box.value = self._proposed
        self._check()

    @on(StagePicker.Picked)
    def _picked(self, event: StagePicker.Picked) -> None:
        self._uses = event.name
        self.query_one("#add-id", Input).focus()

    @on(Input.Changed, "#add-id")
    def _id_changed(self) -> None:
        self._check()

    @on(Input.Submitted, "#add-id")
    @on(Button.Pressed, "#add-ok")
    def _ok(self) -> None:
        reason = self._check()
        if reason is None and self._uses is not None:
            self.dismiss((self._uses, self.query_one("#add-id", Input).value.strip()))

    @on(Button.Pressed, "#add-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def _check(self) -> str | None:
        stage_id = self.query_one("#add-id", Input).value.strip()
        reason = "choose a stage type" if self._uses is None else id_problem(self._spec, stage_id)
        shown = self.query_one("#add-reason", Static)
        if reason:
            shown.update(Content.styled(f"✘ {reason}", "$text-error"))
        elif self._uses is not None:
            shown.update(Content.styled(f"✔ adds {stage_id} using {self._uses}", "$text-success"))
        self.query_one("#add-ok", Button).disabled = reason is not None
        return reason


class RenameDialog(Dialog[str]):
    """A new id for a stage; every dependency that names it follows."""

    def __init__(self, spec: PipelineSpec, old: str, references: int) -> None:
        super().__init__(id="rename-stage")
        self._spec = spec
        self._old = old
        self._references = references

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = f"Rename {self._old}"
            follows = (
                f"{counted(self._references, 'reference')} "
                "to it will follow."
                if self._references
                else "No other stage names it."
            )
            yield Static(follows, classes="dialog-message")
            yield Input(self._old, id="rename-id", compact=True)
            yield Static("", id="rename-reason", classes="dialog-reason")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Rename", variant="primary", id="rename-ok")
                yield Button("Cancel", id="rename-cancel")

    def on_mount(self) -> None:
        self.query_one("#rename-id", Input).focus()

    @on(Input.Changed, "#rename-id")
    def _check(self) -> str | None:
        new = self.query_one("#rename-id", Input).value.strip()
        reason = id_problem(self._spec, new, current=self._old)
        shown = self.query_one("#rename-reason", Static)
        shown.update(Content.styled(f"✘ {reason}", "$text-error") if reason else "")
        self.query_one("#rename-ok", Button).disabled = reason is not None
        return reason

    @on(Input.Submitted, "#rename-id")
    @on(Button.Pressed, "#rename-ok")
    def _ok(self) -> None:
        if self._check() is None:
            self.dismiss(self.query_one("#rename-id", Input).value.strip())

    @on(Button.Pressed, "#rename-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


# -- files ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewPipeline:
    name: str
    description: str
    path: Path
    template: str = "empty"
    """A name from :data:`workbench.engine.templates.TEMPLATES`."""


class FileNameDialog(Dialog[Path]):
    """Save As: a file name in the project's ``pipelines/`` folder (or a path)."""

    def __init__(self, folder: Path, proposed: str, *, title: str = "Save as") -> None:
        super().__init__(id="save-as")
        self._folder = folder
        self._proposed = proposed
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = self._title
            yield Static(f"File name, in {self._folder.name}/", classes="dialog-message")
            yield Input(self._proposed, id="file-name", compact=True)
            yield Static("", id="file-reason", classes="dialog-reason")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="file-ok")
                yield Button("Cancel", id="file-cancel")

    def on_mount(self) -> None:
        self.query_one("#file-name", Input).focus()
        self._target()

    @on(Input.Changed, "#file-name")
    def _target(self) -> Path | None:
        text = self.query_one("#file-name", Input).value.strip()
        shown = self.query_one("#file-reason", Static)
        if not text:
            shown.update(Content.styled("✘ a file needs a name", "$text-error"))
            return None
        path = Path(text) if "/" in text else self._folder / text
        if path.suffix != ".toml":
            path = path.with_name(path.name + ".toml")
        note = "replaces the existing file" if path.exists() else "a new file"
        shown.update(Content.styled(f"{path.name}: {note}", "$foreground-muted"))
        return path

    @on(Input.Submitted, "#file-name")
    @on(Button.Pressed, "#file-ok")
    def _ok(self) -> None:
        path = self._target()
        if path is not None:
            self.dismiss(path)

    @on(Button.Pressed, "#file-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class NewPipelineDialog(Dialog[NewPipeline]):
    """Name and describe a new pipeline; its file name follows the name."""

    def __init__(self, folder: Path) -> None:
        super().__init__(id="new-pipeline")
        self._folder = folder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = "New pipeline"
            yield Label("Name", classes="dialog-label")
            yield Input(placeholder="e.g. nightly-report", id="new-name", compact=True)
            yield Label("Description", classes="dialog-label")
            yield Input(
                placeholder="what it does, in a sentence", id="new-description", compact=True
            )
            yield Label("Start from", classes="dialog-label")
            yield Select(
                [(f"{t.name}: {t.description}", t.name) for t in TEMPLATES.values()],
                value="empty",
                allow_blank=False,
                id="new-template",
                compact=True,
            )
            yield Static("", id="new-reason", classes="dialog-reason")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Create", variant="primary", id="new-ok")
                yield Button("Cancel", id="new-cancel")

    def on_mount(self) -> None:
        self.query_one("#new-name", Input).focus()
        self._check()

    def _path(self) -> Path:
        return self._folder / f"{slug(self.query_one('#new-name', Input).value)}.toml"

    @on(Input.Changed, "#new-name")
    def _check(self) -> bool:
        name = self.query_one("#new-name", Input).value.strip()
        shown = self.query_one("#new-reason", Static)
        path = self._path()
        if not name:
            shown.update(Content.styled("✘ a pipeline needs a name", "$text-error"))
        elif path.exists():
            shown.update(Content.styled(f"✘ {path.name} exists already", "$text-error"))
        else:
            shown.update(Content.styled(f"will be saved as {path.name}", "$foreground-muted"))
        ok = bool(name) and not path.exists()
        self.query_one("#new-ok", Button).disabled = not ok
        return ok

    @on(Input.Submitted)
    @on(Button.Pressed, "#new-ok")
    def _ok(self) -> None:
        if self._check():
            self.dismiss(
                NewPipeline(
                    self.query_one("#new-name", Input).value.strip(),
                    self.query_one("#new-description", Input).value.strip(),
                    self._path(),
                    str(self.query_one("#new-template", Select).value),
                )
            )

    @on(Button.Pressed, "#new-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


# -- the file changed on disk -----------------------------------------------------------


def diff_text(theirs: str, mine: str, name: str) -> Content:
    """A unified diff, the disk's version against the editor's, coloured by line."""
    lines = difflib.unified_diff(
        theirs.splitlines(),
        mine.splitlines(),
        f"{name} (on disk)",
        f"{name} (in the editor)",
        lineterm="",
    )
    out: list[Content] = []
    for line in lines:
        if line.startswith(("+++", "---")):
            out.append(Content.styled(line, "bold"))
        elif line.startswith("+"):
            out.append(Content.styled(line, "$text-success"))
        elif line.startswith("-"):
            out.append(Content.styled(line, "$text-error"))
        elif line.startswith("@@"):
            out.append(Content.styled(line, "$text-accent"))
        else:
            out.append(Content(line))
    return Content("\n").join(out) if out else Content("The two texts are the same.")


class ConflictDialog(Dialog[str]):
    """The file changed on disk while the editor holds unsaved edits.

    Returns ``reload`` (take the disk's version, dropping the edits) or ``keep``
    (keep editing; the next save replaces the disk's version). "View both" shows
    the difference first.
    """

    BINDINGS = [Binding("v", "view_both", "View both", id="conflict-view")]

    def __init__(self, path: Path, theirs: str, mine: str) -> None:
        super().__init__(id="conflict")
        self._path = path
        self._theirs = theirs
        self._mine = mine

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -wide") as box:
            box.border_title = "Changed on disk"
            yield Static(
                Content.assemble(
                    Content.styled(self._path.name, "bold"),
                    " was changed by another program while you have unsaved edits here. "
                    "Nothing has been overwritten. Which version do you want to keep?",
                ),
                classes="dialog-message",
            )
            with VerticalScroll(id="conflict-diff"):
                yield Static(diff_text(self._theirs, self._mine, self._path.name))
            with Horizontal(classes="dialog-buttons"):
                yield Button("Reload from disk", variant="warning", id="conflict-reload")
                yield Button("Keep mine", variant="primary", id="conflict-keep")
                yield Button("View both", id="conflict-view")

    def on_mount(self) -> None:
        self.query_one("#conflict-diff").display = False
        self.query_one("#conflict-keep", Button).focus()

    def action_view_both(self) -> None:
        diff = self.query_one("#conflict-diff")
        diff.display = not diff.display
        self.query_one("#conflict-view", Button).label = (
            "Hide diff" if diff.display else "View both"
        )

    def action_cancel(self) -> None:
        self.dismiss("keep")

    @on(Button.Pressed, "#conflict-reload")
    def _reload(self) -> None:
        self.dismiss("reload")

    @on(Button.Pressed, "#conflict-keep")
    def _keep(self) -> None:
        self.dismiss("keep")

    @on(Button.Pressed, "#conflict-view")
    def _view(self) -> None:
        self.action_view_both()
