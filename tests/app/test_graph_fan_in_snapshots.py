"""The graph view on pipelines where several stages join: each edge can be followed.

Three aggregates each feed both a summary and a report (the shape where edges
used to merge into an unreadable ``├┬┬─▶``), and a join of six sources. Shown at
120x36 and at 80x24, with the summary selected so its own edges are coloured.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

FAN_IN = """
[pipeline]
name = "fan-in"
description = "Aggregates joined twice, and a wide join"

[stages.select]
uses = "core.noop"

[stages.by_region]
uses = "core.noop"
depends_on = ["select"]

[stages.by_product]
uses = "core.noop"
depends_on = ["select"]

[stages.totals]
uses = "core.noop"
depends_on = ["select"]

[stages.summary]
uses = "core.noop"
depends_on = ["by_region", "by_product", "totals"]

[stages.report]
uses = "core.noop"
depends_on = ["by_region", "by_product", "totals"]

[stages.one]
uses = "core.noop"

[stages.two]
uses = "core.noop"

[stages.three]
uses = "core.noop"

[stages.all]
uses = "core.noop"
depends_on = ["one", "two", "three", "summary", "report", "totals"]
"""


@pytest.fixture
def fan_in(project: Path, write: Any) -> str:
    write(project / "pipelines" / "fan-in.toml", FAN_IN)
    return "fan-in.toml"


@pytest.mark.parametrize("size", [(120, 36), (80, 24)], ids=["120x36", "80x24"])
def test_graph_with_fan_in(snap_compare: Any, make_app: Any, fan_in: str, size: Any) -> None:
    # select -> by_region -> (down to by_product... ) Right twice reaches the summary layer
    assert snap_compare(make_app(fan_in), press=["right", "right", "right"], terminal_size=size)
