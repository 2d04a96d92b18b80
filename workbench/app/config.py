"""The user's own settings, kept between sessions: for now, the chosen theme.

The file is ``config.toml`` in the platform's config folder for
``stage-workbench`` (``~/.config/stage-workbench`` on Linux). The environment
variable ``WORKBENCH_CONFIG_DIR`` points it elsewhere, which is how tests keep
a person's real settings untouched. A damaged file never stops the app: it is
read as defaults and the reason is kept in :attr:`UserConfig.problem` so the app
can say so once.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import platformdirs
import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbench.engine.fileio import atomic_write_text

APP_NAME = "stage-workbench"
CONFIG_DIR_ENV = "WORKBENCH_CONFIG_DIR"
CONFIG_FILE = "config.toml"


class UserConfig(BaseModel):
    """What ``config.toml`` may hold. Unknown keys are kept out, not fatal."""

    model_config = ConfigDict(extra="ignore")

    theme: str | None = Field(default=None, description="Name of the theme last chosen.")
    problem: str | None = Field(default=None, exclude=True)
    """Why the file could not be read, when it could not; never written back."""


def config_dir() -> Path:
    """The folder of the config file; ``WORKBENCH_CONFIG_DIR`` wins over the platform's."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def config_path() -> Path:
    return config_dir() / CONFIG_FILE


def load_config(path: Path | None = None) -> UserConfig:
    """Read the config file; a missing file is the defaults, a bad one is defaults plus why."""
    path = path or config_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return UserConfig()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
        reason = "nested too deep" if isinstance(exc, RecursionError) else exc
        return UserConfig(problem=f"{path}: cannot read the settings ({reason}); using defaults")
    try:
        return UserConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        return UserConfig(problem=f"{path}: {where}: {first['msg']}; using defaults")


def save_config(config: UserConfig, path: Path | None = None) -> None:
    """Write the config file atomically, so a crash never leaves half a file."""
    path = path or config_path()
    data = config.model_dump(exclude_none=True)
    atomic_write_text(path, tomli_w.dumps(data))
