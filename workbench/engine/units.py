"""Numbers as people read them: bytes, seconds, counts with their noun, totals and changes.

One home for every place that shows a size or a time (the command line, the app,
the Markdown export, a stage's result message), so "1.2 kB" and "3m05s" read the
same wherever they appear. Pure functions of their arguments; no Rich, no Textual.
"""

from __future__ import annotations

import datetime as dt

_IRREGULAR = {"entry": "entries", "match": "matches", "dictionary": "dictionaries"}


def plural(noun: str, count: int) -> str:
    """The noun for ``count`` things: ``row``/``rows``, ``entry``/``entries``; ``…s`` stays."""
    if count == 1:
        return noun
    if noun in _IRREGULAR:
        return _IRREGULAR[noun]
    if noun.endswith("s"):
        return noun
    return noun + "s"


def counted(count: int, noun: str) -> str:
    """``counted(1204, "row")`` is ``"1,204 rows"``; ``counted(1, "problem")`` is ``"1 problem"``."""
    return f"{count:,} {plural(noun, count)}"


def format_bytes(count: int) -> str:
    """``12 B``, ``1.2 kB``, ``3.4 MB``, … up to TB, in powers of 1000 as file managers show."""
    if count < 1000:
        return f"{count:,} B"
    value = float(count)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        shown = f"{value:.1f}"
        if float(shown) < 1000 or unit == "TB":  # 999,950 B is 1.0 MB, not 1000.0 kB
            return f"{shown} {unit}"
    raise AssertionError("unreachable")


def format_seconds(seconds: float | None) -> str:
    """``250 ms``, ``12.3 s``, ``3m05s``, ``1h02m``; ``unknown`` when there is no figure."""
    if seconds is None:
        return "unknown"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 90:
        return f"{seconds:.1f} s"
    return _clock(round(seconds), hours_from=90)


def format_elapsed(seconds: float | None) -> str:
    """``0.4s``, ``12.0s``, ``3m05s``, ``1h02m``: a running clock for a narrow column."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f}s"
    return _clock(int(seconds), hours_from=60)


def _clock(whole_seconds: int, hours_from: int) -> str:
    """``3m05s`` below ``hours_from`` minutes, ``1h02m`` from there on."""
    minutes, secs = divmod(whole_seconds, 60)
    if minutes < hours_from:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def format_timestamp(timestamp: float) -> str:
    """``2026-12-02 07:14:16``: when something happened, in local time, to the second."""
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")


def total_label(name: str) -> str:
    """A report total's name as a person reads it: ``wall_seconds`` is ``wall seconds``."""
    return name.replace("_", " ")


def format_total(name: str, value: float | None) -> str:
    """A report total (``bytes``, ``seconds``, ``wall_seconds``, a count) in its unit; ``—`` if unknown."""
    if value is None:
        return "—"
    if name == "bytes":
        return format_bytes(int(value))
    if "seconds" in name:
        return format_seconds(value)
    return f"{int(value):,}"


def format_change(name: str, before: float | None, after: float | None) -> str:
    """How a total moved: ``=``, ``+1.2 kB``, or a minus sign and the fall; empty when a side is unknown."""
    if before is None or after is None:
        return ""
    if before == after:
        return "="
    sign = "+" if after > before else "−"
    return sign + format_total(name, abs(after - before))
