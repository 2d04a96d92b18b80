"""Incremental runs: the cache's cost per stage, `workbench status` at 10,000 stages,
file hashing against hashlib, and the nearest peers on the same shapes.

    python benchmarks/engine_cache.py [--stages 1000] [--status-stages 10000] [--gb 1]
                                      [--repeat 5] [--peers]

1. A second run of an unchanged 1,000-stage chain of cheap stages (each reads the
   previous stage's key and writes its own): the cached run against the same
   run without a cache, per stage, and the cache's own split (fingerprinting,
   lookup, restore) from :class:`CacheTimings`. Target: ≤ 50 µs of cache work a stage.
2. `workbench status` on an unchanged 10,000-stage pipeline with a warm cache, as
   a fresh process, end to end. Target: < 2 s.
3. Hashing a 1 GB file (written to /tmp, deleted after): our streamed hash against
   ``hashlib.file_digest`` with the same algorithm (target ≥ 60 %), and the same
   file again with size and mtime unchanged (target: no bytes read).
4. ``--peers``: Snakemake's ``--dry-run`` on a generated 1,000-rule Snakefile and
   DVC's ``status`` on a 1,000-stage dvc.yaml, when they are installed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.engine.cache.files import FileHasher, hash_file  # noqa: E402
from workbench.engine.cache.session import RunCache  # noqa: E402
from workbench.engine.pipeline import Pipeline  # noqa: E402
from workbench.engine.registry import StageRegistry  # noqa: E402
from workbench.engine.run.runner import Runner  # noqa: E402

CACHE_US_TARGET = 50.0
STATUS_S_TARGET = 2.0
HASH_RATIO_TARGET = 0.60

STAGE_MODULE = '''
from workbench.engine import Stage, StageConfig, StageResult


class StepConfig(StageConfig):
    key: str = ""
    output_key: str


class Step(Stage):
    """A cheap stage: reads one small value, writes one."""

    name = "bench.step"
    Config = StepConfig

    def keys_read(self):
        return (self.config.key,) if self.config.key else ()

    def keys_written(self):
        return (self.config.output_key,)

    async def run(self, ctx):
        previous = ctx.get(self.config.key, 0) if self.config.key else 0
        ctx.set(self.config.output_key, previous + 1)
        return StageResult.success()
'''


def make_project(folder: Path, stages: int, width: int = 1) -> Path:
    """A project with a stage module and ``width`` chains of bench.step stages, ``stages``
    in all (each reads the previous stage of its chain)."""
    (folder / "bench_stages").mkdir(parents=True, exist_ok=True)
    (folder / "bench_stages" / "steps.py").write_text(STAGE_MODULE)
    (folder / "workbench.toml").write_text('stage_paths = ["bench_stages"]\n')
    (folder / "pipelines").mkdir(exist_ok=True)
    lines = ['[pipeline]\nname = "chain"\n']
    for i in range(stages):
        previous = i - width
        dep = f'depends_on = ["s{previous}"]\n' if previous >= 0 else ""
        key = f'key = "v{previous}", ' if previous >= 0 else ""
        lines.append(
            f'[stages.s{i}]\nuses = "bench.step"\n{dep}config = {{ {key}output_key = "v{i}" }}\n'
        )
    path = folder / "pipelines" / "chain.toml"
    path.write_text("\n".join(lines))
    return path


def registry_for(folder: Path) -> StageRegistry:
    registry = StageRegistry()
    registry.load_path(folder / "bench_stages")
    assert not registry.errors, registry.errors
    return registry


def bench_runs(stages: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = make_project(folder, stages)
        pipeline = Pipeline.load(path, registry_for(folder))
        assert pipeline.valid, pipeline.problems[:3]
        first = asyncio.run(Runner(pipeline, cache=RunCache.for_pipeline(pipeline)).run())
        assert first.ok
        plain: list[float] = []
        cached: list[float] = []
        splits: list[tuple[float, float, float]] = []
        for _ in range(repeat):
            start = time.perf_counter()
            assert asyncio.run(Runner(pipeline).run()).ok
            plain.append(time.perf_counter() - start)
            cache = RunCache.for_pipeline(pipeline)
            start = time.perf_counter()
            result = asyncio.run(Runner(pipeline, cache=cache).run())
            cached.append(time.perf_counter() - start)
            assert result.counts() == {"cached": stages}, result.counts()
            t = cache.timings
            splits.append((t.fingerprint, t.lookup, t.restore))
        per = (statistics.median(cached) - statistics.median(plain)) / stages * 1e6
        fp, lookup, restore = (
            statistics.median(s[i] for s in splits) / stages * 1e6 for i in range(3)
        )
        print(f"second run of an unchanged {stages:,}-stage chain (median of {repeat}):")
        print(
            f"  without cache {statistics.median(plain) * 1e3:.1f} ms; "
            f"cached {statistics.median(cached) * 1e3:.1f} ms"
        )
        print(
            f"  cache work: {per:.1f} µs a stage on top of the runner "
            f"(target ≤ {CACHE_US_TARGET:.0f} µs, {per / CACHE_US_TARGET:.2f}x)"
        )
        print(
            f"  split: fingerprinting {fp:.1f} µs, lookup {lookup:.1f} µs, restore {restore:.1f} µs"
            f" (rest: writing the manifest and run statistics once)"
        )


def bench_status(stages: int, repeat: int) -> None:
    """`workbench status` as a fresh process, beside `workbench validate` of the same file
    in turns: validate is the floor (start-up, discovery, parsing, building), so the
    difference is the cache's own work, and a busy machine slows both alike."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = make_project(folder, stages)
        pipeline = Pipeline.load(path, registry_for(folder))
        assert asyncio.run(Runner(pipeline, cache=RunCache.for_pipeline(pipeline)).run()).ok
        times: dict[str, list[float]] = {"status": [], "validate": []}
        for _ in range(repeat):
            for command in ("validate", "status"):
                start = time.perf_counter()
                out = subprocess.run(
                    [sys.executable, "-m", "workbench", command, str(path), "--format", "json"],
                    cwd=folder,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                times[command].append(time.perf_counter() - start)
                if command == "status":
                    assert f'"up_to_date": {stages}' in out.stdout, out.stdout[-300:]
        t = statistics.median(times["status"])
        floor = statistics.median(times["validate"])
        print(
            f"`workbench status`, unchanged {stages:,}-stage pipeline, warm cache, fresh process: "
            f"{t:.2f} s (target < {STATUS_S_TARGET:.0f} s, {t / STATUS_S_TARGET:.2f}x); "
            f"`workbench validate` of the same file {floor:.2f} s, so the cache's part is "
            f"{t - floor:.2f} s ({(t - floor) / stages * 1e6:.0f} µs a stage)"
        )


def bench_hash(gb: float) -> None:
    size = int(gb * 1e9)
    fd, name = tempfile.mkstemp(prefix="wb-hash-", dir="/tmp")
    path = Path(name)
    try:
        block = os.urandom(1 << 20)
        with os.fdopen(fd, "wb") as handle:
            for _ in range(size // len(block)):
                handle.write(block)
        size = path.stat().st_size
        ours: list[float] = []
        raw: list[float] = []
        for _ in range(3):
            start = time.perf_counter()
            with open(path, "rb") as handle:
                hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=20))
            raw.append(time.perf_counter() - start)
            start = time.perf_counter()
            hash_file(path)
            ours.append(time.perf_counter() - start)
        r, o = statistics.median(raw), statistics.median(ours)
        print(
            f"hashing a {size / 1e9:.2f} GB file (blake2b, page cache warm, median of 3): "
            f"ours {size / o / 1e6:.0f} MB/s, hashlib.file_digest {size / r / 1e6:.0f} MB/s: "
            f"{r / o:.0%} of hashlib (target ≥ {HASH_RATIO_TARGET:.0%})"
        )
        hasher = FileHasher(None)
        hasher.digest(str(path))
        read_before = hasher.bytes_hashed
        start = time.perf_counter()
        hasher.digest(str(path))
        again = time.perf_counter() - start
        print(
            f"  the same file again, size and mtime unchanged: {hasher.bytes_hashed - read_before} "
            f"bytes read, {again * 1e6:.0f} µs (target: 0 bytes)"
        )
    finally:
        path.unlink(missing_ok=True)


