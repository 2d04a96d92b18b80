"""Pipeline parameters the workbench owns: a file or ``--set`` may not set them.

``project_dir`` is where every relative path of a run is resolved and where a
shell stage starts. Letting ``[context]`` or ``--set`` move it would move every
write of the run while the dry run still says "in the project folder", so it is
reserved: setting it is an error that names it. Kept in its own tiny module so
the command line can check ``--set`` without importing pydantic.
"""

from __future__ import annotations

PROJECT_DIR = "project_dir"
RESERVED_PARAMS: tuple[str, ...] = (PROJECT_DIR,)
