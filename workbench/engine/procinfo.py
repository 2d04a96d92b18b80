"""Is a process still the one that started a run? Its pid alone cannot say.

Pids are reused: a run whose process died may have its pid handed to an unrelated
process, and a check by pid alone would keep that run "running" forever. A
process is identified by its pid *and* its start time (on Linux the boot id and
the start tick from ``/proc/<pid>/stat``). Where the start time cannot be read
(other systems without ``/proc``), only the pid is checked.
"""

from __future__ import annotations

import os
from pathlib import Path


def start_identity(pid: int) -> str | None:
    """A text that changes when ``pid`` names another process; None when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat.rpartition(")")[2].split()
    if len(fields) < 20:
        return None
    return f"{boot}:{fields[19]}"


def pid_exists(pid: int) -> bool | None:
    """Whether a process ``pid`` exists; None where this system cannot tell.

    Each caller decides what "cannot tell" means: a sweep of temporary files keeps
    them (the writer may be alive), the history marks the run interrupted. On
    Windows signal 0 is not a probe (it is Ctrl+C), so nothing is sent there.
    """
    if pid == os.getpid():
        return True
    if os.name == "nt":
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    except OSError:
        return None
    return True


def is_alive(pid: int, identity: str | None = None) -> bool:
    """Whether the process ``pid`` exists and, when ``identity`` is known, is the same one."""
    if pid == os.getpid():
        return identity is None or identity == start_identity(pid)
    if not pid_exists(pid):
        return False
    if identity is None:
        return True
    now = start_identity(pid)
    return now is None or now == identity
