"""Control sequences from stages and plugins never reach the terminal; colours do."""

from __future__ import annotations

import json
from collections.abc import Callable

from kit.cli import Outcome, Project

from workbench.engine.terminal_text import clean_output

Cli = Callable[..., Outcome]

CLIPBOARD = "\x1b]52;c;ZXZpbA==\x07"
NOISY = r"""
[pipeline]
name = "noisy"

[stages.shout]
uses = "shell.run"
config = { command = ["sh", "-c", "printf 'before\\033]52;c;ZXZpbA==\\007after\\n'; printf '\\033]0;owned\\007' >&2; exit 3"] }
"""

PLUGIN = """
from workbench.engine import Stage, StageResult


class Loud(Stage):
    name = "loud.stage"
    description = "looks harmless\\x1b]52;c;ZXZpbA==\\x07 \\x1b[2J"

    def run(self, ctx):
        return StageResult.success("done\\x1b]0;owned\\x07 here")
"""


def test_osc_52_is_absent_from_verbose_output_but_kept_in_the_log_file(
    cli: Cli, project: Project
) -> None:
    path = project.write("noisy", NOISY)

    result = cli("run", path, "-v")

    assert result.code == 1
    assert "beforeafter" in result.out
    assert "\x1b]" not in result.out and "\x1b]" not in result.err
    detail = json.loads(cli("history", "1", "--format", "json").out)
    raw = (project.root / detail["stages"][0]["log_path"]).read_text()
    assert CLIPBOARD in raw


def test_plugin_text_and_stage_messages_are_cleaned(cli: Cli, project: Project) -> None:
    (project.root / "loud").mkdir()
    (project.root / "loud" / "loud.py").write_text(PLUGIN)
    settings = project.root / "workbench.toml"
    settings.write_text(settings.read_text().replace("]", ', "loud"]'))
    path = project.write("loud", '[pipeline]\nname = "loud"\n[stages.l]\nuses = "loud.stage"\n')

    listed = cli("stages")
    ran = cli("run", path)

    assert "looks harmless" in listed.out
    assert "done here" in ran.out
    for text in (listed.out, ran.out, listed.err, ran.err):
        assert "\x1b]" not in text and "\x1b[2J" not in text


def test_cleaning_keeps_colours_tabs_and_line_ends_and_drops_everything_else() -> None:
    kept = "\x1b[31mred\x1b[0m\ttab\r\n"
    assert clean_output(kept) == kept
    assert clean_output(kept, keep_colour=False) == "red\ttab\r\n"
    dropped = [
        "\x1b]52;c;ZXZpbA==\x07",  # OSC 52, BEL-terminated
        "\x1b]0;title\x1b\\",  # OSC 0, ST-terminated
        "\x1b[2J",  # erase the screen
        "\x1b[10;1H",  # move the cursor
        "\x1bPq#0\x1b\\",  # DCS
        "\x9d52;c;x\x9c",  # 8-bit OSC
        "\x1b7",  # save the cursor
        "\x08\x00\x7f",  # backspace, NUL, DEL
    ]
    for sequence in dropped:
        assert clean_output(f"a{sequence}b") == "ab", repr(sequence)
