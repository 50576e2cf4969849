"""The configuration reference, ``config/README.md``, generated from the config schema.

Every key of a campaign config is declared, with its type, default and description, in
``workflow/schemas/config.schema.yaml``; this module renders that schema as Markdown, one
section per top-level key, each with a table of the key and everything nested in it::

    .venv/bin/python -m glassy_li.config.reference           # writes config/README.md
    .venv/bin/python -m glassy_li.config.reference --check   # exit 1 if it is stale

Nothing here knows the campaign's keys: any property the schema declares is rendered, so
a key added to the schema appears in the reference once it is regenerated (and the tests
fail until it is, and until it has a description).

Key paths are dotted; ``[]`` stands for an item of a list and ``*`` for any name in a
mapping (``metals.*.element``).  ``$ref`` is followed (the property's own keywords win over
the referenced definition's); ``oneOf``/``anyOf`` alternatives are shown as ``or``;
``if``/``then`` constraints are not properties and are left to the descriptions.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glassy_li.core.project import REPO_ROOT
from glassy_li.core.yaml_files import load_yaml

__all__ = [
    "REFERENCE_PATH",
    "REGENERATE_COMMAND",
    "SCHEMA_PATH",
    "Row",
    "iter_rows",
    "load_schema",
    "main",
    "render_config_reference",
    "type_text",
    "yaml_inline",
]

SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"
"""The campaign config's JSON schema (YAML)."""
REFERENCE_PATH = REPO_ROOT / "config" / "README.md"
"""Where the rendered reference is kept."""
REGENERATE_COMMAND = ".venv/bin/python -m glassy_li.config.reference"
"""The command that rewrites :data:`REFERENCE_PATH` from :data:`SCHEMA_PATH`."""

Schema = Mapping[str, Any]

_COMBINATORS = ("oneOf", "anyOf")
_PLAIN_STRING = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./=+ -]*")
_TAG_LIKE = re.compile(r"<(?=[A-Za-z/!?])")


@dataclass(frozen=True)
class Row:
    """One line of the reference: a key (or the items of a list or mapping) and its schema."""

    path: str
    """Dotted key path, ``[]`` for a list's items, ``*`` for any name in a mapping."""
    schema: Schema
    """The node's schema with ``$ref`` resolved (its own keywords override the target's)."""
    required: bool
    """Listed in its parent's ``required`` (always False for items)."""
    is_property: bool
    """A declared property (False for the items of a list or the values of a mapping)."""

    @property
    def top_level_key(self) -> str:
        return re.split(r"[.\[]", self.path, maxsplit=1)[0]

    @property
    def description(self) -> str:
        return " ".join(str(self.schema.get("description") or "").split())


def load_schema(schema_path: str | Path = SCHEMA_PATH) -> dict[str, Any]:
    """Read the schema (YAML or JSON) as a mapping."""
    with open(schema_path, encoding="utf-8") as handle:
        schema = load_yaml(handle.read())
    if not isinstance(schema, dict):
        raise ValueError(f"{schema_path}: a schema must be a mapping, got {type(schema).__name__}")
    return schema


def _lookup(root: Schema, ref: str) -> Schema:
    """The node a local ``$ref`` (``#/definitions/name``, JSON pointer) points to."""
    if not ref.startswith("#"):
        raise ValueError(f"only local $ref are supported, got {ref!r}")
    node: Any = root
    for token in filter(None, ref[1:].split("/")):
        part = token.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or part not in node:
            raise ValueError(f"$ref {ref!r} points nowhere")
        node = node[part]
    if not isinstance(node, Mapping):
        raise ValueError(f"$ref {ref!r} does not point to a schema")
    return node


def _resolve(node: Schema, root: Schema, seen: frozenset[str] = frozenset()) -> dict[str, Any]:
    """``node`` with its ``$ref`` chain merged in (the referring node's keywords win)."""
    ref = node.get("$ref")
    if not isinstance(ref, str) or ref in seen:
        return {key: value for key, value in node.items() if key != "$ref"}
    target = _resolve(_lookup(root, ref), root, seen | {ref})
    return {**target, **{key: value for key, value in node.items() if key != "$ref"}}


def _branches(schema: Schema, root: Schema) -> list[dict[str, Any]]:
    """The ``oneOf``/``anyOf``/``allOf`` alternatives of a node, resolved."""
    return [
        _resolve(branch, root)
        for key in (*_COMBINATORS, "allOf")
        for branch in schema.get(key) or []
        if isinstance(branch, Mapping)
    ]


def _walk(
    node: Schema, path: str, root: Schema, *, required: bool, is_property: bool,
    seen: frozenset[str],
) -> Iterator[Row]:
    ref = node.get("$ref")
    if isinstance(ref, str):
        if ref in seen:  # a recursive schema: show the node, not its contents again
            yield Row(path, _resolve(node, root, seen), required, is_property)
            return
        seen = seen | {ref}
    schema = _resolve(node, root)
    yield Row(path, schema, required, is_property)
    yield from _children(schema, path, root, seen)


