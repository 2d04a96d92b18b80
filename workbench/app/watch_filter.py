"""Which file changes under the project folder the app takes in.

Apart from :mod:`workbench.app.catalog`, which sorts the changes, so that watchfiles
is imported when watching starts (after the first frame), not before the list is drawn.
"""

from __future__ import annotations

from watchfiles import Change, DefaultFilter

WATCHED_SUFFIXES = (".toml", ".py")


class ProjectFilter(DefaultFilter):
    """Watch only TOML files and Python modules, skipping the usual noise (.git, caches)."""

    def __call__(self, change: Change, path: str) -> bool:
        return path.endswith(WATCHED_SUFFIXES) and super().__call__(change, path)
