"""``http.download``: fetch a URL to a file, with retries, a checksum and an atomic write.

urllib in a worker thread keeps the workbench free of extra dependencies. The
body streams into a temporary file beside the target while its sha256 is
computed, and only a complete, verified download replaces the target. Transient
failures (connection errors, timeouts, 408, 429 and 5xx answers) are retried with
a doubling delay; other 4xx answers are not, since asking again will not help.

A download never outlives its attempt. The network timeout applies to connecting
and to every read (a server silent for ``timeout`` seconds is a retryable
failure); a read returns as soon as any bytes arrive, so a server that trickles
is still watched; and a cancel (the pipeline's timeout, Ctrl+C, SIGTERM) shuts
the socket down at once, waking a read blocked on a silent server. ``max_bytes``
bounds the body. On every failure or cancel the temporary file is removed.

``file:`` URLs work too. A relative one (``file:pipelines/data/guide.md``, no
slashes after the colon) is taken from the project folder, so example pipelines
need no absolute paths.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import threading
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from pydantic import Field

from stages._counts import human_bytes
from stages._paths import resolve, shown
from workbench.engine import (
    PlannedOperation,
    Stage,
    StageConfig,
    StageContext,
    StageError,
    StageResult,
)
from workbench.engine.fileio import atomic_writer
from workbench.engine.paths import LocalUrl, WrittenPath

if TYPE_CHECKING:
    import urllib.request

_CHUNK = 64 * 1024
_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_HEAD_TIMEOUT = 5.0
USER_AGENT = "stage-workbench/0.1 (+http.download)"


class DownloadConfig(StageConfig):
    url: LocalUrl = Field(
        description="http(s):// or file: URL; 'file:relative/path' is taken from the project."
    )
    path: WrittenPath = Field(
        description="Where to write the file, relative to the project folder."
    )
    sha256: str | None = Field(
        default=None,
        pattern=r"^[0-9a-fA-F]{64}$",
        description="Expected SHA-256 of the body; a mismatch fails and keeps the old file.",
    )
    retries: int = Field(default=3, ge=0, le=20, description="Extra attempts after a failure.")
    backoff: float = Field(
        default=0.5, ge=0, description="Seconds before the first retry; doubles each time."
    )
    timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds to wait for a connection, and for each read while the body arrives.",
    )
    max_bytes: int = Field(
        default=1 << 30,
        gt=0,
        description="Largest body accepted (default 1 GiB); a larger one fails the stage.",
    )
    key: str | None = Field(
        default=None, description="Context key that receives the written file's path."
    )


class Download(Stage):
    """Brings remote (or file:) data into the project, verified and whole, or not at all."""

    name = "http.download"
    description = "Download a URL to a file with retries, backoff and an optional sha256 check."
    Config = DownloadConfig
    config: DownloadConfig

    def keys_written(self) -> tuple[str, ...]:
        return (self.config.key,) if self.config.key else ()

    def not_cacheable(self) -> str | None:
        if self.config.sha256 is None:
            return "a download without a checksum may change at the source; set sha256 to cache it"
        return None

    def cache_paths(self, ctx: StageContext) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """No network here: the checksum stands for the content; a local file: URL is read."""
        import urllib.request

        url = urllib.parse.urlsplit(self._url(ctx))
        read = (urllib.request.url2pathname(url.path),) if url.scheme == "file" else ()
        return read, (str(resolve(ctx, self.config.path)),)

    def _url(self, ctx: StageContext) -> str:
        """The URL to open, with a relative file: URL made absolute against the project."""
        parsed = urllib.parse.urlsplit(self.config.url)
        if parsed.scheme == "file" and not parsed.netloc and not parsed.path.startswith("/"):
            local = resolve(ctx, urllib.parse.unquote(parsed.path))
            return local.as_uri()
        if parsed.scheme not in ("http", "https", "file"):
            raise StageError(
                f"unsupported URL scheme {parsed.scheme!r} in {self.config.url!r}; "
                "use http, https or file"
            )
        return self.config.url

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        url = self._url(ctx)
        target = resolve(ctx, self.config.path)
        size = _remote_size(url)
        checked = ", sha256 checked" if self.config.sha256 else ""
        return [
            PlannedOperation(
                f"fetch {self.config.url} -> {shown(ctx, target)} ({human_bytes(size)}{checked})",
                action="fetch",
                paths_written=(str(target),),
                estimated_bytes=size,
            )
        ]

    def run(self, ctx: StageContext) -> StageResult:
        url = self._url(ctx)
        target = resolve(ctx, self.config.path)
        attempts = self.config.retries + 1
        delay = self.config.backoff
        for attempt in range(1, attempts + 1):
            ctx.check_cancelled()
            try:
                size, digest = self._fetch(url, target, ctx)
                break
            except _Retryable as exc:
                if attempt == attempts:
                    raise StageError(
                        f"{self.config.url}: {exc} (gave up after {attempts} attempts)"
                    ) from None
                ctx.log(f"attempt {attempt} failed: {exc}; retrying in {delay:g}s", level="warning")
                if ctx.wait_cancelled(delay):  # wakes at once on a cancel
                    ctx.check_cancelled()
                delay *= 2
        if self.config.key:
            ctx.set(self.config.key, str(target))
        return StageResult.success(
            f"1 file, {human_bytes(size)} -> {shown(ctx, target)}",
            count=1,
            unit="files",
            bytes=size,
            bytes_written=size,
            path=str(target),
            sha256=digest,
            attempts=attempt,
        )

    def _fetch(self, url: str, target: Path, ctx: StageContext) -> tuple[int, str]:
        import http.client
        import urllib.error
        import urllib.request  # imported on use: it pulls in ssl and certificates

        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with _Watchdog(ctx) as watchdog:
            try:
                response = _opener(watchdog).open(request, timeout=self.config.timeout)
            except urllib.error.HTTPError as exc:
                if exc.code in _RETRY_STATUS:
                    raise _Retryable(f"HTTP {exc.code} {exc.reason}") from None
                raise StageError(f"{self.config.url}: HTTP {exc.code} {exc.reason}") from None
            except urllib.error.URLError as exc:
                ctx.check_cancelled()
                reason = exc.reason
                if isinstance(reason, FileNotFoundError) or (
                    url.startswith("file:") and isinstance(reason, OSError)
                ):
                    raise StageError(
                        f"{self.config.url}: {getattr(reason, 'strerror', reason)}"
                    ) from None
                raise _Retryable(str(reason)) from None
            except (OSError, http.client.HTTPException) as exc:
                ctx.check_cancelled()
                raise _Retryable(str(exc) or type(exc).__name__) from None
            with response:
                return self._save(response, target, ctx)

    def _save(self, response: Any, target: Path, ctx: StageContext) -> tuple[int, str]:
        """Stream the body into ``target`` (atomically), checking size, cancel and checksum."""
        import http.client

        limit = self.config.max_bytes
        total = _length(response.headers.get("Content-Length"))
        if total is not None and total > limit:
            raise StageError(
                f"{self.config.url}: the server announces {human_bytes(total)}, more than "
                f"max_bytes = {limit:,}; raise max_bytes in the stage's config "
                "to accept it"
            )
        read = getattr(response, "read1", response.read)  # read1: whatever has arrived
        hasher = hashlib.sha256()
        size = 0
        try:
            with atomic_writer(target) as out:
                while True:
                    try:
                        chunk = read(_CHUNK)
                    except BaseException:
                        ctx.check_cancelled()  # the watchdog closed the socket
                        raise
                    ctx.check_cancelled()
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > limit:
                        raise StageError(
                            f"{self.config.url}: more than max_bytes = {limit:,} bytes "
                            f"received; stopped, and {shown(ctx, target)} was left unchanged "
                            "(raise max_bytes in the stage's config to accept a larger file)"
                        )
                    out.write(chunk)
                    hasher.update(chunk)
                    ctx.progress(size, total, human_bytes(size))
                if total is not None and size != total:
                    raise _Retryable(f"connection closed after {size:,} of {total:,} bytes")
                digest = hasher.hexdigest()
                expected = (self.config.sha256 or "").lower()
                if expected and digest != expected:
                    raise StageError(
                        f"{self.config.url}: sha256 is {digest}, expected {expected}; "
                        f"{shown(ctx, target)} was left unchanged"
                    )
        except (OSError, http.client.HTTPException) as exc:
            raise _Retryable(str(exc) or type(exc).__name__) from None
        return size, digest


class _Watchdog:
    """Shuts a download's sockets down the moment its attempt is cancelled.

    A thread blocked in a socket read cannot see ``ctx.cancelled``; shutting the
    socket down from here makes that read return at once, and the stage then
    raises its cancellation instead of waiting for the next byte or the timeout.
    Each socket is watched through a duplicate of its descriptor, so the shutdown
    never races with the response closing (or TLS wrapping) the original.
    """

    _POLL_SECONDS = 0.05

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._fired = False
        self._thread = threading.Thread(target=self._watch, name="http.download watchdog")

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()

    def track(self, sock: socket.socket) -> None:
        twin = socket.socket(sock.family, sock.type, sock.proto, fileno=os.dup(sock.fileno()))
        with self._lock:
            self._sockets.append(twin)
            fired = self._fired
        if fired:
            _shutdown(twin)

    def _watch(self) -> None:
        while not self._done.wait(self._POLL_SECONDS):
            if self.ctx.cancelled:
                with self._lock:
                    self._fired = True
                    for sock in self._sockets:
                        _shutdown(sock)
                return


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _opener(watchdog: _Watchdog) -> urllib.request.OpenerDirector:
    """urllib's opener (proxies, redirects, file:) whose HTTP(S) sockets the watchdog sees."""
    import http.client
    import urllib.request

    def watched(base: type[http.client.HTTPConnection]) -> type[http.client.HTTPConnection]:
        class Watched(base):  # type: ignore[valid-type,misc]
            def connect(self) -> None:
                super().connect()
                watchdog.track(self.sock)

        return Watched

    class HTTP(urllib.request.HTTPHandler):
        def do_open(self, http_class: Any, req: Any, **kwargs: Any) -> Any:
            return super().do_open(watched(http_class), req, **kwargs)

    class HTTPS(urllib.request.HTTPSHandler):
        def do_open(self, http_class: Any, req: Any, **kwargs: Any) -> Any:
            return super().do_open(watched(http_class), req, **kwargs)

    return urllib.request.build_opener(HTTP, HTTPS)


class _Retryable(Exception):
    """A failure that another attempt may not meet."""


def _length(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _remote_size(url: str) -> int | None:
    """The size the server announces (HEAD, Content-Length), or the local file's size."""
    import urllib.request

    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme == "file":
        local = Path(urllib.request.url2pathname(parsed.path))
        return local.stat().st_size if local.is_file() else None
    request = urllib.request.Request(url, method="HEAD", headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=_HEAD_TIMEOUT) as response:
            return _length(response.headers.get("Content-Length"))
    except (OSError, ValueError):
        return None
