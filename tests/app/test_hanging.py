"""The hanging-indent wrapper shared by details panes and report cards."""

from __future__ import annotations

from test_hanging_text import indent, rows
from textual.content import Content

from workbench.app.widgets.common.hanging import Hanging, labelled, wrap_words


def test_a_labelled_value_wraps_under_itself() -> None:
    text = Hanging([labelled("  format  ", "one of: auto, json, toml, csv, text, lines")])
    assert rows(text, 30) == [
        "  format  one of: auto, json,",
        "          toml, csv, text,",
        "          lines",
    ]


def test_a_plain_line_wraps_under_its_bullet() -> None:
    text = Hanging([Content("    • copy every file of the folder to the archive")])
    out = rows(text, 28)
    assert out[0].startswith("    • copy")
    assert all(indent(row) == 6 for row in out[1:]), out


def test_a_number_keeps_its_unit() -> None:
    line = Content("• write the report  366 B · 12 ms")
    for width in range(10, 34):
        for row in rows(Hanging([line]), width):
            assert not row.lstrip().startswith(("B", "ms")), (width, row)


def test_a_long_path_breaks_after_a_slash_not_inside_a_name() -> None:
    pieces = [p.plain for p in wrap_words(Content("/data/incoming/2024/sales_by_region.csv"), 20)]
    assert pieces == ["/data/incoming/2024/", "sales_by_region.csv"]


def test_too_narrow_to_hang_still_indents() -> None:
    text = Hanging([labelled("  a_very_long_field_name  ", "whole number (optional)")])
    out = rows(text, 30)
    assert len(out) > 1
    assert all(indent(row) >= 4 for row in out[1:]), out


def test_a_bracketed_figure_keeps_its_unit() -> None:
    text = Content("save_b  ✘ failure · took 100 ms (+0 ms) · wall at least ~1.7 s (1 of 4)")
    for width in range(8, 40):
        pieces = [p.plain for p in wrap_words(text, width)]
        assert not any(p.startswith(("ms", "s ", "s)", "ms)")) for p in pieces), (width, pieces)
