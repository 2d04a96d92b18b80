"""The TOML preview: numbered lines, error marks, scrolling through a long file."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult

from workbench.app.widgets.editor.toml_preview import TomlPreview


class _Host(App[None]):
    def compose(self) -> ComposeResult:
        yield TomlPreview(id="preview")


def _row(preview: TomlPreview, y: int) -> str:
    return preview.render_line(y).text


def test_a_long_file_scrolls_to_any_line_with_its_number_and_mark() -> None:
    asyncio.run(_long_file())


async def _long_file() -> None:
    text = "\n".join(f'[stages.s{i:04d}]\nuses = "core.noop"' for i in range(1000))
    app = _Host()
    async with app.run_test(size=(60, 20)) as pilot:
        preview = app.query_one(TomlPreview)
        preview.show(text, marked={1502})
        await pilot.pause()
        assert preview.virtual_size.height == 2000
        assert "1 " in _row(preview, 0) and "[stages.s0000]" in _row(preview, 0)
        preview.scroll_to(y=1500, animate=False)
        await pilot.pause()
        assert _row(preview, 0).split() == ["1501", "[stages.s0750]"]
        assert _row(preview, 1).split()[:2] == ["1502", "✘"]


def test_showing_new_text_replaces_rows_already_drawn() -> None:
    asyncio.run(_new_text())


async def _new_text() -> None:
    app = _Host()
    async with app.run_test(size=(60, 10)) as pilot:
        preview = app.query_one(TomlPreview)
        preview.show('[pipeline]\nname = "a"')
        await pilot.pause()
        assert 'name = "a"' in _row(preview, 1)
        preview.show('[pipeline]\nname = "ab"')
        await pilot.pause()
        assert 'name = "ab"' in _row(preview, 1)
        assert preview.text_shown.splitlines()[1].split() == ["2", "name", "=", '"ab"']


def test_a_line_growing_past_the_pane_can_be_scrolled_to_its_end() -> None:
    asyncio.run(_growing_line())


async def _growing_line() -> None:
    app = _Host()
    async with app.run_test(size=(40, 8)) as pilot:
        preview = app.query_one(TomlPreview)
        for length in range(60, 140, 7):  # as a long value is typed, a key at a time
            preview.show(f'[pipeline]\nname = "{"x" * length}"')
            await pilot.pause()
        assert preview.show_horizontal_scrollbar
        preview.scroll_to(x=preview.max_scroll_x, animate=False)
        await pilot.pause()
        assert _row(preview, 1).rstrip().endswith('x"')
        preview.show('[pipeline]\nname = "short"')  # and back: nothing left to scroll to
        await pilot.pause()
        assert not preview.show_horizontal_scrollbar
        assert 'name = "short"' in _row(preview, 1)
