"""Stage Workbench: a terminal workbench for stage-based pipelines.

A stage author needs only what is re-exported here from :mod:`workbench.engine`.
"""

from workbench.engine import *  # noqa: F403
from workbench.engine import __all__

__version__ = "0.1.0"
