"""A read-only view of TOML text with line numbers, coloured by theme variables.

The editor shows here exactly the text a save writes; problems name lines of this
text, so the numbers matter. The colouring is a few line-level rules (tables,
keys, strings, comments), enough to read a pipeline file at a glance.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual

_HEADER = re.compile(r"^\s*\[.*\]\s*$")
_KEY = re.compile(r'^(\s*)([A-Za-z0-9_.\-"]+)(\s*=\s*)(.*)$')
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
WIDTH_STEP = 16
"""The preview's scrollable width is the widest line rounded up to this many columns."""


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


def _gutter(number: int, width: int, marked: bool) -> Content:
    if marked:
        return Content.styled(f"{number:>{width}} ✘ ", "$text-error bold")
    return Content.styled(f"{number:>{width}}   ", "$foreground-muted 60%")


def render_toml(text: str, marked: set[int] | None = None) -> Content:
    """Numbered, coloured lines; ``marked`` line numbers (1-based) get an error mark."""
    lines = text.splitlines() or [""]
    width = len(str(len(lines)))
    marked = marked or set()
    return Content("\n").join(
        Content.assemble(_gutter(number, width, number in marked), highlight_line(line))
        for number, line in enumerate(lines, start=1)
    )


class TomlPreview(ScrollView, can_focus=True):
    """Scrollable, numbered TOML text; the owner calls :meth:`show` after every edit.

    Virtualised: only the rows on screen are coloured and rendered, and a row is
    rendered once until its text, number or mark changes. A 500-stage pipeline is
    ~2,000 lines, and re-rendering all of them after each pause in typing cost
    seconds; now :meth:`show` only swaps the list of lines.
    """

    DEFAULT_CSS = """
    TomlPreview {
        background: $surface;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._lines: list[str] = [""]
        self._marked: frozenset[int] = frozenset()
        self._strips: LRUCache[tuple[str, int, int, bool, int], Strip] = LRUCache(1024)

    def show(self, text: str, marked: set[int] | None = None) -> None:
        lines = text.splitlines() or [""]
        marks = frozenset(marked or ())
        if lines == self._lines and marks == self._marked:
            return  # nothing the preview shows changed
        self._lines, self._marked = lines, marks
        gutter = len(str(len(lines))) + 3
        widest = gutter + max(cell_len(line) for line in lines)
        # A row is rendered again for a new width: the width grows in steps, so typing
        # a value into a long line leaves it (and the rows' cache) alone on most keys.
        width = -(-widest // WIDTH_STEP) * WIDTH_STEP
        size = Size(width, len(lines))
        if size != self.virtual_size:
            # Setting virtual_size lays the whole screen out again, though only this
            # pane's scrollbars depend on it: update them alone (what a layout would do
            # here). A scrollbar that must appear or go still asks for a layout.
            self.set_reactive(TomlPreview.virtual_size, size)
            self._scroll_update(size)
        self.refresh()

    @property
    def text_shown(self) -> str:
        """The plain text on show, gutter included (what a person reads)."""
        return render_toml("\n".join(self._lines), set(self._marked)).plain

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        if index >= len(self._lines):
            return Strip.blank(width, self.visual_style.rich_style)
        number = index + 1
        line = self._lines[index]
        digits = len(str(len(self._lines)))
        full_width = max(self.virtual_size.width, width)
        key = (line, number, digits, number in self._marked, full_width)
        strip = self._strips.get(key)
        if strip is None:
            content = Content.assemble(
                _gutter(number, digits, number in self._marked), highlight_line(line)
            )
            strips = Visual.to_strips(self, content, full_width, 1, self.visual_style, pad=True)
            strip = strips[0] if strips else Strip.blank(full_width)
            self._strips[key] = strip
        return strip.crop(scroll_x, scroll_x + width)

    def notify_style_update(self) -> None:
        """A theme change recolours every row."""
        super().notify_style_update()
        self._strips.clear()
