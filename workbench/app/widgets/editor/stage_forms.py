"""The editor's centre: the forms of what is selected, drawn from the edit session.

For the pipeline itself: its settings (``[pipeline]``) and its parameters
(``[context]``). For a stage: a heading, its config (a form made from the stage's
pydantic ``Config``, required fields first), the settings every stage has, and what
it depends on. The forms announce edits with :class:`ConfigForm.Changed` and
:class:`DependencyPicker.Toggled`, which bubble up to the screen; the screen calls
:meth:`StageForms.show` after each change of the session.

A form the person is typing in is never written back to (see ``typed``): the
field is ahead of the session while keys are queued.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator
from textual.containers import VerticalGroup, VerticalScroll
from textual.content import Content
from textual.widgets import Label, Static

from workbench.app.editing import EditSession
from workbench.app.editing.operations import PIPELINE_SETTINGS, STAGE_SETTINGS
from workbench.app.widgets.editor.config_form import ConfigForm
from workbench.app.widgets.editor.dependency_picker import DependencyPicker, DependencyState
from workbench.engine.spec import PipelineMeta, StageSpec

NOTHING_OPEN = "No pipeline in the editor. Press n for a new one, or o to edit the open one."
FORM_CLASSES = {
    "config": ".config-form",
    "settings": ".stage-form",
    "pipeline": ".pipeline-form, .context-form",
}
"""The form a :class:`~workbench.app.editing.session.Place` names, by its class."""


class ContextParameters(BaseModel):
    """The ``[context]`` table, as one form field."""

    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="Pipeline parameters, `key = value` per line; `--set key=value` overrides.",
    )


class PipelineSettings(PipelineMeta):
    """``[pipeline]`` as the form edits it: the executor typed as a word, checked in words.

    A typed field rather than a drop-down: the form's drop-down kept ctrl+y (redo)
    from reaching the editor once the pipeline's settings were shown again by an undo.
    """

    executor: str | None = Field(  # type: ignore[assignment]
        default=None,
        description="local (stages run in this process) or dask (on a Dask cluster); "
        "empty: workbench.toml's [executor], else local. `workbench run --executor` wins.",
    )

    @field_validator("executor")
    @classmethod
    def _known_executor(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        if value.strip() not in ("local", "dask"):
            raise ValueError(
                f"write local (this process) or dask (a Dask cluster), not {value.strip()!r}; "
                "or leave it empty"
            )
        return value.strip()


STAGE_DEFAULTS: dict[str, Any] = {
    name: StageSpec.model_fields[name].get_default(call_default_factory=True)
    for name in STAGE_SETTINGS
}
PIPELINE_DEFAULTS: dict[str, Any] = {
    name: PipelineMeta.model_fields[name].get_default(call_default_factory=True)
    for name in PIPELINE_SETTINGS
    if name != "name"
}


class StageForms(VerticalScroll):
    """The forms of the selection: the pipeline's settings, or one stage's."""

    def __init__(self, *, id: str | None = None, can_focus: bool = False) -> None:
        super().__init__(id=id, can_focus=can_focus)
        self._key: tuple[str, ...] | None = None
        """What the forms were built for: rebuilt only when the selection or its type changes."""
        self._box: VerticalGroup = VerticalGroup()
        """The forms of the current selection (replaced, never reused, on rebuild)."""

    # -- drawing -----------------------------------------------------------------------
    def show(
        self,
        session: EditSession | None,
        selected: str | None,
        *,
        rebuild: bool = False,
        typed: bool = False,
    ) -> None:
        """Draw the session's ``selected`` stage (None: the pipeline's settings).

        ``typed``: the change came from a form, which already shows it; its fields
        are left alone (dependencies are not typed in).
        """
        key = _form_key(session, selected)
        if rebuild or key != self._key:
            self._rebuild(session, selected, key)
        elif not typed:
            self._update(session, selected)

    def _rebuild(
        self, session: EditSession | None, selected: str | None, key: tuple[str, ...]
    ) -> None:
        self.remove_children()
        box = self._box = VerticalGroup(classes="editor-form-box")
        self.mount(box)
        self._key = key
        if session is None or key == ("none",):
            self.border_title = "Editor"
            box.mount(Static(NOTHING_OPEN, classes="editor-empty"))
            return
        if key == ("pipeline",):
            spec = session.spec
            self.border_title = "Pipeline settings"
            box.mount_all(
                [
                    ConfigForm(
                        PipelineSettings,
                        spec.pipeline.model_dump(mode="json", exclude_defaults=True)
                        | {"name": spec.pipeline.name},
                        only=PIPELINE_SETTINGS,
                        classes="pipeline-form",
                    ),
                    Label("Context parameters", classes="editor-section"),
                    ConfigForm(
                        ContextParameters,
                        {"parameters": dict(spec.context)},
                        classes="context-form",
                    ),
                ]
            )
            return
        assert selected is not None
        stage = session.spec.stages[selected]
        uses = stage.uses or selected
        registry = session.registry
        self.border_title = f"Stage {selected}"
        # The stage's own config first (its required fields lead), then the settings
        # every stage has, then what it depends on.
        widgets: list[Any] = [
            Static(_stage_heading(session, selected, uses), classes="editor-heading"),
            Label(f"Config of {uses}", classes="editor-section"),
        ]
        if uses in registry:
            widgets.append(
                ConfigForm(registry.get(uses).Config, stage.config, classes="config-form")
            )
        else:
            widgets.append(
                Static(
                    Content.styled(
                        f"{uses!r} is not a registered stage, so its config cannot be checked.",
                        "$text-error",
                    ),
                    classes="editor-empty",
                )
            )
        widgets += [
            Label("Settings", classes="editor-section"),
            ConfigForm(
                StageSpec,
                stage.model_dump(mode="json", exclude_defaults=True),
                only=STAGE_SETTINGS,
                classes="stage-form",
            ),
            Label(
                "Depends on  (↑↓ choose, space: none → required → optional)",
                classes="editor-section",
            ),
            DependencyPicker(classes="dependency-picker"),
        ]
        box.mount_all(widgets)
        self._update_dependencies(session, selected)

    def _update(self, session: EditSession | None, selected: str | None) -> None:
        """Show the session's values in the forms already built (after undo, say)."""
        if session is None:
            return
        box = self._box
        if selected is None:
            for form in box.query(".pipeline-form").results(ConfigForm):
                form.set_values(
                    session.spec.pipeline.model_dump(mode="json", exclude_defaults=True)
                    | {"name": session.spec.pipeline.name}
                )
            for form in box.query(".context-form").results(ConfigForm):
                if form.values.get("parameters", {}) != session.spec.context:
                    form.set_values({"parameters": dict(session.spec.context)})
            return
        stage = session.spec.stages.get(selected)
        if stage is None:
            return
        for form in box.query(".stage-form").results(ConfigForm):
            if not form.errors:
                form.set_values(stage.model_dump(mode="json", exclude_defaults=True))
        for form in box.query(".config-form").results(ConfigForm):
            if form.values != stage.config:
                form.set_values(stage.config)
        self._update_dependencies(session, selected)

    def _update_dependencies(self, session: EditSession, sid: str) -> None:
        if sid not in session.spec.stages:
            return
        states: dict[str, DependencyState] = {
            d.stage: "required" if d.required else "optional"
            for d in session.spec.stages[sid].dependencies()
        }
        for other, other_spec in session.spec.stages.items():
            if sid in other_spec.before:
                states.setdefault(other, "required")
        explicit = set(states)
        implicit = {
            before: "implied by the stage types"
            for before, after in session.pipeline.graph.edges
            if after == sid and before not in explicit
        }
        others = [s for s in session.spec.stages if s != sid]
        for picker in self._box.query(DependencyPicker):
            picker.set_stage(others, states, implicit)

    # -- focus -------------------------------------------------------------------------
    def focus_field(self, name: str, form_name: str) -> None:
        """Put the cursor at the end of a field (the form named first, then any form)."""
        selector = FORM_CLASSES.get(form_name)
        first = list(self._box.query(selector).results(ConfigForm)) if selector else []
        for form in first + list(self._box.query(ConfigForm)):
            if form.focus_field(name, at_end=True):
                return

    def focus_first_field(self) -> bool:
        """The first required config field, else the first config field, else the settings.

        False when there is no field to focus.
        """
        forms = list(self._box.query(".config-form").results(ConfigForm))
        forms += list(self._box.query(".stage-form").results(ConfigForm))
        for form in forms:
            wanted = next((f for f in form.fields if f.required), None) or next(
                iter(form.fields), None
            )
            if wanted is not None and form.focus_field(wanted.name, at_end=True):
                return True
        return False

    def focus_first_input(self) -> None:
        """Into the forms from the stage list (Enter): the first input of any kind."""
        for widget in self._box.query("Input, Switch, Select, OptionList"):
            widget.focus()
            break


def _form_key(session: EditSession | None, selected: str | None) -> tuple[str, ...]:
    if session is None:
        return ("none",)
    if selected is None:
        return ("pipeline",)
    stage = session.spec.stages.get(selected)
    if stage is None:
        return ("none",)
    return ("stage", selected, stage.uses or selected)


def _stage_heading(session: EditSession, sid: str, uses: str) -> Content:
    registry = session.registry
    description = ""
    if uses in registry:
        description = (registry.metadata(uses).description.splitlines() or [""])[0]
    return Content.assemble(
        Content.styled(sid, "bold $text-primary"),
        Content.styled(f"  uses {uses}", "$foreground-muted"),
        Content.styled(f"\n{description}", "italic $foreground-muted") if description else "",
    )
