"""Executors other than the runner's own local one.

Each lives in its own module and imports its engine lazily, so the workbench
starts as fast without it installed as with it.
"""
