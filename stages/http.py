"""``http.download``: fetch a URL to a file, with retries, a checksum and an atomic write.

urllib in a worker thread keeps the workbench free of extra dependencies. The
body streams into a temporary file beside the target while its sha256 is
computed, and only a complete, verified download replaces the target. Transient
failures (connection errors, timeouts, 408, 429 and 5xx answers) are retried with
a doubling delay; other 4xx answers are not, since asking again will not help.

``file:`` URLs work too. A relative one (``file:pipelines/data/guide.md``, no
slashes after the colon) is taken from the project folder, so example pipelines
need no absolute paths.
"""

from __future__ import annotations

import hashlib
import time
import urllib.parse
from pathlib import Path

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
    timeout: float = Field(default=30.0, gt=0, description="Seconds to wait on the network.")
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
            ctx.raise_if_cancelled()
            try:
                size, digest = self._fetch(url, target, ctx)
                break
            except _Retryable as exc:
                if attempt == attempts:
                    raise StageError(
                        f"{self.config.url}: {exc} (gave up after {attempts} attempts)"
                    ) from None
                ctx.log(f"attempt {attempt} failed: {exc}; retrying in {delay:g}s", level="warning")
                _sleep(delay, ctx)
                delay *= 2
        if self.config.key:
            ctx.set(self.config.key, str(target))
        return StageResult.success(
            f"1 file, {human_bytes(size)} -> {shown(ctx, target)}",
            count=1,
            unit="files",
            bytes=size,
            path=str(target),
            sha256=digest,
            attempts=attempt,
        )

    def _fetch(self, url: str, target: Path, ctx: StageContext) -> tuple[int, str]:
        import urllib.error
        import urllib.request  # imported on use: it pulls in ssl and certificates

        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            response = urllib.request.urlopen(request, timeout=self.config.timeout)
        except urllib.error.HTTPError as exc:
            if exc.code in _RETRY_STATUS:
                raise _Retryable(f"HTTP {exc.code} {exc.reason}") from None
            raise StageError(f"{self.config.url}: HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, FileNotFoundError) or (
                url.startswith("file:") and isinstance(reason, OSError)
            ):
                raise StageError(
                    f"{self.config.url}: {getattr(reason, 'strerror', reason)}"
                ) from None
            raise _Retryable(str(reason)) from None
        except (TimeoutError, ConnectionError) as exc:
            raise _Retryable(str(exc) or type(exc).__name__) from None
        hasher = hashlib.sha256()
        size = 0
        total = _length(response.headers.get("Content-Length"))
        try:
            with response, atomic_writer(target) as out:
                while chunk := response.read(_CHUNK):
                    ctx.raise_if_cancelled()
                    out.write(chunk)
                    hasher.update(chunk)
                    size += len(chunk)
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
        except (TimeoutError, ConnectionError) as exc:
            raise _Retryable(str(exc) or type(exc).__name__) from None
        return size, digest


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


def _sleep(seconds: float, ctx: StageContext) -> None:
    """Sleep in short steps so a cancel is noticed between retries."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        ctx.raise_if_cancelled()
        time.sleep(min(left, 0.1))
