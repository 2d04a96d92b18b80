"""Running a pipeline: the runner's scheduling, the executors that run each stage
attempt (on the local loop and thread pool, or on Dask), hooks around a stage, and
each attempt's own cancellation."""
