"""Pipeline files: the pydantic models of the TOML format, loading and atomic saving.

Loading is strict and explains itself: every problem in a file is collected with
the file name and the place (TOML's line and column, else the stage id and field
found by scanning the text), what was expected and what was found. Saving writes
beside the target, fsyncs and renames, so a crash never leaves half a file.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
)

from workbench.engine.errors import Problem, ProblemList
from workbench.engine.fileio import atomic_write_text
from workbench.engine.params import RESERVED_PARAMS
from workbench.engine.run.hooks import HookTable

STAGE_ID_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$"
_STAGE_ID = re.compile(STAGE_ID_PATTERN)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_duration(value: Any) -> float:
    """Seconds from ``30``, ``"30s"``, ``"5m"``, ``"1h30m"`` or ``"250ms"``."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a string like '30s', '5m', '1h30m'")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().replace(" ", "")
        try:
            seconds = float(text)
        except ValueError:
            pos, seconds = 0, 0.0
            for match in _DURATION.finditer(text):
                if match.start() != pos:
                    break
                seconds += float(match.group(1)) * _UNITS[match.group(2)]
                pos = match.end()
            if pos != len(text) or not text:
                raise ValueError(
                    f"{value!r} is not a duration; write seconds or a string like "
                    "'30s', '5m', '1h30m'"
                ) from None
    else:
        raise ValueError(f"a duration is a number or a string, not {type(value).__name__}")
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"a duration must be positive, not {value!r}")
    return seconds


def format_duration(seconds: float) -> str | float:
    """The shortest readable form that parses back to the same number."""
    if seconds != int(seconds):
        text = repr(float(seconds))  # every digit: "{:g}" would round 1.2345678 to 1.23457
        return seconds if "e" in text else f"{text}s"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    out = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    out += f"{secs}s" if secs or not out else ""
    return out


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, when_used="always"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0},
                {"type": "string", "pattern": r"^(\d+(\.\d+)?(ms|h|m|s))+$"},
            ],
            "description": "Seconds, or a string like '30s', '5m', '1h30m'.",
        }
    ),
]

StageId = Annotated[
    str,
    Field(
        pattern=STAGE_ID_PATTERN,
        description="A stage id: letters, digits, '_', '.', '-'; not starting with '.' or '-'.",
    ),
]


class DependencySpec(BaseModel):
    """``{ stage = "id", required = false }``: an optional dependency is ignored when absent."""

    model_config = ConfigDict(extra="forbid")

    stage: StageId
    required: bool = Field(default=True, strict=True)


class StageSpec(BaseModel):
    """One entry under ``[stages.<id>]``."""

    model_config = ConfigDict(extra="forbid")

    uses: str | None = Field(
        default=None,
        description="The registered stage name, e.g. 'files.load'; defaults to the id.",
    )
    description: str = ""
    config: dict[str, Any] = Field(default_factory=dict, description="The stage's own settings.")
    depends_on: list[StageId | DependencySpec] = Field(
        default_factory=list, description="Stage ids that must finish before this one."
    )
    before: list[StageId] = Field(
        default_factory=list, description="Stage ids that must wait for this one."
    )
    retries: int = Field(
        default=0, ge=0, strict=True, description="Extra attempts after a failure."
    )
    timeout: Duration | None = Field(default=None, description="Cancel the stage after this long.")
    continue_on_error: bool = Field(
        default=False, strict=True, description="Let dependents run even when this stage fails."
    )
    cache: bool = Field(
        default=True, description="Reuse this stage's cached result when nothing it reads changed."
    )

    def dependency_ids(self) -> list[tuple[str, bool]]:
        """``(stage id, required)`` pairs; cheap, for building large graphs."""
        return [(d, True) if isinstance(d, str) else (d.stage, d.required) for d in self.depends_on]

    def dependencies(self) -> list[DependencySpec]:
        return [
            d if isinstance(d, DependencySpec) else DependencySpec(stage=d) for d in self.depends_on
        ]


