"""Start-up time of the command line: `workbench --help` and `workbench validate`.

    python benchmarks/startup.py [--repeat 7]

Each figure is the median wall time of a fresh ``python -m workbench`` process,
target under 300 ms, and says whether Textual got imported (it must not be: only
the app imports it). For `validate`, the biggest costs from ``python -X importtime``
are listed so a regression points at its module.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 0.300
SMALL = """[pipeline]
name = "small"

[stages.load]
uses = "core.noop"

[stages.save]
uses = "core.noop"
depends_on = ["load"]
"""
PROBE = (
    "import runpy, sys\n"
    "sys.argv = ['workbench', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('workbench', run_name='__main__')\n"
    "except SystemExit:\n"
    "    pass\n"
    "sys.stderr.write('\\ntextual imported: %s\\n' % ('textual' in sys.modules))\n"
)


def wall(args: list[str], repeat: int, cwd: Path) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "workbench", *args], cwd=cwd, capture_output=True, text=True
        )
        times.append(time.perf_counter() - start)
        assert done.returncode == 0, done.stderr
    return statistics.median(times)


def imports_textual(args: list[str], cwd: Path) -> bool:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], cwd=cwd, capture_output=True, text=True
    )
    return "textual imported: True" in done.stderr


def top_imports(args: list[str], cwd: Path, count: int = 8) -> list[tuple[float, str]]:
    """(cumulative ms, module) of the costliest imports, outermost first."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "workbench", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    rows: list[tuple[float, str, int]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|", 2)
        name = name[1:]  # one space after the bar, then two per level of nesting
        depth = (len(name) - len(name.lstrip())) // 2
        rows.append((int(cumulative) / 1000, name.strip(), depth))
    top = sorted((r for r in rows if r[2] <= 2), reverse=True)[:count]
    return [(ms, name) for ms, name, _ in top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        (cwd / "small.toml").write_text(SMALL)
        print(f"start-up of a fresh process, median of {args.repeat} runs, target < 300 ms")
        ok = True
        for label, argv in (("--help", ["--help"]), ("validate", ["validate", "small.toml"])):
            seconds = wall(argv, args.repeat, cwd)
            textual = imports_textual(argv, cwd)
            met = seconds < TARGET_S and not textual
            ok = ok and met
            print(
                f"  workbench {label:<9} {seconds * 1e3:6.0f} ms  "
                f"({seconds / TARGET_S:.2f}x of the target; textual imported: {textual}) "
                f"{'ok' if met else 'MISSED'}"
            )
        print("\nlargest imports of `workbench validate` (python -X importtime, cumulative):")
        for ms, name in top_imports(["validate", "small.toml"], cwd):
            print(f"  {ms:7.1f} ms  {name}")
        print(f"\n{'all targets met' if ok else 'a target was MISSED'}")


if __name__ == "__main__":
    main()
