"""WorkbenchApp: the frame every screen plugs into.

The app holds the shared state (the :class:`Project`, its pipeline ``catalog``,
the open :class:`Pipeline` and the editor's :class:`EditSession`) and announces
changes on signals that screens subscribe to: :attr:`WorkbenchApp.project_changed`,
:attr:`WorkbenchApp.pipeline_changed` and :attr:`WorkbenchApp.edit_session_changed`.
A screen reads what another screen holds from here, never by looking into it. Screens are App modes listed once in
:data:`workbench.app.screens.VIEWS`; bindings and palette entries are built from
that table. The project folder is watched with watchfiles so pipelines added,
removed or edited on disk show up at once.

The first frame is drawn from what is quick to read: the settings, the themes and
the pipeline files' names. What takes longer starts once it is on screen: watching
the folder, checking every pipeline (stage discovery, every file loaded; the list
shows its marks when that is done) and, for ``workbench``, building the other views.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.signal import Signal
from textual.theme import Theme

from workbench.app.catalog import (
    PipelineEntry,
    ProjectChanges,
    classify,
    list_pipelines,
    scan,
)
from workbench.app.commands import WorkbenchCommands
from workbench.app.config import load_config, save_config
from workbench.app.heap import HeapSettler
from workbench.app.screens import VIEWS
from workbench.app.screens.base import PaletteCommand, WorkbenchScreen
from workbench.app.switch_hold import SwitchHold
from workbench.app.themes import (
    DEFAULT_THEME,
    FALLBACK_THEME,
    load_themes,
    theme_folders,
    theme_label,
)
from workbench.app.warm_up import ViewCache
from workbench.app.widgets.common.pipeline_list import PipelineList
from workbench.engine.fileio import real_path
from workbench.engine.project import SETTINGS_FILE, Project

if TYPE_CHECKING:
    from textual.widget import AwaitMount
    from watchfiles import Change

    from workbench.app.editing.session import EditSession
    from workbench.engine.pipeline import Pipeline

HEAP_CHECK_S = 0.5
"""How often the app looks for a pause in input to settle the heap in (see ``app/heap.py``)."""


class WorkbenchApp(App[None]):
    """A terminal workbench on one project folder."""

    CSS_PATH = "app.tcss"
    TITLE = "Stage Workbench"
    MODES = {view.mode: view.build for view in VIEWS}
    """Each view's screen is imported and built on the first switch to it; an app that warms
    up replaces these with its :class:`ViewCache`, which may have built the screen ahead."""
    DEFAULT_MODE = "pipelines"
    COMMANDS = {WorkbenchCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    """Screens narrower than 100 columns fold their side panes (see each view's .tcss)."""
    BINDINGS = [
        # Shown in the view bar under the header rather than the footer, which is
        # left to the focused screen's own actions.
        *(
            Binding(v.key, f"switch_mode('{v.mode}')", v.title, id=f"view-{v.mode}", show=False)
            for v in VIEWS
        ),
        Binding("question_mark", "show_keys", "Keys", key_display="?", id="keys-help"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(
        self,
        project_dir: Path,
        pipeline: Path | None = None,
        *,
        watch: bool = True,
        warm_up: bool = False,
    ) -> None:
        if pipeline is not None:
            # Open straight on the graph of the given file, without building the list first.
            self.DEFAULT_MODE = "graph"  # type: ignore[misc]
        self.heap = HeapSettler()
        """Settles the heap in pauses of input, so collections never hold up a key."""
        self.views = ViewCache(self, self.heap)
        """Every view's screen, built on first visit or ahead of it."""
        self._warm_up = warm_up
        """Build every view once the first frame is drawn: `workbench` does; tests leave it
        off so that each builds only the views it visits."""
        if warm_up:
            self.MODES = {  # type: ignore[misc]
                v.mode: partial(self.views.screen_for, v.mode) for v in VIEWS
            }
        super().__init__()
        self._switch_hold = SwitchHold(self)
        self._switching = False
        """True inside :meth:`switch_mode`, whose update hold ends when the new view is ready."""
        self.project = Project.open(project_dir)
        self.catalog: list[PipelineEntry] = list_pipelines(self.project)
        """Every pipeline file of the project in natural order: named at first, loaded and
        checked once :meth:`check_catalog` is done (shortly after the first frame)."""
        self._catalog_scans = 0
        """How many times the catalog was replaced: a check that started before the latest
        replacement (a change on disk came first) has nothing newer to offer."""
        self.pipeline: Pipeline | None = None
        """The open pipeline; it may be invalid (it is then drawn as far as it can be)."""
        self.pipeline_path: Path | None = None
        self.open_screens: list[WorkbenchScreen] = []
        """Every mounted workbench screen, whatever its mode: asked before quitting."""
        self.project_changed: Signal[Project] = Signal(self, "project-changed")
        """Published when the pipeline list, the registry or the settings change."""
        self.catalog_checked: Signal[list[PipelineEntry]] = Signal(self, "catalog-checked")
        """Published when every file of the pipeline list has been checked (shortly after
        the first frame): only the list's marks, problem counts and names can change, so
        only the list listens; a change on disk comes as ``project_changed``."""
        self.pipeline_changed: Signal[Pipeline | None] = Signal(self, "pipeline-changed")
        """Published when another pipeline is opened or the open one is reloaded."""
        self.edit_session: EditSession | None = None
        """What the editor is editing (saved or not); None until it opens something."""
        self.edit_session_changed: Signal[EditSession | None] = Signal(self, "edit-session-changed")
        """Published when the editor starts editing another pipeline (opened or new)."""
        self._watching = watch
        self._config = load_config()
        self._theme_problems = self._register_themes()
        wanted = self._config.theme or DEFAULT_THEME
        self.theme = wanted if wanted in self.available_themes else self._default_theme()
        if pipeline is not None:
            self._set_pipeline(real_path(Path(pipeline)))
        self._update_titles()

    # -- lifecycle -----------------------------------------------------------------------
    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        if self._config.problem:
            self.notify(self._config.problem, title="Settings not read", severity="warning")
        for problem in self._theme_problems:
            self.notify(problem, title="Skipped a theme file", severity="warning")
        self._report_settings()
        self.call_after_refresh(self._after_first_frame)

    def _after_first_frame(self) -> None:
        """What the first frame need not wait for: watching first, so no change made while
        the pipelines are checked goes unseen, then the check, then the warm-up."""
        if self._watching:
            self.watch_project()
        self.check_catalog(then_warm_up=self._warm_up)
        self.set_interval(HEAP_CHECK_S, self.heap.tick, name="settle heap")

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.heap.input_seen()
        await super().on_event(event)

    def on_unmount(self) -> None:
        self.views.release()

    @work(group="catalog", exclusive=True, exit_on_error=False)
    async def check_catalog(self, *, then_warm_up: bool = False) -> None:
        """Load and check every pipeline file in a thread, then show the list's marks.

        The views are built ahead only after that (``then_warm_up``): the list is what
        the person reads first, and building views beside the check slows it down.
        """
        try:
            project, scans = self.project, self._catalog_scans
            entries = await asyncio.to_thread(scan, project)
            if project is self.project and scans == self._catalog_scans:
                self._replace_catalog(entries)
                self.catalog_checked.publish(entries)
            # else the catalog was scanned again meanwhile, from a newer state of the folder
        except Exception as exc:  # a bug here must not leave the marks pending in silence
            self.notify(
                f"{type(exc).__name__}: {exc}", title="Pipelines not checked", severity="error"
            )
        finally:
            if then_warm_up:
                self.warm_up_views()

    def _replace_catalog(self, entries: list[PipelineEntry]) -> None:
        self.catalog = entries
        self._catalog_scans += 1

    @work(group="warm-up", exit_on_error=False, exclusive=True)
    async def warm_up_views(self) -> list[str]:
        """Build every view ahead of its first visit, after the first frame (see ViewCache)."""
        return await self.views.warm_up(self.current_mode)

    @work(group="watch", exit_on_error=False, exclusive=True)
    async def watch_project(self) -> None:
        """Follow the project folder; each debounced batch of changes is applied at once.

        The folder may be deleted and recreated (a checkout, a sync tool): the
        watcher re-arms on its parent and says so, and reloads everything when it
        is back. A batch that cannot be applied is reported; watching goes on.
        """
        # Imported here: watching starts after the first frame, which does not wait for it.
        from watchfiles import Change

        from workbench.app.watch_filter import ProjectFilter
        from workbench.engine.watching import follow

        root = self.project.root
        async for changes in follow(
            [root],
            say=self._watch_news,
            recursive=True,
            debounce=200,
            step=50,
            watch_filter=ProjectFilter(),
        ):
            if any(Path(path) == root for _, path in changes):
                changes = {(Change.modified, str(root / SETTINGS_FILE))}  # reload it all
            try:
                self.apply_changes(changes)
            except Exception as exc:  # a bug here must not end watching
                self.notify(f"{type(exc).__name__}: {exc}", title="Reload failed", severity="error")

    def _watch_news(self, news: str) -> None:
        self.notify(news, title="Watching the project", severity="warning")

    # -- switching views -------------------------------------------------------------------
    def switch_mode(self, mode: str) -> AwaitMount:
        """Switch view; the new one is drawn once it is ready, not 50 ms later (SwitchHold)."""
        self._switching = True
        try:
            await_mount = super().switch_mode(mode)
        finally:
            self._switching = False
        self._switch_hold.end_when_ready(self.screen)
        return await_mount

    def delay_update(self, delay: float = 0.05) -> None:
        """Textual's hold on updates; the one a switch of view takes ends early (SwitchHold)."""
        if self._switching:
            self._switch_hold.begin(delay)
        else:
            super().delay_update(delay)

    # -- state ---------------------------------------------------------------------------
    def open_pipeline(self, path: Path, view: str | None = None) -> None:
        """Open a pipeline file (valid or not) and tell every screen."""
        self._set_pipeline(real_path(Path(path)))
        self._update_titles()
        self.pipeline_changed.publish(self.pipeline)
        if view is not None:
            self.switch_mode(view)

    def announce_edit_session(self, session: EditSession | None) -> None:
        """The editor edits ``session`` now: keep it here and tell whoever listens."""
        self.edit_session = session
        self.edit_session_changed.publish(session)

    def apply_changes(self, changes: Iterable[tuple[Change, str]]) -> ProjectChanges:
        """Reload what a batch of file changes touched, and say what happened."""
        found = classify(self.project, changes)
        if found.settings:
            self.project = Project.open(self.project.root)
            self._report_settings()
        elif found.stages:
            self.project.reload_registry()
        if found.themes:
            for problem in self._register_themes():
                self.notify(problem, title="Skipped a theme file", severity="warning")
        if not (found.pipelines or found.settings or found.stages):
            return found
        before = {e.path for e in self.catalog}
        self._replace_catalog(scan(self.project))
        after = {e.path for e in self.catalog}
        self.project_changed.publish(self.project)
        for path in sorted(after - before):
            self.notify(f"{path.name} appeared in {path.parent.name}/", title="New pipeline")
        open_path = self.pipeline_path
        if open_path is None:
            return found
        if open_path in before - after:
            self.notify(
                f"{open_path.name} was removed from disk; it stays open until you choose another",
                title="Pipeline removed",
                severity="warning",
            )
        elif open_path in found.pipelines or found.settings or found.stages:
            before_text = self.pipeline.text if self.pipeline is not None else None
            self.open_pipeline(open_path)
            after_text = self.pipeline.text if self.pipeline is not None else None
            changed = before_text != after_text or found.settings or found.stages
            # The workbench's own saves were already taken in: no news for those. A
            # screen holding unsaved edits of the file asks about it itself (the
            # conflict dialog): one message per event, never a toast beside it.
            asking = any(s.answers_reload_of(open_path) for s in self.open_screens)
            if changed and not asking:
                self.notify(f"{open_path.name} changed on disk and was reloaded", title="Reloaded")
        return found

    def _report_settings(self) -> None:
        """Say what is wrong with ``workbench.toml``; a broken one is never ignored silently."""
        for problem in self.project.problems:
            self.notify(
                problem.describe(), title="workbench.toml has a problem", severity="warning"
            )

    def _set_pipeline(self, path: Path) -> None:
        """Read the file afresh (the catalog may predate a save) and keep the catalog in step."""
        pipeline = self.project.load_pipeline(path)
        for index, entry in enumerate(self.catalog):
            if entry.path == path and (
                entry.pipeline is None or entry.pipeline.text != pipeline.text
            ):
                self.catalog[index] = PipelineEntry(path, pipeline)
                self.project_changed.publish(self.project)
        self.pipeline = pipeline
        self.pipeline_path = path

    def _update_titles(self) -> None:
        self.title = f"Stage Workbench · {self.project.root.name}"
        pipeline = self.pipeline
        if pipeline is None:
            self.sub_title = "no pipeline open"
        elif pipeline.valid:
            self.sub_title = f"{pipeline.name} ✔"
        else:
            self.sub_title = f"{pipeline.name} ✘ {len(pipeline.problems)} problems"

    @on(PipelineList.Chosen)
    def _on_pipeline_chosen(self, event: PipelineList.Chosen) -> None:
        self.open_pipeline(event.entry.path, view="graph")

    async def run_open_pipeline(self) -> None:
        """Show the run view and start a run of the open pipeline."""
        await self.switch_mode("run")
        await self.screen.run_action("run_all")

    def action_show_keys(self) -> None:
        """The ``?`` overlay: every key of the current view, hidden ones included."""
        from workbench.app.screens.dialogs.keys_help import KeysHelp, collect_sections

        screen = self.screen
        if not isinstance(screen, WorkbenchScreen):
            return  # a dialog is open: its buttons say what it does
        title = next((v.title for v in VIEWS if v.mode == self.current_mode), "")
        self.push_screen(KeysHelp(title, collect_sections(screen)))

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """``app: Screenshot``: an SVG into ~/Downloads, or the project's ``screenshots/``
        folder when there is no Downloads folder (a server, a container)."""
        folder = Path(path) if path is not None else screenshot_folder(self.project.root)
        folder.mkdir(parents=True, exist_ok=True)
        self.deliver_screenshot(filename, str(folder))
        self.notify(f"Saved as an SVG in {folder}", title="Screenshot", timeout=4)

    # -- quitting ------------------------------------------------------------------------
    async def action_quit(self) -> None:
        """Quit, unless a screen holds unsaved work: that screen is shown and asks first.

        A screen takes part by defining ``has_unsaved_changes()`` and
        ``ask_before_quit()`` (which exits the app itself when the person agrees).
        Every open screen is asked, not only the current mode's.
        """
        for screen in list(self.open_screens):
            if screen.has_unsaved_changes():
                if screen.mode_name != self.current_mode:
                    await self.switch_mode(screen.mode_name)
                screen.ask_before_quit()
                return
        self.exit()

    # -- themes --------------------------------------------------------------------------
    def _register_themes(self) -> list[str]:
        """Register every theme file; return one line per file that was skipped."""
        themes, failed = load_themes(theme_folders(self.project.root))
        for theme in themes:
            self.register_theme(theme)
        return [problem.describe() for problem in failed]

    def _default_theme(self) -> str:
        return DEFAULT_THEME if DEFAULT_THEME in self.available_themes else FALLBACK_THEME

    def _remember_theme(self, theme: Theme) -> None:
        if self._config.theme != theme.name:
            self._config.theme = theme.name
            save_config(self._config)

    # -- palette -------------------------------------------------------------------------
    def palette_commands(self, screen: Screen[object]) -> Iterable[PaletteCommand]:
        """Everything the command palette offers while ``screen`` is active."""
        for view in VIEWS:
            yield PaletteCommand(
                f"view: {view.title}",
                partial(self.switch_mode, view.mode),
                f"{view.description} ({view.key})",
            )
        for entry in self.catalog:
            if not entry.checked:
                state = "not checked yet"
            else:
                state = "valid" if entry.valid else f"{entry.problem_count} problems"
            yield PaletteCommand(
                f"pipeline: Open {entry.name}",
                partial(self.open_pipeline, entry.path, view="graph"),
                f"{entry.path.name} · {state}",
            )
        if self.pipeline is not None and self.pipeline.valid:
            name = self.pipeline.name
            if self.current_mode != "run":
                yield PaletteCommand(
                    f"pipeline: Run {name}", self.run_open_pipeline, "Run it on the run view (R)"
                )
            if self.current_mode != "dry-run":
                yield PaletteCommand(
                    f"pipeline: Dry run {name}",
                    partial(self.switch_mode, "dry-run"),
                    "What a run would do, without doing it",
                )
        if self.pipeline_path is not None:
            yield PaletteCommand(
                "pipeline: Reload",
                partial(self.open_pipeline, self.pipeline_path),
                "Read the open pipeline file again",
            )
        for name in sorted(self.available_themes):
            yield PaletteCommand(
                f"theme: {theme_label(name)}",
                partial(setattr, self, "theme", name),
                "The current theme" if name == self.theme else "",
            )
        if isinstance(screen, WorkbenchScreen):
            yield from screen.palette_commands()
        for command in self.get_system_commands(screen):
            if command.title not in ("Theme", "Quit"):
                yield PaletteCommand(f"app: {command.title}", command.callback, command.help)
        yield PaletteCommand("app: Quit", self.action_quit, "Leave the workbench")


def screenshot_folder(project_root: Path) -> Path:
    """Where a screenshot goes: ~/Downloads when it exists, else ``<project>/screenshots``."""
    downloads = Path.home() / "Downloads"
    return downloads if downloads.is_dir() else project_root / "screenshots"


def run(project_dir: Path, pipeline: Path | None = None) -> int:
    """Open the app on ``project_dir`` (and ``pipeline`` when given); the CLI's entry point."""
    WorkbenchApp(project_dir, pipeline, warm_up=True).run()
    return 0
