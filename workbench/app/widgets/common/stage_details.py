"""Read-only details of a stage: a registered stage class, or one stage of a pipeline.

Both render to one :class:`~textual.content.Content` with theme-variable styles,
so they wrap in narrow panels and follow every theme.
"""

from __future__ import annotations

import collections.abc
import enum
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import tomli_w
from pydantic import BaseModel
from pydantic_core import PydanticUndefined
from textual.content import Content

from workbench.app.widgets.common.details_panel import DetailsPanel
from workbench.app.widgets.common.hanging import Hanging, Line, labelled
from workbench.engine.cache.reasons import StageStatusLine
from workbench.engine.params import has_references
from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import StageMetadata
from workbench.engine.spec import format_duration

HEADING = "bold $text-accent"
MUTED = "$foreground-muted"


@dataclass(frozen=True, slots=True)
class ConfigField:
    """One setting of a stage's ``Config`` model, as a person reads it."""

    name: str
    type: str
    default: str | None
    required: bool
    description: str


WORDS: dict[Any, str] = {
    str: "text",
    int: "whole number",
    float: "number",
    bool: "yes/no",
    dict: "table",
    list: "list",
    Any: "any value",
}
"""How a person writes the plain types."""


def type_name(annotation: Any) -> str:
    """A type as people write it: ``text``, ``number``, ``one of: auto, csv, json``,
    ``list of text``, ``whole number (optional)`` — never a Python repr."""
    if annotation is None or annotation is type(None):
        return "nothing"
    origin = typing.get_origin(annotation)
    if origin is None:
        if annotation in WORDS:
            return WORDS[annotation]
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            return "one of: " + ", ".join(str(m.value) for m in annotation)
        name = getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")
        return {"Path": "path", "PurePath": "path", "datetime": "date and time"}.get(name, name)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return "one of: " + ", ".join(str(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        real = [a for a in args if a is not type(None)]
        optional = len(real) < len(args)
        text = " or ".join(type_name(a) for a in real)
        return f"{text} (optional)" if optional else text
    if origin is typing.Annotated:
        return type_name(args[0])
    if origin in (list, tuple, set, frozenset, Sequence) or origin is collections.abc.Sequence:
        return f"list of {type_name(args[0])}" if args else "list"
    if origin in (dict, Mapping) or origin is collections.abc.Mapping:
        return f"table of {type_name(args[1])}" if len(args) == 2 else "table"
    name = getattr(origin, "__name__", str(origin))
    return name


def default_text(value: Any) -> str | None:
    """A default as it is written in the pipeline file (``"GET"``, ``false``, ``[]``);
    None when the default is to leave it unset."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        value = value.value
    return toml_value(value)


def config_fields(model: type[BaseModel]) -> list[ConfigField]:
    """The fields of a pydantic model in declaration order."""
    out: list[ConfigField] = []
    for name, info in model.model_fields.items():
        required = info.is_required()
        default: str | None = None
        if not required:
            if info.default_factory is not None:
                try:
                    default = default_text(info.default_factory())  # type: ignore[call-arg]
                except Exception:
                    default = "(computed)"
            elif info.default is not PydanticUndefined:
                default = default_text(info.default)
        out.append(
            ConfigField(
                name=info.alias or name,
                type=type_name(info.annotation),
                default=default,
                required=required,
                description=info.description or "",
            )
        )
    return out


def _section(title: str) -> Content:
    return Content.styled(f"\n{title}", HEADING)


def _names(values: Iterable[str]) -> Content:
    values = list(values)
    if not values:
        return Content.styled("  none", MUTED)
    return Content("  " + ", ".join(values))


def _pairs(*pairs: tuple[str, Sequence[str]]) -> list[Line]:
    width = max(len(label) for label, _ in pairs)
    return [
        labelled(
            Content.styled(f"  {label.ljust(width)}  ", MUTED),
            Content(", ".join(values)) if values else Content.styled("none", MUTED),
        )
        for label, values in pairs
    ]


def describe_stage(meta: StageMetadata) -> Hanging:
    """Everything a person choosing a stage wants to know, top to bottom."""
    lines: list[Line] = [
        Content.styled(meta.name, "bold $text-primary"),
        Content.styled(
            f"namespace {meta.namespace} · version {meta.version} · "
            + ("supports dry run" if meta.supports_dry_run else "no dry run"),
            MUTED,
        ),
        Content(""),
        Content(meta.description or "(no description)"),
        _section("Config"),
    ]
    fields = config_fields(meta.cls.Config)
    if not fields:
        lines.append(Content.styled("  takes no settings", MUTED))
    for f in fields:
        need = (
            Content.styled("required", "$text-warning")
            if f.required
            else Content.styled("optional" if f.default is None else f"default {f.default}", MUTED)
        )
        lines.append(
            labelled(
                Content.assemble(Content("  "), Content.styled(f.name, "bold"), Content("  ")),
                Content.assemble(Content.styled(f.type, "$text-secondary"), Content("  "), need),
            )
        )
        if f.description:
            lines.append(Content.styled(f"      {f.description}", ""))
    lines.append(_section("Context"))
    lines.extend(_pairs(("reads", meta.reads), ("writes", meta.writes)))
    lines.append(_section("Capabilities"))
    lines.extend(_pairs(("requires", meta.requires), ("provides", meta.provides)))
    lines.append(_section("Dependencies"))
    if not meta.dependencies:
        lines.append(Content.styled("  none", MUTED))
    for dep in meta.dependencies:
        when = "runs after" if dep.order == "after" else "runs before"
        optional = "" if dep.required else " (optional)"
        lines.append(Content(f"  {when} {dep.stage}{optional}"))
    lines.append(_section("Module"))
    lines.append(Content(f"  {meta.cls.__module__}.{meta.cls.__qualname__}"))
    if meta.source != meta.cls.__module__:
        lines.append(Content.styled(f"  from {meta.source}", MUTED))
    return Hanging(lines)


def toml_value(value: Any) -> str:
    """A config value as it would be written inline in the pipeline file."""
    if isinstance(value, dict):
        inner = ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items())
        return f"{{ {inner} }}" if inner else "{}"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    try:
        return tomli_w.dumps({"v": value}).strip()[len("v = ") :]
    except (TypeError, ValueError):
        return repr(value)


def describe_cache(line: StageStatusLine) -> list[Line]:
    """The stage's part of `workbench status`: up to date, or will run and why."""
    out: list[Line] = [_section("Cache")]
    if not line.will_run:
        out.append(Content.styled(f"  ≡ up to date: {line.message}", "$text-secondary"))
        return out
    out.append(Content.styled("  ▸ will run", "$text-warning"))
    for reason in line.reasons:
        out.append(
            labelled(
                Content.styled(f"    {reason.kind.value.replace('_', ' ')}", "$text-accent")
                + (": " if reason.detail else ""),
                Content(reason.detail or ""),
            )
        )
    return out


def describe_pipeline_stage(
    pipeline: Pipeline, stage_id: str, cache: StageStatusLine | None = None
) -> Hanging:
    """One stage of a pipeline: what it uses, how it is set up, what it waits for, and
    (when the cache was consulted) whether a run would reuse it."""
    ps = pipeline.stages[stage_id]
    spec = ps.spec
    stage = ps.stage
    meta_cls = type(stage) if stage is not None else None
    lines: list[Line] = [
        Content.styled(stage_id, "bold $text-primary"),
        labelled(Content.styled("uses ", MUTED), Content(ps.uses)),
    ]
    if spec.description:
        lines += [Content(""), Content(spec.description)]
    elif meta_cls is not None and meta_cls.description:
        lines += [Content(""), Content.styled(meta_cls.description, MUTED)]
    problems = [p for p in pipeline.problems if p.stage == stage_id]
    if problems:
        lines.append(_section("Problems"))
        lines.extend(Content.styled(f"  ✘ {p.message}", "$text-error") for p in problems)
    lines.append(_section("Config"))
    if not spec.config:
        lines.append(Content.styled("  defaults", MUTED))
    for key, value in spec.config.items():
        shown = Content(toml_value(value))
        if has_references(value) and ps.stage is not None:  # show what ${name} resolves to
            resolved = getattr(ps.stage.config, key, None)
            if isinstance(resolved, BaseModel):
                resolved = resolved.model_dump(mode="json")
            shown = Content.assemble(
                shown, Content.styled(f"  → {toml_value(resolved)}", "$text-accent")
            )
        lines.append(labelled(Content.styled(f"  {key} = ", MUTED), shown))
    lines.append(_section("Order"))
    depends = [d.stage if d.required else f"{d.stage} (optional)" for d in spec.dependencies()]
    graph = pipeline.graph
    lines.extend(
        _pairs(
            ("depends_on", depends),
            ("before", spec.before),
            # Reachability is read even on a graph with a cycle: the pane must agree
            # with the edges drawn beside it.
            ("upstream", sorted(graph.upstream(stage_id) - {stage_id})),
            ("downstream", sorted(graph.downstream(stage_id) - {stage_id})),
        )
    )
    lines.append(_section("Run"))
    timeout = "none" if ps.timeout is None else str(format_duration(ps.timeout))
    lines.extend(
        _pairs(
            ("retries", [str(ps.retries)]),
            ("timeout", [timeout]),
            ("continue_on_error", ["yes" if ps.continue_on_error else "no"]),
        )
    )
    lines.append(_section("Context"))
    if stage is None:
        lines.append(Content.styled("  unknown until the stage resolves", MUTED))
    else:
        lines.extend(_pairs(("reads", stage.keys_read()), ("writes", stage.keys_written())))
    if cache is not None:
        lines.extend(describe_cache(cache))
    return Hanging(lines)


class StageDetails(DetailsPanel):
    """Details of a registered stage class, for the registry screen."""

    def show_stage(self, meta: StageMetadata | None) -> None:
        self.show(describe_stage(meta) if meta is not None else None)


class PipelineStageDetails(DetailsPanel):
    """Details of one stage of the open pipeline, for the graph screen."""

    def show_stage(
        self,
        pipeline: Pipeline | None,
        stage_id: str | None,
        cache: StageStatusLine | None = None,
    ) -> None:
        if pipeline is None or stage_id is None or stage_id not in pipeline.stages:
            self.show(None)
        else:
            self.show(describe_pipeline_stage(pipeline, stage_id, cache))
