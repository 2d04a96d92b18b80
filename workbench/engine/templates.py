"""Pipeline templates: a starting point for `workbench new` and the editor's "new pipeline".

Each template is a pipeline file that validates and runs on the example data
shipped in ``pipelines/data/`` as it is, and says in comments what to change for
your own data. Inputs are parameters in ``[context]``, so trying a template on
other data is ``--set input=...`` away. Outputs go to ``out/<name>/``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from workbench.engine.errors import UsageError


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    description: str
    text: str


_HEAD = """[pipeline]
name = @NAME@
description = @DESCRIPTION@
"""

TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template("empty", "a pipeline with no stages yet", _HEAD),
        Template(
            "load-transform-save",
            "read a file, compute something from it, save the result as JSON",
            _HEAD
            + """
[context]
input = "pipelines/data/hello/greeting.txt"   # the text file to read
top = 10                                      # how many frequent words to keep

[stages.load]
uses = "files.load"
config = { path = "${input}", key = "text" }

[stages.transform]
uses = "text.stats"
depends_on = ["load"]
config = { key = "text", output_key = "stats", top = "${top}" }

[stages.save]
uses = "files.save"
depends_on = ["transform"]
config = { key = "stats", path = "out/@SLUG@/stats.json" }
""",
        ),
        Template(
            "validate-and-report",
            "load a CSV, check every row against a JSON Schema, total it, write a Markdown report",
            _HEAD
            + """
[context]
input = "pipelines/data/sales/sales.csv"          # your CSV
schema = "pipelines/data/sales/sale.schema.json"  # a JSON Schema for one row

[stages.load]
uses = "files.load"
config = { path = "${input}", key = "rows", column_types = { units = "int", unit_price = "float", amount = "float" } }

[stages.validate]
uses = "validate.schema"
depends_on = ["load"]
config = { key = "rows", schema_path = "${schema}", many = true }

[stages.totals]
uses = "csv.aggregate"
depends_on = ["validate"]
config = { key = "rows", output_key = "totals", group_by = ["region"], metrics = [{ op = "count", name = "rows" }, { op = "sum", column = "amount", name = "amount" }] }

[stages.report]
uses = "report.markdown"
depends_on = ["totals"]
config = { path = "out/@SLUG@/report.md", title = @TITLE@, sections = [{ heading = "Totals", key = "totals" }] }
""",
        ),
        Template(
            "download-and-index",
            "download a document, parse it, cut it into chunks, index them for full-text search",
            _HEAD
            + """
[context]
source = "file:pipelines/data/docs/getting-started.md"   # an http(s):// or file: URL

[stages.download]
uses = "http.download"
config = { url = "${source}", path = "out/@SLUG@/raw/document.md" }

[stages.parse]
uses = "docs.parse"
depends_on = ["download"]
config = { paths = ["out/@SLUG@/raw/*.md"], output_key = "documents" }

[stages.chunk]
uses = "text.chunk"
depends_on = ["parse"]
config = { key = "documents", output_key = "chunks", size = 60, overlap = 10 }

[stages.index]
uses = "sqlite.index"
depends_on = ["chunk"]
config = { key = "chunks", database = "out/@SLUG@/search.sqlite", table = "chunks", columns = ["id", "doc_id", "title", "text"], output_key = "index" }
""",
        ),
    )
}


def slug(name: str) -> str:
    """A file name from a pipeline name: ``Sales report`` -> ``sales-report``."""
    out = "".join(c.lower() if c.isalnum() else "-" for c in name.strip())
    return "-".join(p for p in out.split("-") if p) or "pipeline"


def render(template: str, name: str, description: str = "") -> str:
    """The text of a new pipeline file from a template; :class:`UsageError` for an unknown one."""
    if template not in TEMPLATES:
        known = ", ".join(TEMPLATES)
        raise UsageError(f"there is no template {template!r} (templates: {known})")
    chosen = TEMPLATES[template]
    text = chosen.text.replace("@NAME@", json.dumps(name, ensure_ascii=False))
    text = text.replace(
        "@DESCRIPTION@", json.dumps(description or chosen.description, ensure_ascii=False)
    )
    text = text.replace("@TITLE@", json.dumps(name, ensure_ascii=False))
    return text.replace("@SLUG@", slug(name))