def chain_rules(stages: int, width: int) -> list[tuple[int, int | None]]:
    """(stage, the stage before it in its chain or None): the shape every tool gets."""
    return [(i, i - width if i >= width else None) for i in range(stages)]


def bench_peers(stages: int, bin_dir: str | None, width: int = 10) -> None:
    """Peers from PATH, or from ``--peers-bin`` (a separate virtualenv keeps them out of ours).

    The shape is ``width`` parallel chains (Snakemake's DAG building recurses and
    gives up on a single chain of ~500 rules), already run once, nothing changed.
    """
    path = bin_dir or os.environ.get("PATH")
    shape = f"{stages:,} stages in {width} chains"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pipeline_path = make_project(folder, stages, width)
        pipeline = Pipeline.load(pipeline_path, registry_for(folder))
        assert asyncio.run(Runner(pipeline, cache=RunCache.for_pipeline(pipeline)).run()).ok
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "workbench", "status", str(pipeline_path)],
            cwd=folder,
            capture_output=True,
            check=True,
        )
        print(f"ours: `workbench status`, {shape}, unchanged: {time.perf_counter() - start:.2f} s")
    snakemake = shutil.which("snakemake", path=path)
    if snakemake:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            ends = " ".join(f"'v{i}.txt'," for i in range(stages - width, stages))
            rules = [f"rule all:\n    input: {ends}\n"]
            for i, before in chain_rules(stages, width):
                src = f"    input: 'v{before}.txt'\n" if before is not None else ""
                cmd = "cat {input} > {output}; " if before is not None else ""
                rules.append(
                    f"rule s{i}:\n{src}    output: 'v{i}.txt'\n"
                    f"    shell: '{cmd}echo {i} >> {{output}}'\n"
                )
            (folder / "Snakefile").write_text("\n".join(rules))
            subprocess.run(
                [snakemake, "-c2", "--quiet"], cwd=folder, capture_output=True, check=True
            )
            start = time.perf_counter()
            out = subprocess.run(
                [snakemake, "-c1", "--dry-run"], cwd=folder, capture_output=True, text=True
            )
            took = time.perf_counter() - start
            assert out.returncode == 0, out.stderr[-500:]
            print(f"Snakemake --dry-run, {shape}, unchanged: {took:.2f} s")
    else:
        print("Snakemake: not installed (pip install snakemake to compare)")
    dvc = shutil.which("dvc", path=path)
    if dvc:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
            subprocess.run([dvc, "init", "-q"], cwd=folder, check=True)
            lines = ["stages:"]
            for i, before in chain_rules(stages, width):
                deps = f"    deps: [v{before}.txt]\n" if before is not None else ""
                cmd = f"cat v{before}.txt > v{i}.txt; " if before is not None else ""
                lines.append(
                    f"  s{i}:\n    cmd: {cmd}echo {i} >> v{i}.txt\n{deps}    outs: [v{i}.txt]"
                )
            (folder / "dvc.yaml").write_text("\n".join(lines) + "\n")
            subprocess.run([dvc, "repro", "-q"], cwd=folder, capture_output=True, check=True)
            start = time.perf_counter()
            subprocess.run([dvc, "status"], cwd=folder, capture_output=True, check=True)
            print(f"DVC status, {shape}, unchanged: {time.perf_counter() - start:.2f} s")
    else:
        print("DVC: not installed (pip install dvc to compare)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stages", type=int, default=1000)
    parser.add_argument("--status-stages", type=int, default=10000)
    parser.add_argument("--gb", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--peers", action="store_true")
    parser.add_argument("--peers-bin", help="folder holding the snakemake and dvc commands")
    parser.add_argument("--only", choices=("runs", "status", "hash", "peers"))
    args = parser.parse_args()
    if args.only in (None, "runs"):
        bench_runs(args.stages, args.repeat)
    if args.only in (None, "status"):
        bench_status(args.status_stages, max(1, args.repeat // 2))
    if args.only in (None, "hash"):
        bench_hash(args.gb)
    if args.peers or args.only == "peers":
        bench_peers(args.stages, args.peers_bin)


if __name__ == "__main__":
    main()
