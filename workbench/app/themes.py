"""Theme files: ``themes/*.toml`` read as Textual themes.

A theme file names its colours and whether it is dark or light::

    name = "workbench-dark"
    dark = true
    primary = "#4f9cf9"
    background = "#11151c"
    ...
    [variables]
    footer-key-foreground = "#4f9cf9"

Files come from the themes shipped beside the package (the repository's
``themes/`` folder) and from the project's own ``themes/`` folder; a project
theme of the same name wins. A file with mistakes is collected as a
:class:`ThemeProblem`, reported once by the app and skipped, as posting does:
a typo in a colour must never keep the app from starting.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from textual.color import Color, ColorParseError
from textual.theme import Theme

from workbench.engine.fileio import real_path

BUNDLED_THEMES_DIR = Path(__file__).resolve().parents[2] / "themes"
"""The repository's ``themes/`` folder, shipped with the source tree."""

DEFAULT_THEME = "workbench-dark"
FALLBACK_THEME = "textual-dark"
"""Used when the bundled themes are not installed beside the package."""


class ThemeFile(BaseModel):
    """The contents of one theme file. Colours are anything Textual's ``Color`` parses."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]*$", description="Theme id, e.g. 'workbench-dark'."
    )
    dark: bool = True
    primary: str
    secondary: str | None = None
    accent: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    boost: str | None = None
    success: str | None = None
    warning: str | None = None
    error: str | None = None
    variables: dict[str, str] = Field(default_factory=dict)

    @field_validator(
        "primary",
        "secondary",
        "accent",
        "foreground",
        "background",
        "surface",
        "panel",
        "boost",
        "success",
        "warning",
        "error",
    )
    @classmethod
    def _is_colour(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                Color.parse(value)
            except ColorParseError:
                raise ValueError(f"{value!r} is not a colour (try '#rrggbb')") from None
        return value

    def to_theme(self) -> Theme:
        fields = self.model_dump(exclude={"variables"}, exclude_none=True)
        return Theme(**fields, variables=dict(self.variables))


@dataclass(frozen=True, slots=True)
class ThemeProblem:
    """A theme file that was skipped, and why."""

    path: Path
    message: str

    def describe(self) -> str:
        return f"{self.path}: {self.message}"


def theme_label(name: str) -> str:
    """``workbench-dark`` -> ``Workbench Dark``: how the palette and notices name a theme."""
    return " ".join(part.capitalize() for part in name.split("-"))


def load_theme_file(path: Path) -> Theme | ThemeProblem:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return ThemeProblem(path, f"cannot read the file ({exc})")
    except tomllib.TOMLDecodeError as exc:
        return ThemeProblem(path, f"not valid TOML: {exc}")
    except RecursionError:
        return ThemeProblem(path, "not valid TOML: values nested too deep to read")
    try:
        return ThemeFile.model_validate(raw).to_theme()
    except ValidationError as exc:
        errors = []
        for error in exc.errors(include_url=False):
            where = ".".join(str(p) for p in error["loc"]) or "file"
            errors.append(f"{where}: {error['msg']}")
        return ThemeProblem(path, "; ".join(errors))


def theme_folders(project_root: Path | None) -> list[Path]:
    """Bundled themes first, then the project's, without reading one folder twice."""
    folders = [BUNDLED_THEMES_DIR]
    if project_root is not None:
        folders.append(project_root / "themes")
    unique: list[Path] = []
    for folder in folders:
        if folder.is_dir() and real_path(folder) not in [real_path(f) for f in unique]:
            unique.append(folder)
    return unique


def load_themes(folders: Iterable[Path]) -> tuple[list[Theme], list[ThemeProblem]]:
    """Every ``*.toml`` theme in ``folders``, as ``(loaded, failed)``; later folders win."""
    by_name: dict[str, Theme] = {}
    failed: list[ThemeProblem] = []
    for folder in folders:
        for path in sorted(folder.glob("*.toml")):
            result = load_theme_file(path)
            if isinstance(result, ThemeProblem):
                failed.append(result)
            else:
                by_name[result.name] = result
    return list(by_name.values()), failed
