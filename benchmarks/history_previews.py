"""What a history preview costs per context change, bounded JSON against the old cut text.

    python benchmarks/history_previews.py [--repeat 5]

The recorder makes one preview for every context change as its stage finishes. The
old preview serialised the whole value with ``json.dumps`` and cut the text at
2,000 characters (JSON cut mid-text); the bounded preview walks only what fits. For
small values (the common case: a count, a short list, a small mapping) the new
preview is compared with the old one, which was one ``json.dumps``; for huge values
(a 100,000-row table, a 20 MB text, a 10 MB list of numbers, 10 MB of bytes), with
the old one and against a fixed budget. Each figure is the median of ``--repeat``
runs of many calls, old and new timed back to back in the same process, so the
ratios hold on a loaded machine even when the absolute times do not.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.engine.history.previews import PREVIEW_LIMIT, preview

SMALL_RATIO_TARGET = 4.0
"""A small value's bounded preview costs at most this many times the old one."""
HUGE_TARGET_MS = 5.0
"""A huge value's preview takes at most this long (it walks only what fits)."""


def old_preview(value: Any) -> str:
    """The preview as it was before it was bounded: whole JSON, cut mid-text."""
    if isinstance(value, str) and len(value) > PREVIEW_LIMIT:
        value = value[:PREVIEW_LIMIT]
    elif isinstance(value, (bytes, bytearray)) and len(value) > PREVIEW_LIMIT:
        value = bytes(value[:PREVIEW_LIMIT])
    try:
        text = json.dumps(value, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > PREVIEW_LIMIT:
        text = text[: PREVIEW_LIMIT - 1] + "…"
    return text


def per_call(fn: Callable[[Any], str], value: Any, calls: int, repeat: int) -> float:
    """Median seconds per call over ``repeat`` rounds of ``calls`` calls."""
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(calls):
            fn(value)
        rounds.append((time.perf_counter() - start) / calls)
    return statistics.median(rounds)


SMALL: dict[str, Any] = {
    "an int": 42,
    "a short text": "north",
    "a short list": [1, 2, 3],
    "a small mapping": {"rows": 120, "region": "north", "ok": True},
}
HUGE: dict[str, Any] = {
    "100,000-row table": [
        {"region": f"r{i % 4}", "amount": i * 1.5, "product": f"p{i % 5}"} for i in range(100_000)
    ],
    "20 MB text": "a line of a log\n" * 1_250_000,
    "1,000,000 numbers": list(range(1_000_000)),
    "10 MB of bytes": b"\x00" * 10_000_000,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("small values (per change, new vs old):")
    for name, value in SMALL.items():
        old = per_call(old_preview, value, 20_000, args.repeat)
        new = per_call(preview, value, 20_000, args.repeat)
        ratio = new / old
        mark = "ok" if ratio <= SMALL_RATIO_TARGET else "MISS"
        print(
            f"  {name:<18} new {new * 1e6:6.1f} µs   old {old * 1e6:6.1f} µs   "
            f"{ratio:4.1f}x (target <= {SMALL_RATIO_TARGET:g}x) {mark}"
        )
    print("huge values (per change, new vs old):")
    for name, value in HUGE.items():
        old = per_call(old_preview, value, 3, args.repeat)
        new = per_call(preview, value, 30, args.repeat)
        mark = "ok" if new * 1e3 <= HUGE_TARGET_MS else "MISS"
        print(
            f"  {name:<18} new {new * 1e3:7.2f} ms   old {old * 1e3:8.2f} ms   "
            f"{old / new:7.1f}x faster (target <= {HUGE_TARGET_MS:g} ms) {mark}"
        )


if __name__ == "__main__":
    main()
