"""Context values kept in the history, so `workbench run --from STAGE` can start mid-way.

The history keeps, for every recorded run, the JSON of each context value a stage
wrote (as each stage finishes, so a failed or interrupted run keeps what it got
to). A value larger than :data:`MAX_VALUE_BYTES` as JSON, or one that is not JSON
(bytes, objects), is not kept; its row says why, so a refusal can say so.

:func:`find_seed` picks the newest run of the same pipeline whose values cover
what the selected stages read and whose upstream stages succeeded (or the run
given with ``--from-run``); :func:`seeded_store` replays those values into a new
run's context, attributed to the stages that wrote them, as the app does for its
own partial runs.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.engine.changelog import ChangeRecord
from workbench.engine.context import ContextStore, ExecutionMode
from workbench.engine.errors import UsageError
from workbench.engine.units import counted

if TYPE_CHECKING:
    from workbench.engine.pipeline import Pipeline
    from workbench.engine.secrets import Secrets

MAX_VALUE_BYTES = 5_000_000
"""Values larger than this (as JSON) are not kept: a run from the middle then refuses."""
SEARCH_RUNS = 50
"""How many of a pipeline's newest runs are searched for one that covers a selection."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS saved_values (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    stage_id TEXT NOT NULL,
    value TEXT,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, key)
);
"""


def save_values(
    db: sqlite3.Connection,
    run_id: int,
    store: ContextStore,
    changes: Sequence[ChangeRecord],
    secrets: Secrets | None = None,
) -> None:
    """Keep the current value of every key these changes touched (the caller commits).

    A secret key's value, or a value holding secret text, is never kept.
    """
    rows: list[tuple[Any, ...]] = []
    for key, stage in {c.key: c.stage for c in changes}.items():
        if key not in store:
            db.execute("DELETE FROM saved_values WHERE run_id = ? AND key = ?", (run_id, key))
            continue
        if secrets is not None and secrets.is_secret(key):
            rows.append((run_id, key, stage, None, "not kept: a secret"))
            continue
        text, note = _encode(store.get(key))
        if text is not None and secrets is not None and secrets.mask_text(text) != text:
            text, note = None, "not kept: it holds a secret"
        rows.append((run_id, key, stage, text, note))
    db.executemany("INSERT OR REPLACE INTO saved_values VALUES (?, ?, ?, ?, ?)", rows)


def _encode(value: Any) -> tuple[str | None, str]:
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return None, f"not kept: a {type(value).__name__} is not JSON ({exc})"
    size = len(text.encode("utf-8"))
    if size > MAX_VALUE_BYTES:
        return None, f"not kept: {size:,} bytes as JSON, over the {MAX_VALUE_BYTES:,} limit"
    return text, ""


@dataclass(frozen=True, slots=True)
class SavedValue:
    key: str
    stage_id: str
    value: Any
    note: str
    """Why the value was not kept; empty when it was."""

    @property
    def kept(self) -> bool:
        return not self.note


@dataclass(slots=True)
class Seed:
    """Values from one recorded run, to start a partial run with."""

    run_id: int
    values: dict[str, SavedValue] = field(default_factory=dict)

    def describe(self) -> str:
        keys = ", ".join(f"{k!r} (from {v.stage_id})" for k, v in sorted(self.values.items()))
        return f"restored {counted(len(self.values), 'key')} from run #{self.run_id}: {keys or 'none'}"

    def store(self, params: Mapping[str, Any]) -> ContextStore:
        """A new run's context: the parameters, then the saved values as their writers' writes."""
        store = ContextStore(params, ExecutionMode.LIVE)
        for key, saved in self.values.items():
            store.write(saved.stage_id, key, saved.value)
        return store


def needed_keys(pipeline: Pipeline, selection: Iterable[str]) -> dict[str, str]:
    """key -> a selected stage reading it, for keys no selected stage writes or parameter gives."""
    chosen = list(selection)
    written: set[str] = set()
    for sid in chosen:
        stage = pipeline.stages[sid].stage
        written.update(stage.keys_written() if stage else ())
    params = pipeline.parameters()
    out: dict[str, str] = {}
    for sid in chosen:
        stage = pipeline.stages[sid].stage
        for key in stage.keys_read() if stage else ():
            if key not in written and key not in params:
                out.setdefault(key, sid)
    return out


def find_seed(
    db: sqlite3.Connection,
    pipeline: Pipeline,
    selection: Sequence[str],
    run_id: int | None = None,
) -> Seed:
    """The newest recorded run of this pipeline that has what ``selection`` needs.

    Raises :class:`UsageError` saying what is missing and from which run.
    """
    chosen = set(selection)
    needed = needed_keys(pipeline, selection)
    upstream = sorted(
        {p for sid in chosen for p in pipeline.graph.parents(sid) if p not in chosen},
        key=pipeline.graph.order.index,
    )
    if run_id is not None:
        row = db.execute("SELECT pipeline FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise UsageError(f"--from-run {run_id}: no such run (see `workbench history`)")
        if row[0] != pipeline.name:
            raise UsageError(
                f"--from-run {run_id}: that run is of pipeline {row[0]!r}, not {pipeline.name!r}"
            )
        candidates = [run_id]
    else:
        candidates = [
            r[0]
            for r in db.execute(
                "SELECT id FROM runs WHERE pipeline = ? ORDER BY id DESC LIMIT ?",
                (pipeline.name, SEARCH_RUNS),
            )
        ]
    if not candidates:
        raise UsageError(
            f"no recorded run of {pipeline.name!r} to start from: run the whole pipeline "
            "once first (without --from), then start from a stage"
        )
    reasons: list[str] = []
    for candidate in candidates:
        seed, reason = _try(db, candidate, needed, upstream, chosen)
        if seed is not None:
            return seed
        reasons.append(f"run #{candidate}: {reason}")
    shown = "; ".join(reasons[:3]) + (f"; and {len(reasons) - 3} more" if len(reasons) > 3 else "")
    raise UsageError(
        f"no recorded run of {pipeline.name!r} has what the selected stages need ({shown}). "
        "Run the whole pipeline first, or pick another run with --from-run"
    )


def _try(
    db: sqlite3.Connection,
    run_id: int,
    needed: Mapping[str, str],
    upstream: Sequence[str],
    chosen: set[str],
) -> tuple[Seed | None, str]:
    statuses = dict(
        db.execute("SELECT stage_id, status FROM stages WHERE run_id = ?", (run_id,)).fetchall()
    )
    for parent in upstream:
        status = statuses.get(parent)
        if status not in ("success", "partial"):
            return None, f"stage {parent!r} " + (
                f"ended {status}" if status else "was not part of it"
            )
    saved: dict[str, SavedValue] = {}
    try:
        rows = db.execute(
            "SELECT key, stage_id, value, note FROM saved_values WHERE run_id = ?", (run_id,)
        ).fetchall()
    except sqlite3.OperationalError:  # recorded before context values were kept
        rows = []
    for key, stage_id, text, note in rows:
        value = json.loads(text) if text is not None else None
        saved[key] = SavedValue(key, stage_id, value, note)
    for key, reader in needed.items():
        if key not in saved:
            return None, f"it has no value {key!r} (read by {reader!r})"
        if not saved[key].kept:
            return None, f"{key!r} (read by {reader!r}) was {saved[key].note}"
    values = {k: v for k, v in saved.items() if v.kept and v.stage_id not in chosen}
    return Seed(run_id, values), ""
