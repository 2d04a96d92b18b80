"""An editing session: one pipeline spec being changed, with undo, redo and live checks.

The session is the editor's model and knows nothing of Textual, so every rule
(what an edit does, when the work counts as unsaved, what a save writes) is
tested without an app. Each edit replaces the current spec with a new immutable
one and pushes the old one on the undo stack; typing into one field coalesces into
a single undo step (``coalesce``), so ctrl+z undoes a word, not a letter, and an
edit of another field (even of the same stage) is a step of its own. Each step
remembers its :class:`Place` (the stage and field), so the editor can put the
cursor back where the undone or redone edit was.

Three texts are kept apart:

- :attr:`text` — exactly what a save writes (the preview): the file as it was read
  with only the edits applied in place (:mod:`workbench.engine.toml_edit`), so every
  comment, blank line and key order the user wrote stays; a new pipeline, or a file
  that is not TOML at all, is written from the model (``to_toml``);
- :attr:`baseline` — that text as last loaded or saved; the work is *dirty* when
  the two differ;
- :attr:`disk_text` — the file's own bytes as last read or written, used to notice
  that someone else changed the file.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from workbench.app.editing import operations as ops
from workbench.app.editing.one_stage_edit import edit_one_stage
from workbench.engine.fileio import atomic_write_text
from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import StageRegistry
from workbench.engine.spec import (
    PipelineMeta,
    PipelineSpec,
    StageSpec,
    parse_spec,
    stage_toml_data,
    to_toml,
)
from workbench.engine.templates import render as render_template
from workbench.engine.toml_edit import NotEditable, edit_in_place, editable

MAX_UNDO = 500


class StageDataMemo:
    """Each stage's TOML data, written once per stage object rather than once per edit.

    Specs are immutable and an edit replaces only the stages it changes, so the other
    stages of the new spec are the very objects of the old one: their data is taken
    from here. At 500 stages this turns writing the whole document (~7 ms a keystroke
    on a busy machine) into writing one stage. Only the stages of the last spec written
    are kept. The data is shared, so nothing may change it.
    """

    def __init__(self) -> None:
        self._by_object: dict[int, tuple[StageSpec, dict[str, Any]]] = {}

    def spec_data(self, spec: PipelineSpec) -> dict[str, Any]:
        """``spec.to_toml_data()``, with each unchanged stage's data reused."""
        old = self._by_object
        new: dict[int, tuple[StageSpec, dict[str, Any]]] = {}

        def write(stage: StageSpec) -> dict[str, Any]:
            kept = old.get(id(stage))
            data = kept[1] if kept is not None and kept[0] is stage else stage_toml_data(stage)
            new[id(stage)] = (stage, data)
            return data

        data = spec.to_toml_data(write)
        self._by_object = new
        return data


@dataclass(frozen=True, slots=True)
class Place:
    """Where an edit was made: a stage (None for the pipeline's own settings) and a field."""

    stage: str | None
    field: str | None = None
    form: str = ""
    """Which form of the place holds the field: ``config``, ``settings`` or ``pipeline``."""


@dataclass(frozen=True, slots=True)
class Step:
    """One entry of the undo or redo stack: the spec before (or after) an edit."""

    spec: PipelineSpec
    label: str
    coalesce: Hashable | None = None
    place: Place | None = None


