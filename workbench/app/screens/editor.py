"""The pipeline editor: build and change a pipeline with forms, safely.

Left, the stages of the pipeline (with a validity mark each) and, first in that
list, the pipeline's own settings. Centre, the selected item's forms: a stage's
settings, what it depends on, and its config (a form generated from the stage's
pydantic ``Config``); under them the graph, where an edge can be drawn with ``c``
then Enter. Right, the TOML a save writes and the pipeline's problems.

The model is :class:`~workbench.app.editing.EditSession`; this screen holds it,
forwards edits to it, and owns the keys. Each pane draws itself from the session
(``widgets/editor/``: :class:`EditorStageList`, :class:`StageForms`,
:class:`EditorGraph`, :class:`TomlPreview`); saving, reloading and the questions
about unsaved work are :class:`~workbench.app.screens.editor_files.EditorFiles`;
the dialogs are in ``screens/dialogs/``. A keystroke in a field updates the session
at once and the rest of the screen once typing pauses (``TYPING_PAUSE``).

Decisions where the issue is silent:

- a stage's config is applied even when invalid (the problem list and the form
  show why); a stage's or the pipeline's own settings are applied only once they
  are valid, since the file format itself cannot hold a bad ``retries``;
- the editor follows the pipeline the app has open while it holds no unsaved
  edits; with unsaved edits it keeps them, says so, and asks before switching (``o``);
- problems name lines of the preview (which is what a save writes), not of the
  file as it was on disk.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import OptionList, Static
from textual.worker import Worker, WorkerState

from workbench.app.editing import EditError, EditSession
from workbench.app.editing.operations import (
    PIPELINE_SETTINGS,
    STAGE_SETTINGS,
    references_to,
)
from workbench.app.run.last_runs import path_key
from workbench.app.screens.base import PaletteCommand, WorkbenchScreen
from workbench.app.screens.dialogs.editor_dialogs import (
    AddStageDialog,
    Choice,
    ChoiceDialog,
    FileNameDialog,
    NewPipelineDialog,
    RenameDialog,
    slug,
)
from workbench.app.screens.editor_files import EditorFiles
from workbench.app.widgets.common.problem_list import ProblemList
from workbench.app.widgets.editor.config_form import ConfigForm
from workbench.app.widgets.editor.dependency_picker import DependencyPicker
from workbench.app.widgets.editor.editor_graph import EditorGraph
from workbench.app.widgets.editor.stage_forms import (
    NOTHING_OPEN,
    PIPELINE_DEFAULTS,
    STAGE_DEFAULTS,
    StageForms,
)
from workbench.app.widgets.editor.stage_list import PIPELINE_ID, EditorStageList
from workbench.app.widgets.editor.toml_preview import TomlPreview
from workbench.app.widgets.graph.dag_view import DagView
from workbench.engine.fileio import real_path
from workbench.engine.pipeline import Pipeline
from workbench.engine.units import counted

TYPING_PAUSE = 0.25
"""Seconds without a keystroke before the rest of the editor catches up with a field."""


class EditorScreen(WorkbenchScreen):
    """Edit one pipeline: stages, settings, config, dependencies; undo, redo, save."""

    CSS_PATH = "editor.tcss"

    BINDINGS = [
        Binding("a", "add_stage", "Add", id="editor-add"),
        Binding("delete", "remove_stage", "Remove", id="editor-remove"),
        Binding("f2", "rename_stage", "Rename", id="editor-rename"),
        Binding("c", "connect", "Connect", id="editor-connect"),
        Binding("ctrl+z", "undo", "Undo", id="editor-undo"),
        Binding("ctrl+y", "redo", "Redo", id="editor-redo"),
        Binding("ctrl+s", "save", "Save", id="editor-save"),
        Binding("S", "save_as", "Save as… (a copy)", show=False, id="editor-save-as"),
        Binding("n", "new_pipeline", "New pipeline", show=False, id="editor-new"),
        Binding("o", "open_current", "Open the app's pipeline here", show=False, id="editor-open"),
        Binding(
            "t",
            "toggle_preview",
            "Show/hide the TOML preview",
            show=False,
            id="editor-toggle-preview",
        ),
        Binding("v", "toggle_graph", "Show/hide the graph", show=False, id="editor-toggle-graph"),
        Binding("escape", "escape", "Back to the stage list", show=False, id="editor-escape"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.session: EditSession | None = None
        """The pipeline being edited; None until one is opened or created."""
        self.selected: str | None = None
        """The stage whose forms are shown; None shows the pipeline's settings."""
        self._connect_from: str | None = None
        self.files = EditorFiles(self)
        """Saving, reloading and the unsaved-edits question."""
        self._pending: Pipeline | None = None
        """A pipeline the app opened while this editor held unsaved edits."""
        self._typing_timer: Timer | None = None
        """Pending redraw after a keystroke (see :meth:`_typed_refresh`)."""
        self._bar_shown: tuple[str, tuple[Any, ...]] | None = None
        """What the status bar shows, so an unchanged bar is not updated (and laid out)."""

    # -- building ----------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        yield Static(NOTHING_OPEN, id="editor-bar")
        with Horizontal(id="editor-body"):
            yield EditorStageList(id="editor-stages")
            with Vertical(id="editor-centre"):
                yield StageForms(id="editor-form", can_focus=False)
                yield EditorGraph(id="editor-graph")
            with Vertical(id="editor-side"):
                yield TomlPreview(id="editor-preview")
                yield ProblemList(id="editor-problems")

    def on_mount(self) -> None:
        self.query_one("#editor-stages").border_title = "Stages"
        self.query_one("#editor-form").border_title = "Pipeline"
        self.query_one("#editor-graph").border_title = "Graph"
        self.query_one("#editor-graph").border_subtitle = "c: connect from here"
        self.query_one("#editor-preview").border_title = "TOML preview"
        self.query_one("#editor-problems").border_title = "Problems"
        super().on_mount()
        self.query_one("#editor-stages").focus()

    # -- following the app -------------------------------------------------------------
    def show_project(self, project: Any) -> None:
        if self.session is not None:
            self.session.registry = self.workbench.project.registry
            self.session.refresh()
            self._refresh(rebuild=True)

    def show_pipeline(self, pipeline: Pipeline | None) -> None:
        session = self.session
        if pipeline is None or pipeline.path is None:
            if session is None:
                self._refresh(rebuild=True)
            return
        path = real_path(pipeline.path)
        if session is None or not session.dirty:
            if session is not None and session.path == path and session.disk_text == pipeline.text:
                return
            # (A reload from disk is announced once, by the app.)
            self._load(pipeline)
            return
        if session.path == path:
            if pipeline.text != session.disk_text:
                self._resolve_conflict(pipeline.text)
            return
        self._pending = pipeline
        self._refresh()
        self.notify(
            f"{path.name} was opened; the editor keeps your unsaved edits to "
            f"{self.files.file_name()}. Press o to switch (you will be asked).",
            title="Unsaved edits kept",
            severity="warning",
        )

    def _load(self, pipeline: Pipeline) -> None:
        assert pipeline.path is not None
        self.session = EditSession.from_text(
            pipeline.text, real_path(pipeline.path), self.workbench.project.registry
        )
        self.workbench.announce_edit_session(self.session)
        self._pending = None
        self._connect_from = None
        if self.selected not in self.session.spec.stages:
            self.selected = None
        self._refresh(rebuild=True)
        if self.session.unreadable:
            self.notify(
                "Parts of this file could not be read; the editor shows the rest. "
                "Saving changes only what you edit and keeps the rest of the file.",
                title="Opened with problems",
                severity="warning",
            )

    def answers_reload_of(self, path: Path) -> bool:
        """Unsaved edits of that file: the conflict dialog is the one message about it."""
        session = self.session
        if session is None or not session.dirty or session.path is None:
            return False
        return str(session.path) in (str(path), path_key(path))

    def has_unsaved_changes(self) -> bool:
        """Asked by the app before it quits."""
        return self.session is not None and self.session.dirty

    @work(group="editor-dialog", exit_on_error=False, exclusive=True)
    async def ask_before_quit(self) -> None:
        """The app wants to quit: save, discard, or stay."""
        choice = await self.files.ask_unsaved("Quit")
        if choice == "save":
            path = self.session.path if self.session else None
            if not await self.files.save(path):
                return
        if choice in ("save", "discard"):
            self.app.exit()

    # -- drawing -----------------------------------------------------------------------
    def redraw(self) -> None:
        """Draw everything again from the session (after a save, say)."""
        self._refresh()

    def reloaded(self) -> None:
        """The session took the file's text: what was selected may be gone."""
        assert self.session is not None
        if self.selected not in self.session.spec.stages:
            self.selected = None
        self._refresh(rebuild=True)

    def _refresh(self, *, rebuild: bool = False, typed: bool = False) -> None:
        """Redraw everything from the session; the forms are rebuilt only when asked.

        ``typed``: the change came from a form, which already shows it. Its fields
        are then left alone: writing the session's value back into a field the
        person is typing in would drop the keys queued since (the field is ahead).
        """
        session = self.session
        self._draw_bar()
        self.query_one(EditorStageList).show(session, self.selected)
        forms = self.query_one(StageForms)
        if session is None:
            self.query_one(TomlPreview).show("")
            self.query_one(ProblemList).set_problems([])
            self.query_one(EditorGraph).show_nothing()
            forms.show(None, None, rebuild=True)
            return
        pipeline = session.pipeline
        marked = {p.line for p in pipeline.problems if p.line is not None}
        self.query_one(TomlPreview).show(session.text, marked)
        problems = self.query_one(ProblemList)
        problems.set_problems(pipeline.problems, self.workbench.project.root)
        title = f"Problems ({len(pipeline.problems)})"
        if problems.border_title != title:  # setting a title repaints the pane, same or not
            problems.border_title = title
        problems.set_class(not pipeline.valid, "-has-problems")
        self.query_one(EditorGraph).draw(pipeline, self.selected)
        forms.show(session, self.selected, rebuild=rebuild, typed=typed)

    def _draw_bar(self) -> None:
        session = self.session
        bar = self.query_one("#editor-bar", Static)
        if session is None:
            bar.update(NOTHING_OPEN)
            self._bar_shown = None
            self.sub_title = "editor"
            return
        pipeline = session.pipeline
        parts: list[Content] = []
        if session.dirty:
            parts.append(Content.styled("● edited  ", "$text-warning bold"))
        else:
            parts.append(Content.styled("✔ saved  ", "$text-success"))
        parts.append(Content.styled(session.spec.pipeline.name, "bold $text-primary"))
        parts.append(Content.styled(f"  ·  {self.files.file_name()}", "$foreground-muted"))
        if pipeline.valid:
            parts.append(Content.styled("  ·  ✔ valid", "$text-success"))
        else:
            count = len(pipeline.problems)
            parts.append(
                Content.styled(f"  ·  ✘ {counted(count, 'problem')}", "$text-error")
            )
        if self._connect_from is not None:
            parts.append(
                Content.styled(
                    f"  ·  connecting from {self._connect_from}: choose the stage that "
                    "depends on it, Enter (Esc cancels)",
                    "bold $text-accent",
                )
            )
        elif self._pending is not None and self._pending.path is not None:
            parts.append(
                Content.styled(
                    f"  ·  {self._pending.path.name} is open elsewhere: o to switch",
                    "$text-warning",
                )
            )
        elif session.undo_label:
            parts.append(Content.styled(f"  ·  undo: {session.undo_label}", "$foreground-muted"))
        shown = Content.assemble(*parts)
        # The same words again would lay the screen out again (Content's == is text only).
        if (key := (shown.plain, tuple(shown.spans))) != self._bar_shown:
            self._bar_shown = key
            bar.update(shown, layout=False)  # one row, whatever it says: nothing moves
        mark = "● edited" if session.dirty else "saved"
        self.sub_title = f"editing {session.spec.pipeline.name} · {mark}"

    # -- selection ---------------------------------------------------------------------
    def _select(self, stage_id: str | None) -> None:
        if stage_id == self.selected:
            return
        self.selected = stage_id
        if self.session is not None:
            self.session.break_coalescing()
        self._refresh()

    @on(OptionList.OptionHighlighted, "#editor-stages")
    def _list_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        sid = event.option_id
        if sid is None:
            return
        self._select(None if sid == PIPELINE_ID else sid)

    @on(OptionList.OptionSelected, "#editor-stages")
    def _list_selected(self, event: OptionList.OptionSelected) -> None:
        sid = None if event.option_id in (None, PIPELINE_ID) else event.option_id
        if self._connect_from is not None and sid is not None:
            self._finish_connect(sid)
            return
        self._select(sid)
        self.query_one(StageForms).focus_first_input()

    @on(DagView.StageSelected, "#editor-graph")
    def _graph_selected(self, event: DagView.StageSelected) -> None:
        if event.stage_id is None:
            return
        self._select(event.stage_id)

    @on(DagView.StageActivated, "#editor-graph")
    def _graph_activated(self, event: DagView.StageActivated) -> None:
        if self._connect_from is not None:
            self._finish_connect(event.stage_id)
        else:
            self._select(event.stage_id)

    @on(ProblemList.Chosen, "#editor-problems")
    def _problem_chosen(self, event: ProblemList.Chosen) -> None:
        if (
            event.problem.stage is not None
            and self.session
            and event.problem.stage in self.session.spec.stages
        ):
            self._select(event.problem.stage)
            self.query_one("#editor-stages").focus()

    # -- edits from the forms ----------------------------------------------------------
    def _edit(self, action: Any, *, rebuild: bool = False, typed: bool = False) -> bool:
        """Run one session edit; a refusal is shown, never raised."""
        try:
            action()
        except EditError as exc:
            self.notify(str(exc), title="Not done", severity="error")
            return False
        if typed:
            # The field shows the value already; the rest (validation of the whole
            # pipeline, the preview, the list's marks, the graph) follows once the
            # typing pauses, so a key never waits for work proportional to the pipeline.
            self._typed_refresh()
        else:
            self._refresh(rebuild=rebuild)
        return True

    def _typed_refresh(self) -> None:
        if self._typing_timer is not None:
            self._typing_timer.stop()
        self._typing_timer = self.set_timer(TYPING_PAUSE, self._after_typing)

    def _after_typing(self) -> None:
        self._typing_timer = None
        self._refresh(typed=True)

    @on(ConfigForm.Changed, ".config-form")
    def _config_changed(self, event: ConfigForm.Changed) -> None:
        sid = self.selected
        if self.session is not None and sid is not None:
            session = self.session
            self._edit(lambda: session.set_config(sid, event.values, field=event.field), typed=True)

    @on(ConfigForm.Changed, ".stage-form")
    def _stage_settings_changed(self, event: ConfigForm.Changed) -> None:
        sid = self.selected
        if self.session is None or sid is None or not event.valid:
            self._draw_bar()
            return
        values = {k: event.values.get(k, STAGE_DEFAULTS[k]) for k in STAGE_SETTINGS}
        session = self.session
        self._edit(lambda: session.set_stage_settings(sid, field=event.field, **values), typed=True)

    @on(ConfigForm.Changed, ".pipeline-form")
    def _pipeline_settings_changed(self, event: ConfigForm.Changed) -> None:
        if self.session is None or not event.valid:
            return
        values = {k: event.values.get(k, PIPELINE_DEFAULTS.get(k)) for k in PIPELINE_SETTINGS}
        session = self.session
        changed = self._edit(
            lambda: session.set_pipeline_settings(field=event.field, **values), typed=True
        )
        if changed and event.field == "executor" and values["executor"] == "dask":
            self._warn_without_dask()

    def _warn_without_dask(self) -> None:
        """Dask chosen where it is not installed: a run would stop at its start, so say so now."""
        from workbench.engine.run.dask_executor import INSTALL_HINT, dask_available

        if not dask_available():
            self.notify(
                "Dask is not installed here, so a run of this pipeline would stop before its "
                f"first stage. Install it: {INSTALL_HINT}; or choose local.",
                title="Dask is not installed",
                severity="warning",
                timeout=8,
            )

    @on(ConfigForm.Changed, ".context-form")
    def _context_changed(self, event: ConfigForm.Changed) -> None:
        if self.session is None or not event.valid:
            return
        context = dict(event.values.get("parameters", {}))
        session = self.session
        self._edit(
            lambda: session.set_pipeline_settings(context=context, field="parameters"), typed=True
        )

    @on(DependencyPicker.Toggled)
    def _dependency_toggled(self, event: DependencyPicker.Toggled) -> None:
        session, sid = self.session, self.selected
        if session is None or sid is None:
            return
        if event.state == "none":
            self._edit(lambda: session.disconnect(sid, event.dependency))
        else:
            required = event.state == "required"
            self._edit(lambda: session.connect(sid, event.dependency, required=required))

    # -- actions -----------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        has_session = self.session is not None
        on_stage = has_session and self.selected is not None
        if action in ("remove_stage", "rename_stage", "connect"):
            return on_stage
        if action in ("add_stage", "save", "save_as"):
            return has_session
        if action == "undo":
            return bool(self.session and self.session.can_undo)
        if action == "redo":
            return bool(self.session and self.session.can_redo)
        return True

    def action_undo(self) -> None:
        if self.session is not None:
            label = self.session.undo()
            if label:
                self._after_history(f"Undid {label}")

    def action_redo(self) -> None:
        if self.session is not None:
            label = self.session.redo()
            if label:
                self._after_history(f"Redid {label}")

    def _after_history(self, message: str) -> None:
        """Show the undone (or redone) edit where it was made, the cursor in its field."""
        session = self.session
        assert session is not None
        place = session.last_place
        if place is not None and (place.stage is None or place.stage in session.spec.stages):
            self.selected = place.stage
        if self.selected is not None and self.selected not in session.spec.stages:
            self.selected = None
        self._refresh()
        if place is not None and place.field is not None:
            # After the refresh: a rebuilt form mounts its fields on the next frame.
            self.call_after_refresh(self.query_one(StageForms).focus_field, place.field, place.form)
        self.notify(message, timeout=2)

    @work(group="editor-dialog", exit_on_error=False, exclusive=True)
    async def action_add_stage(self) -> None:
        session = self.session
        if session is None:
            return
        result = await self.app.push_screen_wait(AddStageDialog(session.registry, session.spec))
        if result is None:
            return
        uses, stage_id = result
        added: list[str] = []
        if self._edit(lambda: added.append(session.add_stage(uses, stage_id))):
            self._select(added[0])
            # Straight into the form: what is typed next is the stage's first value,
            # not a key of the list (where `a` would open this dialog again).
            self.call_after_refresh(self._focus_first_field)

    def _focus_first_field(self) -> None:
        """Into the new stage's first required field; the stage list if it has none."""
        if not self.query_one(StageForms).focus_first_field():
            self.query_one("#editor-stages", OptionList).focus()

    @work(group="editor-dialog", exit_on_error=False, exclusive=True)
    async def action_remove_stage(self) -> None:
        session, sid = self.session, self.selected
        if session is None or sid is None:
            return
        refs = references_to(session.spec, sid)
        if refs:
            listing = "\n".join(f"  • {r.describe()}" for r in refs)
            choice = await self.app.push_screen_wait(
                ChoiceDialog(
                    f"Remove {sid}?",
                    f"These stages name {sid}; their entries will be removed too:\n{listing}",
                    [
                        Choice("Remove", "remove", "error"),
                        Choice("Cancel", "cancel"),
                    ],
                    id="confirm-remove",
                )
            )
            if choice != "remove":
                return
        order = list(session.spec.stages)
        index = order.index(sid)
        if self._edit(lambda: session.remove_stage(sid)):
            rest = [s for s in order if s != sid]
            self._select(rest[min(index, len(rest) - 1)] if rest else None)
            self.notify(f"Removed {sid} (ctrl+z brings it back)", timeout=3)

    @work(group="editor-dialog", exit_on_error=False, exclusive=True)
    async def action_rename_stage(self) -> None:
        session, sid = self.session, self.selected
        if session is None or sid is None:
            return
        refs = len(references_to(session.spec, sid))
        new = await self.app.push_screen_wait(RenameDialog(session.spec, sid, refs))
        if new is None or new == sid:
            return
        if self._edit(lambda: session.rename_stage(sid, new)):
            self.selected = new
            self._refresh(rebuild=True)

    def action_connect(self) -> None:
        if self.selected is None:
            return
        self._connect_from = self.selected
        self._draw_bar()
        graph = self.query_one(DagView)
        graph.display = True
        graph.focus()

    def _finish_connect(self, target: str) -> None:
        source, self._connect_from = self._connect_from, None
        session = self.session
        if session is None or source is None:
            return
        if target == source:
            self.notify("Choose another stage: a stage cannot depend on itself", severity="warning")
            self._connect_from = source
            return
        if self._edit(lambda: session.connect(target, source)):
            self.notify(f"{target} now depends on {source}", timeout=3)
        self._draw_bar()

    def action_escape(self) -> None:
        if self._connect_from is not None:
            self._connect_from = None
            self._draw_bar()
            return
        self.query_one("#editor-stages").focus()

    def action_toggle_preview(self) -> None:
        """``t``: the TOML preview on or off (on a narrow terminal it folds away by default)."""
        if self.has_class("-narrow"):
            self.toggle_class("-side-shown")
            self.query_one("#editor-preview").display = True
            return
        side = self.query_one("#editor-preview")
        side.display = not side.display

    def action_toggle_graph(self) -> None:
        graph = self.query_one(DagView)
        graph.display = not graph.display

    # -- files -------------------------------------------------------------------------
    @work(group="editor-dialog", exit_on_error=False, exclusive=True)
    async def action_open_current(self) -> None:
        pipeline = self._pending or self.workbench.pipeline
        if pipeline is None or pipeline.path is None:
            self.notify("No pipeline is open in the app: choose one with p", severity="warning")
            return
        choice = await self.files.ask_unsaved("Open another")
        if choice == "save" and not await self.files.save(
            self.session.path if self.session else None
        ):
            return
        if choice in ("save", "discard"):
            fresh = self.workbench.project.load_pipeline(pipeline.path)
            self._load(fresh)

    @work(group="editor-dialog", exit_on_error=False, exclusive=True)
    async def action_new_pipeline(self) -> None:
        choice = await self.files.ask_unsaved("Start a new one")
        if choice == "save" and not await self.files.save(
            self.session.path if self.session else None
        ):
            return
        if choice not in ("save", "discard"):
            return
        result = await self.app.push_screen_wait(
            NewPipelineDialog(self.workbench.project.pipelines_dir)
        )
        if result is None:
            return
        registry = self.workbench.project.registry
        if result.template == "empty":  # nothing to keep: written from the model
            session = EditSession.new(result.name, registry, result.description)
            session.path = result.path
        else:  # the template's own text, comments included, as `workbench new` writes it
            session = EditSession.from_template(
                result.template,
                result.name,
                registry,
                description=result.description,
                path=result.path,
            )
        self.session = session
        self.workbench.announce_edit_session(session)
        self.selected = None
        self._pending = None
        self._refresh(rebuild=True)
        hint = "press a to add a stage" if result.template == "empty" else "ctrl+s saves it"
        self.notify(f"New pipeline {result.name}: {hint}", timeout=4)

    @work(group="editor-dialog", exit_on_error=False, exclusive=True)
    async def action_save(self) -> None:
        if self.session is not None:
            await self.files.save(self.session.path)

    @work(group="editor-dialog", exit_on_error=False, exclusive=True)
    async def action_save_as(self) -> None:
        session = self.session
        if session is None:
            return
        proposed = session.path.name if session.path else f"{slug(session.spec.pipeline.name)}.toml"
        if session.path is not None:
            proposed = f"{session.path.stem}-copy.toml"
        path = await self.app.push_screen_wait(
            FileNameDialog(self.workbench.project.pipelines_dir, proposed)
        )
        if path is not None:
            await self.files.save(path, save_as=True)

    @work(group="editor-dialog", exit_on_error=False, exclusive=True)
    async def _resolve_conflict(self, theirs: str) -> None:
        await self.files.resolve_conflict(theirs)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.group == "editor-dialog":
            self.notify(str(event.worker.error), title="Editor error", severity="error")

    # -- palette -----------------------------------------------------------------------
    def palette_commands(self) -> Iterable[PaletteCommand]:
        yield PaletteCommand("editor: New pipeline", self.action_new_pipeline, "Start from nothing")
        if self.workbench.pipeline is not None:
            yield PaletteCommand(
                f"editor: Edit {self.workbench.pipeline.name}",
                self.action_open_current,
                "Open the app's pipeline in the editor",
            )
        if self.session is None:
            return
        yield PaletteCommand("editor: Add a stage", self.action_add_stage, "a")
        yield PaletteCommand("editor: Save", self.action_save, "ctrl+s")
        yield PaletteCommand("editor: Save as…", self.action_save_as, "Write a copy (S)")
        yield PaletteCommand("editor: Toggle TOML preview", self.action_toggle_preview, "t")
        yield PaletteCommand("editor: Toggle graph", self.action_toggle_graph, "v")
        if self.session.can_undo:
            yield PaletteCommand(
                f"editor: Undo {self.session.undo_label}", self.action_undo, "ctrl+z"
            )
        if self.session.can_redo:
            yield PaletteCommand(
                f"editor: Redo {self.session.redo_label}", self.action_redo, "ctrl+y"
            )
