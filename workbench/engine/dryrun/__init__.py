"""Dry runs: what a run would do, without doing it.

- ``models``: the report (:class:`~workbench.engine.dryrun.models.DryRunReport`),
  each stage's plan, planned operations, conflicts.
- ``build``: asking every stage for its plan and finding the conflicts.
- ``diff``: two reports compared stage by stage.
- ``format``: summaries and estimates in words.
- ``compare``: the comparisons the app and ``workbench dry-run`` offer (another file,
  other parameters, a past run), built on ``build`` and ``diff``.
- ``export``: a report or comparison as Markdown or JSON.
"""
