"""Sizes, times and counts read the same in the CLI, the app, Markdown and stage messages."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, strategies as st

from stages._counts import human_bytes
from workbench.engine.units import (
    counted,
    format_bytes,
    format_change,
    format_elapsed,
    format_seconds,
    format_timestamp,
    format_total,
    plural,
    total_label,
)


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1000, "1.0 kB"),
        (1_234_567, "1.2 MB"),
        (999_950, "1.0 MB"),
        (3 * 10**12, "3.0 TB"),
    ],
)
def test_bytes(count: int, text: str) -> None:
    assert format_bytes(count) == text
    assert human_bytes(count) == text


def test_a_stage_that_cannot_tell_a_size_says_so() -> None:
    assert human_bytes(None) == "size unknown"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "unknown"), (0.25, "250 ms"), (12.34, "12.3 s"), (185, "3m05s"), (3720 * 2, "2h04m")],
)
def test_seconds(seconds: float | None, text: str) -> None:
    assert format_seconds(seconds) == text


def test_elapsed_is_the_compact_clock() -> None:
    assert [format_elapsed(s) for s in (None, 0.4, 185, 3720)] == ["", "0.4s", "3m05s", "1h02m"]


@pytest.mark.parametrize(
    ("count", "noun", "text"),
    [
        (1, "problem", "1 problem"),
        (2, "problem", "2 problems"),
        (0, "entry", "0 entries"),
        (1204, "row", "1,204 rows"),
        (3, "context change", "3 context changes"),
        (2, "status", "2 status"),
    ],
)
def test_counted(count: int, noun: str, text: str) -> None:
    assert counted(count, noun) == text


@given(st.integers(min_value=0, max_value=10**15))
def test_bytes_always_name_a_unit(count: int) -> None:
    number, unit = format_bytes(count).split(" ")
    assert unit in ("B", "kB", "MB", "GB", "TB")
    assert float(number.replace(",", "")) < 1000 or unit == "TB"


def test_totals_and_changes_in_their_units() -> None:
    assert total_label("wall_seconds") == "wall seconds"
    assert format_total("wall_seconds", 1.5) == "1.5 s"
    assert format_total("bytes", 2000) == "2.0 kB"
    assert format_total("stages", 1204) == "1,204"
    assert format_total("stages", None) == "—"
    assert format_change("bytes", 1000, 3000) == "+2.0 kB"
    assert format_change("stages", 4, 3) == "−1"
    assert format_change("seconds", 2, 2) == "="
    assert format_change("seconds", None, 2) == ""
    assert plural("match", 2) == "matches"


def test_timestamps_read_to_the_second_in_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        assert format_timestamp(1_700_000_000.4) == "2023-11-14 22:13:20"
    finally:
        monkeypatch.undo()
        time.tzset()
