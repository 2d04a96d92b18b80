"""Reading and writing the file formats the files stages speak: JSON, TOML, CSV, text, lines.

Kept apart from the stages so that the plan of ``files.save`` measures exactly the
bytes its run would write: both call :func:`dump`.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from workbench.engine import StageError

Format = Literal["auto", "json", "toml", "csv", "text", "lines"]
ColumnType = Literal["str", "int", "float", "bool"]

_BY_SUFFIX = {
    ".json": "json",
    ".toml": "toml",
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "text",
    ".md": "text",
    ".markdown": "text",
}
_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"0", "false", "no", "n", "off", ""}


def pick_format(fmt: Format, path: Path) -> str:
    """The format to use: the configured one, or the one the file suffix names."""
    if fmt != "auto":
        return fmt
    try:
        return _BY_SUFFIX[path.suffix.lower()]
    except KeyError:
        raise StageError(
            f"cannot tell the format of {path.name} from its suffix; "
            "set format to json, toml, csv, text or lines"
        ) from None


def parse(
    data: bytes,
    fmt: str,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    column_types: Mapping[str, ColumnType] | None = None,
) -> Any:
    text = data.decode(encoding)
    if fmt == "json":
        return json.loads(text)
    if fmt == "toml":
        return tomllib.loads(text)
    if fmt == "text":
        return text
    if fmt == "lines":
        return [
            line.strip()
            for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ]
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
        if column_types:
            rows = [_convert_row(row, column_types, number) for number, row in enumerate(rows, 2)]
        return rows
    raise StageError(f"unknown format {fmt!r}")


def _convert_row(row: dict[str, str], types: Mapping[str, ColumnType], line: int) -> dict[str, Any]:
    out: dict[str, Any] = dict(row)
    for column, kind in types.items():
        if column not in row:
            raise StageError(f"column {column!r} is not in the file (it has {', '.join(row)})")
        raw = (row[column] or "").strip()
        try:
            if kind == "int":
                out[column] = int(raw)
            elif kind == "float":
                out[column] = float(raw)
            elif kind == "bool":
                if raw.lower() not in _TRUE | _FALSE:
                    raise ValueError(raw)
                out[column] = raw.lower() in _TRUE
        except ValueError:
            raise StageError(f"line {line}, column {column!r}: {raw!r} is not {kind}") from None
    return out


def dump(
    value: Any,
    fmt: str,
    *,
    encoding: str = "utf-8",
    indent: int | None = 2,
    delimiter: str = ",",
    columns: Sequence[str] | None = None,
    header: bool = True,
    preamble: Sequence[str] = (),
) -> bytes:
    text = "".join(f"{line}\n" for line in preamble)
    if fmt == "json":
        text += json.dumps(value, indent=indent, ensure_ascii=False, default=str) + "\n"
    elif fmt == "toml":
        import tomli_w

        if not isinstance(value, Mapping):
            raise StageError(f"TOML holds a table; the value is a {type(value).__name__}")
        text += tomli_w.dumps(dict(value))
    elif fmt == "text":
        text += value if isinstance(value, str) else str(value)
    elif fmt == "lines":
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise StageError(f"lines need a list; the value is a {type(value).__name__}")
        text += "".join(f"{item}\n" for item in value)
    elif fmt == "csv":
        text += _csv_text(value, delimiter, columns, header)
    else:
        raise StageError(f"unknown format {fmt!r}")
    return text.encode(encoding)


def _csv_text(value: Any, delimiter: str, columns: Sequence[str] | None, header: bool) -> str:
    if isinstance(value, (Mapping, str)) or not isinstance(value, Sequence):
        raise StageError(f"CSV needs a list of rows; the value is a {type(value).__name__}")
    rows = list(value)
    buffer = io.StringIO(newline="")
    if rows and all(isinstance(row, Mapping) for row in rows):
        fields = list(columns) if columns else _field_names(rows)
        writer = csv.DictWriter(
            buffer,
            fieldnames=fields,
            delimiter=delimiter,
            extrasaction="ignore",
            lineterminator="\n",
        )
        if header:
            writer.writeheader()
        writer.writerows(rows)
    else:
        plain = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
        if header and columns:
            plain.writerow(columns)
        for row in rows:
            plain.writerow(row if isinstance(row, Sequence) and not isinstance(row, str) else [row])
    return buffer.getvalue()


def _field_names(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(str(key), None)
    return list(seen)


def measure(value: Any, fmt: str) -> tuple[int, str]:
    """How many things a value holds, and what they are called, for result messages."""
    if fmt == "csv":
        return len(value), "row"
    if fmt == "lines":
        return len(value), "line"
    if fmt == "text":
        return len(str(value).splitlines()), "line"
    if isinstance(value, Mapping):
        return len(value), "key"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return len(value), "item"
    return 1, "value"
