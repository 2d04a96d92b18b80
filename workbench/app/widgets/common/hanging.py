"""Text whose wrapped lines continue under their value, never at column 0.

Details panes and report cards are lists of ``label  value`` lines. Textual wraps
a long line back to the first column, so a long type, path or message ends up
under the label, and a figure can be cut between its number and its unit
(``366`` / ``B``). :class:`Hanging` wraps each line itself: a continuation starts
under the value (after the label, or after the line's own indent and bullet), a
number stays with its unit, and a long path breaks after a ``/`` rather than in
the middle of a name.

Use :func:`labelled` for a ``label  value`` line and pass plain lines as they are;
:class:`Hanging` is a Textual :class:`~textual.visual.Visual`, so a ``Static``, an
``OptionList`` option or a column of a side-by-side row can show it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rich.cells import cell_len
from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual

MIN_VALUE_WIDTH = 12
"""Below this many columns for the value, continuations fall back to the line's indent + 2."""

_UNIT = r"(?:B|kB|KB|MB|GB|TB|KiB|MiB|GiB|ms|s|min|h|%)"
_CHUNK = re.compile(rf"[^\s\d]*\d[\d.,]*\s{_UNIT}(?![\w/])\S*\s*|\S+\s*|\s+")
"""A word with its trailing spaces; a number and its unit count as one word, with
what is stuck to them (``(+0 ms)``, ``~1.5 s,``)."""

_BULLET = re.compile(r"^(\s*)((?:[•✘✔⚠▸≡◆+−~±≈↕⇄]|\d+\.?)\s+)?")
"""A plain line's indent and leading mark: its continuations start after both."""


@dataclass(frozen=True, slots=True)
class Labelled:
    """One ``label  value`` line: the value wraps under itself."""

    label: Content
    value: Content

    @property
    def plain(self) -> str:
        return self.label.plain + self.value.plain


Line = Content | Labelled


def labelled(label: Content | str, value: Content | str) -> Labelled:
    """A ``label  value`` line (the label carries its own indent and padding)."""
    return Labelled(
        label if isinstance(label, Content) else Content(label),
        value if isinstance(value, Content) else Content(value),
    )


def wrap_words(text: Content, width: int) -> list[Content]:
    """Word-wrap one line to ``width`` cells: numbers keep their units, a word too long
    for a line of its own breaks after its last ``/`` that fits (else at the width)."""
    width = max(1, width)
    if text.cell_length <= width:
        return [text]
    plain = text.plain
    offsets: list[int] = []
    line_start = 0
    for match in _CHUNK.finditer(plain):
        word_start = match.start()
        word_end = word_start + len(match.group(0).rstrip())
        if word_end - line_start > width and word_start > line_start:
            offsets.append(word_start)
            line_start = word_start
        while word_end - line_start > width:
            line_start += _break_point(plain[line_start:word_end], width)
            offsets.append(line_start)
    return [piece.rstrip() for piece in text.divide(offsets)]


def _break_point(word: str, width: int) -> int:
    """Where to cut a word too long for a line: after the last ``/`` that fits, else at the width."""
    slash = word.rfind("/", 0, width)
    return slash + 1 if slash > 0 else width


def _hang(line: Line) -> tuple[Content, Content]:
    """The part that stays at the start of the first row, and the part that wraps."""
    if isinstance(line, Labelled):
        return line.label, line.value
    match = _BULLET.match(line.plain)
    cut = match.end() if match else 0
    return line[:cut], line[cut:]


class Hanging(Visual):
    """Lines that wrap with a hanging indent: each continuation sits under its value."""

    def __init__(self, lines: Iterable[Line]) -> None:
        self.lines: list[Line] = []
        for line in lines:
            if isinstance(line, Content) and "\n" in line.plain:
                self.lines.extend(line.split("\n", allow_blank=True))
            elif isinstance(line, Labelled) and "\n" in line.value.plain:
                # A value of several lines (a message, a command's output): each of
                # its lines starts under the first, the label stays alone on its left.
                first, *rest = line.value.split("\n", allow_blank=True)
                pad = Content(" " * line.label.cell_length)
                self.lines.append(Labelled(line.label, first))
                self.lines.extend(Labelled(pad, more) for more in rest)
            else:
                self.lines.append(line)

    @property
    def plain(self) -> str:
        """The text without wrapping, for tests and copying."""
        return "\n".join(line.plain for line in self.lines)

    def __str__(self) -> str:
        return self.plain

    def wrap(self, width: int) -> list[Content]:
        """Every row as it will be drawn at ``width`` cells."""
        rows: list[Content] = []
        for line in self.lines:
            lead, body = _hang(line)
            indent = lead.cell_length
            if width - indent < MIN_VALUE_WIDTH:
                # Too narrow to hang under the value: wrap the whole line, then
                # continue a little in from the line's own indent.
                whole = lead + body
                first = wrap_words(whole, width)[0]
                rows.append(first)
                indent = min(len(lead.plain) - len(lead.plain.lstrip()) + 2, max(0, width - 1))
                tail = whole[len(first.plain) :]
                tail = tail[len(tail.plain) - len(tail.plain.lstrip()) :]
                if tail.plain:
                    rows.extend(
                        Content(" " * indent) + piece for piece in wrap_words(tail, width - indent)
                    )
                continue
            head, *rest = wrap_words(body, width - indent)
            rows.append(lead + head)
            rows.extend(Content(" " * indent) + piece for piece in rest)
        return rows

    # -- Visual ---------------------------------------------------------------------------
    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return max((cell_len(line.plain) for line in self.lines), default=0)

    def get_minimal_width(self, rules: RulesMap) -> int:
        return min(MIN_VALUE_WIDTH, self.get_optimal_width(rules, 0))

    def get_height(self, rules: RulesMap, width: int) -> int:
        return len(self.wrap(width))

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        return Content("\n").join(self.wrap(width)).render_strips(width, height, style, options)


def indented(line: Line, spaces: int) -> Line:
    """The same line moved right by ``spaces`` (its continuations move with it)."""
    pad = Content(" " * spaces)
    if isinstance(line, Labelled):
        return Labelled(pad + line.label, line.value)
    return pad + line
