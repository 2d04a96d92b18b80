"""The context inspector: what a stage changed, lazy paged children, tables, recorded runs."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from workbench.app.widgets.run.context_inspector import (
    PAGE,
    ContextInspector,
    Entry,
    Preview,
    Salvaged,
    TableScreen,
    child_count,
    children,
    is_table,
    net_changes,
    replay,
    value_summary,
)
from workbench.engine.context import ContextStore
from workbench.engine.history.store import ChangeSummary, preview

ROWS = [{"region": f"r{i % 4}", "amount": i * 1.5, "product": f"p{i % 5}"} for i in range(250)]


def sample_store() -> ContextStore:
    """Two finished stages: ``load`` adds a table and a text, ``count`` changes, adds, removes."""
    store = ContextStore({"region": "north"})
    store.write("load", "rows", ROWS)
    store.write("load", "text", "hello world\n" * 3)
    store.mark_finished("load")
    store.write("count", "stats", {"words": 110, "top": ["a", "b"], "big": list(range(PAGE + 50))})
    store.write("count", "region", "south")
    store.remove("count", "text")
    store.mark_finished("count")
    return store


class InspectorApp(App[None]):
    def __init__(self, fill: Any = None) -> None:
        super().__init__()
        self.fill = fill

    def compose(self) -> ComposeResult:
        yield ContextInspector(id="inspector")

    def on_mount(self) -> None:
        inspector = self.query_one(ContextInspector)
        inspector.border_title = "Context"
        if self.fill is not None:
            self.fill(inspector)
        inspector.focus()


def top(inspector: ContextInspector) -> dict[str, Entry]:
    return {n.data.name: n.data for n in inspector.root.children if n.data is not None}


def node(inspector: ContextInspector, name: str) -> Any:
    return next(n for n in inspector.root.children if n.data is not None and n.data.name == name)


# -- pure helpers ------------------------------------------------------------------------------


def test_net_changes_fold_a_stages_writes_into_one_change_per_key() -> None:
    made = net_changes(
        [
            ("new", "added", "—", "1"),
            ("new", "changed", "1", "2"),
            ("old", "changed", "a", "b"),
            ("gone", "removed", "x", "—"),
            ("brief", "added", "—", "1"),
            ("brief", "removed", "1", "—"),
        ]
    )
    assert {k: (c.kind, c.before, c.after) for k, c in made.items()} == {
        "new": ("added", "—", "2"),
        "old": ("changed", "a", "b"),
        "gone": ("removed", "x", "—"),
    }


def test_tables_are_lists_of_dicts_with_the_same_keys() -> None:
    assert is_table(ROWS)
    assert not is_table([])
    assert not is_table([{"a": 1}, {"b": 2}])
    assert not is_table([1, 2, 3])
    assert not is_table({"a": 1})


def test_children_are_built_a_page_at_a_time() -> None:
    big = list(range(1000))
    assert child_count(big) == 1000
    assert children(big, 100, 103) == [("[100]", 100), ("[101]", 101), ("[102]", 102)]
    assert children({"a": 1, "b": 2}, 1, 10) == [("b", 2)]
    assert child_count("short") == 0
    assert child_count("line\n" * 5) == 6


def test_replay_rebuilds_the_context_after_a_stage_from_recorded_previews() -> None:
    store = sample_store()
    changes = [
        ChangeSummary(c.seq, c.stage, c.key, c.kind, c.before, c.after, preview(c.value))
        for c in store.changes
    ]
    after_load = replay(changes, "load", {"region": "north"})
    rows = after_load.values["rows"]  # cut at the preview limit: the whole rows before the cut
    assert isinstance(rows, Salvaged) and rows.total == 250
    assert 10 < len(rows) < 250 and rows == ROWS[: len(rows)]
    assert value_summary(rows) == f"table 250 rows × 3 columns, first {len(rows)} recorded"
    assert after_load.values["text"] == "hello world\n" * 3
    assert after_load.values["region"] == "north"
    assert after_load.writers == {"rows": "load", "text": "load"}
    assert set(after_load.changes) == {"rows", "text"}
    after_count = replay(changes, "count", {"region": "north"})
    assert "text" not in after_count.values
    assert after_count.values["region"] == "south"
    assert {k: c.kind for k, c in after_count.changes.items()} == {
        "stats": "added",
        "region": "changed",
        "text": "removed",
    }


def test_a_cut_preview_keeps_whole_list_items_or_stays_text() -> None:
    cut_list = ChangeSummary(0, "load", "numbers", "added", "—", "list[9,999]", "[1, 2, 3, 45…")
    cut_dict = ChangeSummary(1, "load", "blob", "added", "—", "dict{9 keys}", '{"a": 1, "b…')
    state = replay([cut_list, cut_dict], None)
    assert state.values["numbers"] == [1, 2, 3] and state.values["numbers"].total == 9999
    assert state.values["blob"] == Preview('{"a": 1, "b…')


# -- the widget ----------------------------------------------------------------------------


def test_the_whole_context_shows_every_key_with_its_writer() -> None:
    async def go() -> None:
        app = InspectorApp(lambda i: i.show_live(sample_store()))
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            inspector = app.query_one(ContextInspector)
            entries = top(inspector)
            assert list(entries) == ["region", "rows", "stats"]
            assert entries["rows"].writer == "load"
            assert entries["region"].writer == "count"
            assert all(e.change is None for e in entries.values())
            assert inspector.border_subtitle == "3 keys"

    asyncio.run(go())


def test_after_a_stage_its_changes_are_marked_with_before_and_after() -> None:
    async def go() -> None:
        app = InspectorApp(lambda i: i.show_live(sample_store(), "count"))
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            inspector = app.query_one(ContextInspector)
            entries = top(inspector)
            assert entries["stats"].change == "added"
            assert (entries["region"].change, entries["region"].before) == ("changed", "'north'")
            assert entries["text"].change == "removed"
            assert entries["rows"].change is None
            assert inspector.border_subtitle == "after count · +1  ~1  −1 · 3 keys"
            label = inspector.render_label(
                node(inspector, "region"), app.screen.rich_style, app.screen.rich_style
            )
            assert "'north' → 'south'" in label.plain
            assert "← count" in label.plain

            inspector.show_live(sample_store(), "load")
            await pilot.pause()
            entries = top(inspector)
            assert entries["region"].change is None and entries["region"].summary == "'north'"
            assert {k for k, e in entries.items() if e.change == "added"} == {"rows", "text"}

    asyncio.run(go())


def test_a_stage_that_has_not_finished_says_so() -> None:
    async def go() -> None:
        app = InspectorApp(lambda i: i.show_live(sample_store(), "save"))
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            notes = [n.data.name for n in app.query_one(ContextInspector).root.children if n.data]
            assert notes == ["save has not finished yet"]

    asyncio.run(go())


def test_children_are_built_on_expand_and_paged_with_a_more_node() -> None:
    async def go() -> None:
        app = InspectorApp(lambda i: i.show_live(sample_store()))
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            inspector = app.query_one(ContextInspector)
            rows = node(inspector, "rows")
            assert len(rows.children) == 0 and rows.allow_expand  # nothing walked yet
            rows.expand()
            await pilot.pause()
            names = [c.data.name for c in rows.children]
            assert len(names) == PAGE + 1
            assert names[0] == "[0]" and names[-1] == "… 150 more"
            inspector.move_cursor(rows.children[-1])
            await pilot.press("enter")
            await pilot.pause()
            names = [c.data.name for c in rows.children]
            assert names[PAGE] == f"[{PAGE}]" and names[-1] == "… 50 more"
            assert len(names) == 2 * PAGE + 1

    asyncio.run(go())


def test_expanded_keys_stay_expanded_when_the_context_is_shown_again() -> None:
    async def go() -> None:
        app = InspectorApp(lambda i: i.show_live(sample_store(), "load"))
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            inspector = app.query_one(ContextInspector)
            node(inspector, "rows").expand()
            await pilot.pause()
            inspector.show_live(sample_store(), "count")
            await pilot.pause()
            rows = node(inspector, "rows")
            assert rows.is_expanded and len(rows.children) == PAGE + 1

    asyncio.run(go())


def test_t_opens_a_table_one_page_at_a_time() -> None:
    async def go() -> None:
        app = InspectorApp(lambda i: i.show_live(sample_store()))
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            inspector = app.query_one(ContextInspector)
            inspector.move_cursor(node(inspector, "stats"))
            await pilot.press("t")  # not a table: nothing opens
            await pilot.pause()
            assert not isinstance(app.screen, TableScreen)
            inspector.move_cursor(node(inspector, "rows"))
            await pilot.pause()
            await pilot.press("t")
            await pilot.pause()
            assert isinstance(app.screen, TableScreen)
            table = app.screen.query_one(DataTable)
            assert table.row_count == 100
            assert [str(c.label) for c in table.columns.values()] == [
                "#",
                "region",
                "amount",
                "product",
            ]
            await pilot.press(
                "right_square_bracket", "right_square_bracket", "right_square_bracket"
            )
            await pilot.pause()
            assert table.row_count == 50 and str(table.get_row_at(0)[0]) == "200"
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, TableScreen)

    asyncio.run(go())


def test_recorded_mode_shows_parsed_previews_and_the_runs_parameters() -> None:
    store = sample_store()
    changes = [
        ChangeSummary(c.seq, c.stage, c.key, c.kind, c.before, c.after, preview(c.value))
        for c in store.changes
    ]

    async def go() -> None:
        app = InspectorApp(lambda i: i.show_recorded(changes, "count", params={"region": "north"}))
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            entries = top(app.query_one(ContextInspector))
            assert entries["rows"].value == ROWS[: len(entries["rows"].value)]
            assert entries["rows"].writer == "load"
            assert entries["stats"].change == "added"
            assert entries["text"].change == "removed"

    asyncio.run(go())


# -- pictures ------------------------------------------------------------------------------


def _open_rows(inspector: ContextInspector) -> None:
    inspector.show_live(sample_store(), "count")
    node(inspector, "stats").expand()


def test_snapshot_changes_of_a_stage(snap_compare: Any) -> None:
    async def expand(pilot: Any) -> None:
        await pilot.pause()
        await pilot.press("down", "down", "down")

    assert snap_compare(InspectorApp(_open_rows), run_before=expand, terminal_size=(120, 36))


def test_snapshot_table(snap_compare: Any) -> None:
    async def table(pilot: Any) -> None:
        await pilot.pause()
        inspector = pilot.app.query_one(ContextInspector)
        inspector.move_cursor(node(inspector, "rows"))
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()

    app = InspectorApp(lambda i: i.show_live(sample_store()))
    assert snap_compare(app, run_before=table, terminal_size=(120, 36))


# -- secrets -----------------------------------------------------------------------------------


def secret_store() -> ContextStore:
    from workbench.engine.secrets import Secrets

    secrets = Secrets()
    secrets.add("hunter2-horse", "password")
    store = ContextStore({"password": "hunter2-horse", "region": "north"}, secrets=secrets)
    store.write("copy", "pw_copy", "hunter2-horse")
    store.write("copy", "settings", {"api_key": "k-9876", "note": "uses hunter2-horse"})
    store.mark_finished("copy")
    return store


def _label(app: InspectorApp, inspector: ContextInspector, name: str) -> str:
    return inspector.render_label(
        node(inspector, name), app.screen.rich_style, app.screen.rich_style
    ).plain


def test_the_inspector_masks_secret_values_and_reveals_one_on_request() -> None:
    async def go() -> None:
        app = InspectorApp(lambda i: i.show_live(secret_store()))
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            inspector = app.query_one(ContextInspector)
            entries = top(inspector)
            assert entries["password"].summary == "••••"
            assert entries["pw_copy"].summary == "••••"
            assert "hunter2" not in _label(app, inspector, "password")
            assert entries["region"].summary == "'north'"
            settings = node(inspector, "settings")
            settings.expand()
            await pilot.pause()
            inner = {c.data.name: c.data.summary for c in settings.children if c.data}
            assert inner == {"api_key": "••••", "note": "'uses ••••'"}

            inspector.move_cursor(node(inspector, "password"))
            await pilot.press("v")
            assert "hunter2-horse" in _label(app, inspector, "password")
            assert inspector.revealed == {"password"}
            await pilot.press("v")
            assert "hunter2" not in _label(app, inspector, "password")

    asyncio.run(go())
