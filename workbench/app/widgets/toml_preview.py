"""A read-only view of TOML text with line numbers, coloured by theme variables.

The editor shows here exactly the text a save writes; problems name lines of this
text, so the numbers matter. The colouring is a few line-level rules (tables,
keys, strings, comments), enough to read a pipeline file at a glance.
"""

from __future__ import annotations

import re

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

_HEADER = re.compile(r"^\s*\[.*\]\s*$")
_KEY = re.compile(r'^(\s*)([A-Za-z0-9_.\-"]+)(\s*=\s*)(.*)$')
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def highlight_line(line: str) -> Content:
    if _HEADER.match(line):
        return Content.styled(line, "bold $text-accent")
    if line.lstrip().startswith("#"):
        return Content.styled(line, "$foreground-muted italic")
    match = _KEY.match(line)
    if not match:
        return _values(line)
    indent, key, equals, value = match.groups()
    return Content.assemble(
        Content(indent),
        Content.styled(key, "$text-primary"),
        Content.styled(equals, "$foreground-muted"),
        _values(value),
    )


def _values(text: str) -> Content:
    parts: list[Content] = []
    pos = 0
    for match in _STRING.finditer(text):
        parts.append(Content(text[pos : match.start()]))
        parts.append(Content.styled(match.group(0), "$text-success"))
        pos = match.end()
    parts.append(Content(text[pos:]))
    return Content.assemble(*parts)


def render_toml(text: str, marked: set[int] | None = None) -> Content:
    """Numbered, coloured lines; ``marked`` line numbers (1-based) get an error mark."""
    lines = text.splitlines() or [""]
    width = len(str(len(lines)))
    marked = marked or set()
    out = []
    for number, line in enumerate(lines, start=1):
        gutter = (
            Content.styled(f"{number:>{width}} ✘ ", "$text-error bold")
            if number in marked
            else Content.styled(f"{number:>{width}}   ", "$foreground-muted 60%")
        )
        out.append(Content.assemble(gutter, highlight_line(line)))
    return Content("\n").join(out)


class TomlPreview(VerticalScroll, can_focus=True):
    """Scrollable TOML text; the owner calls :meth:`show` after every edit."""

    DEFAULT_CSS = """
    TomlPreview {
        background: $surface;
        & > Static { width: auto; }
    }
    """

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static("", id="toml-text")

    def show(self, text: str, marked: set[int] | None = None) -> None:
        self.query_one("#toml-text", Static).update(render_toml(text, marked))

    @property
    def text_shown(self) -> str:
        return str(self.query_one("#toml-text", Static).content)
