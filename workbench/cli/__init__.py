"""The `workbench` command line: entry, commands, rendering, live run output, watch.

``main`` is the console script's target. Importing this package loads only the
entry module (argparse and the engine's errors), so ``workbench --help`` stays fast;
Rich and the commands load when a command runs.
"""

from workbench.cli.entry import main

__all__ = ["main"]
