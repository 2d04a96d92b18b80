"""``workbench --help`` is the overview: the app's ``[DIR]`` and every option the README names."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from kit.cli import Outcome

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_options() -> set[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## The command line", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", section))


def test_help_shows_dir_and_every_option_the_readme_names(cli: Callable[..., Outcome]) -> None:
    result = cli("--help")

    assert result.code == 0
    assert "workbench [-h] [--version] [DIR]" in result.out
    options = _readme_options()
    assert {"--set", "--from", "--to", "--watch", "--format", "--log-file"} <= options
    missing = sorted(o for o in options if o not in result.out)
    assert missing == []
