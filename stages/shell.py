"""``shell.run``: run a command, stream its output, and never leave a process behind.

The command starts in a new session (its own process group), so a timeout, a
cancel, or a command that exits while its children still run, ends with the whole
group killed: a pipeline never leaves orphans holding files or ports. Output is
read in chunks as it comes and sent to the stage's log line by line with its
stream name, so the app's pane shows a long command as it works. A line of any
length reaches ``stdout_key`` whole (the log gets a very long one in pieces).

The stage ends when its command exits. A process the command started in another
session (``setsid``, a daemon) is not in its group and may keep the output pipes
open: what it writes in the second after the exit is still read, then the pipes
are closed and the log says the rest was cut.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import shlex
import signal
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self

from pydantic import Field, model_validator

from stages._counts import counted
from stages._paths import project_dir, resolve, shown
from workbench.engine import (
    PlannedOperation,
    Stage,
    StageConfig,
    StageContext,
    StageError,
    StageResult,
    StageTimeoutError,
)
from workbench.engine.secrets import mask_env_text

if TYPE_CHECKING:
    import asyncio  # imported in each function: discovery should not pay for it

_GRACE_SECONDS = 2.0
_POLL_SECONDS = 0.1
_CHUNK = 64 * 1024
"""Bytes read from a pipe at once."""
_LOG_PIECE = 1 << 20
"""Longest log line; a longer output line reaches the log in pieces (and ``stdout_key`` whole)."""
_DRAIN_SECONDS = 1.0
"""How long output is still read after the command exited, when something holds its pipes."""


class RunConfig(StageConfig):
    command: list[str] | str = Field(
        description="The command as a list of arguments; a single string only with shell = true."
    )
    shell: bool = Field(
        default=False, description="Run the command string through /bin/sh (pipes, globs, &&)."
    )
    cwd: str | None = Field(
        default=None, description="Working folder, relative to the project; default the project."
    )
    env: dict[str, str] = Field(
        default_factory=dict,
        description="Environment variables to set for the command; their values are masked "
        "in plans, logs and history unless named in public_env.",
    )
    public_env: list[str] = Field(
        default_factory=list,
        description="Names in env whose values may be shown (not secrets), e.g. ['LANG'].",
    )
    inherit_env: bool = Field(
        default=True, description="Start from the workbench's own environment."
    )
    timeout: float | None = Field(
        default=None, gt=0, description="Seconds before the command's process group is killed."
    )
    stdout_key: str | None = Field(
        default=None, description="Context key that receives the command's standard output."
    )
    tail_lines: int = Field(
        default=20, ge=1, description="Lines of stderr quoted when the command fails."
    )
    inputs: list[str] = Field(
        default_factory=list,
        description="Files the command reads, relative to the project (their content keys the cache).",
    )
    outputs: list[str] | None = Field(
        default=None,
        description="Files the command writes; naming them (even as []) lets its result be cached.",
    )

    @model_validator(mode="after")
    def _string_needs_shell(self) -> Self:
        if isinstance(self.command, str) and not self.shell:
            raise ValueError(
                "command is a single string; give a list of arguments, or set shell = true"
            )
        if isinstance(self.command, list) and not self.command:
            raise ValueError("command is empty")
        return self


class Run(Stage):
    """Runs an external command as a stage, with its output live in the stage's log."""

    name = "shell.run"
    description = "Run a command; stream stdout/stderr; fail on a non-zero exit; kill on timeout."
    Config = RunConfig
    config: RunConfig

    def keys_written(self) -> tuple[str, ...]:
        return (self.config.stdout_key,) if self.config.stdout_key else ()

    def not_cacheable(self) -> str | None:
        if self.config.outputs is None:
            return (
                "a command's effects are unknown to the workbench; "
                "name the files it writes (outputs = [...]) to cache it"
            )
        return None

    def cache_paths(self, ctx: StageContext) -> tuple[tuple[str, ...], tuple[str, ...]]:
        read = tuple(str(resolve(ctx, p)) for p in self.config.inputs)
        return read, tuple(str(resolve(ctx, p)) for p in self.config.outputs or ())

    def argv(self) -> list[str]:
        command = self.config.command
        if self.config.shell:
            text = command if isinstance(command, str) else shlex.join(command)
            return ["/bin/sh", "-c", text]
        assert isinstance(command, list)
        return list(command)

    def display(self) -> str:
        """The command as a person would type it."""
        command = self.config.command
        return command if isinstance(command, str) else " ".join(map(_quote, command))

    def secret_values(self) -> tuple[Any, ...]:
        """env values, unless public: a command's environment is where credentials go."""
        public = set(self.config.public_env)
        return tuple(v for k, v in self.config.env.items() if k not in public)

    def _environment(self) -> dict[str, str]:
        base = dict(os.environ) if self.config.inherit_env else {}
        base.update(self.config.env)
        return base

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        cwd = resolve(ctx, self.config.cwd) if self.config.cwd else project_dir(ctx)
        extras = [f"in {shown(ctx, cwd) if cwd != project_dir(ctx) else 'the project folder'}"]
        if self.config.env:
            extras.append("with " + mask_env_text(self.config.env, self.config.public_env))
        if self.config.timeout:
            extras.append(f"timeout {self.config.timeout:g}s")
        return [
            PlannedOperation(
                f"$ {self.display()} ({', '.join(extras)})",
                action="exec",
                estimated_seconds=self.config.timeout,
            )
        ]

    async def run(self, ctx: StageContext) -> StageResult:
        import asyncio

        cwd = resolve(ctx, self.config.cwd) if self.config.cwd else project_dir(ctx)
        argv = self.argv()
        ctx.log(f"$ {self.display()}")
        stdout_lines: list[str] = []
        stderr_tail: deque[str] = deque(maxlen=self.config.tail_lines)
        keep_stdout = stdout_lines.append if self.config.stdout_key else None
        pumps = [_Pump("stdout", ctx, keep_stdout), _Pump("stderr", ctx, stderr_tail.append)]
        pipes: list[_Pipe] = []
        readers: list[asyncio.Task[None]] = []
        try:
            for _ in pumps:
                pipes.append(await _Pipe.open())
            try:
                proc = await _start(
                    argv,
                    cwd=cwd,
                    env=self._environment(),
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=pipes[0].write_fd,
                    stderr=pipes[1].write_fd,
                    start_new_session=True,
                )
            except FileNotFoundError as exc:
                missing = exc.filename if exc.filename else argv[0]
                raise StageError(f"cannot run {self.display()}: {missing} not found") from None
            except (NotADirectoryError, PermissionError) as exc:
                raise StageError(f"cannot run {self.display()}: {exc.strerror}") from None
            finally:
                for pipe in pipes:
                    pipe.close_write_end()  # the command holds them now
            readers = [
                asyncio.create_task(pump.run(pipe.reader))
                for pump, pipe in zip(pumps, pipes, strict=True)
            ]
            try:
                await self._wait(proc, ctx)
            except BaseException:
                await _kill_group(proc)
                raise
            # The leader is gone; anything it left in its group is killed, then the pipes close.
            _signal_group(proc.pid, signal.SIGKILL)
            await self._drain(readers, ctx)
        finally:
            for task in readers:
                task.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
            for pipe in pipes:
                pipe.close()

        code = proc.returncode
        assert code is not None
        lines = pumps[0].lines
        if code != 0:
            reason = f"exit code {code}" if code > 0 else f"killed by signal {-code}"
            tail = list(stderr_tail)
            message = f"{argv[0]} failed with {reason}"
            if tail:
                message += f": {tail[-1]}"
            return StageResult.failure(
                message,
                f"$ {self.display()}",
                *tail,
                exit_code=code,
                count=lines,
                unit="lines",
            )
        if self.config.stdout_key:
            ctx.set(self.config.stdout_key, "".join(f"{line}\n" for line in stdout_lines))
        return StageResult.success(
            f"{counted(lines, 'line')} of output, exit code 0",
            count=lines,
            unit="lines",
            exit_code=0,
        )

    async def _drain(self, readers: list[asyncio.Task[None]], ctx: StageContext) -> None:
        """Read what the command wrote before it exited, for :data:`_DRAIN_SECONDS` at most.

        A process the command started in another session (``setsid``, a daemon) is
        not in its group, survives it, and may hold the pipes open for ever: the
        stage ends with its command, and says that later output was cut.
        """
        import asyncio

        _, pending = await asyncio.wait(readers, timeout=_DRAIN_SECONDS)
        if pending:
            ctx.log(
                f"{self.argv()[0]} exited, but a process it started outside its process group "
                f"still holds its output open; output after the exit was cut "
                f"(waited {_DRAIN_SECONDS:g}s)",
                level="warning",
                stream="stderr",
            )

    async def _wait(self, proc: asyncio.subprocess.Process, ctx: StageContext) -> None:
        """Wait for the command, watching its timeout and this attempt's cancellation."""
        import asyncio

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.timeout if self.config.timeout else None
        waiter = asyncio.ensure_future(proc.wait())
        try:
            while True:
                left = None if deadline is None else deadline - loop.time()
                step = _POLL_SECONDS if left is None else max(0.0, min(_POLL_SECONDS, left))
                done, _ = await asyncio.wait({waiter}, timeout=step)
                if done:
                    return
                ctx.check_cancelled()
                if deadline is not None and loop.time() >= deadline:
                    raise StageTimeoutError(
                        f"{self.display()} did not finish within {self.config.timeout:g}s; "
                        "its process group was killed"
                    )
        finally:
            if not waiter.done():
                waiter.cancel()