class PipelineMeta(BaseModel):
    """The ``[pipeline]`` table."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    description: str = ""
    max_concurrency: int = Field(
        default=1, ge=1, strict=True, description="Stages run at once, at most."
    )
    retry_delay: Duration = Field(
        default=1.0, description="Wait before the first retry; doubles on each further one."
    )
    cache: bool = Field(
        default=True, description="Reuse cached stage results; false runs every stage every time."
    )
    executor: Literal["local", "dask"] | None = Field(
        default=None,
        description="Where stages run: 'local' (this process) or 'dask' (a Dask cluster); "
        "`workbench run --executor` wins.",
    )


def _check_declarations(context: dict[str, Any]) -> dict[str, Any]:
    """A table meant as a secrecy declaration (``secret`` with at most ``value``) must
    say ``secret = true`` or ``false``: ``secret = "yes"`` would otherwise pass as a
    plain table and leave the value unmasked."""
    for key, value in context.items():
        meant = isinstance(value, dict) and "secret" in value and set(value) <= {"secret", "value"}
        if meant and not isinstance(value["secret"], bool):
            raise ValueError(
                f"{key}: secret must be true or false, not {value['secret']!r} "
                f"(write {key} = {{ secret = true, value = ... }})"
            )
    return context


class PipelineSpec(BaseModel):
    """A whole pipeline file. ``stages`` keeps the file's order."""

    model_config = ConfigDict(extra="forbid", title="Stage Workbench pipeline")

    pipeline: PipelineMeta
    context: Annotated[dict[str, Any], AfterValidator(_check_declarations)] = Field(
        default_factory=dict,
        description="Pipeline parameters; `--set key=value` overrides. "
        "`key = { secret = true, value = ... }` declares a secret (masked everywhere; "
        "`value` may be left out and given with --set); `secret = false` un-masks a key "
        "whose name only looks secret.",
        json_schema_extra={
            "additionalProperties": {
                "anyOf": [
                    {
                        "type": "object",
                        "title": "Secrecy declaration",
                        "properties": {
                            "secret": {"type": "boolean"},
                            "value": {},
                        },
                        "required": ["secret"],
                        "additionalProperties": False,
                    },
                    {},
                ]
            }
        },
    )
    hooks: HookTable = Field(
        default_factory=HookTable,
        description="Hooks for this pipeline: module:function or a workbench.hooks name.",
    )
    stages: dict[StageId, StageSpec] = Field(default_factory=dict)

    def to_toml_data(self) -> dict[str, Any]:
        """The TOML document as plain data, defaults left out so files stay short."""
        data = self.model_dump(mode="json", exclude_defaults=True)
        data["pipeline"] = self.pipeline.model_dump(mode="json", exclude_defaults=True)
        data["pipeline"]["name"] = self.pipeline.name
        stages: dict[str, Any] = {}
        for stage_id, stage in self.stages.items():
            entry = stage.model_dump(mode="json", exclude_defaults=True)
            if stage.depends_on:
                entry["depends_on"] = [
                    d if isinstance(d, str) else (d.stage if d.required else d.model_dump())
                    for d in stage.depends_on
                ]
            stages[stage_id] = entry
        data["stages"] = stages
        if not data["stages"]:
            del data["stages"]
        return data


def schema() -> dict[str, Any]:
    """JSON Schema of the pipeline file format, for editors."""
    out = PipelineSpec.model_json_schema()
    # pydantic puts the id pattern on patternProperties only, which lets any other
    # key through; naming it on propertyNames makes editors flag a bad stage id.
    out["properties"]["stages"].setdefault("propertyNames", {})["pattern"] = STAGE_ID_PATTERN
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return out


# -- loading --------------------------------------------------------------------------


@dataclass(slots=True)
class LoadedSpec:
    """The outcome of reading a file: the spec when it is valid, and every problem."""

    path: Path
    spec: PipelineSpec | None
    problems: list[Problem]
    raw: dict[str, Any] | None = None
    """The parsed TOML even when the models rejected it, so a broken file can still be drawn."""
    text: str = ""


