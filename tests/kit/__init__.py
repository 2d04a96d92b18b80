"""The helpers every test folder shares, one module per thing a test needs made.

pytest puts ``tests/`` on the import path (``pythonpath`` in pyproject.toml), so a
test imports ``from kit.projects import write``. Fixtures stay in each folder's
``conftest.py`` and call the kit.

- ``projects``: project folders in ``tmp_path`` (``write``, the example copies, the
  app's, the run screen's and the dry-run projects) and the repository's paths.
- ``pipelines``: pipelines from TOML text (the ``[pipeline]`` table added when
  missing), plain runs of them, the edit model's chain.
- ``stages``: the two stage folders below, registries holding them, and
  ``Harness`` for one stage run outside a pipeline.
- ``history``: runs in a project's history, recorded live or made up.
- ``app``: opening the app on a project, pilot waits, the run screen's state.
- ``cli``: the command-line project, a command's outcome, a command in its own process.
- ``dask``: a run on a Dask cluster.
- ``local_stages/``, ``dask_stages/``: stage folders loaded as a user's unpackaged
  stages are (``kit.*`` and ``dtest.*``); not imported as part of this package.
"""
