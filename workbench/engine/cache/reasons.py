"""Why a stage will run: reasons as data (a kind and a detail), rendered by the CLI and the app.

The kinds follow what people ask of incremental tools (Snakemake's rerun
triggers, `dvc status`, Bazel's `--explain`): what changed, where, from what to what.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ReasonKind(StrEnum):
    NEVER_RUN = "never_run"
    """No earlier run of this stage is known to the cache."""
    CONFIG_CHANGED = "config_changed"
    VERSION_CHANGED = "version_changed"
    """The stage class's ``version`` (or the class it uses) changed."""
    INPUT_CHANGED = "input_changed"
    """A context value it reads or a file it reads has other content."""
    UPSTREAM_WILL_RUN = "upstream_will_run"
    OUTPUT_MISSING = "output_missing"
    """A file it wrote is gone or was changed since."""
    NOT_CACHEABLE = "not_cacheable"
    FORCED = "forced"
    CACHE_MISS = "cache_miss"
    """Nothing changed, but the cached result is gone (cleared, evicted or damaged)."""


class StageState(StrEnum):
    UP_TO_DATE = "up_to_date"
    WILL_RUN = "will_run"


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason a stage will run. ``detail`` is a sentence; ``data`` the same, structured."""

    kind: ReasonKind
    detail: str
    data: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "detail": self.detail, **self.data}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reason:
        rest = {k: v for k, v in data.items() if k not in ("kind", "detail")}
        return cls(ReasonKind(data["kind"]), str(data.get("detail", "")), rest)

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.detail}" if self.detail else self.kind.value


@dataclass(frozen=True, slots=True)
class StageStatusLine:
    """One stage in `workbench status`: up to date, or will run and why."""

    stage_id: str
    state: StageState
    reasons: tuple[Reason, ...] = ()
    message: str = ""
    """For an up-to-date stage, what will be reused."""

    @property
    def will_run(self) -> bool:
        return self.state is StageState.WILL_RUN

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.stage_id,
            "state": self.state.value,
            "reasons": [r.to_json() for r in self.reasons],
            "message": self.message,
        }


def short(value: Any, width: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"