_YIELD_LINES = 100


async def _start(argv: list[str], **options: Any) -> asyncio.subprocess.Process:
    """Start the command; a cancel that arrives meanwhile kills its whole group.

    A start cancelled half-way would leave a process nobody waits for, so the start
    is shielded, and on cancel the group is killed once the process exists.
    """
    import asyncio

    starting = asyncio.ensure_future(asyncio.create_subprocess_exec(*argv, **options))
    try:
        return await asyncio.shield(starting)
    except asyncio.CancelledError:
        while not starting.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(starting)
        if not starting.cancelled() and starting.exception() is None:
            await _kill_group(starting.result())
        raise


class _Pipe:
    """A pipe the command writes into and this loop reads, owned by the stage.

    asyncio's own subprocess pipes tie the process's exit to their closing: a
    grandchild holding them keeps ``wait()`` from returning. With our own pipes the
    exit is seen at once and the read side is closed when the stage decides.
    """

    def __init__(
        self, write_fd: int, reader: asyncio.StreamReader, transport: asyncio.BaseTransport
    ) -> None:
        self.write_fd = write_fd
        self.reader = reader
        self.transport = transport

    @classmethod
    async def open(cls) -> _Pipe:
        import asyncio

        read_fd, write_fd = os.pipe()
        read_end = os.fdopen(read_fd, "rb", buffering=0)
        # Up to 2 MiB may wait in the reader before the pipe is paused: a chatty
        # command is not held up while the loop is busy elsewhere.
        reader = asyncio.StreamReader(limit=1 << 20)
        try:
            transport, _ = await asyncio.get_running_loop().connect_read_pipe(
                lambda: asyncio.StreamReaderProtocol(reader), read_end
            )
        except BaseException:
            read_end.close()
            os.close(write_fd)
            raise
        return cls(write_fd, reader, transport)

    def close_write_end(self) -> None:
        if self.write_fd >= 0:
            os.close(self.write_fd)
            self.write_fd = -1

    def close(self) -> None:
        self.close_write_end()
        self.transport.close()