def _children(schema: Schema, path: str, root: Schema, seen: frozenset[str]) -> Iterator[Row]:
    """Rows below a node: its properties, its list items, its mapping values, and those of
    its alternatives (``oneOf`` etc., at the same path)."""
    required = set(schema.get("required") or [])
    for name, sub in (schema.get("properties") or {}).items():
        if isinstance(sub, Mapping):
            yield from _walk(sub, f"{path}.{name}" if path else str(name), root,
                             required=name in required, is_property=True, seen=seen)
    for key, suffix in (("items", "[]"), ("additionalProperties", ".*")):
        sub = schema.get(key)
        if isinstance(sub, Mapping) and _is_structured(_resolve(sub, root), root):
            yield from _walk(sub, path + suffix, root, required=False, is_property=False,
                             seen=seen)
    for branch in _branches(schema, root):
        yield from _children(branch, path, root, seen)


def _is_structured(schema: Schema, root: Schema) -> bool:
    """Whether a node has keys of its own to list (properties, or items or values that do)."""
    if schema.get("properties"):
        return True
    for key in ("items", "additionalProperties"):
        sub = schema.get(key)
        if isinstance(sub, Mapping) and _is_structured(_resolve(sub, root), root):
            return True
    return any(_is_structured(branch, root) for branch in _branches(schema, root))


def iter_rows(schema: Schema) -> Iterator[Row]:
    """Every row of the reference, top-level keys in the schema's order, each followed by
    what is nested in it (depth first).  Items of lists and values of mappings appear only
    where they have keys of their own."""
    yield from _children(
        {key: schema[key] for key in ("properties", "required") if key in schema},
        "", schema, frozenset(),
    )


