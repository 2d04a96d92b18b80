"""One error hierarchy for the whole workbench.

Every error says where it came from (file, line and column, or stage id and field),
what was expected, what was found and how to fix it, so the command line and the
app can show it without a traceback. Validation collects :class:`Problem` records
rather than raising on the first one, so a person sees every mistake in a file at
once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ProblemKind = Literal[
    "toml",
    "schema",
    "unknown_stage",
    "missing_dependency",
    "cycle",
    "config",
    "requirement",
    "io",
    "parameter",
    "composite",
    "hook",
    "path",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a pipeline file, located as precisely as we can."""

    kind: ProblemKind
    message: str
    path: str | None = None
    stage: str | None = None
    field: str | None = None
    line: int | None = None
    column: int | None = None
    expected: str | None = None
    found: str | None = None
    hint: str | None = None
    cycle: tuple[str, ...] | None = None

    @property
    def place(self) -> str:
        """`file:line:column`, or `file [stages.id].field`, whatever is known."""
        parts: list[str] = []
        where = self.path or "<pipeline>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        parts.append(where)
        if self.stage is not None:
            table = f"[stages.{self.stage}]"
            parts.append(f"{table}.{self.field}" if self.field else table)
        elif self.field is not None:
            parts.append(self.field)
        return " ".join(parts)

    def describe(self) -> str:
        """The whole problem as one or more lines of plain text."""
        text = f"{self.place}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if data["cycle"] is not None:
            data["cycle"] = list(data["cycle"])
        else:
            del data["cycle"]
        return data


class WorkbenchError(Exception):
    """Base of every error the workbench raises on purpose.

    ``title`` is a short heading for a notification; ``str(error)`` is the full
    message, naming the place and the fix.
    """

    title: str = "Workbench error"

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title


class UsageError(WorkbenchError):
    """The command line or an API was called with arguments that do not fit."""

    title = "Bad usage"


class PipelineFileError(WorkbenchError):
    """A pipeline file could not be read or is not a valid pipeline."""

    title = "Invalid pipeline"

    def __init__(self, problems: Iterable[Problem], path: str | None = None) -> None:
        self.problems = list(problems)
        self.path = path
        lines = [p.describe() for p in self.problems]
        super().__init__("\n".join(lines) if lines else f"{path}: invalid pipeline")


class UnknownStageError(WorkbenchError, KeyError):
    """A stage name that the registry does not know, with a suggestion."""

    title = "Unknown stage"

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.suggestion = did_you_mean(name, known)
        message = f"no stage named {name!r} is registered"
        if self.suggestion:
            message += f"; did you mean {self.suggestion!r}?"
        else:
            message += "; `workbench stages` lists the registered ones"
        super().__init__(message)

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class DuplicateStageError(WorkbenchError):
    """Two stage classes claimed the same registry name."""

    title = "Stage name taken"


class InvalidStageError(WorkbenchError):
    """A class offered as a stage does not meet the stage contract."""

    title = "Invalid stage"


class StageError(WorkbenchError):
    """Raised by a stage to fail with a clear message and no traceback."""

    title = "Stage failed"


class StageTimeoutError(StageError):
    title = "Stage timed out"


class HookError(StageError):
    """A before/after hook raised; the stage fails with the hook named."""

    title = "Hook failed"


class GateConditionError(StageError):
    """A gate's condition did not hold; names the condition and the value seen."""

    title = "Gate closed"


class RunStateError(WorkbenchError):
    """A runner was asked to do something its current state does not allow."""

    title = "Run state"


def did_you_mean(name: str, known: Iterable[str]) -> str | None:
    """The closest known name to a misspelt one, or None when nothing is close."""
    import difflib  # only when a name is wrong

    matches = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return matches[0] if matches else None


@dataclass(slots=True)
class ProblemList:
    """Collects problems while a file is checked, so all are reported together."""

    path: str | None = None
    items: list[Problem] = field(default_factory=list)

    def add(self, kind: ProblemKind, message: str, **where: Any) -> None:
        where.setdefault("path", self.path)
        self.items.append(Problem(kind, message, **where))

    def __bool__(self) -> bool:
        return bool(self.items)


class ExecutorError(WorkbenchError):
    """The executor a run was asked to use cannot run it: not installed, unreachable."""

    title = "Executor"