class EditSession:
    """A pipeline being edited: the spec, its history, its file, and its validation."""

    def __init__(
        self,
        spec: PipelineSpec,
        registry: StageRegistry,
        *,
        path: Path | None = None,
        disk_text: str | None = None,
        unreadable: bool = False,
        base_text: str | None = None,
    ) -> None:
        self.registry = registry
        self.path = path
        """Where a save writes; None for a new pipeline not yet given a file."""
        self.disk_text = disk_text
        """The file as last read or written; None when nothing has been read or written."""
        self.unreadable = unreadable
        """The file had errors the models rejected: only the salvaged part is shown."""
        self._spec = spec
        self._undo: list[Step] = []
        self._redo: list[Step] = []
        self._base_text = disk_text if base_text is None else base_text
        """The text edits are applied to: the file as read or saved by this session (or,
        for a new pipeline from a template, the template's text)."""
        self._stage_data = StageDataMemo()
        self._base_data = self._stage_data.spec_data(spec)
        """:attr:`_base_text`'s data as the models see it, the other side of the difference."""
        self.baseline: str | None = self.text if disk_text is not None else None
        self._pipeline: Pipeline | None = None
        self._built: Pipeline | None = None
        """The last pipeline built, whose unchanged stages the next build takes as they are."""
        self.last_place: Place | None = None
        """Where the edit the last undo or redo took back (or made again) was."""

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def new(cls, name: str, registry: StageRegistry, description: str = "") -> EditSession:
        """An empty pipeline that exists nowhere yet (so it is unsaved from the start)."""
        spec = PipelineSpec(pipeline=PipelineMeta(name=name, description=description))
        return cls(spec, registry)

    @classmethod
    def from_template(
        cls,
        template: str,
        name: str,
        registry: StageRegistry,
        *,
        description: str = "",
        path: Path | None = None,
    ) -> EditSession:
        """A new pipeline from a template, unsaved, whose text is the template's own.

        The text is exactly what ``workbench new NAME --template T`` writes
        (:func:`workbench.engine.templates.render`), comments included; edits are made
        in it as in any file. Raises :class:`~workbench.engine.errors.UsageError` for an
        unknown template.
        """
        text = render_template(template, name, description)
        loaded = parse_spec(text, path or Path("<new pipeline>"))
        if loaded.spec is None:  # a template is valid by construction; never guessed at
            raise ops.EditError(f"the {template} template does not read back: {loaded.problems}")
        return cls(loaded.spec, registry, path=path, base_text=text)

    @classmethod
    def from_text(cls, text: str, path: Path, registry: StageRegistry) -> EditSession:
        """Edit a file's text; a file the models reject is salvaged as far as it goes."""
        loaded = parse_spec(text, path)
        if loaded.spec is not None:
            return cls(loaded.spec, registry, path=path, disk_text=text)
        salvaged = Pipeline.from_loaded(loaded, registry).spec
        spec = PipelineSpec.model_validate(salvaged.model_dump())
        return cls(spec, registry, path=path, disk_text=text, unreadable=True)

    @classmethod
    def open(cls, path: Path, registry: StageRegistry) -> EditSession:
        return cls.from_text(path.read_text(encoding="utf-8"), path, registry)

    # -- state -----------------------------------------------------------------------------
    @property
    def spec(self) -> PipelineSpec:
        return self._spec

    @property
    def text(self) -> str:
        """Exactly what :meth:`save` writes."""
        return self._text

    @cached_property
    def _text(self) -> str:
        if self._base_text is None:
            return to_toml(self._spec)
        wanted = self._stage_data.spec_data(self._spec)
        fast = edit_one_stage(self._base_text, self._base_data, wanted)
        if fast is not None:
            return fast  # checked where it was made, without parsing the whole file again
        try:
            text = edit_in_place(self._base_text, self._base_data, wanted)
        except NotEditable:
            return to_toml(self._spec)
        # A file that reads back as a valid pipeline must read back as exactly this one;
        # should an in-place edit ever miss, the model's own rendering is the safe answer.
        loaded = parse_spec(text)
        if loaded.spec is not None and loaded.spec.to_toml_data() != wanted:
            return to_toml(self._spec)
        return text

    @property
    def save_replaces_file(self) -> bool:
        """True when the file on disk is not TOML, so a save writes it afresh from the model.

        Any other file is edited in place and keeps everything the editor does not change.
        """
        return self._base_text is not None and not editable(self._base_text)

    @property
    def pipeline(self) -> Pipeline:
        """The spec built against the registry: its problems and graph, always current.

        It is built from :attr:`text`, so each problem's line points into the preview.
        """
        if self._pipeline is None:
            self._pipeline = self._built = Pipeline.from_spec(
                self._spec, self.registry, path=self.path, text=self.text, previous=self._built
            )
        return self._pipeline

    @property
    def dirty(self) -> bool:
        """True when the spec differs from what was last loaded or saved."""
        return self.baseline is None or self.text != self.baseline

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_label(self) -> str | None:
        return self._undo[-1].label if self._undo else None

    @property
    def redo_label(self) -> str | None:
        return self._redo[-1].label if self._redo else None

    def refresh(self) -> None:
        """Rebuild the pipeline from scratch, e.g. after the registry was reloaded."""
        self._pipeline = self._built = None

    # -- editing ---------------------------------------------------------------------------
    def apply(
        self,
        label: str,
        change: Callable[[PipelineSpec], PipelineSpec],
        coalesce: Hashable | None = None,
        place: Place | None = None,
    ) -> bool:
        """Run one edit; False when it changed nothing. Raises :class:`EditError` if refused.

        Consecutive edits with the same ``coalesce`` key make one undo step.
        """
        new = change(self._spec)
        if new == self._spec:
            return False
        top = self._undo[-1] if self._undo else None
        if not (coalesce is not None and top is not None and top.coalesce == coalesce):
            self._undo.append(Step(self._spec, label, coalesce, place))
            del self._undo[:-MAX_UNDO]
        self._redo.clear()
        self._set(new)
        return True

    def undo(self) -> str | None:
        """Step back one edit; returns its label, or None when there is nothing to undo."""
        if not self._undo:
            return None
        step = self._undo.pop()
        self._redo.append(Step(self._spec, step.label, place=step.place))
        self._set(step.spec)
        self.last_place = step.place
        return step.label

    def redo(self) -> str | None:
        if not self._redo:
            return None
        step = self._redo.pop()
        self._undo.append(Step(self._spec, step.label, place=step.place))
        self._set(step.spec)
        self.last_place = step.place
        return step.label

    def break_coalescing(self) -> None:
        """End the current run of typing: the next edit starts its own undo step."""
        if self._undo:
            top = self._undo[-1]
            self._undo[-1] = Step(top.spec, top.label, place=top.place)

    def _set(self, spec: PipelineSpec) -> None:
        self._spec = spec
        self.__dict__.pop("_text", None)
        self._pipeline = None

    # -- the operations, named for the undo list -------------------------------------------
    def add_stage(self, uses: str, stage_id: str | None = None) -> str:
        added: list[str] = []

        def change(spec: PipelineSpec) -> PipelineSpec:
            new, sid = ops.add_stage(spec, uses, stage_id)
            added.append(sid)
            return new

        self.apply(f"add {stage_id or uses}", change)
        return added[0]

    def remove_stage(self, stage_id: str) -> None:
        self.apply(f"remove {stage_id}", lambda s: ops.remove_stage(s, stage_id))

    def rename_stage(self, old: str, new: str) -> None:
        self.apply(f"rename {old} to {new}", lambda s: ops.rename_stage(s, old, new))

    def set_config(
        self,
        stage_id: str,
        config: Mapping[str, Any],
        *,
        typing: bool = True,
        field: str | None = None,
    ) -> None:
        """Set a stage's config; keys typed into one ``field`` make one undo step."""
        self.apply(
            f"{field} of {stage_id}" if field else f"configure {stage_id}",
            lambda s: ops.set_config(s, stage_id, config),
            ("config", stage_id, field) if typing else None,
            Place(stage_id, field, "config"),
        )

    def set_stage_settings(self, stage_id: str, *, field: str | None = None, **values: Any) -> None:
        self.apply(
            f"{field} of {stage_id}" if field else f"settings of {stage_id}",
            lambda s: ops.set_stage_settings(s, stage_id, **values),
            ("stage", stage_id, field),
            Place(stage_id, field, "settings"),
        )

    def set_pipeline_settings(
        self,
        *,
        context: Mapping[str, Any] | None = None,
        field: str | None = None,
        **values: Any,
    ) -> None:
        self.apply(
            f"pipeline {field}" if field else "pipeline settings",
            lambda s: ops.set_pipeline_settings(s, context=context, **values),
            ("pipeline", field),
            Place(None, field, "pipeline"),
        )

    def connect(self, stage_id: str, dependency: str, *, required: bool = True) -> None:
        edges = self.pipeline.graph.edges
        self.apply(
            f"connect {dependency} -> {stage_id}",
            lambda s: ops.connect(s, stage_id, dependency, required=required, edges=edges),
        )

    def disconnect(self, stage_id: str, dependency: str) -> None:
        self.apply(
            f"disconnect {dependency} -> {stage_id}",
            lambda s: ops.disconnect(s, stage_id, dependency),
        )

    # -- files -----------------------------------------------------------------------------
    def disk_changed(self, text: str | None = None) -> bool:
        """True when the file on disk is no longer what this session last read or wrote."""
        if self.path is None:
            return False
        if text is None:
            try:
                text = self.path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                return self.disk_text is not None
        return text != self.disk_text

    def save(self, path: Path | None = None) -> Path:
        """Write :attr:`text` atomically; the session then counts as saved to ``path``."""
        target = path or self.path
        if target is None:
            raise ops.EditError("this pipeline has no file yet: use Save As")
        text = self.text
        atomic_write_text(target, text)
        self.path = target
        self.disk_text = text
        self._base_text = text
        self._base_data = self._stage_data.spec_data(self._spec)
        self.baseline = text
        self.unreadable = False
        self._pipeline = None
        return target

    def reload(self, text: str) -> None:
        """Take the file's new text as the truth; unsaved edits and their history are dropped."""
        fresh = EditSession.from_text(text, self.path or Path("<pipeline>"), self.registry)
        self._spec = fresh._spec
        self._base_text = fresh._base_text
        self._base_data = fresh._base_data
        self.__dict__.pop("_text", None)
        self._pipeline = None
        self.disk_text = text
        self.baseline = fresh.baseline
        self.unreadable = fresh.unreadable
        self._undo.clear()
        self._redo.clear()

    def keep_mine(self, text: str) -> None:
        """Acknowledge the file's new text without taking it; the next save replaces it.

        The save still writes this session's file with its edits (not a merge into
        theirs): what the preview shows is what lands on disk.
        """
        self.disk_text = text
        self.baseline = None
