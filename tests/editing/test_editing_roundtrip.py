"""Round trip: generated pipelines written with ``to_toml`` parse back to equal specs.

The editor shows ``to_toml(spec)`` as its preview and a save writes exactly that, so
this is the promise that what a person sees is what the file will hold. Specs are
generated in the canonical form the editor produces (a required dependency as a
plain id), built through the edit operations themselves.
"""

from __future__ import annotations

import math

from hypothesis import given, settings, strategies as st

from workbench.app.editing import operations as ops
from workbench.engine.spec import (
    STAGE_ID_PATTERN,
    PipelineMeta,
    PipelineSpec,
    parse_spec,
    to_toml,
)
from workbench.engine.toml_edit import edit_in_place

stage_ids = st.from_regex(STAGE_ID_PATTERN, fullmatch=True).filter(lambda s: len(s) <= 20)
keys = st.text(min_size=1, max_size=12)
scalars = st.one_of(
    st.text(max_size=20),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=8,
)
durations = st.one_of(
    st.integers(min_value=1, max_value=10**6).map(float),
    st.floats(min_value=0.001, max_value=10**6).filter(math.isfinite),
)


@st.composite
def pipelines(draw: st.DrawFn) -> PipelineSpec:
    meta = PipelineMeta(
        name=draw(st.text(min_size=1, max_size=20)),
        description=draw(st.text(max_size=30)),
        max_concurrency=draw(st.integers(min_value=1, max_value=64)),
        retry_delay=draw(durations),
    )
    spec = PipelineSpec(pipeline=meta, context=draw(st.dictionaries(keys, values, max_size=3)))
    ids = draw(st.lists(stage_ids, unique=True, max_size=6))
    for sid in ids:
        uses = draw(st.sampled_from(["core.noop", "files.load", "x.unknown"]))
        spec, _ = ops.add_stage(spec, uses, sid, draw(st.dictionaries(keys, values, max_size=3)))
        spec = ops.set_stage_settings(
            spec,
            sid,
            description=draw(st.text(max_size=20)),
            retries=draw(st.integers(min_value=0, max_value=10)),
            timeout=draw(st.none() | durations),
            continue_on_error=draw(st.booleans()),
        )
    for i, sid in enumerate(ids):
        for dep in draw(
            st.lists(st.sampled_from(ids[:i]), unique=True, max_size=3) if i else st.just([])
        ):
            spec = ops.connect(spec, sid, dep, required=draw(st.booleans()), edges=[])
    return spec


@settings(max_examples=100, deadline=None)
@given(pipelines())
def test_saved_text_parses_back_to_an_equal_spec(spec: PipelineSpec) -> None:
    text = to_toml(spec)
    loaded = parse_spec(text)
    assert loaded.problems == []
    assert loaded.spec == spec
    assert list(loaded.spec.stages) == list(spec.stages)  # file order is kept
    assert to_toml(loaded.spec) == text


def _commented(text: str) -> str:
    """``text`` with a comment above every table and a blank line after it, as people write."""
    out: list[str] = ["# a pipeline someone wrote by hand", ""]
    for line in text.split("\n")[:-1]:
        if line.startswith("["):
            out.append(f"# about {line}")
        out.append(line)
    return "\n".join(out) + "\n\n# the end\n"


@settings(max_examples=20, deadline=None)
@given(pipelines())
def test_a_commented_file_with_no_edits_comes_back_byte_for_byte(spec: PipelineSpec) -> None:
    text = _commented(to_toml(spec))
    data = spec.to_toml_data()
    assert edit_in_place(text, data, data) == text


@settings(max_examples=40, deadline=None)
@given(pipelines(), pipelines())
def test_any_edit_in_place_reads_back_as_the_edited_spec(
    before: PipelineSpec, after: PipelineSpec
) -> None:
    """Whatever the edit, the file holds exactly the new spec (and its comments still parse)."""
    text = _commented(to_toml(before))
    edited = edit_in_place(text, before.to_toml_data(), after.to_toml_data())
    loaded = parse_spec(edited)
    assert loaded.problems == []
    assert loaded.spec == after
    assert "\n# the end\n" in edited


@settings(max_examples=20, deadline=None)
@given(pipelines(), st.data())
def test_changing_config_values_keeps_every_comment(
    spec: PipelineSpec, data: st.DataObject
) -> None:
    text = _commented(to_toml(spec))
    changed = spec
    for sid in spec.stages:
        config = data.draw(st.dictionaries(keys, values, max_size=3))
        changed = ops.set_config(changed, sid, config)
    edited = edit_in_place(text, spec.to_toml_data(), changed.to_toml_data())
    assert parse_spec(edited).spec == changed
    kept = [line for line in edited.split("\n") if line.startswith("# ")]
    wanted = [line for line in text.split("\n") if line.startswith("# ")]
    for line in wanted:
        if "config" not in line:  # a table that became empty may go, with its comment
            assert line in kept


def test_a_table_that_becomes_a_value_keeps_the_comments_after_it() -> None:
    """A `[context.rows]` table turned into `rows = []` must not take the file's last comment."""
    text = (
        '# about [pipeline]\n[pipeline]\nname = "p"\n\n'
        "# about [context.rows]\n[context.rows]\n\n# the end\n"
    )
    before = {"pipeline": {"name": "p"}, "context": {"rows": {}}}
    after = {"pipeline": {"name": "p"}, "context": {"rows": []}}
    edited = edit_in_place(text, before, after)
    assert "\n# the end\n" in edited
    assert parse_spec(edited).spec.context == {"rows": []}
