"""Incremental runs: fingerprints, the content-addressed cache, and reasons a stage will run.

``values`` and ``files`` hash data and files; ``store`` keeps entries on disk;
``fingerprint`` says what a stage's result depends on and how that changed;
``session`` is the seam the runner asks before and after each stage; ``status``
explains a pipeline without running it.
"""

from workbench.engine.cache.reasons import Reason, ReasonKind, StageState, StageStatusLine
from workbench.engine.cache.session import RunCache
from workbench.engine.cache.status import PipelineStatus, pipeline_status
from workbench.engine.cache.store import DEFAULT_MAX_BYTES, CacheInfo, CacheStore

__all__ = [
    "DEFAULT_MAX_BYTES",
    "CacheInfo",
    "CacheStore",
    "PipelineStatus",
    "Reason",
    "ReasonKind",
    "RunCache",
    "StageState",
    "StageStatusLine",
    "pipeline_status",
]
