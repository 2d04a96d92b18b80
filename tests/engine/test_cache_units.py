"""The cache's pure parts: canonical value hashes, file hashes with the stat fast path, the store."""

from __future__ import annotations

import dataclasses
import os
import threading
from pathlib import Path

import pytest

from workbench.engine.cache.files import ABSENT, FileHasher, hash_file
from workbench.engine.cache.store import CacheEntry, CacheStore, DamagedEntry
from workbench.engine.cache.values import UnhashableValue, hash_value


def test_equal_data_hashes_equal_whatever_the_order() -> None:
    assert hash_value({"a": 1, "b": [1, 2]}) == hash_value({"b": [1, 2], "a": 1})
    assert hash_value({3, 1, 2}) == hash_value({2, 3, 1})
    assert hash_value({1: "x", "1": "y"}) == hash_value({"1": "y", 1: "x"})


def test_types_are_part_of_the_hash() -> None:
    digests = {hash_value(v) for v in (1, 1.0, True, "1", b"1", [1], (1,), {1}, None)}
    assert len(digests) == 9
    assert hash_value({1: "a"}) != hash_value({"1": "a"})


def test_hashes_are_stable_across_processes() -> None:
    # Fixed digests: a change here would invalidate every user's cache.
    assert (
        hash_value({"rows": [1, 2.5, "x"], "ok": True})
        == "9b331a82f08d5b017ebc590234d49389b84b9cbb"
    )


def test_dataclasses_and_models_hash_by_their_data() -> None:
    @dataclasses.dataclass
    class Point:
        x: int
        y: int

    assert hash_value(Point(1, 2)) == hash_value(Point(1, 2))
    assert hash_value(Point(1, 2)) != hash_value(Point(2, 1))
    assert hash_value(Path("a/b")) == hash_value(Path("a") / "b")


def test_a_value_that_is_not_data_cannot_be_hashed_and_says_where() -> None:
    with pytest.raises(UnhashableValue, match=r"value\['lock'\] is a _thread.lock"):
        hash_value({"lock": threading.Lock()})


def test_touching_a_file_does_not_change_its_digest_and_unchanged_files_are_not_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n")
    hasher = FileHasher(tmp_path / "state")
    first = hasher.digest(str(path))
    assert first == hash_file(path)
    assert hasher.bytes_hashed == 8
    assert hasher.digest(str(path)) == first
    assert hasher.bytes_hashed == 8, "size and mtime unchanged: not read again"
    os.utime(path, ns=(1, 1))
    assert hasher.digest(str(path)) == first
    assert hasher.bytes_hashed == 16, "touched: read again, same digest"
    path.write_text("a,b\n1,3\n")
    assert hasher.digest(str(path)) != first
    assert hasher.digest(str(tmp_path / "missing")) == ABSENT


def test_file_stamps_survive_between_runs(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_bytes(b"x" * 1000)
    hasher = FileHasher(tmp_path / "state")
    hasher.digest(str(path))
    hasher.save()
    again = FileHasher(tmp_path / "state")
    again.digest(str(path))
    assert again.bytes_hashed == 0


def _entry(fp: str = "ab" * 20) -> CacheEntry:
    return CacheEntry(fp, "load", "files.load", "1", {"sales": "cd" * 20}, message="ok")


def test_an_entry_reads_back_as_written(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "cache")
    store.put(_entry())
    store.put_object("cd" * 20, b"\x80\x05K\x01.")
    entry = store.get("ab" * 20)
    assert entry is not None and entry.writes == {"sales": "cd" * 20}
    assert store.get_object("cd" * 20) == 1
    assert store.get("ef" * 20) is None
    assert not list((tmp_path / "cache").rglob("*.tmp")), "no temporary file left behind"


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[:10],
        lambda b: b[:-1] + bytes([b[-1] ^ 1]),
        lambda b: b"garbage",
        lambda b: b"",
    ],
    ids=["truncated", "bit-flip", "overwritten", "empty"],
)
def test_a_damaged_entry_is_reported_as_damaged(tmp_path: Path, damage: object) -> None:
    store = CacheStore(tmp_path / "cache")
    store.put(_entry())
    path = Path(store._entry_path("ab" * 20))
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    with pytest.raises(DamagedEntry):
        store.get("ab" * 20)


def test_eviction_drops_the_least_recently_used_first(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "cache", max_bytes=2500)
    for i, fp in enumerate(("aa" * 20, "bb" * 20, "cc" * 20)):
        store.put_object(fp, b"x" * 1000)
        os.utime(store._object_path(fp), ns=(i * 10**9, i * 10**9))
    store.touch(CacheEntry("ff" * 20, "s", "u", "1", {"k": "aa" * 20}))  # used now: kept
    assert store.evict() == 1
    assert store.has_object("aa" * 20) and store.has_object("cc" * 20)
    assert not store.has_object("bb" * 20)
    assert store.info().bytes <= 2500


def test_info_and_clear(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "cache")
    store.put(_entry())
    store.record_run(hits=3, misses=1)
    info = store.info()
    assert (info.entries, info.hits, info.misses, info.hit_rate) == (1, 3, 1, 0.75)
    assert store.clear() == 1
    assert store.info().entries == 0
