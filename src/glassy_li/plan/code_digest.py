"""Digests of the code a run's files depend on, for the run's folder names.

A run's MD folder ends in a digest of its protocol, preset and system settings *and* of every
LAMMPS template and include that builds its input (:func:`glassy_li.lammps.run.template_digest`);
its analysis folder, ``ana-<digest>``, names the analysis settings *and* the version of the
analysis code (:func:`analysis_code_digest`).  So an edited template or analysis module moves
the runs it touches to new folders: one run id never holds the outcomes of two versions of the
code.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

__all__ = ["ANALYSIS_MODULES", "analysis_code_digest"]

ANALYSIS_MODULES = ("structure/identify", "analysis/incubation", "analysis/aggregate")
"""The package's modules (paths below ``src/glassy_li``, without ``.py``) that compute a run's
analysis folder (``structure.tsv`` from the trajectory, ``summary.json`` from it and the thermo
table)."""


@functools.cache
def analysis_code_digest(modules: tuple[str, ...] = ANALYSIS_MODULES) -> str:
    """Eight hex digits of the source of the analysis ``modules`` (files of this package)."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for name in modules:
        digest.update(name.encode() + b"\0" + (package / f"{name}.py").read_bytes() + b"\0")
    return digest.hexdigest()[:8]
