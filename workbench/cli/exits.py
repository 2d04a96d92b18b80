"""Exit codes of every `workbench` command, in one place so no module imports the entry for them.

0 success; 1 an invalid pipeline or a failed stage; 2 bad usage or an unreadable
file; 130 interrupted with Ctrl+C, as shells report it (128 + SIGINT).
"""

from __future__ import annotations

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130
"""Ctrl+C, as shells report it (128 + SIGINT)."""
