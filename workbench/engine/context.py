"""The shared context passed from stage to stage, and the record of every write.

One :class:`ContextStore` holds a run's values. Each stage gets its own
:class:`StageContext` handle on it, which knows which stage is writing (so every
write is attributed even when stages run concurrently), where its log lines and
progress go, and whether the run was cancelled.

Writes are recorded as :class:`ChangeRecord` entries holding a *reference* to the
new value, never a copy, so the context as it was right after any stage can be
rebuilt by replaying the records up to that stage's finish mark. Stages should
set new values rather than mutate old ones in place; a value mutated in place
shows its latest state in every earlier view.

Writes and removals take one lock, so a write is atomic and its sequence number
unique whichever thread makes it. Each :class:`StageContext` is one *attempt*'s
handle and carries that attempt's :class:`~workbench.engine.run.cancellation.CancelToken`:
once the attempt is cancelled (its timeout, a cancel, the end of the run) it can
still read and log, but its writes are refused, so a thread left running after
its timeout can never change what a retry or a later stage sees.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, Literal, NoReturn, TypeVar, overload

from workbench.engine.run.cancellation import CancelToken
from workbench.engine.secrets import MASK, Secrets
from workbench.engine.units import counted

T = TypeVar("T")

_MISSING: Any = object()
_TOKEN_LOCK = threading.Lock()


class ExecutionMode(StrEnum):
    LIVE = "live"
    DRY_RUN = "dry_run"


class ContextKey(Generic[T]):
    """A typed name for a context value: ``ROWS = ContextKey[list[dict]]("rows")``.

    ``ctx.get(ROWS)`` is then typed ``list[dict]`` for a type checker, and a value of
    the wrong type is refused at :meth:`StageContext.set` when ``type`` is given.
    """

    __slots__ = ("description", "name", "type")

    def __init__(self, name: str, type: type[T] | None = None, description: str = "") -> None:
        self.name = name
        self.type = type
        self.description = description

    def __repr__(self) -> str:
        return f"ContextKey({self.name!r})"

    def __hash__(self) -> int:
        return hash(self.name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ContextKey) and other.name == self.name


ChangeKind = Literal["added", "changed", "removed"]


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """One write to the context: who made it, and what the value was before and after."""

    seq: int
    stage: str
    key: str
    kind: ChangeKind
    before: str
    after: str
    value: Any

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "stage": self.stage,
            "key": self.key,
            "kind": self.kind,
            "before": self.before,
            "after": self.after,
        }


def summarize(value: Any, width: int = 60) -> str:
    """A short, cheap description of a value: never walks a large structure."""
    if value is _MISSING:
        return "—"
    if isinstance(value, (list, tuple, set, frozenset)):
        return f"{type(value).__name__}[{len(value):,}]"
    if isinstance(value, dict):
        n = len(value)
        return f"dict{{{counted(n, 'key')}}}"
    if isinstance(value, (bytes, bytearray)):
        return f"{type(value).__name__}[{len(value):,}]"
    text = repr(value)
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text


LogSink = Callable[[str, str, str, str], None]
"""(stage_id, level, message, stream) -> None"""
ProgressSink = Callable[[str, float, float | None, str], None]
"""(stage_id, done, total, message) -> None"""


def _drop_log(stage: str, level: str, message: str, stream: str) -> None:
    return None


def _drop_progress(stage: str, done: float, total: float | None, message: str) -> None:
    return None


class ContextStore:
    """A run's values, every change made to them, and where each stage finished."""

    def __init__(
        self,
        params: Mapping[str, Any] | None = None,
        mode: ExecutionMode = ExecutionMode.LIVE,
        *,
        record: bool = True,
        secrets: Secrets | None = None,
    ) -> None:
        self.params: dict[str, Any] = dict(params or {})
        self.mode = mode
        self.record = record
        self.secrets = secrets or Secrets()
        """The run's secret keys and values: summaries of their writes are masked."""
        self._values: dict[str, Any] = dict(self.params)
        self.changes: list[ChangeRecord] = []
        self.finished_at: dict[str, int] = {}
        """stage id -> number of changes recorded when that stage finished."""
        self._cancelled = False
        self.token = CancelToken()
        """The current run's token: every attempt's token is its child."""
        self._lock = threading.Lock()

    # -- reading ---------------------------------------------------------------------
    def __contains__(self, key: object) -> bool:
        return _key_name(key) in self._values

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._values)

    def get(self, key: str | ContextKey[Any], default: Any = _MISSING) -> Any:
        name = _key_name(key)
        if default is _MISSING:
            try:
                return self._values[name]
            except KeyError:
                raise KeyError(f"context has no key {name!r}") from None
        return self._values.get(name, default)

    def snapshot(self) -> dict[str, Any]:
        """The values now (a new dict of the same value objects)."""
        return dict(self._values)

    def writers(self) -> dict[str, str]:
        """key -> id of the stage that last wrote it (parameters have no writer)."""
        out: dict[str, str] = {}
        for change in self.changes:
            if change.kind == "removed":
                out.pop(change.key, None)
            else:
                out[change.key] = change.stage
        return out

    # -- writing ---------------------------------------------------------------------
    def preload(self, values: Mapping[str, Any]) -> None:
        """Values known before any stage ran, not recorded as changes.

        A stage running elsewhere (a Dask worker) starts from the values it reads.
        """
        self._values.update(values)

    def write(self, stage: str, key: str | ContextKey[Any], value: Any) -> None:
        name = _key_name(key)
        if isinstance(key, ContextKey) and key.type is not None and not isinstance(value, key.type):
            raise TypeError(
                f"context key {name!r} holds {key.type.__name__}, "
                f"stage {stage!r} tried to set a {type(value).__name__}"
            )
        secret = self.secrets.note_write(name, value)
        if not self.record:
            self._values[name] = value
            return
        after = self._summary(value, secret)
        with self._lock:
            old = self._values.get(name, _MISSING)
            self._values[name] = value
            changes = self.changes
            changes.append(
                ChangeRecord(
                    len(changes),
                    stage,
                    name,
                    "added" if old is _MISSING else "changed",
                    self._summary(old, secret),
                    after,
                    value,
                )
            )

    def _summary(self, value: Any, secret: bool) -> str:
        """A change's before/after text, masked for a secret key (a missing value shows)."""
        if secret and value is not _MISSING:
            return MASK
        return self.secrets.mask_text(summarize(value))

    def remove(self, stage: str, key: str | ContextKey[Any]) -> None:
        name = _key_name(key)
        with self._lock:
            old = self._values.pop(name, _MISSING)
            if old is not _MISSING and self.record:
                before = self._summary(old, self.secrets.is_secret(name))
                self.changes.append(
                    ChangeRecord(len(self.changes), stage, name, "removed", before, "—", _MISSING)
                )

    # -- history -----------------------------------------------------------------------
    def mark_finished(self, stage: str) -> None:
        # No lock: reading a list's length is atomic, and a write racing in from
        # another stage's thread is either counted or not, both consistent.
        self.finished_at[stage] = len(self.changes)

    def changes_by(self, stage: str) -> list[ChangeRecord]:
        return [c for c in self.changes if c.stage == stage]

    def as_of(self, stage: str) -> dict[str, Any]:
        """The values as they were right after ``stage`` finished.

        Rebuilt by replaying the change records from the parameters; values are
        shared with the live store, not copied.
        """
        if stage not in self.finished_at:
            raise KeyError(f"stage {stage!r} has not finished in this run")
        values = dict(self.params)
        for change in self.changes[: self.finished_at[stage]]:
            if change.kind == "removed":
                values.pop(change.key, None)
            else:
                values[change.key] = change.value
        return values

    # -- cancellation ------------------------------------------------------------------
    @property
    def cancelled(self) -> bool:
        """True once the whole run was cancelled (not merely ended)."""
        return self._cancelled

    def cancel(self) -> None:
        """Cancel the run: every attempt's ``ctx.cancelled`` turns true at once."""
        self._cancelled = True
        self.token.cancel("the run was cancelled")

    def close(self) -> None:
        """The run ended: an attempt still running sees ``ctx.cancelled`` and can no longer write."""
        self.token.cancel("the run ended")

    def begin_run(self) -> None:
        """A new run on this store: attempts of an earlier, closed run stay shut out.

        A store that was cancelled stays cancelled: attempts of any run on it see so.
        """
        if self.token.cancelled and not self._cancelled:
            self.token = CancelToken()

    def for_stage(
        self,
        stage: str,
        log: LogSink = _drop_log,
        progress: ProgressSink = _drop_progress,
        token: CancelToken | None = None,
    ) -> StageContext:
        """A handle for one attempt of ``stage``, with its own token (a child of the run's)."""
        return StageContext(self, stage, log, progress, token)


