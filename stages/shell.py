"""``shell.run``: run a command, stream its output, and never leave a process behind.

The command starts in a new session (its own process group), so a timeout, a
cancel, or a command that exits while its children still run, ends with the whole
group killed: a pipeline never leaves orphans holding files or ports. Output is
read line by line as it comes and sent to the stage's log with its stream name,
so the app's pane shows a long command as it works.
"""

from __future__ import annotations

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

if TYPE_CHECKING:
    import asyncio  # imported in each function: discovery should not pay for it

_GRACE_SECONDS = 2.0
_POLL_SECONDS = 0.1
_LINE_LIMIT = 1 << 20


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
        default_factory=dict, description="Environment variables to set for the command."
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

    def _environment(self) -> dict[str, str]:
        base = dict(os.environ) if self.config.inherit_env else {}
        base.update(self.config.env)
        return base

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        cwd = resolve(ctx, self.config.cwd) if self.config.cwd else project_dir(ctx)
        extras = [f"in {shown(ctx, cwd) if cwd != project_dir(ctx) else 'the project folder'}"]
        if self.config.env:
            extras.append(
                "with " + " ".join(f"{k}={v}" for k, v in sorted(self.config.env.items()))
            )
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
        try:
            proc = await _start(
                argv,
                cwd=cwd,
                env=self._environment(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
                limit=_LINE_LIMIT,
            )
        except FileNotFoundError as exc:
            missing = exc.filename if exc.filename else argv[0]
            raise StageError(f"cannot run {self.display()}: {missing} not found") from None
        except (NotADirectoryError, PermissionError) as exc:
            raise StageError(f"cannot run {self.display()}: {exc.strerror}") from None

        stdout_lines: list[str] = []
        stderr_tail: deque[str] = deque(maxlen=self.config.tail_lines)
        assert proc.stdout is not None and proc.stderr is not None
        readers = [
            asyncio.create_task(_pump(proc.stdout, "stdout", ctx, stdout_lines.append)),
            asyncio.create_task(_pump(proc.stderr, "stderr", ctx, stderr_tail.append)),
        ]
        try:
            await self._wait(proc, ctx)
        except BaseException:
            await _kill_group(proc)
            for task in readers:
                task.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
            raise
        # The leader is gone; anything it left in its group is killed, then the pipes close.
        _signal_group(proc.pid, signal.SIGKILL)
        await asyncio.gather(*readers)

        code = proc.returncode
        assert code is not None
        lines = len(stdout_lines)
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

    async def _wait(self, proc: asyncio.subprocess.Process, ctx: StageContext) -> None:
        """Wait for the command, watching the timeout and the run's cancel flag."""
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
                if ctx.cancelled:
                    raise asyncio.CancelledError()
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

    asyncio, cancelled while a process starts, waits for that process to close its
    pipes, and a child the command left behind (``sh -c "...; sleep 60"``) holds
    them open: the cancel would hang until it exits. So the start is shielded, and
    on cancel the group is killed once the process exists.
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


async def _pump(
    stream: asyncio.StreamReader, name: str, ctx: StageContext, keep: Callable[[str], None]
) -> None:
    """Forward each line of a pipe to the log as it arrives.

    ``readline`` does not suspend while the pipe's buffer holds whole lines, so a
    chatty command could keep the loop for one full buffer; yielding every
    :data:`_YIELD_LINES` lines keeps the app responsive during a flood.
    """
    import asyncio

    count = 0
    while True:
        count += 1
        if count % _YIELD_LINES == 0:
            await asyncio.sleep(0)
        try:
            raw = await stream.readline()
        except ValueError:  # a line longer than the buffer: pass it on in pieces
            raw = await stream.read(_LINE_LIMIT)
        if not raw:
            return
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        keep(line)
        ctx.log(line, stream=name)


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
