"""App speed under real use: typing in the editor, first visits, cold start.

    python benchmarks/app_speed.py [--stages 500] [--keys 60]

Three figures, each beside its target:

- **editor key to repaint**, 500-stage pipeline open, typing into a config field:
  from a key press to the screen having handled it and repainted (``Pilot.press``
  waits for the app to be idle), p50 and p95 over the keys. Target p95 < 30 ms.
- **first visit to each view**: ``switch_mode`` to the view's first idle frame,
  in a fresh app on the repository's project (the sales-report pipeline open).
  Target < 150 ms each.
- **cold start to first frame**: a fresh ``python`` process that builds the app on
  the repository and stops when the pipeline list is drawn (headless), measured
  from before the process is started. Target < 0.6 s (median of five).

The run benchmark (1,000 ``core.noop`` stages, app vs headless) is ``app_run.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEY_TARGET_MS = 30.0
VISIT_TARGET_MS = 150.0
COLD_TARGET_S = 0.6

COLD_PROBE = """
import sys, time
from pathlib import Path
import workbench.app.app as app_module
from workbench.app.app import WorkbenchApp

class Probe(WorkbenchApp):
    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))

    def on_mount(self) -> None:
        self.call_after_refresh(self._drawn)

    def _drawn(self) -> None:
        Path(sys.argv[2]).write_text(str(time.time()))  # the app owns stdout
        self.exit()

Probe(Path(sys.argv[1]), watch=False).run(headless=True, size=(120, 36))
"""


def pipeline_text(stages: int) -> str:
    lines = ['[pipeline]\nname = "wide"\n']
    for i in range(stages):
        lines.append(f'[stages.s{i:03d}]\nuses = "files.load"')
        lines.append(f'config = {{ path = "data/in{i}.csv", key = "k{i}" }}')
        if i:
            lines.append(f'depends_on = ["s{(i - 1) // 2:03d}"]')
        lines.append("")
    return "\n".join(lines)


async def editor_keys(stages: int, keys: int) -> list[float]:
    from workbench.app.app import WorkbenchApp
    from workbench.app.screens.editor import EditorScreen
    from workbench.app.widgets.editor.config_form import ConfigForm

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pipelines").mkdir()
        path = root / "pipelines" / "wide.toml"
        path.write_text(pipeline_text(stages), encoding="utf-8")
        app = WorkbenchApp(root, path, watch=False)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("e")
            await pilot.pause()
            await app.workers.wait_for_complete()
            editor = app.screen
            assert isinstance(editor, EditorScreen)
            await pilot.press("home", "down")
            await pilot.pause()
            await app.workers.wait_for_complete()
            form = editor.query_one(".config-form", ConfigForm)
            form.focus_field("key", at_end=True)
            await pilot.pause()
            times: list[float] = []
            for i in range(keys):
                key = "abcdefghij"[i % 10]
                start = time.perf_counter()
                await pilot.press(key)
                times.append((time.perf_counter() - start) * 1000)
            return times


async def first_visits() -> dict[str, float]:
    from workbench.app.app import WorkbenchApp
    from workbench.app.screens import VIEWS

    app = WorkbenchApp(ROOT, ROOT / "pipelines" / "sales-report.toml", watch=False)
    out: dict[str, float] = {}
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        for view in VIEWS:
            if view.mode == app.current_mode:
                continue
            start = time.perf_counter()
            await app.switch_mode(view.mode)
            await pilot.pause()
            out[view.title] = (time.perf_counter() - start) * 1000
            await app.workers.wait_for_complete()
    return out


def cold_start() -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as probe:
        probe.write(COLD_PROBE)
    stamp = Path(probe.name).with_suffix(".time")
    start = time.time()
    done = subprocess.run(
        [sys.executable, probe.name, str(ROOT), str(stamp)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    drawn = float(stamp.read_text().strip())
    return drawn - start


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stages", type=int, default=500)
    parser.add_argument("--keys", type=int, default=60)
    args = parser.parse_args()

    times = asyncio.run(editor_keys(args.stages, args.keys))
    p50, p95 = statistics.median(times), percentile(times, 0.95)
    mark = "met" if p95 < KEY_TARGET_MS else "MISSED"
    print(
        f"editor key to repaint, {args.stages} stages: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
        f"(target p95 < {KEY_TARGET_MS:.0f} ms: {mark}, {p95 / KEY_TARGET_MS:.2f}x)"
    )
    visits = asyncio.run(first_visits())
    for title, ms in visits.items():
        mark = "met" if ms < VISIT_TARGET_MS else "MISSED"
        print(f"first visit, {title:<10} {ms:6.1f} ms (target < {VISIT_TARGET_MS:.0f} ms: {mark})")
    colds = [cold_start() for _ in range(5)]
    cold = statistics.median(colds)
    mark = "met" if cold < COLD_TARGET_S else "MISSED"
    print(
        f"cold start to first frame: median {cold:.2f} s of {len(colds)} "
        f"(target < {COLD_TARGET_S} s: {mark}, {cold / COLD_TARGET_S:.2f}x)"
    )


if __name__ == "__main__":
    main()
