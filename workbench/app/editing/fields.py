"""The fields of a pydantic model as a form sees them, and the text each one is typed as.

Kept apart from the widget so the rules (which input a type gets, how typed text
becomes a value, which errors belong to which field) are plain functions, tested
without an app.

Inputs by type:

- ``bool`` → a switch;
- ``Literal[...]`` and ``Enum`` → a choice;
- ``str``, ``int``, ``float`` (optional or not, durations too) → a text input;
- ``list`` of plain values → one item per line;
- ``dict`` → ``key = value`` lines of TOML;
- anything else (lists of tables, unions of shapes) → one TOML inline value.

An empty text input means "not set": the key is left out and the default applies.
"""

from __future__ import annotations

import enum
import json
import math
import re
import tomllib
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticUndefined

from workbench.engine.assignments import NotTomlValue, parse_value, read_toml_value

FieldKind = Literal["text", "int", "float", "bool", "choice", "lines", "table", "toml"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_SCALARS = (str, int, float)


@dataclass(frozen=True, slots=True)
class FormField:
    """One field of a model: how to ask for it and what it means."""

    name: str
    kind: FieldKind
    required: bool
    default: Any
    """The default value, or ``PydanticUndefined`` when required or computed."""
    description: str = ""
    choices: tuple[Any, ...] = ()
    item_kind: FieldKind = "text"
    """For ``lines``: how each line is read (``text``, ``int`` or ``float``)."""

    @property
    def has_default(self) -> bool:
        return self.default is not PydanticUndefined

    @property
    def placeholder(self) -> str:
        """The default, shown greyed in an empty input."""
        if not self.has_default or self.default is None:
            return "required" if self.required else ""
        if self.kind == "lines":
            return "  ".join(str(v) for v in self.default) or "one item per line"
        if self.kind == "table":
            return "key = value, one per line" if not self.default else dump_table(self.default)
        if isinstance(self.default, enum.Enum):
            return str(self.default.value)
        return format_value(self.default, self.kind)


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _base(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def kind_of(annotation: Any) -> tuple[FieldKind, tuple[Any, ...], FieldKind]:
    """The input for a type: ``(kind, choices, item_kind)``."""
    annotation, _ = _strip_optional(_base(annotation))
    annotation = _base(annotation)
    origin = typing.get_origin(annotation)
    if annotation is bool:
        return "bool", (), "text"
    if origin is Literal:
        return "choice", typing.get_args(annotation), "text"
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "choice", tuple(annotation), "text"
    if annotation is int:
        return "int", (), "text"
    if annotation is float:
        return "float", (), "text"
    if annotation is str:
        return "text", (), "text"
    if origin in (list, tuple, set, frozenset, Sequence):
        args = typing.get_args(annotation)
        item = _base(args[0]) if args else str
        if item in _SCALARS:
            return "lines", (), "int" if item is int else "float" if item is float else "text"
        return "toml", (), "text"
    if origin in (dict, Mapping) or annotation is dict:
        return "table", (), "text"
    return "toml", (), "text"


def form_fields(model: type[BaseModel], only: Sequence[str] | None = None) -> list[FormField]:
    """The model's fields in declaration order (or the ``only`` ones, in that order)."""
    names = list(only) if only is not None else list(model.model_fields)
    out: list[FormField] = []
    for name in names:
        info = model.model_fields[name]
        kind, choices, item = kind_of(info.annotation)
        default: Any = PydanticUndefined
        if not info.is_required():
            if info.default_factory is not None:
                try:
                    default = info.default_factory()  # type: ignore[call-arg]
                except Exception:
                    default = PydanticUndefined
            else:
                default = info.default
        out.append(
            FormField(
                name=name,
                kind=kind,
                required=info.is_required(),
                default=default,
                description=info.description or "",
                choices=choices,
                item_kind=item,
            )
        )
    return out


# -- values and their text --------------------------------------------------------------


def format_value(value: Any, kind: FieldKind) -> str:
    """The text an input shows for a value already in the config."""
    if value is None:
        return ""
    if kind == "lines" and isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    if kind == "table" and isinstance(value, Mapping):
        return dump_table(value)
    if kind == "toml":
        return inline_toml(value)
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, float) and value.is_integer() and kind == "float":
        return str(value)
    return str(value) if not isinstance(value, list | dict) else inline_toml(value)


class Unset:
    """The marker for "leave this key out": an empty input."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset()


def parse_text(text: str, field: FormField) -> Any:
    """The value typed text stands for; ``UNSET`` for an empty input.

    Text that does not parse as the field's type is kept as typed: the model's
    own validation then explains what is wrong, next to the field.
    """
    if field.kind in ("text", "int", "float") and text == "":
        return UNSET
    if field.kind in ("lines", "table", "toml") and not text.strip():
        return UNSET
    if field.kind == "int":
        return _number(text, int)
    if field.kind == "float":
        return _number(text, float)
    if field.kind == "lines":
        items = [line.strip() for line in text.splitlines() if line.strip()]
        if field.item_kind in ("int", "float"):
            kind = int if field.item_kind == "int" else float
            return [_number(i, kind) for i in items]
        return items
    if field.kind == "table":
        return parse_table(text)
    if field.kind == "toml":
        return parse_inline_toml(text)
    return text


def _number(text: str, kind: type[int] | type[float]) -> Any:
    cleaned = text.strip().replace("_", "")
    try:
        return kind(cleaned)
    except ValueError:
        if kind is float:
            return text
        try:
            as_float = float(cleaned)
        except ValueError:
            return text
        return int(as_float) if as_float.is_integer() else as_float


class TomlTextError(ValueError):
    """Typed TOML that does not parse; the message says where."""


def parse_table(text: str) -> dict[str, Any]:
    """``key = value`` lines as a table; raises :class:`TomlTextError`.

    Values are read the way every other form of the workbench reads them (the run
    parameters, the dry run's parameters, ``--set``): a TOML value when the text
    is one (``3``, ``true``, ``["a"]``), else the text itself, so ``name = sales``
    needs no quotes. Whole TOML (nested tables) is taken as it is.
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        pass
    out: dict[str, Any] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, raw = line.partition("=")
        key = key.strip().strip('"').strip("'")
        if not sep or not key:
            raise TomlTextError(
                f"line {number}: write key = value, for example region = north"
            ) from None
        out[key] = parse_value(raw)
    return out


def parse_inline_toml(text: str) -> Any:
    """One TOML value, strictly (a field of kind ``toml`` has no text fallback)."""
    try:
        return read_toml_value(text)
    except NotTomlValue as exc:
        raise TomlTextError(f"not a TOML value: {exc}") from None


def toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key)


def inline_toml(value: Any) -> str:
    """One TOML inline value: ``"text"``, ``3``, ``true``, ``[1, 2]``, ``{ a = 1 }``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        inner = ", ".join(f"{toml_key(str(k))} = {inline_toml(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(inline_toml(v) for v in value) + "]"
    if isinstance(value, enum.Enum):
        return inline_toml(value.value)
    return json.dumps(str(value))


def dump_table(value: Mapping[str, Any]) -> str:
    """A table as ``key = value`` lines (nested tables stay inline)."""
    return "\n".join(f"{toml_key(str(k))} = {inline_toml(v)}" for k, v in value.items())


# -- validation ------------------------------------------------------------------------


def field_errors(model: type[BaseModel], values: Mapping[str, Any]) -> dict[str, str]:
    """What is wrong with ``values``, one sentence per field name, in a person's words,
    with an example of a value that would do where one is known."""
    try:
        model.model_validate(dict(values))
    except ValidationError as exc:
        out: dict[str, str] = {}
        for error in exc.errors(include_url=False):
            loc = error["loc"]
            name = str(loc[0]) if loc else ""
            if name in out:
                continue
            rest = ".".join(str(p) for p in loc[1:])
            message = in_words(error, model.model_fields.get(name))
            out[name] = f"{rest}: {message}" if rest else message
        return out
    except Exception as exc:  # a plugin's validator may raise anything
        return {"": str(exc)}
    return {}


_QUOTED = re.compile(r"""['`"]([^'`"]{2,60})['`"]""")


def example_of(info: Any) -> str | None:
    """A valid value to show in an error: the field's own examples, else one quoted in
    its description (``The function as 'module:function'``), else its default."""
    if info is None:
        return None
    examples = getattr(info, "examples", None)
    if examples:
        return str(examples[0])
    found = _QUOTED.search(info.description or "")
    if found:
        return found.group(1)
    default = info.get_default(call_default_factory=True) if not info.is_required() else None
    if default not in (None, "", [], {}) and isinstance(default, str | int | float):
        return str(default)
    return None


def in_words(error: Any, info: Any = None) -> str:
    """One pydantic error as a sentence a person understands."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    example = example_of(info)
    like = f", for example {example}" if example else ""
    if kind == "missing":
        return f"required: enter a value{like}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "a whole number, for example 3"
    if kind in ("float_parsing", "float_type"):
        return "a number, for example 2.5"
    if kind in ("bool_parsing", "bool_type"):
        return "yes or no: true or false"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {
            "greater_than_equal": "at least",
            "greater_than": "more than",
            "less_than_equal": "at most",
            "less_than": "less than",
        }[kind]
        limit = next(iter(ctx.values()), "")
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return f"must be {words} {limit}"
    if kind == "literal_error":
        return f"one of: {ctx.get('expected', '').replace(chr(39), '')}"
    if kind == "enum":
        return f"one of: {ctx.get('expected', '').replace(chr(39), '')}"
    if kind == "string_pattern_mismatch":
        return f"not in the expected form{like or ' (' + str(ctx.get('pattern', '')) + ')'}"
    if kind in ("string_type", "string_sub_type"):
        return f"text{like}"
    if kind == "string_too_short":
        return f"at least {ctx.get('min_length')} characters{like}"
    if kind == "string_too_long":
        return f"at most {ctx.get('max_length')} characters"
    if kind in ("list_type", "tuple_type", "set_type"):
        return "a list: one item per line"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "a table: key = value, one per line"
    if kind == "extra_forbidden":
        return "not a setting of this stage"
    if kind == "value_error":  # a validator of ours: its own words, without pydantic's prefix
        return str(error.get("msg", "not valid")).removeprefix("Value error, ")
    message = str(error.get("msg", "not valid"))
    return message[0].lower() + message[1:] + like if message else "not valid"
