"""Text from stages and plugins, made safe to show on a terminal.

A stage's output is written by whatever program it runs. Escape sequences in it
would reach the person's terminal raw: OSC 0/2 retitles the window, OSC 52 writes
the clipboard, cursor movement and screen clearing can hide or forge lines.
:func:`clean_output` removes every control sequence and control character except
colours (SGR, ``ESC [ … m``), tabs, newlines and carriage returns (a progress
line redrawing itself). The command line, run summaries, ``workbench stages``
and the app all show text through it; the run history's log files keep the raw
bytes, so nothing a stage printed is lost.
"""

from __future__ import annotations

import re

_SEQUENCE = re.compile(
    r"""
      \x1b\[[0-?]*[\x20-/]*[@-~]                  # CSI: colours, cursor moves, erase, modes
    | \x9b[0-?]*[\x20-/]*[@-~]                    # 8-bit CSI
    | (?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?    # OSC: title, clipboard, links
    | (?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?  # DCS, SOS, PM, APC
    | \x1b[\x20-/]*[0-~]?                         # any other escape, or a lone ESC
    | [\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]          # any other control character
    """,
    re.VERBOSE,
)
_SGR = re.compile(r"\x1b\[[0-9;:]*m")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""C0 controls but tab, newline and carriage return; DEL; C1 controls."""


def clean_output(text: str, *, keep_colour: bool = True) -> str:
    """``text`` without control sequences; colours stay unless ``keep_colour`` is False."""
    if not _CONTROL.search(text):
        return text  # the common case: plain text, returned as it is

    def keep(match: re.Match[str]) -> str:
        sequence = match.group()
        return sequence if keep_colour and _SGR.fullmatch(sequence) else ""

    return _SEQUENCE.sub(keep, text)
