"""History previews: always valid JSON within the limit, read back as what was kept."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from workbench.engine.history.previews import (
    MAX_DEPTH,
    PREVIEW_LIMIT,
    ObjectText,
    OldPreview,
    PartialDict,
    PartialList,
    PartialText,
    Withheld,
    bounded_params,
    jsonable,
    preview,
    read_preview,
    unmark,
)
from workbench.engine.secrets import MASK, Secrets


def stored(value: Any, secrets: Secrets | None = None, limit: int = PREVIEW_LIMIT) -> Any:
    """The preview as stored (checked: valid JSON within the limit) and read back."""
    text = preview(value, secrets, limit)
    assert len(text) <= limit
    json.loads(text)  # valid JSON, never cut mid-text
    return read_preview(text, "json")


def test_a_value_that_fits_is_stored_as_its_plain_json() -> None:
    assert preview([1, 2]) == "[1, 2]"
    assert preview({"a": "b", "n": None}) == '{"a": "b", "n": null}'
    assert stored({"nested": [1, {"x": [True, 2.5]}]}) == {"nested": [1, {"x": [True, 2.5]}]}


def test_a_huge_table_keeps_its_first_whole_rows_and_its_size() -> None:
    rows = [{"region": f"r{i % 4}", "amount": i * 1.5, "product": f"p{i}"} for i in range(100_000)]
    back = stored(rows)
    assert isinstance(back, PartialList) and back.total == 100_000
    assert 20 < len(back) < 100 and back == rows[: len(back)]


def test_a_huge_text_keeps_its_start_and_length() -> None:
    text = "line of a log\n" * 400_000
    back = stored(text)
    assert isinstance(back, PartialText) and back.total == len(text)
    assert text.startswith(back) and len(back) > PREVIEW_LIMIT * 0.8


def test_a_mapping_too_big_keeps_its_first_keys_and_cuts_the_value_that_overflows() -> None:
    back = stored({"name": "x", "rows": list(range(10_000)), "count": 5})
    assert isinstance(back, PartialDict) and back.total == 3
    assert back["name"] == "x"
    assert isinstance(back["rows"], PartialList) and back["rows"].total == 10_000
    assert back["rows"] == list(range(len(back["rows"])))


def test_deep_nesting_keeps_only_the_size_below_the_depth_limit() -> None:
    deep: Any = 1
    for _ in range(10_000):  # deeper than json.dumps or a recursive walk could go
        deep = [deep]
    back = stored(deep)
    for _ in range(MAX_DEPTH):
        assert isinstance(back, list) and len(back) == 1
        back = back[0]
    assert isinstance(back, PartialList) and back.total == 1 and back == []


def test_a_list_holding_itself_is_bounded() -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    back = stored(loop)
    assert back[0] == 1


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (b"\x00\xffdata", "bytes", "b'\\x00\\xffdata'"),
        (dt.date(2024, 5, 1), "date", "2024-05-01"),
        (float("nan"), "float", "nan"),
        (float("inf"), "float", "inf"),
        (object(), "object", "<object object at"),
        (10**5000, "int", ""),  # past Python's digit limit for text
    ],
    ids=["bytes", "date", "nan", "inf", "object", "huge-int"],
)
def test_values_json_cannot_hold_are_kept_as_their_text(value: Any, kind: str, text: str) -> None:
    back = stored(value)
    assert isinstance(back, ObjectText) and back.type == kind
    assert back.text.startswith(text)


def test_huge_bytes_keep_their_start_and_length() -> None:
    back = stored(b"\x00" * 10_000_000)
    assert isinstance(back, ObjectText) and back.total == 10_000_000
    assert back.text.startswith("b'\\x00")


def test_tuples_and_sets_are_lists_and_keys_are_text() -> None:
    assert stored((1, "a")) == [1, "a"]
    assert sorted(stored({3, 1, 2})) == [1, 2, 3]
    assert stored({1: "one", None: "none"}) == {"1": "one", "None": "none"}


def test_an_object_whose_str_fails_is_still_recorded() -> None:
    class Broken:
        def __str__(self) -> str:
            raise RuntimeError("no")

    back = stored(Broken())
    assert isinstance(back, ObjectText) and back.text == "<Broken>"


def test_a_mapping_with_a_marker_key_of_its_own_reads_back_as_itself() -> None:
    assert stored({"$preview": "list", "items": [1], "total": 9}) == {
        "$preview": "list",
        "items": [1],
        "total": 9,
    }


# -- unicode cut points -------------------------------------------------------------------------

CUT_HAZARDS = st.sampled_from(
    [
        "e\u0301",  # e + combining acute
        "👍🏽",  # a thumb with a skin tone
        "👩\u200d💻",  # a woman technologist: joined by a zero-width joiner
        "❤\ufe0f",  # a heart with its emoji variation selector
        "日本",
        '"\\',  # what JSON escapes
        "\n\t\x00",
        "a",
    ]
)
TEXTS = st.lists(st.one_of(CUT_HAZARDS, st.text(max_size=3)), max_size=400).map("".join)


@settings(max_examples=200, deadline=None)
@given(text=TEXTS, limit=st.integers(80, 400))
def test_text_is_cut_between_characters_never_inside_one(text: str, limit: int) -> None:
    back = stored(text, limit=limit)
    assert text.startswith(back)
    if isinstance(back, PartialText):
        assert back.total == len(text)
        rest = text[len(back) :]
        # The cut never separates a character from the marks that complete it.
        assert not unicodedata.combining(rest[0])
        assert rest[0] not in "\u200d\ufe0f" and not back.endswith("\u200d")
        assert not ("\U0001f3fb" <= rest[0] <= "\U0001f3ff")
    else:
        assert back == text


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=30) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=60,
)


@settings(max_examples=100, deadline=None)
@given(value=JSON_VALUES, limit=st.integers(80, 2000))
def test_any_value_gives_valid_json_within_the_limit_and_a_whole_one_reads_back_equal(
    value: Any, limit: int
) -> None:
    back = stored(value, limit=limit)
    if len(json.dumps(value)) <= limit:
        assert back == value


# -- secrets ------------------------------------------------------------------------------------


def test_secrets_are_masked_inside_values_even_where_the_text_is_cut() -> None:
    secrets = Secrets()
    secrets.add("hunter2-correct-horse", "password")
    value = {
        "api_key": "k-9876",
        "note": "uses hunter2-correct-horse",
        "log": "x" * 1960 + "hunter2-correct-horse" * 3,
    }
    text = preview(value, secrets)
    assert "hunter2" not in text and "k-9876" not in text
    back = read_preview(text, "json")
    assert back["api_key"] == MASK
    assert back["note"] == f"uses {MASK}"


def test_a_secret_the_walk_cannot_see_withholds_the_whole_preview() -> None:
    secrets = Secrets()
    secrets.add("12345678")
    assert read_preview(preview([1234, 5678], secrets), "json") == [1234, 5678]
    back = read_preview(preview({"n": 12345678}, secrets), "json")
    assert back == {"n": MASK}


# -- reading old rows -----------------------------------------------------------------------------


def test_old_rows_are_read_as_they_were_written() -> None:
    assert read_preview("[1, 2]", None) == [1, 2]
    assert read_preview("[1, 2, 3, 45…", None) == OldPreview("[1, 2, 3, 45…")
    assert read_preview('{"$preview": "list", "items": [], "total": 3}', None) == {
        "$preview": "list",
        "items": [],
        "total": 3,
    }
    assert read_preview(MASK, None) == Withheld("a secret")
    assert read_preview(MASK, "masked") == Withheld("a secret")
    assert read_preview("not json", "json") == OldPreview("not json")


def test_parameters_are_bounded_one_by_one_and_together() -> None:
    params = {"blob": "x" * 5_000_000, "rows": list(range(100_000)), "region": "north"}
    stored_params = unmark(json.loads(bounded_params(jsonable(params))))
    assert isinstance(stored_params["blob"], PartialText) and len(stored_params["blob"]) <= 2000
    assert isinstance(stored_params["rows"], PartialList)
    assert stored_params["region"] == "north"
    many = {f"p{i}": "v" * 1500 for i in range(100)}
    text = bounded_params(jsonable(many))
    assert len(text) <= 64_000 + 100
    assert json.loads(text)["…"].endswith("more parameter(s) not stored")