def load_spec(path: str | os.PathLike[str]) -> LoadedSpec:
    """Read and check one pipeline file. Never raises for bad content; I/O errors become problems."""
    path = Path(path)
    problems = ProblemList(str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        problems.add("io", f"cannot read the file: {reason}", hint=io_hint(exc))
        return LoadedSpec(path, None, problems.items)
    return parse_spec(text, path)


def io_hint(exc: Exception) -> str:
    """How to fix a file that cannot be read, by what the system said."""
    import errno

    hints = {
        errno.ELOOP: "the file is a symbolic link that leads back to itself; fix or remove the link",
        errno.EACCES: "make the file readable (chmod u+r)",
        errno.EPERM: "make the file readable (chmod u+r)",
        errno.EISDIR: "that is a folder; give a .toml file",
        errno.ENOENT: "check the path",
        errno.ENAMETOOLONG: "use a shorter file name",
    }
    if isinstance(exc, UnicodeDecodeError):
        return "save the file as UTF-8 text"
    return hints.get(getattr(exc, "errno", None) or 0, "check the path")


def parse_spec(text: str, path: str | os.PathLike[str] = "<pipeline>") -> LoadedSpec:
    path = Path(path)
    problems = ProblemList(str(path))
    try:
        raw = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        message, line, column = toml_error(exc, text)
        problems.add(
            "toml",
            message,
            line=line,
            column=column,
            hint="fix the TOML syntax at that place"
            if isinstance(exc, tomllib.TOMLDecodeError)
            else f"nest values at most {MAX_DEPTH} deep",
        )
        return LoadedSpec(path, None, problems.items, None, text)
    deep = _too_deep(raw)
    if deep is not None:
        line, column = _locate_nearest(TomlLocator(text), deep)
        problems.add(
            "toml",
            f"values nested more than {MAX_DEPTH} deep",
            line=line,
            column=column,
            field=".".join(deep) or None,
            hint=f"nest values at most {MAX_DEPTH} deep",
        )
        return LoadedSpec(path, None, problems.items, None, text)
    locator = TomlLocator(text)
    _reserved_parameters(raw, problems, locator)
    try:
        spec = PipelineSpec.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            problems.items.append(_schema_problem(str(path), error, locator))
        return LoadedSpec(path, None, problems.items, raw, text)
    if problems:
        return LoadedSpec(path, None, problems.items, raw, text)
    return LoadedSpec(path, spec, [], raw, text)


def _reserved_parameters(raw: dict[str, Any], problems: ProblemList, locator: TomlLocator) -> None:
    """``[context]`` may not set a parameter the workbench owns (see :mod:`params`)."""
    context = raw.get("context")
    if not isinstance(context, dict):
        return
    for name in RESERVED_PARAMS:
        if name in context:
            line, column = locator.find(("context",), name)
            problems.add(
                "schema",
                f"'{name}' is reserved: the workbench sets it to the project folder",
                field=f"context.{name}",
                line=line,
                column=column,
                found=_short(context[name]),
                hint=f"remove '{name}' from [context]; relative paths already start there",
            )


MAX_DEPTH = 64
"""Deepest nesting of arrays and tables a pipeline file may have.

Far beyond any real config, and far below what would overflow the recursion of
the TOML parser, pydantic or the writers (500 levels did).
"""


def toml_error(exc: Exception, text: str) -> tuple[str, int | None, int | None]:
    """``(message, line, column)`` of a TOML file that cannot be parsed."""
    if isinstance(exc, RecursionError):
        depth = _deepest_line(text)
        return f"not valid TOML: values nested too deep to read (over {MAX_DEPTH})", depth, None
    assert isinstance(exc, tomllib.TOMLDecodeError)
    line, column = _toml_position(exc, text)
    message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc))
    return f"not valid TOML: {message}", line, column


def _deepest_line(text: str) -> int | None:
    """The line where bracket nesting first passes :data:`MAX_DEPTH` (a rough scan)."""
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        for ch in line:
            depth += ch in "[{"
            depth -= ch in "]}"
            if depth > MAX_DEPTH:
                return number
    return None


def _too_deep(raw: Any) -> tuple[str, ...] | None:
    """The key path of the first value nested deeper than :data:`MAX_DEPTH`, else None.

    Iterative, so the check itself cannot overflow.
    """
    todo: list[tuple[Any, int, tuple[str, ...]]] = [(raw, 0, ())]
    while todo:
        value, depth, keys = todo.pop()
        if depth > MAX_DEPTH:
            return keys
        if isinstance(value, dict):
            todo.extend((v, depth + 1, (*keys, str(k))) for k, v in value.items())
        elif isinstance(value, list):
            todo.extend((v, depth + 1, keys) for v in value)
    return None


def _locate_nearest(locator: TomlLocator, keys: tuple[str, ...]) -> tuple[int | None, int | None]:
    """The line of ``keys``, or of the nearest enclosing key the locator knows."""
    for end in range(len(keys), 0, -1):
        line, column = locator.find(keys[: end - 1], keys[end - 1])
        if line is not None:
            return line, column
    return None, None


def _toml_position(exc: tomllib.TOMLDecodeError, text: str) -> tuple[int | None, int | None]:
    lineno = getattr(exc, "lineno", None)
    colno = getattr(exc, "colno", None)
    if lineno is not None:
        return lineno, colno
    match = re.search(r"at line (\d+), column (\d+)", str(exc))
    if match:
        return int(match.group(1)), int(match.group(2))
    if "end of document" in str(exc):
        lines = text.splitlines() or [""]
        return len(lines), len(lines[-1]) + 1
    return None, None


def _schema_problem(path: str, error: Mapping[str, Any], locator: TomlLocator) -> Problem:
    loc = tuple(str(part) for part in error["loc"])
    stage: str | None = None
    field: str | None = None
    if len(loc) >= 2 and loc[0] == "stages":
        stage = loc[1]
        rest = [p for p in loc[2:] if not p.isdigit() and p not in ("str", "DependencySpec")]
        rest = [p for p in rest if not p.startswith(("constrained-str", "function-", "["))]
        field = ".".join(rest) or None
        line, column = locator.find(("stages", stage), rest[0] if rest else None)
    else:
        field = ".".join(p for p in loc if not p.isdigit()) or None
        table = (loc[0],) if loc else ()
        line, column = locator.find(table, loc[1] if len(loc) > 1 else None)
    found = error.get("input")
    found_text = _short(found) if error["type"] != "missing" else "nothing"
    message = _explain(error, loc)
    return Problem(
        "schema",
        message,
        path=path,
        stage=stage,
        field=field,
        line=line,
        column=column,
        expected=_expected(error),
        found=found_text,
    )


