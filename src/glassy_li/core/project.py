"""The workflow's own files, for running it in another directory (tests, benchmarks)."""

from __future__ import annotations

import shutil
from pathlib import Path

__all__ = ["REPO_ROOT", "WORKFLOW_PARTS", "copy_workflow"]

REPO_ROOT = Path(__file__).resolve().parents[3]
WORKFLOW_PARTS = ("Snakefile", "workflow", "config", "envs", "profiles", ".test")
"""What `snakemake` needs to run the campaign from a copy (results/ and .venv excluded)."""


def copy_workflow(dest: str | Path, source: str | Path = REPO_ROOT) -> None:
    """Copy the workflow's files from ``source`` (the checkout) into ``dest``."""
    dest, source = Path(dest), Path(source)
    dest.mkdir(parents=True, exist_ok=True)
    for part in WORKFLOW_PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, dest / part)
        else:
            shutil.copy(source / part, dest / part)
