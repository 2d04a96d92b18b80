"""`screenshots`: the app's screens rendered to SVG. The app is imported only
inside the command, so no other command pays for Textual.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from workbench.cli.consoles import (
    emit,
)
from workbench.cli.exits import EXIT_OK


def cmd_screenshots(args: argparse.Namespace) -> int:
    from workbench.app.screenshots import write_screenshots

    project = args.project or Path.cwd()
    for path in write_screenshots(project, args.out):
        emit(str(path))
    return EXIT_OK
