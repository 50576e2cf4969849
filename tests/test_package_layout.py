"""The package is laid out by stage (glassy_li.STAGES): no module imports a later stage, and no
import cycle exists, counting imports inside functions too (they are where cycles hide)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import glassy_li
from glassy_li import STAGES

PACKAGE = Path(glassy_li.__file__).resolve().parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_imports(path: Path) -> list[tuple[str, int]]:
    """(module imported, line) for every import of a ``glassy_li`` module in ``path``,
    anywhere in the file; ``from glassy_li.x import y`` counts ``glassy_li.x.y`` when y is a
    module."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                path = PACKAGE.parent / candidate.replace(".", "/")
                is_module = path.with_suffix(".py").exists() or (path / "__init__.py").exists()
                found.append((candidate if is_module else base, node.lineno))
    return [(target, line) for target, line in found
            if target == "glassy_li" or target.startswith("glassy_li.")]


def stage_of(module: str) -> str | None:
    """The stage of ``glassy_li.<stage>...``; None for the package itself, the study and the
    command, which sit above the stages."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


def import_graph(package: Path = PACKAGE) -> dict[str, list[tuple[str, int]]]:
    return {module_name(path): package_imports(path) for path in sorted(package.rglob("*.py"))}


def upward_imports(graph: dict[str, list[tuple[str, int]]]) -> list[str]:
    problems = []
    for module, imports in graph.items():
        stage = stage_of(module)
        if stage is None:
            continue
        for target, line in imports:
            target_stage = stage_of(target)
            if target_stage is not None and STAGES.index(target_stage) > STAGES.index(stage):
                problems.append(f"{module}:{line} imports {target} (stage {target_stage!r} comes "
                                f"after {stage!r})")
    return problems


def import_cycles(graph: dict[str, list[tuple[str, int]]]) -> list[list[str]]:
    """Cycles among the package's modules (depth-first search over the import graph)."""
    edges = {module: sorted({t for t, _ in imports if t in graph and t != module})
             for module, imports in graph.items()}
    cycles, state = [], dict.fromkeys(edges, 0)  # 0 new, 1 on the path, 2 done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in edges[module]:
            if state[target] == 1:
                cycles.append([*path[path.index(target):], target])
            elif state[target] == 0:
                visit(target, [*path, target])
        state[module] = 2

    for module in edges:
        if state[module] == 0:
            visit(module, [module])
    return cycles


def test_every_module_belongs_to_a_stage():
    top_level = {path.stem for path in PACKAGE.glob("*.py")}
    # above the stages: the command and the study it reads
    assert top_level == {"__init__", "cli", "study"}, "modules outside a stage subpackage"
    assert {path.name for path in PACKAGE.iterdir() if path.is_dir() and
            (path / "__init__.py").exists()} == set(STAGES)


def test_no_module_imports_a_later_stage():
    assert upward_imports(import_graph()) == []


def test_no_import_cycle():
    assert import_cycles(import_graph()) == []


def test_the_checks_find_a_planted_upward_import_and_cycle(tmp_path):
    """The two checks are not vacuous: a core module importing the report stage, which imports
    it back, is caught by both."""
    graph = {
        "glassy_li.core.units": [("glassy_li.report.results_page", 3)],
        "glassy_li.report.results_page": [("glassy_li.core.units", 1)],
    }
    assert upward_imports(graph) == [
        "glassy_li.core.units:3 imports glassy_li.report.results_page (stage 'report' comes "
        "after 'core')"
    ]
    assert import_cycles(graph) == [
        ["glassy_li.core.units", "glassy_li.report.results_page", "glassy_li.core.units"]
    ]


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_says_what_it_holds(stage):
    module = __import__(f"glassy_li.{stage}", fromlist=["_"])
    assert module.__doc__ and len(module.__doc__.split()) >= 8


def test_the_committed_rule_graph_draws_every_rule():
    """docs/rulegraph.svg (rule rule_graph) is regenerated when a rule is added or removed:
    its nodes are exactly the workflow's rules (rule_graph itself aside)."""
    repo = PACKAGE.parents[1]
    defined = set()
    for path in [repo / "Snakefile", *sorted((repo / "workflow" / "rules").glob("*.smk"))]:
        defined |= set(re.findall(r"^rule (\w+):", path.read_text(), re.M))
    svg = (repo / "docs" / "rulegraph.svg").read_text()
    drawn = set(re.findall(r"<text[^>]*>(\w+)</text>", svg))
    assert drawn == defined - {"rule_graph"}


def test_the_lammps_templates_are_the_ones_the_committed_runs_used():
    """A run's MD folder ends in a digest of the bytes of every template of its input, comments
    included: editing one (a renamed module in a comment is enough) moves every run to a new
    folder, so every campaign's MD would run again.  This pins the digests of the committed
    runs (docs/results); change them only with an edit meant to move the runs, and say so."""
    from glassy_li.deposition.deposit import DEPOSITION_TEMPLATES  # noqa: PLC0415
    from glassy_li.lammps.run import template_digest  # noqa: PLC0415
    from glassy_li.md.protocol import MD_TEMPLATES  # noqa: PLC0415

    assert template_digest(MD_TEMPLATES) == "86af8b36"
    assert template_digest(DEPOSITION_TEMPLATES) == "1e5f2f10"


def test_the_analysis_code_is_the_one_the_digest_names():
    """A run's analysis folder, ``ana-<digest>``, hashes the source of the analysis modules
    (glassy_li.plan.code_digest): any edit there, an import line included, re-analyses every
    run of every campaign.  The move into stage subpackages did so once (2424b2bc ->
    54d074be); this pin makes the next such edit a decision, not an accident."""
    from glassy_li.plan.code_digest import analysis_code_digest  # noqa: PLC0415

    assert analysis_code_digest() == "54d074be"