# -- formatting --------------------------------------------------------------------------------
def yaml_inline(value: Any) -> str:
    """``value`` as one line of YAML flow style (``null``, ``[1.0, 0.5]``, ``{kind: wall}``);
    strings are quoted (JSON style) only where YAML would read them otherwise."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        mantissa, _, exponent = text.partition("e")
        if exponent and "." not in mantissa:  # YAML 1.1 reads 1e-05 as a string
            text = f"{mantissa}.0e{exponent}"
        return text
    if isinstance(value, str):
        plain = bool(_PLAIN_STRING.fullmatch(value)) and not value.endswith(" ")
        return value if plain and load_yaml(value) == value else json.dumps(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{yaml_inline(str(k))}: {yaml_inline(v)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(yaml_inline(v) for v in value) + "]"
    return json.dumps(value, default=str)


def _bounds(schema: Schema) -> str:
    """Numeric bounds: ``> 0``, ``≥ 1``, ``> 0 and < 1``, ``≥ 100 and ≤ 4000``."""
    low, low_open = schema.get("exclusiveMinimum"), True
    if low is None or isinstance(low, bool):  # draft 4 writes a boolean here
        low, low_open = schema.get("minimum"), bool(schema.get("exclusiveMinimum"))
    high, high_open = schema.get("exclusiveMaximum"), True
    if high is None or isinstance(high, bool):
        high, high_open = schema.get("maximum"), bool(schema.get("exclusiveMaximum"))
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '≥'} {yaml_inline(low)}")
    if high is not None:
        parts.append(f"{'<' if high_open else '≤'} {yaml_inline(high)}")
    return " and ".join(parts)


def _single_type(kind: str, schema: Schema, root: Schema) -> str:
    if kind in ("number", "integer"):
        return " ".join(filter(None, [kind, _bounds(schema)]))
    if kind == "string":
        text = "non-empty string" if (schema.get("minLength") or 0) >= 1 else "string"
        pattern = schema.get("pattern")
        return f"{text} matching `{pattern}`" if pattern else text
    if kind == "array":
        items = schema.get("items")
        text = f"list of {_nested(items, root)}" if isinstance(items, Mapping) else "list"
        least = schema.get("minItems") or 0
        if least == 1:
            text = f"non-empty {text}"
        elif least > 1:
            text = f"{text} (at least {least})"
        return f"{text}, no repeats" if schema.get("uniqueItems") else text
    if kind == "object":
        values = schema.get("additionalProperties")
        if isinstance(values, Mapping) and not schema.get("properties"):
            text = f"mapping of name → {_nested(values, root)}"
            return f"non-empty {text}" if (schema.get("minProperties") or 0) >= 1 else text
        return "mapping"
    return kind


def _nested(node: Schema, root: Schema) -> str:
    """The type of a list's items or a mapping's values, in parentheses where it has parts."""
    text = type_text(node, root)
    return f"({text})" if "," in text or " or " in text else text


def type_text(node: Schema, root: Schema) -> str:
    """A short, readable type of a schema node: ``number > 0``, ``list of integer ≥ 1``,
    ``one of ptm, acna``, ``number > 0, or null``."""
    schema = _resolve(node, root)
    if "const" in schema:
        return f"exactly {yaml_inline(schema['const'])}"
    if "enum" in schema:
        return "one of " + ", ".join(yaml_inline(v) for v in schema["enum"])
    alternatives = [
        type_text(branch, root)
        for key in _COMBINATORS
        for branch in schema.get(key) or []
        if isinstance(branch, Mapping)
    ]
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
    alternatives += [_single_type(kind, schema, root) for kind in kinds]
    if not alternatives:
        return "mapping" if schema.get("properties") else "any"
    unique = list(dict.fromkeys(alternatives))
    unique.sort(key=lambda text: text == "null")  # null last
    return ", or ".join(unique)


def _markdown_cell(text: str) -> str:
    """Text for a table cell: pipes escaped; outside `code`, no emphasis, strikethrough or
    HTML tags."""
    parts = text.replace("|", "\\|").split("`")
    for index in range(0, len(parts), 2):  # even parts lie outside code spans
        part = parts[index].replace("*", "\\*").replace("~", "\\~")
        parts[index] = _TAG_LIKE.sub("&lt;", part)
    return "`".join(parts)


def _code(text: str) -> str:
    """A code span for a table cell (pipes escaped, as GitHub's tables need)."""
    fence, pad = ("``", " ") if "`" in text else ("`", "")
    escaped = text.replace("|", "\\|")
    return f"{fence}{pad}{escaped}{pad}{fence}"


def _default_text(row: Row) -> str:
    if "default" in row.schema:
        return _code(yaml_inline(row.schema["default"]))
    return "*required*" if row.required else "—"


def _anchor(key: str) -> str:
    """GitHub's heading anchor for a heading that is just ``key``."""
    return re.sub(r"[^a-z0-9_ -]", "", key.lower()).replace(" ", "-")


def _relative(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def render_config_reference(schema_path: str | Path = SCHEMA_PATH) -> str:
    """The Markdown reference of every key the schema at ``schema_path`` declares."""
    schema = load_schema(schema_path)
    rows = list(iter_rows(schema))
    top_level = list(dict.fromkeys(row.top_level_key for row in rows))
    required = set(schema.get("required") or [])
    source = _relative(Path(schema_path))
    lines = [
        "# Configuration reference",
        "",
        f"<!-- Generated from {source} by `{REGENERATE_COMMAND}`. Do not edit. -->",
        "",
        f"This file is generated from the configuration schema, `{source}`: do not edit it",
        "by hand. Change a key's description, type or default in the schema, then regenerate",
        "it with",
        "",
        "```bash",
        REGENERATE_COMMAND,
        "```",
        "",
        f"(`{REGENERATE_COMMAND} --check` exits with status 1 while this file is stale, and",
        "the tests, `tests/test_config_reference.py`, fail until it is regenerated.)",
        "",
    ]
    if schema.get("description"):
        lines += [" ".join(str(schema["description"]).split()), ""]
    lines += [
        "A study config states only what it changes from these defaults: every key it leaves",
        "out takes the default listed here (or the value of the config it builds on), and a",
        "section it names is merged key by key, so `md: {quench_rate_K_per_ps: 1}` changes",
        "that one key of `md`. Keys marked *required* have no default and must be given",
        "(the default campaign's config files give them); a key marked — is optional and has",
        "no default (its description says what leaving it out means). A key the schema does",
        "not declare is refused, naming it, before any job starts.",
        "",
        "How to read the tables: a key path is dotted; `[]` stands for an item of a list and",
        "`*` for any name in a mapping (`metals.*.element` is the `element` of every metal).",
        "Defaults are written as YAML. Units are in the key names: `_A` ångström, `_ps`",
        "picoseconds, `_fs` femtoseconds, `_K` kelvin, `_eV` electronvolts, `_amu` atomic mass",
        "units, `_g_cm3` g/cm3, `_s` seconds, `_px` pixels.",
        "",
        "Top-level keys: " + ", ".join(
            f"[`{key}`](#{_anchor(key)}){' (required)' if key in required else ''}"
            for key in top_level
        ) + ".",
    ]
    for key in top_level:
        lines += [
            "",
            f"## {key}",
            "",
            "| Key | Type | Default | Description |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {_code(row.path)} | {_markdown_cell(type_text(row.schema, schema))} "
            f"| {_default_text(row)} | {_markdown_cell(row.description)} |"
            for row in rows
            if row.top_level_key == key and (row.is_property or row.description)
        ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write the reference (default ``config/README.md``), or with ``--check`` only compare it
    with the schema: exit status 1, and a one-line message, when it is missing or stale."""
    parser = argparse.ArgumentParser(
        prog="python -m glassy_li.config.reference",
        description="Render the configuration reference (Markdown) from the config schema.",
    )
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the file differs from the rendering")
    parser.add_argument("--schema", type=Path, default=SCHEMA_PATH,
                        help=f"the schema (default {_relative(SCHEMA_PATH)})")
    parser.add_argument("--output", type=Path, default=REFERENCE_PATH,
                        help=f"the reference (default {_relative(REFERENCE_PATH)})")
    args = parser.parse_args(argv)
    text = render_config_reference(args.schema)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.is_file() else None
        if current != text:
            state = "is missing" if current is None else "is out of date"
            print(f"{_relative(args.output)} {state} with {_relative(args.schema)}; "
                  f"regenerate it with `{REGENERATE_COMMAND}`", file=sys.stderr)
            return 1
        print(f"{_relative(args.output)} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {_relative(args.output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
