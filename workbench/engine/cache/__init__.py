"""Incremental runs: fingerprints, the content-addressed cache, and reasons a stage will run.

``values`` and ``files`` hash data and files; ``store`` keeps entries on disk;
``fingerprint`` says what a stage's result depends on and how that changed;
``session`` is the seam the runner asks before and after each stage; ``status``
explains a pipeline without running it.

Import from the submodules: this package is imported by the dry-run report (for
its reasons), which the stage model imports in turn, so it loads nothing up front.
"""