class _Pump:
    """Reads one pipe in chunks and hands on each line, whatever its length.

    A line reaches ``keep`` whole however long it is; the log gets lines of at most
    :data:`_LOG_PIECE` characters, a longer one split into consecutive pieces, so
    nothing is lost and no single log line is unbounded. Text is decoded as UTF-8
    across chunk boundaries (a bad byte becomes U+FFFD). The loop gets a turn every
    :data:`_YIELD_LINES` lines, so a flood of output keeps the app responsive.
    """

    def __init__(self, name: str, ctx: StageContext, keep: Callable[[str], None] | None) -> None:
        self.name = name
        self.ctx = ctx
        self.keep = keep
        self.lines = 0
        """Lines read so far; a line split for the log counts once."""
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._carry: list[str] = []
        """Pieces of the unfinished line, for ``keep`` (always empty when nothing is kept)."""
        self._unlogged = ""
        """The part of the unfinished line not sent to the log yet."""
        self._split = False
        """Whether the start of the unfinished line is in the log already."""

    async def run(self, reader: asyncio.StreamReader) -> None:
        import asyncio

        log = self.ctx.log
        name = self.name
        count = 0
        try:
            while chunk := await reader.read(_CHUNK):
                for line in self._feed(self._decoder.decode(chunk)):
                    log(line, stream=name)
                    count += 1
                    if count % _YIELD_LINES == 0:
                        await asyncio.sleep(0)
        finally:  # end of output, or cut after the command exited: what was read counts
            rest = self._decoder.decode(b"", final=True)
            if rest or self._carry or self._unlogged or self._split:
                for line in self._feed(rest + "\n"):
                    log(line, stream=name)

    def _feed(self, text: str) -> list[str]:
        """Keep the lines ``text`` completes; return the log lines, in order."""
        parts = text.split("\n")
        last = parts.pop()
        logs = parts
        if parts and (self._carry or self._unlogged or self._split):
            head = parts[0]
            first_log = (self._unlogged + head).rstrip("\r")
            if self.keep is not None:
                self._carry.append(head)
                parts[0] = "".join(self._carry)
                self._carry.clear()
            logs = [first_log] if first_log or not self._split else []
            logs.extend(line.rstrip("\r") for line in parts[1:])
            self._unlogged = ""
            self._split = False
        else:
            logs = [line.rstrip("\r") for line in parts]
        self.lines += len(parts)
        if self.keep is not None:
            for line in parts:
                self.keep(line.rstrip("\r"))
        if last:
            if self.keep is not None:
                self._carry.append(last)
            self._unlogged += last
            while len(self._unlogged) >= _LOG_PIECE:
                logs.append(self._unlogged[:_LOG_PIECE])
                self._unlogged = self._unlogged[_LOG_PIECE:]
                self._split = True
        return logs


def _signal_group(pid: int, sig: int) -> bool:
    """Signal a whole process group; False when it has no members left."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


async def _kill_group(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM the group, give it a moment, then SIGKILL whatever is left."""
    import asyncio

    if not _signal_group(proc.pid, signal.SIGTERM):
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    with contextlib.suppress(TimeoutError, asyncio.CancelledError):
        await asyncio.wait_for(asyncio.shield(proc.wait()), _GRACE_SECONDS)
    _signal_group(proc.pid, signal.SIGKILL)
    with contextlib.suppress(TimeoutError, asyncio.CancelledError):
        await asyncio.wait_for(proc.wait(), _GRACE_SECONDS)


def _quote(arg: str) -> str:
    """shlex quoting, but a script with single quotes reads better in double quotes."""
    quoted = shlex.quote(arg)
    if quoted == arg or "'" not in arg or any(ch in arg for ch in '"$`\\!'):
        return quoted
    return f'"{arg}"'
