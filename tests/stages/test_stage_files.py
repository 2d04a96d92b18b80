"""files.load and files.save: every format, the context key, atomic writes and honest plans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kit.stages import Harness
from pydantic import ValidationError

from stages.files import Load, Save
from workbench.engine import StageError, StageStatus


def test_load_csv_converts_typed_columns_and_reports_rows(harness: Harness, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sales.csv").write_text(
        "region,amount,paid\nNorth,12.50,yes\nSouth,3,no\n", encoding="utf-8"
    )
    stage = Load(
        {
            "path": "data/sales.csv",
            "key": "sales",
            "column_types": {"amount": "float", "paid": "bool"},
        }
    )
    result = harness.run(stage)
    assert result.status is StageStatus.SUCCESS
    assert harness.get("sales") == [
        {"region": "North", "amount": 12.5, "paid": True},
        {"region": "South", "amount": 3.0, "paid": False},
    ]
    assert result.message.startswith("2 rows from data/sales.csv")
    assert result.data["count"] == 2 and result.data["unit"] == "rows"
    assert stage.keys_written() == ("sales",)


@pytest.mark.parametrize(
    ("name", "text", "expected", "unit"),
    [
        ("a.json", '{"a": 1, "b": [1, 2]}', {"a": 1, "b": [1, 2]}, "keys"),
        (
            "a.toml",
            'title = "x"\n[owner]\nname = "y"\n',
            {"title": "x", "owner": {"name": "y"}},
            "keys",
        ),
        ("a.txt", "one\ntwo\n", "one\ntwo\n", "lines"),
    ],
)
def test_load_picks_the_format_from_the_suffix(
    harness: Harness, tmp_path: Path, name: str, text: str, expected: object, unit: str
) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = harness.run(Load({"path": name, "key": "value"}))
    assert harness.get("value") == expected
    assert result.data["unit"] == unit


def test_load_lines_skips_blanks_and_comments(harness: Harness, tmp_path: Path) -> None:
    (tmp_path / "words").write_text("# list\nalpha\n\n  beta  \n", encoding="utf-8")
    result = harness.run(Load({"path": "words", "key": "words", "format": "lines"}))
    assert harness.get("words") == ["alpha", "beta"]
    assert result.message.startswith("2 lines")


def test_load_of_a_missing_file_names_it(harness: Harness) -> None:
    with pytest.raises(StageError, match=r"data/nope\.json does not exist"):
        harness.run(Load({"path": "data/nope.json", "key": "x"}))


def test_load_of_broken_json_says_which_file_and_why(harness: Harness, tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"a": ', encoding="utf-8")
    with pytest.raises(StageError, match=r"bad\.json is not valid json"):
        harness.run(Load({"path": "bad.json", "key": "x"}))


def test_load_of_a_bad_number_names_line_and_column(harness: Harness, tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("n\n1\nten\n", encoding="utf-8")
    with pytest.raises(StageError, match=r"line 3, column 'n': 'ten' is not int"):
        harness.run(Load({"path": "t.csv", "key": "x", "column_types": {"n": "int"}}))


def test_unknown_suffix_asks_for_a_format(harness: Harness, tmp_path: Path) -> None:
    (tmp_path / "data.bin").write_bytes(b"x")
    with pytest.raises(StageError, match="set format"):
        harness.run(Load({"path": "data.bin", "key": "x"}))


def test_load_plan_measures_the_file(harness: Harness, tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("[1, 2, 3]", encoding="utf-8")
    (op,) = harness.plan(Load({"path": "a.json", "key": "nums"}))
    assert op.estimated_bytes == 9
    assert op.paths_read == (str(tmp_path / "a.json"),)
    assert "a.json" in op.description and "'nums'" in op.description


def test_save_json_round_trips_and_leaves_no_temporary_file(
    harness: Harness, tmp_path: Path
) -> None:
    harness.set("report", {"total": 3, "names": ["a", "b"]})
    stage = Save({"key": "report", "path": "out/deep/report.json"})
    result = harness.run(stage)
    target = tmp_path / "out" / "deep" / "report.json"
    assert json.loads(target.read_text(encoding="utf-8")) == {"total": 3, "names": ["a", "b"]}
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]
    assert result.data["bytes"] == target.stat().st_size
    assert result.message.startswith("2 keys written to out/deep/report.json")
    assert stage.keys_read() == ("report",)


def test_save_plan_size_is_the_size_the_run_writes(harness: Harness, tmp_path: Path) -> None:
    harness.set("rows", [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}])
    stage = Save({"key": "rows", "path": "out/rows.csv"})
    (op,) = harness.plan(stage)
    assert not (tmp_path / "out").exists()
    harness.run(stage)
    assert op.estimated_bytes == (tmp_path / "out" / "rows.csv").stat().st_size
    assert op.paths_written == (str(tmp_path / "out" / "rows.csv"),)
    assert "2 rows" in op.description


def test_save_plan_without_the_value_says_size_unknown(harness: Harness) -> None:
    (op,) = harness.plan(Save({"key": "later", "path": "out/x.json"}))
    assert op.estimated_bytes is None
    assert "size unknown" in op.description


def test_save_csv_with_columns_header_and_preamble(harness: Harness, tmp_path: Path) -> None:
    harness.set("cards", [{"front": "a", "back": "b, c", "extra": 1}])
    harness.run(
        Save(
            {
                "key": "cards",
                "path": "cards.csv",
                "columns": ["front", "back"],
                "header": False,
                "preamble": ["#separator:Comma"],
            }
        )
    )
    assert (tmp_path / "cards.csv").read_text(encoding="utf-8") == '#separator:Comma\na,"b, c"\n'


def test_save_toml_and_text(harness: Harness, tmp_path: Path) -> None:
    harness.set("settings", {"name": "demo", "ui": {"theme": "dark"}})
    harness.set("note", "hello\n")
    harness.run(Save({"key": "settings", "path": "s.toml"}))
    harness.run(Save({"key": "note", "path": "n.txt"}))
    assert 'name = "demo"' in (tmp_path / "s.toml").read_text(encoding="utf-8")
    assert (tmp_path / "n.txt").read_text(encoding="utf-8") == "hello\n"


def test_failed_save_keeps_the_old_file(harness: Harness, tmp_path: Path) -> None:
    target = tmp_path / "s.toml"
    target.write_text("old = true\n", encoding="utf-8")
    harness.set("rows", [1, 2, 3])
    with pytest.raises(StageError, match="TOML holds a table"):
        harness.run(Save({"key": "rows", "path": "s.toml"}))
    assert target.read_text(encoding="utf-8") == "old = true\n"
    assert [p.name for p in tmp_path.iterdir()] == ["s.toml"]


def test_save_of_a_missing_key_names_it(harness: Harness) -> None:
    with pytest.raises(StageError, match="no key 'ghost'"):
        harness.run(Save({"key": "ghost", "path": "out/g.json"}))


def test_config_refuses_unknown_fields_and_formats() -> None:
    with pytest.raises(ValidationError):
        Load({"path": "a", "key": "b", "colour": "red"})
    with pytest.raises(ValidationError):
        Save({"path": "a", "key": "b", "format": "xml"})
