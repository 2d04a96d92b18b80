"""A pipeline stage's fingerprint, and how two fingerprints differ.

The fingerprint covers what decides a stage's result: its id in the pipeline, the
stage name and version,
its resolved config, the content of every context value it reads (a stage that
declares no reads: every value written upstream of it, and the parameters) and the
content of every file its plan reads. Equal fingerprints mean the stage would do
the same work, so its recorded writes can be reused.

The parts are kept beside the digest so a changed fingerprint can be explained:
which config field went from what to what, which key or file changed.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.engine.cache.files import ABSENT, FileHasher
from workbench.engine.cache.reasons import Reason, ReasonKind, short
from workbench.engine.cache.values import hash_parts, hash_value
from workbench.engine.dryrun.dry_run import flatten_config

if TYPE_CHECKING:
    from workbench.engine.context import ContextStore, StageContext
    from workbench.engine.pipeline import Pipeline, PipelineStage

KEY = "key:"
FILE = "file:"


@dataclass(slots=True)
class FingerprintParts:
    """What a fingerprint is made of, kept to explain the next change."""

    uses: str
    version: str
    config: dict[str, Any]
    inputs: dict[str, str]
    """``key:NAME`` or ``file:PATH`` -> digest of its content (``absent`` when missing)."""
    outputs: tuple[str, ...]
    """Files the stage writes."""
    digest: str = ""
    config_digest: str = ""
    """Of the real config: tells a changed secret apart when ``config`` shows it masked."""

    def to_data(self) -> dict[str, Any]:
        return {
            "uses": self.uses,
            "version": self.version,
            "config": self.config,
            "inputs": self.inputs,
            "outputs": list(self.outputs),
            "digest": self.digest,
            "config_digest": self.config_digest,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> FingerprintParts:
        return cls(
            str(data["uses"]),
            str(data["version"]),
            dict(data["config"]),
            dict(data["inputs"]),
            tuple(data.get("outputs", ())),
            str(data["digest"]),
            str(data.get("config_digest", "")),
        )


def digest_of(
    stage_id: str, uses: str, version: str, config_digest: str, inputs: Mapping[str, str]
) -> str:
    """The fingerprint. The stage id is part of it: a stage may write keys named after
    its id, so two uses of one stage with the same config do not share results."""
    flat = [stage_id, uses, version, config_digest]
    for name in sorted(inputs):
        flat += [name, inputs[name]]
    return hash_parts(*flat)


def stage_config(ps: PipelineStage) -> dict[str, Any]:
    """The resolved config as plain data: what the stage will really run with."""
    assert ps.stage is not None
    config: dict[str, Any] = ps.stage.config.model_dump(mode="json")
    return config


_CONFIGS: weakref.WeakKeyDictionary[Any, tuple[Any, dict[str, Any], str]] = (
    weakref.WeakKeyDictionary()
)


def config_digest(ps: PipelineStage) -> tuple[dict[str, Any], str]:
    """The resolved config and its digest, remembered per stage instance between runs.

    A stage's config object is built once when the pipeline is loaded; the digest
    is recomputed if the stage is given another config object.
    """
    assert ps.stage is not None
    known = _CONFIGS.get(ps.stage)
    if known is None or known[0] is not ps.stage.config:
        config = stage_config(ps)
        known = (ps.stage.config, _masked(config, ps), hash_value(config))
        _CONFIGS[ps.stage] = known
    return known[1], known[2]


SECRET_MARK = "•••"


def _masked(config: dict[str, Any], ps: PipelineStage) -> dict[str, Any]:
    """The config as kept in the manifest (on disk): secret values replaced by a mark.

    The digest covers the real values, so changing a secret still reruns the stage;
    only the explanation shows the mark instead of the value.
    """
    assert ps.stage is not None
    try:
        secrets = [v for v in ps.stage.secret_values() if v not in (None, "")]
    except Exception:  # a plugin's override must not break caching
        secrets = []
    if not secrets:
        return config

    def mask(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: mask(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mask(v) for v in value]
        return SECRET_MARK if any(value == s for s in secrets) else value

    masked: dict[str, Any] = mask(config)
    return masked


class Fingerprinter:
    """Fingerprints stages in run order, tracking the digest of every context value.

    The digest of a value written by a cached or recorded stage is known without
    hashing it again; a parameter or a value written by a stage that is not cached
    is hashed the first time a stage reads it.
    """

    def __init__(self, pipeline: Pipeline, files: FileHasher) -> None:
        self.pipeline = pipeline
        self.files = files
        self.digests: dict[str, str | None] = {}
        """key -> digest of its current value; None: unknown until it runs."""
        self.writer_of: dict[str, str] = {}
        self._config: dict[str, tuple[dict[str, Any], str]] = {}
        self._ancestors: tuple[dict[str, int], dict[str, int]] | None = None

    def config_of(self, ps: PipelineStage) -> tuple[dict[str, Any], str]:
        known = self._config.get(ps.id)
        if known is None:
            known = self._config[ps.id] = config_digest(ps)
        return known

    def value_digest(self, key: str, store: ContextStore) -> str | None:
        """The digest of a key's current value (``absent`` when unset); raises UnhashableValue."""
        if key in self.digests:
            return self.digests[key]
        if key not in store:
            return ABSENT
        digest = hash_value(store.get(key))
        self.digests[key] = digest
        return digest

    def keys_of(self, sid: str, ps: PipelineStage, store: ContextStore) -> Iterable[str]:
        """The keys a stage reads; without declared reads, everything written upstream of it."""
        assert ps.stage is not None
        reads = ps.stage.keys_read()
        if reads:
            return reads
        ancestors, position = self._ancestry()
        mask = ancestors[sid]
        written = [k for k, w in self.writer_of.items() if mask >> position[w] & 1]
        return sorted({*written, *store.params})

    def _ancestry(self) -> tuple[dict[str, int], dict[str, int]]:
        """Each stage's ancestors as a bit set over run order: one pass, cheap on long chains."""
        if self._ancestors is None:
            graph = self.pipeline.graph
            position = {sid: i for i, sid in enumerate(graph.order)}
            ancestors: dict[str, int] = {}
            for sid in graph.order:
                mask = 0
                for parent in graph.parents(sid):
                    mask |= ancestors[parent] | (1 << position[parent])
                ancestors[sid] = mask
            self._ancestors = (ancestors, position)
        return self._ancestors

    def note_writes(
        self, sid: str, digests: Mapping[str, str | None], removed: Iterable[str] = ()
    ) -> None:
        for key, digest in digests.items():
            self.digests[key] = digest
            self.writer_of[key] = sid
        for key in removed:
            self.digests[key] = ABSENT
            self.writer_of[key] = sid

    def forget(self, keys: Iterable[str]) -> None:
        """These keys were changed by a stage whose writes are not recorded: hash them anew."""
        for key in keys:
            self.digests.pop(key, None)

    def parts(
        self,
        sid: str,
        ps: PipelineStage,
        ctx: StageContext,
        paths: tuple[tuple[str, ...], tuple[str, ...]],
    ) -> FingerprintParts | None:
        """The fingerprint, or None when a value it reads is not known yet (upstream will run)."""
        assert ps.stage is not None
        config, config_digest = self.config_of(ps)
        inputs: dict[str, str] = {}
        for key in self.keys_of(sid, ps, ctx.store):
            digest = self.value_digest(key, ctx.store)
            if digest is None:
                return None
            inputs[KEY + key] = digest
        read, written = paths
        for path in read:
            inputs[FILE + path] = self.files.digest(path)
        version = str(type(ps.stage).version)
        digest = digest_of(sid, ps.uses, version, config_digest, inputs)
        return FingerprintParts(ps.uses, version, config, inputs, written, digest, config_digest)


