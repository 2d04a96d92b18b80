"""Saving a file: links stay links, modes follow the umask or the old file, no temp file is left."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.engine import fileio
from workbench.engine.fileio import atomic_write_text, atomic_writer
from workbench.engine.spec import load_spec, save_spec

PIPELINE = '[pipeline]\nname = "linked"\n\n[stages.a]\nuses = "core.noop"\n'


@pytest.fixture
def umask_077() -> Iterator[None]:
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_saving_a_symlinked_pipeline_writes_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "linked.toml"
    real.parent.mkdir()
    real.write_text(PIPELINE)
    link = tmp_path / "pipelines" / "linked.toml"
    link.parent.mkdir()
    link.symlink_to(real)
    loaded = load_spec(link)
    assert loaded.spec is not None

    renamed = loaded.spec.model_copy(
        update={"pipeline": loaded.spec.pipeline.model_copy(update={"name": "renamed"})}
    )
    save_spec(renamed, link)

    assert link.is_symlink()
    assert os.readlink(link) == str(real)
    assert 'name = "renamed"' in real.read_text()
    assert _leftovers(link.parent) == [] and _leftovers(real.parent) == []


def test_a_new_file_respects_the_umask(tmp_path: Path, umask_077: None) -> None:
    path = tmp_path / "new.toml"

    atomic_write_text(path, PIPELINE)

    assert path.stat().st_mode & 0o777 == 0o600


def test_an_existing_file_keeps_its_own_mode(tmp_path: Path, umask_077: None) -> None:
    path = tmp_path / "shared.toml"
    path.write_text("old")
    path.chmod(0o664)

    atomic_write_text(path, PIPELINE)

    assert path.stat().st_mode & 0o777 == 0o664
    assert path.read_text() == PIPELINE


def test_no_temporary_file_is_left_when_writing_fails(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("old")

    with pytest.raises(RuntimeError), atomic_writer(path) as handle:
        handle.write(b"half")
        raise RuntimeError("the serializer broke")

    assert path.read_text() == "old"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("step", ["fsync", "replace", "chmod"])
def test_no_temporary_file_is_left_when_the_system_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    path = tmp_path / "p.toml"
    path.write_text("old")

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, step, refuse)
    with pytest.raises(OSError):
        atomic_write_text(path, PIPELINE)
    monkeypatch.undo()

    assert path.read_text() == "old"
    assert _leftovers(tmp_path) == []


def test_a_temporary_file_of_a_killed_save_is_swept_by_the_next_one(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from workbench.engine.fileio import atomic_writer\n"
        "with atomic_writer(Path(sys.argv[1])) as handle:\n"
        "    handle.write(b'half')\n"
        "    os._exit(9)\n"  # dies as kill -9 would: no cleanup runs
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=False)
    assert len(_leftovers(tmp_path)) == 1

    atomic_write_text(path, PIPELINE)

    assert _leftovers(tmp_path) == []
    assert path.read_text() == PIPELINE


def test_a_temporary_file_of_a_live_process_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    with subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    ) as alive:
        writing = tmp_path / f".p.toml.{alive.pid}.0123abcd.tmp"
        writing.write_text("half")
        try:
            atomic_write_text(path, PIPELINE)
            assert writing.exists()  # its writer may still finish
        finally:
            assert alive.stdin is not None
            alive.stdin.close()
    assert path.read_text() == PIPELINE