class StageContext:
    """One attempt's handle on the shared context: typed get/set, log, progress, cancellation."""

    __slots__ = ("_log", "_progress", "_run", "_token", "attempt", "stage_id", "store")

    def __init__(
        self,
        store: ContextStore,
        stage_id: str,
        log: LogSink,
        progress: ProgressSink,
        token: CancelToken | None = None,
    ) -> None:
        self.store = store
        self.stage_id = stage_id
        self.attempt = 1
        """Which attempt this is (1, then 2 on the first retry): stages and hooks may read it."""
        self._log = log
        self._progress = progress
        self._token = token
        self._run = store.token
        """The token of the run this attempt belongs to (the parent of its own)."""

    @property
    def token(self) -> CancelToken:
        """This attempt's cancellation: a child of the run's token, made on first use.

        Most attempts never look at it (a no-op stage, a quick async stage), so it is
        not built until someone does; a run-level cancel reaches them through the
        store's token all the same.
        """
        token = self._token
        if token is None:
            with _TOKEN_LOCK:
                token = self._token
                if token is None:
                    token = self._token = CancelToken(self._run)
        return token

    @property
    def mode(self) -> ExecutionMode:
        return self.store.mode

    @property
    def dry_run(self) -> bool:
        return self.store.mode is ExecutionMode.DRY_RUN

    @property
    def params(self) -> dict[str, Any]:
        """The pipeline's ``[context]`` parameters after ``--set`` overrides."""
        return self.store.params

    @overload
    def get(self, key: ContextKey[T]) -> T: ...
    @overload
    def get(self, key: ContextKey[T], default: T) -> T: ...
    @overload
    def get(self, key: str, default: Any = ...) -> Any: ...
    def get(self, key: str | ContextKey[Any], default: Any = _MISSING) -> Any:
        return self.store.get(key, default)

    def __getitem__(self, key: str | ContextKey[Any]) -> Any:
        return self.store.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self.store

    def __iter__(self) -> Iterator[str]:
        return iter(self.store.keys())

    def set(self, key: str | ContextKey[T], value: T) -> None:
        """Write a value; refused (:class:`StageCancelled`) once this attempt is cancelled."""
        if (self._token or self._run).cancelled:
            self._refuse(key)
        self.store.write(self.stage_id, key, value)

    def __setitem__(self, key: str | ContextKey[Any], value: Any) -> None:
        self.set(key, value)

    def delete(self, key: str | ContextKey[Any]) -> None:
        if self.cancelled:
            self._refuse(key)
        self.store.remove(self.stage_id, key)

    def _refuse(self, key: str | ContextKey[Any]) -> NoReturn:
        from workbench.engine.run.stage_cancelled import StageCancelled

        reason = self.token.reason or "cancelled"
        raise StageCancelled(
            self.stage_id, f"{reason}; its write of {_key_name(key)!r} was not made"
        )

    def log(self, message: str, level: str = "info", stream: str = "log") -> None:
        """A line for this stage's log pane (and the CLI's output with ``-v``)."""
        self._log(self.stage_id, level, message, stream)

    def progress(self, done: float, total: float | None = None, message: str = "") -> None:
        self._progress(self.stage_id, done, total, message)

    @property
    def cancelled(self) -> bool:
        """True once this attempt is cancelled: its timeout, a cancel, or the end of the run.

        A thread stage cannot be interrupted from outside: check this (or call
        :meth:`check_cancelled`) in loops and between chunks of I/O.
        """
        token = self._token
        return (token or self._run).cancelled

    def check_cancelled(self) -> None:
        """Raise :class:`StageCancelled` (a ``CancelledError``) if this attempt is cancelled."""
        if self.cancelled:
            from workbench.engine.run.stage_cancelled import StageCancelled

            raise StageCancelled(self.stage_id, self.token.reason or "cancelled")

    raise_if_cancelled = check_cancelled
    """The older name of :meth:`check_cancelled`."""

    def wait_cancelled(self, timeout: float | None = None) -> bool:
        """Block this thread until the attempt is cancelled or ``timeout`` passes.

        Returns whether it was cancelled. Use it instead of ``time.sleep`` in thread
        stages that poll or back off, so a timeout or a cancel stops them at once.
        (An ``async def run`` is cancelled by asyncio itself and should not call it.)
        """
        return self.token.wait(timeout)


def _key_name(key: object) -> str:
    return key.name if isinstance(key, ContextKey) else str(key)
