"""What made a run: config values, seeds, software versions, potential-file checksums.

Written to ``results/runs/<run>/provenance.json`` (deposition runs:
``results/runs/deposition/<run>/provenance.json``) once the run's analysis is done.  The
seeds and every LAMMPS variable are read from the run's own ``params.lammps``, the LAMMPS
version from its ``log.lammps`` (what actually ran);
OVITO's and the Python packages' versions are those of the environment that analysed it.
"""

from __future__ import annotations

import platform
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from glassy_li.config.potential_files import sha256_of
from glassy_li.lammps.run import derived_seeds, read_params_file

__all__ = ["lammps_version_of_log", "package_versions", "run_provenance", "sha256_of"]

PACKAGES = ("glassy-li", "lammps", "ovito", "snakemake", "numpy", "pandas", "scipy")


def lammps_version_of_log(log: str | Path) -> str:
    """The version line LAMMPS prints first, e.g. ``LAMMPS (22 Jul 2025 - Update 4)``."""
    path = Path(log)
    if not path.is_file():
        return "unknown (no log.lammps)"
    with open(path) as handle:
        for line in handle:
            match = re.match(r"\s*(LAMMPS \(.*\))", line)
            if match:
                return match.group(1)
    return "unknown (no version line in log.lammps)"


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    try:
        import ovito  # noqa: PLC0415

        versions["ovito_module"] = ".".join(str(v) for v in ovito.version)
    except ImportError:  # pragma: no cover - ovito is a dependency
        versions["ovito_module"] = "not importable"
    return versions


def run_provenance(
    run: Mapping[str, Any],
    config_sections: Mapping[str, Mapping[str, Any]],
    potential_files: Mapping[str, str],
    lammps_dir: str | Path,
) -> dict[str, Any]:
    """The provenance record of one run (JSON-serialisable).

    ``config_sections`` names each group of settings that made the run (protocol,
    potential, analysis settings ...); they are recorded as given.  What LAMMPS actually
    ran with is read from the run's own folder ``lammps_dir``: every variable of its
    ``params.lammps`` (the seeds among them) and the version line of its ``log.lammps``.
    """
    lammps_dir = Path(lammps_dir)
    variables = read_params_file(lammps_dir / "params.lammps")
    return {
        "run": dict(run),
        "seeds": {
            "run_seed": int(run["seed"]),
            **{key: int(variables[key]) for key in derived_seeds(0)},
        },
        "config": {name: dict(values) for name, values in config_sections.items()},
        "lammps_parameters": variables,
        "potential_files": {
            key: {"path": str(path), "sha256": sha256_of(path)}
            for key, path in potential_files.items()
        },
        "software": {
            "lammps_run": lammps_version_of_log(lammps_dir / "log.lammps"),
            **package_versions(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "recorded_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }
