"""The run screen's Textual-free parts: the bounded log buffer and the re-run rules."""

from __future__ import annotations

from workbench.app.run.controller import LogBuffer, seeded_store
from workbench.engine.context import ContextStore


def test_a_carriage_return_line_is_redrawn_in_place() -> None:
    log = LogBuffer()
    for message in ("start", "\r10%", "\r50%", "\r100%", "a\rb\rc", "end"):
        log.append("stdout", message)
    assert [t for _, t in log.lines] == ["start", "100%", "c", "end"]


def test_a_leading_carriage_return_never_eats_an_ordinary_line() -> None:
    log = LogBuffer()
    log.append("log", "ordinary")
    log.append("log", "\rprogress 1")
    log.append("log", "\rprogress 2")
    assert [t for _, t in log.lines] == ["ordinary", "progress 2"]


def test_the_buffer_keeps_the_last_lines_and_counts_the_rest() -> None:
    log = LogBuffer(limit=100)
    for i in range(1_000):
        log.append("stdout", f"line {i}")
    assert 100 <= len(log) <= 125
    assert log.lines[-1] == ("stdout", "line 999")
    assert log.dropped + len(log) == 1_000


def test_a_seeded_store_replays_the_last_run_but_not_the_stages_to_run() -> None:
    last = ContextStore({"greeting": "hi"})
    last.write("load", "rows", [1, 2])
    last.mark_finished("load")
    last.write("check", "verdict", "bad")
    last.write("side", "extra", 3)
    store = seeded_store(last, {"greeting": "bonjour"}, ["check", "report"])
    assert store.snapshot() == {"greeting": "bonjour", "rows": [1, 2], "extra": 3}
    assert store.writers() == {"rows": "load", "extra": "side"}
