"""Shared fixtures: paths of the repository and of the optional ../shared data."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_POTENTIALS = REPO.parent / "shared" / "potentials"


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def default_config_files(repo: Path) -> list[Path]:
    return [repo / "config" / "potentials.yaml", repo / "config" / "config.yaml"]


@pytest.fixture
def shared_potentials() -> Path:
    """``../shared/potentials`` beside the checkout; tests needing it skip when it is absent."""
    if not SHARED_POTENTIALS.is_dir():
        pytest.skip(f"needs the shared potential files at {SHARED_POTENTIALS} (absent here)")
    return SHARED_POTENTIALS


# -- tiers --------------------------------------------------------------------------------
TIERS = {
    "workflow": "runs Snakemake (the .test campaign, dry runs and the one end-to-end subprocess)",
    "validation": "physics with real LAMMPS and OVITO against reference data (tests/validation)",
    "faults": "fault injection and a Slurm cluster: killed jobs, full disks, scancel, resume",
}
"""Tiers beyond the default unit tier; the default `pytest` runs none of them (pyproject's
addopts), `pytest -m <tier>` runs one. A test is put in a tier by its folder
(tests/<tier>/) or by ``@pytest.mark.<tier>``."""

FORBIDDEN_IN_UNIT = ("snakemake", "lmp", "srun", "sbatch", "mpirun", "mpiexec")
"""Programs a unit test may not start: the unit tier stays under a minute without them."""


def pytest_configure(config: pytest.Config) -> None:
    for tier, meaning in TIERS.items():
        config.addinivalue_line("markers", f"{tier}: {meaning}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    tests_dir = Path(__file__).parent
    for item in items:
        if not Path(item.path).is_relative_to(tests_dir):
            continue
        relative = Path(item.path).relative_to(tests_dir).parts
        if len(relative) > 1 and relative[0] in TIERS:
            item.add_marker(relative[0])


def _in_unit_tier(item: pytest.Item) -> bool:
    return not any(item.get_closest_marker(tier) for tier in TIERS)


@pytest.fixture(autouse=True)
def unit_tier_starts_no_md_or_workflow(request: pytest.FixtureRequest, monkeypatch):
    """In the unit tier, starting Snakemake or LAMMPS (a process or the Python module) fails
    the test, naming what it started: such a test belongs to a tier (TIERS)."""
    if not _in_unit_tier(request.node):
        yield
        return
    import shlex  # noqa: PLC0415
    import subprocess  # noqa: PLC0415

    from glassy_li.core import lammps_env  # noqa: PLC0415

    real_init = subprocess.Popen.__init__

    def guarded_init(self, args, *positional, **keywords):
        words = (shlex.split(os.fsdecode(args)) if isinstance(args, str | bytes)
                 else [os.fsdecode(word) for word in ([args] if isinstance(args, os.PathLike)
                                                      else args)])
        programs = {Path(word).name for word in words[:3]}
        if "-m" in words[:4] and words.index("-m") + 1 < len(words):
            programs.add(words[words.index("-m") + 1])  # python -m snakemake
        asks_for_help = words[1:] == ["-h"]  # `lmp -h` lists the wheel's styles: no MD
        if (forbidden := programs & set(FORBIDDEN_IN_UNIT)) and not asks_for_help:
            raise AssertionError(
                f"a unit test started {sorted(forbidden)} ({words[:6]}): mark it with a "
                f"tier ({', '.join(TIERS)}) or move it to tests/<tier>/")
        real_init(self, args, *positional, **keywords)

    monkeypatch.setattr(subprocess.Popen, "__init__", guarded_init)
    # LAMMPS itself refuses, in this process and in any it starts (core.lammps_env)
    monkeypatch.setenv(lammps_env.NO_MD_VARIABLE, "the unit tier of the tests")
    yield
