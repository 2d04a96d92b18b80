"""The change log: every write to a run's context, in order, and where each stage finished.

One :class:`ChangeLog` is the single record the context's history is rebuilt
from, wherever it is needed: the live store (:meth:`ContextStore.as_of`), a
partial re-run seeded with what the last run left, the context inspector showing
the context "after stage X", and a past run read back from the history database
(whose records carry the stored previews instead of the live values).

Positions are counts of records: position ``n`` is the context after the first
``n`` changes, and a stage's *finish mark* is the position when it finished.
:meth:`ChangeLog.replay` rebuilds the values, who wrote each key and who removed
each parameter, up to any position. Records hold a *reference* to the value
written, never a copy, so a replay shares the live values.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

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
    """The value written (the object itself); nothing for a removal."""

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "stage": self.stage,
            "key": self.key,
            "kind": self.kind,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True, slots=True)
class KeyChange:
    """The net effect of one stage on one key, across all its writes."""

    key: str
    kind: ChangeKind
    before: str
    after: str


@dataclass(slots=True)
class ContextState:
    """The context at one position of a change log."""

    values: dict[str, Any]
    writers: dict[str, str] = field(default_factory=dict)
    """key -> the stage that last wrote it; a parameter no stage wrote has none."""
    removed: dict[str, str] = field(default_factory=dict)
    """key -> the stage that removed it, for keys of the starting values no longer there."""


class ChangeLog:
    """The ordered changes of one run's context and each stage's finish mark.

    Appending is not locked here: :class:`~workbench.engine.context.ContextStore`
    appends under its own lock, so sequence numbers stay unique across threads.
    """

    __slots__ = ("_writers", "finished_at", "records")

    def __init__(self, records: Iterable[ChangeRecord] = ()) -> None:
        self.records: list[ChangeRecord] = list(records)
        self.finished_at: dict[str, int] = {}
        """stage id -> the position (number of changes) when that stage finished."""
        self._writers: dict[str, str] = {}
        for record in self.records:
            self._note(record)

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[ChangeRecord]:
        return iter(self.records)

    # -- writing -------------------------------------------------------------------------
    def append(
        self, stage: str, key: str, kind: ChangeKind, before: str, after: str, value: Any
    ) -> None:
        """Record one change at the end (the caller holds the store's lock)."""
        record = ChangeRecord(len(self.records), stage, key, kind, before, after, value)
        self.records.append(record)
        self._note(record)

    def _note(self, record: ChangeRecord) -> None:
        if record.kind == "removed":
            self._writers.pop(record.key, None)
        else:
            self._writers[record.key] = record.stage

    def mark_finished(self, stage: str, at: int | None = None) -> None:
        """``stage`` finished at position ``at`` (now, when not given)."""
        # No lock: reading a list's length is atomic, and a write racing in from
        # another stage's thread is either counted or not, both consistent.
        self.finished_at[stage] = len(self.records) if at is None else at

    # -- reading -------------------------------------------------------------------------
    def mark(self, stage: str) -> int:
        """The position at which ``stage`` finished; :class:`KeyError` if it has not."""
        try:
            return self.finished_at[stage]
        except KeyError:
            raise KeyError(f"stage {stage!r} has not finished in this run") from None

    def replay(
        self,
        upto: int | None = None,
        *,
        start: Mapping[str, Any] | None = None,
        without: Collection[str] = (),
    ) -> ContextState:
        """The context after the first ``upto`` changes (all of them for None).

        ``start`` holds the values before any change (the run's parameters); the
        changes made by the stages in ``without`` are left out, as if they had not
        run. Iterative and linear in the changes replayed.
        """
        values: dict[str, Any] = dict(start or {})
        writers: dict[str, str] = {}
        removed: dict[str, str] = {}
        skip = set(without)
        records = self.records if upto is None else self.records[:upto]
        for change in records:
            if change.stage in skip:
                continue
            key = change.key
            if change.kind == "removed":
                if key in values:
                    del values[key]
                    writers.pop(key, None)
                    removed[key] = change.stage
            else:
                values[key] = change.value
                writers[key] = change.stage
                removed.pop(key, None)
        removed = {k: s for k, s in removed.items() if start is not None and k in start}
        return ContextState(values, writers, removed)

    def as_of(self, stage: str, start: Mapping[str, Any] | None = None) -> ContextState:
        """The context right after ``stage`` finished; :class:`KeyError` if it has not."""
        return self.replay(self.mark(stage), start=start)

    def writers(self, upto: int | None = None) -> dict[str, str]:
        """key -> the stage that last wrote it, after ``upto`` changes (now for None)."""
        if upto is None or upto >= len(self.records):
            return dict(self._writers)
        return self.replay(upto).writers

    def changes_by(self, stage: str, upto: int | None = None) -> list[ChangeRecord]:
        """The changes ``stage`` made (among the first ``upto``), in order."""
        records = self.records if upto is None else self.records[:upto]
        return [c for c in records if c.stage == stage]

    def made_by(self, stage: str, upto: int | None = None) -> dict[str, KeyChange]:
        """What ``stage`` did to each key, its writes folded into one change per key."""
        return net_changes((c.key, c.kind, c.before, c.after) for c in self.changes_by(stage, upto))


def net_changes(records: Iterable[tuple[str, str, str, str]]) -> dict[str, KeyChange]:
    """Fold (key, kind, before, after) writes of one stage into one change per key.

    A key the stage added and later removed again did not change, so it is left out.
    """
    first: dict[str, tuple[str, str]] = {}
    last: dict[str, tuple[str, str]] = {}
    for key, kind, before, after in records:
        first.setdefault(key, (kind, before))
        last[key] = (kind, after)
    out: dict[str, KeyChange] = {}
    for key, (first_kind, before) in first.items():
        last_kind, after = last[key]
        existed, exists = first_kind != "added", last_kind != "removed"
        if existed and exists:
            out[key] = KeyChange(key, "changed", before, after)
        elif exists:
            out[key] = KeyChange(key, "added", before, after)
        elif existed:
            out[key] = KeyChange(key, "removed", before, after)
    return out
