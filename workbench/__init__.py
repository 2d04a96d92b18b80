"""Stage Workbench: a terminal workbench for stage-based pipelines.

A stage author needs only what is re-exported here from :mod:`workbench.engine`
(``from workbench import Stage, StageResult, StageContext``). Names load lazily.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # import_module, not ``from workbench import engine``: that form asks this very
    # function for ``engine`` first and recursed until the interpreter gave up.
    engine = importlib.import_module("workbench.engine")

    try:
        value = getattr(engine, name)
    except AttributeError:
        raise AttributeError(f"module 'workbench' has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    engine = importlib.import_module("workbench.engine")

    return [*engine.__all__, "__version__"]