def explain(old: FingerprintParts | None, new: FingerprintParts) -> list[Reason]:
    """Why ``new`` differs from the fingerprint of the last recorded run, ``old``."""
    if old is None:
        return [Reason(ReasonKind.NEVER_RUN, "no earlier run is recorded in the cache")]
    reasons: list[Reason] = []
    if old.uses != new.uses:
        reasons.append(
            Reason(
                ReasonKind.CONFIG_CHANGED,
                f"uses: {old.uses} → {new.uses}",
                {"changes": [{"field": "uses", "before": old.uses, "after": new.uses}]},
            )
        )
    elif old.version != new.version:
        reasons.append(
            Reason(
                ReasonKind.VERSION_CHANGED,
                f"{new.uses} version {old.version} → {new.version}",
                {"before": old.version, "after": new.version},
            )
        )
    changes = config_changes(old.config, new.config)
    if not changes and old.config_digest and new.config_digest != old.config_digest:
        reasons.append(Reason(ReasonKind.CONFIG_CHANGED, "a secret value changed", {"changes": []}))
    if changes:
        detail = ", ".join(f"{k}: {short(a)} → {short(b)}" for k, a, b in changes)
        reasons.append(
            Reason(
                ReasonKind.CONFIG_CHANGED,
                detail,
                {"changes": [{"field": k, "before": a, "after": b} for k, a, b in changes]},
            )
        )
    for name in sorted(old.inputs.keys() | new.inputs.keys()):
        before, after = old.inputs.get(name), new.inputs.get(name)
        if before == after:
            continue
        kind, _, what = name.partition(":")
        noun = "file" if kind == "file" else "key"
        if after == ABSENT:
            text = f"{noun} {what} is missing"
        elif before is None or before == ABSENT:
            text = f"{noun} {what} is new"
        else:
            text = f"{noun} {what} has other content"
        reasons.append(Reason(ReasonKind.INPUT_CHANGED, text, {noun: what}))
    return reasons


_ABSENT = object()


def config_changes(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[tuple[str, Any, Any]]:
    """(dotted field, before, after) for every field that differs; a missing side is None."""
    a, b = flatten_config(before), flatten_config(after)
    return [
        (key, a.get(key), b.get(key))
        for key in sorted(a.keys() | b.keys())
        if a.get(key, _ABSENT) != b.get(key, _ABSENT)
    ]
