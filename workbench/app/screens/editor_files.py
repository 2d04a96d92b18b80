"""The editor's file work: every question a save may need, the file changed on disk, reload.

Kept apart from the screen's drawing and keys: a save is a short conversation
(an invalid pipeline? the file changed on disk meanwhile? replace another file?
a file that is not TOML?) whose answers come from dialogs, in that order, and
ends with the session written atomically and the app told to take the new file
in. :class:`EditorFiles` holds that conversation; the screen's actions start it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.content import Content

from workbench.app.editing import EditError, EditSession
from workbench.app.screens.dialogs.editor_dialogs import (
    Choice,
    ChoiceDialog,
    ConflictDialog,
    FileNameDialog,
    slug,
)
from workbench.engine.units import counted

if TYPE_CHECKING:
    from workbench.app.screens.editor import EditorScreen


class EditorFiles:
    """Saving, reloading and the unsaved-edits question, for one editor screen."""

    def __init__(self, screen: EditorScreen) -> None:
        self.screen = screen

    @property
    def session(self) -> EditSession | None:
        return self.screen.session

    def file_name(self) -> str:
        session = self.session
        if session is None or session.path is None:
            return "a new pipeline"
        return session.path.name

    async def ask_unsaved(self, verb: str) -> str | None:
        """``save``, ``discard`` or ``cancel`` (None: dismissed) before leaving unsaved work."""
        session = self.session
        if session is None or not session.dirty:
            return "discard"
        return await self.screen.app.push_screen_wait(
            ChoiceDialog(
                "Unsaved changes",
                Content.assemble(
                    Content.styled(self.file_name(), "bold"),
                    f" has unsaved changes. Save them before you {verb.lower()}?",
                ),
                [
                    Choice("Save", "save", "primary"),
                    Choice(f"{verb} without saving", "discard", "error"),
                    Choice("Cancel", "cancel"),
                ],
                id="confirm-unsaved",
            )
        )

    async def save(self, path: Path | None, *, save_as: bool = False) -> bool:
        """Every question a save may need, in order; True when the file was written."""
        session = self.session
        screen = self.screen
        if session is None:
            return False
        if path is None:
            path = await screen.app.push_screen_wait(
                FileNameDialog(
                    screen.workbench.project.pipelines_dir,
                    f"{slug(session.spec.pipeline.name)}.toml",
                )
            )
            if path is None:
                return False
            save_as = True
        pipeline = session.pipeline
        if not pipeline.valid:
            count = len(pipeline.problems)
            choice = await screen.app.push_screen_wait(
                ChoiceDialog(
                    "Save an invalid pipeline?",
                    f"This pipeline has {counted(count, 'problem')}; it can be "
                    "saved and fixed later, but it cannot run until then.",
                    [Choice("Save anyway", "save", "warning"), Choice("Cancel", "cancel")],
                    id="confirm-invalid",
                )
            )
            if choice != "save":
                return False
        same_file = path == session.path
        if same_file and session.disk_changed():
            try:
                theirs = path.read_text(encoding="utf-8")
            except OSError:
                theirs = ""
            choice = await screen.app.push_screen_wait(ConflictDialog(path, theirs, session.text))
            if choice == "reload":
                self.reload(theirs)
                return False
            session.keep_mine(theirs)
        elif not same_file and path.exists() and (save_as or session.disk_text is None):
            choice = await screen.app.push_screen_wait(
                ChoiceDialog(
                    f"Replace {path.name}?",
                    f"{path.name} already exists. Saving replaces it.",
                    [Choice("Replace", "replace", "error"), Choice("Cancel", "cancel")],
                    id="confirm-replace",
                )
            )
            if choice != "replace":
                return False
        if same_file and session.save_replaces_file:
            choice = await screen.app.push_screen_wait(
                ChoiceDialog(
                    f"Replace {path.name}?",
                    f"{path.name} is not valid TOML, so it cannot be edited in place. "
                    "Saving writes it afresh with what the editor shows.",
                    [Choice("Replace", "replace", "error"), Choice("Cancel", "cancel")],
                    id="confirm-rewrite",
                )
            )
            if choice != "replace":
                return False
        try:
            written = session.save(path)
        except (OSError, EditError) as exc:
            screen.notify(f"Could not save {path.name}: {exc}", title="Not saved", severity="error")
            return False
        screen.redraw()
        screen.notify(f"Saved {written.name}", timeout=3)
        # Take the saved file in at once, so the other views and the watcher agree.
        screen.workbench.open_pipeline(written)
        return True

    async def resolve_conflict(self, theirs: str) -> None:
        """The file changed on disk while there are unsaved edits: keep mine, or reload."""
        session = self.session
        if session is None or session.path is None:
            return
        choice = await self.screen.app.push_screen_wait(
            ConflictDialog(session.path, theirs, session.text)
        )
        if choice == "reload":
            self.reload(theirs)
        else:
            session.keep_mine(theirs)
            self.screen.redraw()
            self.screen.notify("Kept your version; saving will replace the one on disk", timeout=4)

    def reload(self, text: str) -> None:
        """Take the file's text, dropping the unsaved edits."""
        session = self.session
        assert session is not None
        session.reload(text)
        self.screen.reloaded()
        self.screen.notify("Reloaded from disk", timeout=3)
