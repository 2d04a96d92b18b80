"""Running a pipeline.

- ``runner``: :class:`~workbench.engine.run.runner.Runner`, the scheduling (which
  stage starts when, within the concurrency limit), cancelling, the run's result.
- ``attempts``: how one stage runs once started: the cache, before/after hooks,
  attempts with retries and timeouts.
- ``stepping``: step mode and breakpoints.
- ``bridge``: events to subscribers, from the loop or a stage's thread.
- ``executors``, ``dask_executor``, ``dask_task``, ``executor_choice``: where an
  attempt runs (the loop and the executor's own threads, or a Dask cluster).
- ``hooks``, ``outcomes``, ``cancellation``, ``stage_cancelled``: hooks around
  stages and runs, how a stage's return or exception becomes its result, each
  attempt's own cancellation.
"""
