"""http.download against a local server on 127.0.0.1: retries, checksums, atomic writes, plans."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from kit.stages import Harness

from stages.http import Download
from workbench.engine import StageError, StageStatus

BODY = b"alpha,beta\n1,2\n" * 100
DIGEST = hashlib.sha256(BODY).hexdigest()


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.hits: dict[str, int] = {}
        self.fail_first = 0
        self.stop = threading.Event()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: object) -> None:
        return None

    def _answer(self, body: bool) -> None:
        hits = self.server.hits
        hits[self.path] = hits.get(self.path, 0) + 1
        if self.path == "/flaky" and hits[self.path] <= self.server.fail_first:
            self.send_error(503, "busy")
            return
        if self.path == "/stalled":  # announces 100 bytes, sends one every 5 s
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            with contextlib.suppress(OSError):
                self.wfile.write(b"x")
                while not self.server.stop.wait(5):
                    self.wfile.write(b"x")
            return
        if self.path == "/endless":  # no length, bytes until the client goes
            self.send_response(200)
            self.end_headers()
            with contextlib.suppress(OSError):
                while not self.server.stop.is_set():
                    self.wfile.write(b"y" * 65536)
            return
        if self.path not in ("/data.csv", "/flaky"):
            self.send_error(404, "no such file")
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        if body:
            self.wfile.write(BODY)

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    thread = threading.Thread(target=srv.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.stop.set()
        srv.shutdown()
        srv.server_close()
        thread.join(5)


def test_download_writes_the_file_and_checks_its_sha256(
    harness: Harness, server: Server, tmp_path: Path
) -> None:
    stage = Download(
        {"url": f"{server.base}/data.csv", "path": "raw/data.csv", "sha256": DIGEST, "key": "file"}
    )
    result = harness.run(stage)
    target = tmp_path / "raw" / "data.csv"
    assert target.read_bytes() == BODY
    assert result.status is StageStatus.SUCCESS
    assert result.message.startswith("1 file, 1.5 kB -> raw/data.csv")
    assert result.data["count"] == 1 and result.data["bytes"] == len(BODY)
    assert harness.get("file") == str(target)
    assert harness.progress[-1][1:3] == (len(BODY), len(BODY))


def test_transient_errors_are_retried_with_backoff(
    harness: Harness, server: Server, tmp_path: Path
) -> None:
    server.fail_first = 2
    stage = Download(
        {"url": f"{server.base}/flaky", "path": "f.csv", "retries": 3, "backoff": 0.01}
    )
    result = harness.run(stage)
    assert result.data["attempts"] == 3
    assert server.hits["/flaky"] == 3
    warnings = [m for _, level, m, _ in harness.logs if level == "warning"]
    assert warnings == [
        "attempt 1 failed: HTTP 503 busy; retrying in 0.01s",
        "attempt 2 failed: HTTP 503 busy; retrying in 0.02s",
    ]
    assert (tmp_path / "f.csv").read_bytes() == BODY


def test_giving_up_says_how_many_attempts(harness: Harness, server: Server) -> None:
    server.fail_first = 10
    stage = Download({"url": f"{server.base}/flaky", "path": "f", "retries": 1, "backoff": 0})
    with pytest.raises(StageError, match=r"HTTP 503 busy \(gave up after 2 attempts\)"):
        harness.run(stage)


def test_a_404_is_not_retried(harness: Harness, server: Server) -> None:
    stage = Download({"url": f"{server.base}/gone", "path": "g", "retries": 3, "backoff": 0})
    with pytest.raises(StageError, match="HTTP 404"):
        harness.run(stage)
    assert server.hits["/gone"] == 1


def test_a_wrong_checksum_fails_and_keeps_the_old_file(
    harness: Harness, server: Server, tmp_path: Path
) -> None:
    (tmp_path / "data.csv").write_bytes(b"previous")
    stage = Download({"url": f"{server.base}/data.csv", "path": "data.csv", "sha256": "0" * 64})
    with pytest.raises(StageError, match=f"sha256 is {DIGEST}, expected 0{{64}}"):
        harness.run(stage)
    assert (tmp_path / "data.csv").read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["data.csv"]


def test_relative_file_url_is_taken_from_the_project(harness: Harness, tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("# Guide\n", encoding="utf-8")
    result = harness.run(Download({"url": "file:docs/guide.md", "path": "out/guide.md"}))
    assert (tmp_path / "out" / "guide.md").read_text(encoding="utf-8") == "# Guide\n"
    assert result.data["bytes"] == 8


def test_absolute_file_url_and_a_missing_file(harness: Harness, tmp_path: Path) -> None:
    source = tmp_path / "src.txt"
    source.write_text("x", encoding="utf-8")
    harness.run(Download({"url": source.as_uri(), "path": "copy.txt"}))
    assert (tmp_path / "copy.txt").read_text(encoding="utf-8") == "x"
    with pytest.raises(StageError, match="No such file"):
        harness.run(Download({"url": "file:nothing.txt", "path": "n.txt", "retries": 0}))


def test_plan_asks_the_server_for_the_size(
    harness: Harness, server: Server, tmp_path: Path
) -> None:
    (op,) = harness.plan(Download({"url": f"{server.base}/data.csv", "path": "d.csv"}))
    assert op.estimated_bytes == len(BODY)
    assert op.action == "fetch"
    assert op.paths_written == (str(tmp_path / "d.csv"),)
    assert server.hits == {"/data.csv": 1}
    assert not (tmp_path / "d.csv").exists()


def test_plan_of_an_unreachable_size_says_unknown(harness: Harness, server: Server) -> None:
    (op,) = harness.plan(Download({"url": f"{server.base}/gone", "path": "g"}))
    assert op.estimated_bytes is None
    assert "size unknown" in op.description


def test_other_schemes_are_refused(harness: Harness) -> None:
    with pytest.raises(StageError, match="unsupported URL scheme 'ftp'"):
        harness.run(Download({"url": "ftp://127.0.0.1/x", "path": "x"}))


def test_a_stalled_read_fails_on_the_network_timeout_and_leaves_no_tmp(
    harness: Harness, server: Server, tmp_path: Path
) -> None:
    stage = Download({"url": f"{server.base}/stalled", "path": "s.bin", "timeout": 1, "retries": 0})
    started = time.monotonic()
    with pytest.raises(StageError, match="gave up after 1 attempts"):
        harness.run(stage)
    assert time.monotonic() - started < 2.5
    assert list(tmp_path.iterdir()) == []


def test_a_stalled_read_is_cancelled_at_once_and_leaves_no_tmp(
    harness: Harness, server: Server, tmp_path: Path
) -> None:
    """A cancel (the stage's timeout, Ctrl+C) wakes a read blocked on a silent server."""
    stage = Download({"url": f"{server.base}/stalled", "path": "s.bin", "retries": 0})
    timer = threading.Timer(1.0, harness.store.cancel)
    started = time.monotonic()
    timer.start()
    with pytest.raises(asyncio.CancelledError):
        harness.run(stage)
    assert time.monotonic() - started < 2
    assert list(tmp_path.iterdir()) == []


def test_an_announced_size_over_max_bytes_fails_before_writing(
    harness: Harness, server: Server, tmp_path: Path
) -> None:
    stage = Download({"url": f"{server.base}/data.csv", "path": "d.csv", "max_bytes": 1000})
    with pytest.raises(StageError, match=r"announces 1\.5 kB, more than max_bytes = 1,000;"):
        harness.run(stage)
    assert list(tmp_path.iterdir()) == []


def test_a_body_growing_past_max_bytes_stops_and_keeps_nothing(
    harness: Harness, server: Server, tmp_path: Path
) -> None:
    stage = Download({"url": f"{server.base}/endless", "path": "e.bin", "max_bytes": 1_000_000})
    with pytest.raises(StageError, match=r"more than max_bytes = 1,000,000 bytes received"):
        harness.run(stage)
    assert list(tmp_path.iterdir()) == []
    assert server.hits["/endless"] == 1  # too big is not retried
