"""A validated pipeline: a spec resolved against the registry, with its graph.

Building checks everything and collects every problem, in the order kedro's
``Pipeline`` does: stage names and configs, then references (before the graph is
built: an unknown name must never become a silent node), then capabilities, then
cycles. A pipeline with problems is still built as far as it can be, so the app
can draw and list it; only a valid one can run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from workbench.engine.composite import PipelineCall
from workbench.engine.errors import Problem, ProblemList, did_you_mean
from workbench.engine.fileio import real_path
from workbench.engine.graph import DependencyGraph
from workbench.engine.params import PROJECT_DIR, has_references, substitute, unresolved
from workbench.engine.paths import WritePolicy, declared_paths
from workbench.engine.pipeline_name import name_in_raw
from workbench.engine.registry import StageRegistry
from workbench.engine.run.hooks import unknown_hooks
from workbench.engine.settings import SETTINGS_FILE, read_settings
from workbench.engine.spec import (
    STRICT_TYPES,
    LoadedSpec,
    PipelineMeta,
    PipelineSpec,
    StageSpec,
    TomlLocator,
    load_spec,
    parse_spec,
)
from workbench.engine.stage import Stage


@dataclass(slots=True)
class PipelineStage:
    """One entry of a pipeline, resolved: its stage class and configured instance."""

    id: str
    uses: str
    spec: StageSpec
    stage: Stage | None
    """None when the stage name is unknown or its config is invalid."""

    @property
    def retries(self) -> int:
        return self.spec.retries

    @property
    def timeout(self) -> float | None:
        return self.spec.timeout

    @property
    def continue_on_error(self) -> bool:
        return self.spec.continue_on_error


@dataclass(slots=True)
class Pipeline:
    """A pipeline ready to inspect, dry-run or (when :attr:`valid`) run."""

    spec: PipelineSpec
    stages: dict[str, PipelineStage]
    graph: DependencyGraph
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    path: Path | None = None
    text: str = ""
    overrides: dict[str, Any] = field(default_factory=dict)
    """The ``--set`` values this pipeline's configs were resolved with."""
    _registry: StageRegistry | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.spec.pipeline.name

    @property
    def description(self) -> str:
        return self.spec.pipeline.description

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def max_concurrency(self) -> int:
        return self.spec.pipeline.max_concurrency

    @property
    def project_dir(self) -> Path:
        """Where relative paths in stage configs are resolved from."""
        if self.path is None:
            return Path.cwd()
        return find_project_root(self.path)

    def parameters(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The ``[context]`` table, with ``project_dir`` filled in and ``--set`` applied.

        Secrecy declarations (``{ secret = true, value = ... }``) give their value.
        """
        from workbench.engine.secrets import split_context

        params: dict[str, Any] = split_context(self.spec.context)[0]
        params.update(self.overrides)
        params.update(overrides or {})
        # Reserved: set last, so neither [context] nor an override can move the project.
        params[PROJECT_DIR] = str(self.project_dir)
        return params

    @property
    def parameterised(self) -> bool:
        """True when some stage config uses ``${name}`` (so ``--set`` can change it)."""
        return any(has_references(ps.spec.config) for ps in self.stages.values())

    def with_parameters(self, overrides: Mapping[str, Any] | None) -> Pipeline:
        """This pipeline with its configs resolved under ``--set`` values.

        The same object when no config refers to a parameter, so runs of large
        pipelines without parameters pay nothing. The result may carry problems
        (an override of the wrong type for a config field): check :attr:`valid`.
        """
        if not overrides or not self.parameterised:
            return self
        if self._registry is None:
            raise RuntimeError("a pipeline built without a registry cannot take parameters")
        merged = {**self.overrides, **overrides}
        built = _Builder(self.spec, self._registry, self.path, self.text, merged).build()
        built.warnings = list(self.warnings)
        return built

    def select(self, start: str | None = None, end: str | None = None) -> list[str]:
        """Ids to run for ``--from start`` / ``--to end``, in order."""
        keep = set(self.graph.order)
        for stage_id in (start, end):
            if stage_id is not None and stage_id not in self.stages:
                suggestion = did_you_mean(stage_id, self.stages)
                raise KeyError(
                    f"{stage_id!r} is not a stage of this pipeline"
                    + (f"; did you mean {suggestion!r}?" if suggestion else "")
                )
        if start is not None:
            keep &= self.graph.downstream(start) | {start}
        if end is not None:
            keep &= self.graph.upstream(end) | {end}
        chosen = self.graph.subgraph_order(keep)
        if not chosen:
            raise KeyError(
                f"--from {start} --to {end} selects no stages: {end!r} does not run after "
                f"{start!r}; pick a --to that is downstream of --from"
            )
        return chosen

    # -- construction --------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path, registry: StageRegistry) -> Pipeline:
        """Read, check and build a pipeline file. Never raises for bad content."""
        return cls.from_loaded(load_spec(path), registry)

    @classmethod
    def parse(cls, text: str, registry: StageRegistry, path: str | Path = "<pipeline>") -> Pipeline:
        return cls.from_loaded(parse_spec(text, path), registry)

    @classmethod
    def from_loaded(
        cls,
        loaded: LoadedSpec,
        registry: StageRegistry,
        overrides: Mapping[str, Any] | None = None,
        *,
        chain: tuple[Path, ...] | None = None,
    ) -> Pipeline:
        spec = loaded.spec
        problems = list(loaded.problems)
        if spec is None:
            spec = _salvage(loaded)
        built = cls.from_spec(
            spec, registry, path=loaded.path, text=loaded.text, overrides=overrides, chain=chain
        )
        built.problems = sorted(problems + built.problems, key=_problem_order)
        return built

    @classmethod
    def from_stage_names(
        cls, names: Sequence[str], registry: StageRegistry, name: str = "pipeline"
    ) -> Pipeline:
        """A pipeline of one stage per name, ordered by the stages' own dependencies."""
        spec = PipelineSpec(
            pipeline=PipelineMeta(name=name),
            stages={n: StageSpec(uses=n) for n in names},
        )
        return cls.from_spec(spec, registry)

    @classmethod
    def from_spec(
        cls,
        spec: PipelineSpec,
        registry: StageRegistry,
        *,
        path: str | Path | None = None,
        text: str = "",
        overrides: Mapping[str, Any] | None = None,
        chain: tuple[Path, ...] | None = None,
        previous: Pipeline | None = None,
    ) -> Pipeline:
        """Build a spec. ``chain`` is the pipeline files calling this one (composite stages).

        ``previous``: an earlier build of the same file (the editor's, one keystroke
        ago). A stage whose spec is the very same object, and which resolved without a
        problem against the same registry, parameters and path, is taken from it as it
        is instead of validating its config again; everything that spans stages (paths,
        edges, the graph, cycles) is checked afresh. Composite stages are always
        resolved again, since the file they call may have changed.
        """
        builder = _Builder(spec, registry, Path(path) if path else None, text, overrides, chain)
        if previous is not None:
            builder.reuse_from(previous)
        return builder.build()


class _Builder:
    """Resolves one spec. Kept apart so :class:`Pipeline` stays a plain record."""

    def __init__(
        self,
        spec: PipelineSpec,
        registry: StageRegistry,
        path: Path | None,
        text: str,
        overrides: Mapping[str, Any] | None = None,
        chain: tuple[Path, ...] | None = None,
    ) -> None:
        self.spec = spec
        self.overrides = dict(overrides or {})
        root = find_project_root(path) if path is not None else Path.cwd()
        self.root = root
        if chain is None:
            chain = (real_path(path),) if path is not None else ()
        self.chain = chain
        from workbench.engine.secrets import split_context

        self.params: dict[str, Any] = {
            **split_context(spec.context or {})[0],
            **self.overrides,
            PROJECT_DIR: str(root),  # reserved: neither [context] nor --set moves it
        }
        self.registry = registry
        self.path = path
        self.text = text
        self.problems = ProblemList(str(path) if path else None)
        self._locator: TomlLocator | None = None
        self._defaults: dict[type[Stage], Any] = {}
        self._reusable: dict[str, PipelineStage] = {}
        """Stages of an earlier build that may be taken as they are (see ``reuse_from``)."""

    def reuse_from(self, previous: Pipeline) -> None:
        """Offer ``previous``'s cleanly resolved stages for reuse, when it was built alike."""
        if (
            previous._registry is not self.registry
            or previous.path != self.path
            or previous.overrides != self.overrides
            or previous.spec.context != self.spec.context
        ):
            return
        troubled = {p.stage for p in previous.problems}
        self._reusable = {
            sid: ps
            for sid, ps in previous.stages.items()
            if ps.stage is not None
            and sid not in troubled
            and not isinstance(ps.stage, PipelineCall)
        }

    def where(self, stage: str, key: str | None = None, sub: str | None = None) -> dict[str, Any]:
        """Line and column of a stage's table or key, when the text is known."""
        if not self.text:
            return {}
        if self._locator is None:
            self._locator = TomlLocator(self.text)
        table = ("stages", stage) if sub is None else ("stages", stage, sub)
        line, column = self._locator.find(table, key)
        if line is None and sub is not None:
            line, column = self._locator.find(("stages", stage), sub)
        return {"line": line, "column": column}

    def build(self) -> Pipeline:
        reusable = self._reusable
        stages = {
            sid: kept
            if (kept := reusable.get(sid)) is not None and kept.spec is s
            else self._resolve(sid, s)
            for sid, s in self.spec.stages.items()
        }
        if self.path is not None:
            self._check_paths(stages, find_project_root(self.path))
        if self.spec.hooks:
            self._check_hooks()
        edges = self._edges(stages)
        graph = DependencyGraph(list(stages), edges)
        if graph.cycle:
            first = graph.cycle[0]
            self.problems.add(
                "cycle",
                "dependency cycle: " + " -> ".join(graph.cycle),
                stage=first,
                cycle=graph.cycle,
                hint="remove one of these dependencies",
                **self.where(first),
            )
        problems = sorted(self.problems.items, key=_problem_order)
        built = Pipeline(
            self.spec, stages, graph, problems, [], self.path, self.text, self.overrides
        )
        built._registry = self.registry
        return built

    def _check_hooks(self) -> None:
        """Hook names that cannot be right, with their line (importing waits for the run)."""
        for kind, name, why in unknown_hooks(self.spec.hooks):
            line, column = (
                TomlLocator(self.text).find(("hooks",), kind) if self.text else (None, None)
            )
            self.problems.add(
                "hook",
                f"[hooks].{kind} names {name!r}, which is not a hook",
                field=f"hooks.{kind}",
                expected="module:function or an installed hook",
                found=name,
                hint=why,
                line=line,
                column=column,
            )

    def _check_paths(self, stages: Mapping[str, PipelineStage], root: Path) -> None:
        """Every file a stage's config says it writes must be in the project or allowed."""
        policy: WritePolicy | None = None
        for sid, ps in stages.items():
            if ps.stage is None:
                continue
            declared = declared_paths(ps.stage.config, root)
            if not declared:
                continue
            if policy is None:
                policy = WritePolicy.for_project(root, read_settings(root)[0].allow_write)
            for item in policy.refused(declared):
                verb = "writes" if item.kind == "write" else "reads the file: URL"
                shown = repr(item.text)
                if item.text != str(item.resolved):
                    shown += f" ({item.resolved})"
                self.problems.add(
                    "path",
                    f"stage {sid!r} {verb} {shown}, outside the project folder {policy.root}",
                    stage=sid,
                    field=f"config.{item.field}",
                    expected="a path inside the project folder",
                    found=item.text,
                    hint=f"{'write' if item.kind == 'write' else 'read'} inside the project, "
                    f'or allow the place in {SETTINGS_FILE}: allow_write = ["{item.resolved.parent}"]',
                    **self.where(sid, item.field, sub="config"),
                )

    def _resolve(self, stage_id: str, spec: StageSpec) -> PipelineStage:
        uses = spec.uses or stage_id
        if uses not in self.registry:
            suggestion = did_you_mean(uses, self.registry.names())
            self.problems.add(
                "unknown_stage",
                f"stage {stage_id!r} uses {uses!r}, which is not a registered stage",
                stage=stage_id,
                field="uses",
                expected="a registered stage name",
                found=uses,
                hint=f"did you mean {suggestion!r}?" if suggestion else "see `workbench stages`",
                **self.where(stage_id, "uses"),
            )
            return PipelineStage(stage_id, uses, spec, None)
        stage_cls = self.registry.get(uses)
        raw_config = spec.config
        if has_references(raw_config):
            missing = unresolved(raw_config, self.params)
            for ref in missing:
                names = sorted(k for k in self.params if k != PROJECT_DIR)
                suggestion = did_you_mean(ref.name, names)
                self.problems.add(
                    "parameter",
                    f"config '{'.'.join(ref.where)}' uses the parameter ${{{ref.name}}}, "
                    "which this pipeline does not define",
                    stage=stage_id,
                    field="config." + ".".join(ref.where),
                    expected="a parameter from [context] or --set"
                    + (f" ({', '.join(names)})" if names else ""),
                    found=ref.name,
                    hint=f"did you mean ${{{suggestion}}}?"
                    if suggestion
                    else f"add {ref.name} = ... under [context], or write $${{ for a literal",
                    **self.where(stage_id, ref.where[0] if ref.where else None, sub="config"),
                )
            if missing:
                return PipelineStage(stage_id, uses, spec, None)
            raw_config = substitute(raw_config, self.params)
        try:
            config = self._config(stage_cls, raw_config)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                loc = ".".join(str(p) for p in error["loc"])
                first = str(error["loc"][0]) if error["loc"] else None
                message = (
                    f"config '{loc}' is required but missing"
                    if error["type"] == "missing"
                    else f"config '{loc}': {error['msg'].rstrip('.')}, found {error.get('input')!r}"
                )
                if error["type"] in STRICT_TYPES and isinstance(error.get("input"), str):
                    message = (
                        f"config '{loc}' must be {STRICT_TYPES[error['type']]}, "
                        f"found {error['input']!r} (write it without quotes)"
                    )
                if error["type"] == "extra_forbidden":
                    known = ", ".join(stage_cls.Config.model_fields) or "no settings"
                    message = f"config '{loc}' is not a setting of {uses} (it takes: {known})"
                self.problems.add(
                    "config",
                    message,
                    stage=stage_id,
                    field=f"config.{loc}" if loc else "config",
                    expected=error["type"],
                    found=repr(error.get("input")) if error["type"] != "missing" else "nothing",
                    **self.where(stage_id, first, sub="config"),
                )
            return PipelineStage(stage_id, uses, spec, None)
        try:
            stage = stage_cls(config, id=stage_id)
        except Exception as exc:  # a plugin's __init__ must not break validation
            self.problems.add(
                "config",
                f"{uses} could not be set up: {exc}",
                stage=stage_id,
                field="config",
                **self.where(stage_id),
            )
            return PipelineStage(stage_id, uses, spec, None)
        if isinstance(stage, PipelineCall):
            for message in stage.bind(self.registry, self.root, self.chain):
                self.problems.add(
                    "composite",
                    message,
                    stage=stage_id,
                    field="config",
                    hint="fix the called pipeline, or the path",
                    **self.where(stage_id, "path", sub="config"),
                )
            if self.problems.items and any(
                p.stage == stage_id and p.kind == "composite" for p in self.problems.items
            ):
                return PipelineStage(stage_id, uses, spec, None)
        return PipelineStage(stage_id, uses, spec, stage)

    def _config(self, stage_cls: type[Stage], raw: dict[str, Any]) -> Any:
        """Validate a stage's config; an empty one is validated once per class and shared."""
        if raw:
            config = stage_cls.Config.model_validate(raw)
            _refuse_quoted_scalars(stage_cls.Config, raw)
            return config
        if stage_cls not in self._defaults:
            self._defaults[stage_cls] = stage_cls.Config.model_validate({})
        return self._defaults[stage_cls]

    def _edges(self, stages: dict[str, PipelineStage]) -> list[tuple[str, str]]:
        edges: list[tuple[str, str]] = []
        by_uses: dict[str, list[str]] = {}
        providers: dict[str, list[str]] = {}
        for sid, ps in stages.items():
            by_uses.setdefault(ps.uses, []).append(sid)
            if ps.stage is not None:
                for capability in type(ps.stage).provides:
                    providers.setdefault(capability, []).append(sid)
        for sid, ps in stages.items():
            for target, required in ps.spec.dependency_ids():
                if target in stages:
                    edges.append((target, sid))
                elif required:
                    self._missing(sid, target, "depends_on", stages)
            for later in ps.spec.before:
                if later in stages:
                    edges.append((sid, later))
                else:
                    self._missing(sid, later, "before", stages)
            if ps.stage is None:
                continue
            stage_cls = type(ps.stage)
            for own in stage_cls.dependency_list():
                matches = by_uses.get(own.stage, [])
                if not matches and own.required:
                    self.problems.add(
                        "missing_dependency",
                        f"stage {sid!r} ({ps.uses}) needs a stage that uses {own.stage!r}, "
                        "and this pipeline has none",
                        stage=sid,
                        expected=f"a stage using {own.stage}",
                        found="none",
                        hint=f'add [stages.{own.stage.rsplit(".", 1)[-1]}] with uses = "{own.stage}"',
                        **self.where(sid),
                    )
                for other in matches:
                    if other != sid:
                        edges.append((other, sid) if own.order == "after" else (sid, other))
            for capability in stage_cls.requires:
                sources = [p for p in providers.get(capability, []) if p != sid]
                if not sources:
                    self.problems.add(
                        "requirement",
                        f"stage {sid!r} ({ps.uses}) requires {capability!r}, "
                        "which no stage of this pipeline provides",
                        stage=sid,
                        expected=f"a stage providing {capability!r}",
                        found="none",
                        hint=_provider_hint(capability, self.registry),
                        **self.where(sid),
                    )
                edges.extend((source, sid) for source in sources)
        return edges

    def _missing(self, sid: str, target: str, key: str, stages: Mapping[str, Any]) -> None:
        self.problems.add(
            "missing_dependency",
            f"stage {sid!r} {'depends on' if key == 'depends_on' else 'runs before'} "
            f"{target!r}, which is not a stage of this pipeline",
            stage=sid,
            field=key,
            expected="the id of a stage in this file",
            found=target,
            hint=_unknown_id(target, stages, optional=key == "depends_on"),
            **self.where(sid, key),
        )


def _refuse_quoted_scalars(model: type[BaseModel], raw: dict[str, Any]) -> None:
    """Raise for strings the lax config model turned into booleans or numbers.

    Pydantic reads ``"yes"`` as true and ``"3"`` as 3; in a pipeline file that is a
    mistake to report (with the place), not a value to guess. Only those coercions
    are refused: strict mode's other demands (tuples from lists, paths from text)
    are how TOML spells those values, so the stage's own model still decides them.
    """
    try:
        model.model_validate(raw, strict=True)
    except ValidationError as exc:
        quoted = [
            e
            for e in exc.errors(include_url=False)
            if e["type"] in STRICT_TYPES and isinstance(e.get("input"), str)
        ]
        if quoted:
            raise ValidationError.from_exception_data(model.__name__, quoted) from None  # type: ignore[arg-type]


def _problem_order(problem: Problem) -> tuple[int, int]:
    """File order: by line, then column; problems with no place keep their order at the end."""
    return (problem.line or 1 << 30, problem.column or 0)


def _unknown_id(target: str, stages: Iterable[str], optional: bool = False) -> str:
    suggestion = did_you_mean(target, stages)
    if suggestion:
        return f"did you mean {suggestion!r}?"
    if optional:
        return f'add the stage, or write {{ stage = "{target}", required = false }}'
    return "add that stage or remove the reference"


def _provider_hint(capability: str, registry: StageRegistry) -> str:
    names = [m.name for m in registry if capability in m.provides]
    if names:
        return "add a stage that provides it: " + ", ".join(names[:3])
    return "no registered stage provides it"


def _salvage(loaded: LoadedSpec) -> PipelineSpec:
    """The parts of an invalid file that are valid on their own, so it can still be drawn."""
    raw = loaded.raw or {}
    meta_raw: dict[str, Any] = raw["pipeline"] if isinstance(raw.get("pipeline"), dict) else {}
    try:
        meta = PipelineMeta.model_validate(meta_raw)
    except ValidationError:
        meta = PipelineMeta(name=name_in_raw(raw, loaded.path))
    stages: dict[str, StageSpec] = {}
    raw_stages: dict[str, Any] = raw["stages"] if isinstance(raw.get("stages"), dict) else {}
    for sid, entry in raw_stages.items():
        stages[str(sid)] = _salvage_stage(entry)
    context: dict[str, Any] = raw["context"] if isinstance(raw.get("context"), dict) else {}
    return PipelineSpec.model_construct(pipeline=meta, context=context, stages=stages)


def _salvage_stage(entry: Any) -> StageSpec:
    """A stage entry keeping every field, and every list item, that is valid on its own.

    A bad ``timeout`` must not drop the stage's ``depends_on``: the graph is built
    from every edge that can be read, so a cycle through the stage is still found.
    """
    if not isinstance(entry, dict):
        return StageSpec()
    try:
        return StageSpec.model_validate(entry)
    except ValidationError:
        pass
    kept: dict[str, Any] = {}
    for key, value in entry.items():
        if key not in StageSpec.model_fields:
            continue
        if key in ("depends_on", "before") and isinstance(value, list):
            value = [item for item in value if _valid_field(key, [item])]
            kept[key] = value
        elif _valid_field(key, value):
            kept[key] = value
    return StageSpec.model_validate(kept)


def _valid_field(key: str, value: Any) -> bool:
    try:
        StageSpec.model_validate({key: value})
    except ValidationError:
        return False
    return True


def find_project_root(pipeline_path: Path) -> Path:
    """The project folder of a pipeline file: the nearest ancestor with ``workbench.toml``
    or a ``pipelines/`` folder holding the file, else the file's own folder."""
    path = real_path(pipeline_path)
    for folder in path.parents:
        if (folder / "workbench.toml").is_file():
            return folder
        if folder.name == "pipelines" and folder == path.parent:
            return folder.parent
    return path.parent
