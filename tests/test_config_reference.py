"""config/README.md, the configuration reference, is generated from the schema and current,
and every key the schema declares is described (glassy_li.config.reference)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from glassy_li.config.reference import (
    REFERENCE_PATH,
    REGENERATE_COMMAND,
    SCHEMA_PATH,
    iter_rows,
    load_schema,
    main,
    render_config_reference,
    yaml_inline,
)

# subschemas that constrain properties declared elsewhere rather than declare them
CONSTRAINTS = {"if", "then", "else", "not"}


def declared_properties(node: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """Every property declaration in a schema (definitions, items, alternatives included):
    (where it sits, its own schema node)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in CONSTRAINTS:
                continue
            if key == "properties" and isinstance(value, dict):
                for name, sub in value.items():
                    yield f"{where}.{name}", sub
                    yield from declared_properties(sub, f"{where}.{name}")
            else:
                yield from declared_properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from declared_properties(item, f"{where}/{index}")


@pytest.fixture(scope="module")
def reference() -> str:
    return render_config_reference(SCHEMA_PATH)


def row_of(reference: str, path: str) -> list[str]:
    """The cells of the table row whose key is ``path``."""
    for line in reference.splitlines():
        if line.startswith(f"| `{path}` |"):
            return [cell.strip() for cell in line.strip("|").split(" | ")]
    raise AssertionError(f"no row for {path} in the reference")


def test_reference_is_current(reference: str) -> None:
    on_disk = REFERENCE_PATH.read_text(encoding="utf-8") if REFERENCE_PATH.is_file() else None
    assert on_disk == reference, (
        f"{REFERENCE_PATH.name} in config/ is stale (or missing) against "
        f"workflow/schemas/config.schema.yaml: regenerate it with `{REGENERATE_COMMAND}`"
    )


def test_every_property_has_a_description() -> None:
    properties = list(declared_properties(load_schema(SCHEMA_PATH)))
    assert len(properties) > 100
    undescribed = [
        where for where, node in properties
        if not (isinstance(node, dict) and str(node.get("description") or "").strip())
    ]
    assert not undescribed, (
        f"{len(undescribed)} schema properties have no description: {', '.join(undescribed)}"
    )


def test_every_property_is_rendered(reference: str) -> None:
    rows = [row for row in iter_rows(load_schema(SCHEMA_PATH)) if row.is_property]
    assert len(rows) == len(list(declared_properties(load_schema(SCHEMA_PATH))))
    for row in rows:
        assert row_of(reference, row.path)[3], row.path


def test_reference_content(reference: str) -> None:
    assert reference.startswith("# Configuration reference\n")
    assert REGENERATE_COMMAND in reference and "do not edit" in reference
    assert "## incubation\n" in reference and "## deposition\n" in reference
    assert row_of(reference, "incubation.threshold")[1:3] == ["number > 0", "`0.5`"]
    assert "at or above which a frame counts as crystalline" in row_of(
        reference, "incubation.threshold")[3]
    assert row_of(reference, "incubation.persistence_ps")[2] == "`6.0`"
    assert row_of(reference, "incubation.reference")[1:3] == [
        "one of run_start, quench_start, equilibration_start", "`equilibration_start`"]
    assert row_of(reference, "md.timestep_fs")[1:3] == ["number > 0, or null", "`null`"]
    assert row_of(reference, "md.heat_duration_ps")[2] == "`10`"
    assert row_of(reference, "positive_controls[].label")[2] == "*required*"
    assert row_of(reference, "positive_controls[].replicas")[2] == "—"
    assert row_of(reference, "metals.*.reference_structure")[1] == "one of bcc, hcp, fcc"
    assert row_of(reference, "potential_presets.*.files.*.sha256")[2] == "*required*"
    assert row_of(reference, "deposition.substrates")[2] == "`[{kind: inert-wall}]`"
    assert row_of(reference, "deposition.substrates[].orientation")[2] == '`"100"`'
    assert row_of(reference, "coupling_sweep.couplings[].thermostat")[1] == (
        "one of nose-hoover, langevin, none")
    assert row_of(reference, "deposition.analysis.dislocations")[2] == "`true`"


def test_new_keys_render_generically(tmp_path: Path) -> None:
    schema = tmp_path / "schema.yaml"
    schema.write_text(
        "definitions:\n"
        "  thing: {type: object, properties: {size_A: {type: number, minimum: 1,"
        " description: How big.}}}\n"
        "required: [extends]\n"
        "properties:\n"
        "  extends: {type: [string, 'null'], description: The config | it builds on.}\n"
        "  things:\n"
        "    type: array\n"
        "    default: []\n"
        "    description: Some things.\n"
        "    items: {$ref: '#/definitions/thing'}\n"
    )
    text = render_config_reference(schema)
    assert "| `extends` | string, or null | *required* | The config \\| it builds on. |" in text
    assert "| `things[].size_A` | number ≥ 1 | — | How big. |" in text


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "null"), (True, "true"), (1.0e5, "100000.0"), (1e-5, "1.0e-05"), ("100", '"100"'),
     ("srun --mpi=pmi2", "srun --mpi=pmi2"), ("a: b", '"a: b"'), ([1.0, 0.5], "[1.0, 0.5]"),
     ([{"kind": "inert-wall"}], "[{kind: inert-wall}]"), ({}, "{}")],
)
def test_yaml_inline(value: Any, text: str) -> None:
    assert yaml_inline(value) == text


def test_check_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "README.md"
    assert main(["--check", "--output", str(output)]) == 1
    assert main(["--output", str(output)]) == 0
    assert output.read_text(encoding="utf-8") == render_config_reference(SCHEMA_PATH)
    assert main(["--check", "--output", str(output)]) == 0
    output.write_text("stale\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["--check", "--output", str(output)]) == 1
    message = capsys.readouterr().err.strip()
    assert "\n" not in message and "out of date" in message and REGENERATE_COMMAND in message