def _explain(error: Mapping[str, Any], loc: tuple[str, ...]) -> str:
    kind = error["type"]
    name = loc[-1] if loc else "file"
    if kind == "missing":
        return f"'{name}' is required but missing"
    if kind == "extra_forbidden":
        allowed = {
            "pipeline": "name, description, max_concurrency, retry_delay",
            "stages": "uses, description, config, depends_on, before, retries, timeout, "
            "continue_on_error",
        }
        table = "stages" if loc and loc[0] == "stages" else (loc[0] if len(loc) > 1 else "")
        known = allowed.get(table, "pipeline, context, hooks, stages")
        return f"unknown setting '{name}' (known here: {known})"
    if kind == "string_pattern_mismatch" and len(loc) >= 2 and loc[0] == "stages":
        return (
            f"'{error.get('input')}' is not a valid stage id: use letters, digits, '_', '.', '-', "
            "not starting with '.' or '-'"
        )
    if kind in STRICT_TYPES:
        return f"'{name}' must be {STRICT_TYPES[kind]}, found {_short(error.get('input'))}" + (
            " (write it without quotes)" if isinstance(error.get("input"), str) else ""
        )
    if kind == "value_error":  # our own validators' messages already say what was found
        return str(error["msg"]).removeprefix("Value error, ")
    return f"{error['msg'].rstrip('.')}, found {_short(error.get('input'))}"


STRICT_TYPES = {
    "bool_type": "true or false",
    "int_type": "a whole number",
    "float_type": "a number",
}
"""Types read strictly: ``"yes"`` or ``"3"`` is a mistake to report, not a value to guess."""


def _expected(error: Mapping[str, Any]) -> str | None:
    ctx = error.get("ctx") or {}
    if "pattern" in ctx:
        return f"text matching {ctx['pattern']}"
    if "ge" in ctx:
        return f"a number ≥ {ctx['ge']}"
    kind: str = error["type"]
    return kind.replace("_type", "").replace("_parsing", "").replace("_", " ")


def _short(value: Any, width: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


class TomlLocator:
    """Finds the line of a table or key in TOML text, for errors TOML cannot place."""

    _HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
    _KEY = re.compile(r'^\s*("?)([A-Za-z0-9_.-]+)\1\s*=')

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self._tables: dict[tuple[str, ...], int] | None = None
        self._keys: dict[tuple[tuple[str, ...], str], tuple[int, int]] | None = None

    def _index(self) -> None:
        tables: dict[tuple[str, ...], int] = {}
        keys: dict[tuple[tuple[str, ...], str], tuple[int, int]] = {}
        current: tuple[str, ...] = ()
        for number, line in enumerate(self.lines, start=1):
            header = self._HEADER.match(line)
            if header:
                current = tuple(p.strip().strip('"') for p in header.group(1).split("."))
                tables.setdefault(current, number)
                continue
            key = self._KEY.match(line)
            if key:
                parts = tuple(key.group(2).split("."))
                table = current + parts[:-1]
                keys.setdefault((table, parts[-1]), (number, line.index(key.group(2)) + 1))
                for i in range(1, len(parts)):
                    tables.setdefault(current + parts[:i], number)
        self._tables, self._keys = tables, keys

    def find(self, table: tuple[str, ...], key: str | None) -> tuple[int | None, int | None]:
        if self._tables is None:
            self._index()
        assert self._tables is not None and self._keys is not None
        if key is not None:
            if (table, key) in self._keys:
                return self._keys[(table, key)]
            if (*table, key) in self._tables:
                return self._tables[(*table, key)], 1
        if table in self._tables:
            return self._tables[table], 1
        if len(table) == 2 and (table[:1], table[1]) in self._keys:
            return self._keys[(table[:1], table[1])]
        return None, None


# -- saving ---------------------------------------------------------------------------


def to_toml(spec: PipelineSpec) -> str:
    """The exact text :func:`save_spec` writes."""
    import tomli_w

    return tomli_w.dumps(spec.to_toml_data())


def save_spec(spec: PipelineSpec, path: str | os.PathLike[str]) -> None:
    """Write a pipeline file atomically."""
    atomic_write_text(Path(path), to_toml(spec))


def stage_id_is_valid(stage_id: str) -> bool:
    return bool(_STAGE_ID.match(stage_id))
