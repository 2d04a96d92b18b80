"""The shared folder watcher: a watcher that fails is reported and started again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from watchfiles import Change

import workbench.engine.watching as watching


def test_a_watcher_that_fails_is_reported_and_restarted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    async def flaky_awatch(*paths: Path, **options: Any) -> AsyncIterator[set[tuple[Change, str]]]:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("inotify watch limit reached")
        yield {(Change.modified, str(tmp_path / "a.toml"))}

    monkeypatch.setattr(watching, "awatch", flaky_awatch)
    monkeypatch.setattr(watching, "RESTART_DELAY", 0)
    news: list[str] = []

    async def first() -> set[tuple[Change, str]]:
        stream = watching.follow([tmp_path], say=news.append)
        return await anext(stream)

    changes = asyncio.run(first())

    assert changes == {(Change.modified, str(tmp_path / "a.toml"))}
    assert news == ["the file watcher stopped (inotify watch limit reached); restarting it"]
    assert len(calls) == 2


def test_a_missing_folder_is_watched_through_its_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[Path, ...]] = []

    async def fake_awatch(*paths: Path, **options: Any) -> AsyncIterator[set[tuple[Change, str]]]:
        seen.append(paths)
        (tmp_path / "pipelines").mkdir()
        yield set()

    monkeypatch.setattr(watching, "awatch", fake_awatch)
    news: list[str] = []

    async def first() -> set[tuple[Change, str]]:
        return await anext(watching.follow([tmp_path / "pipelines"], say=news.append))

    changes = asyncio.run(first())

    assert seen == [(tmp_path,)]
    assert changes == {(Change.added, str(tmp_path / "pipelines"))}
    assert news == [
        f"{tmp_path / 'pipelines'} is gone; watching {tmp_path} until it is back",
        f"{tmp_path / 'pipelines'} is back; watching it again",
    ]
