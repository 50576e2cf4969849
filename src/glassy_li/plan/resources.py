"""The cluster resource model: what each MD, deposition and analysis job asks a scheduler
for (run time in minutes, memory in MB, retries), from the measured throughputs and sizes.

Used by the rules (``workflow/rules/common.smk`` wraps these with the campaign's config) and
testable without Snakemake.  The constants are measurements (docs/performance.md): an MD job
of 2000 atoms used 106 MB in all (LAMMPS 33 MB), the structure identification 0.08 s per
frame per 1000 atoms and 126 MB at 2000 atoms.
"""

from __future__ import annotations

__all__ = [
    "analysis_mem_mb",
    "analysis_runtime_minutes",
    "md_mem_mb",
    "needed_minutes",
    "retries_for",
    "runtime_minutes",
]

BASE_MINUTES = 10
"""Every job's allowance for starting, reading and writing (minutes)."""
MD_MB_PER_RANK = 300
MD_ATOMS_PER_MB = 10
ANALYSIS_BASE_MB = 1000
ANALYSIS_ATOMS_PER_MB = 2
ANALYSIS_S_PER_FRAME_PER_1000_ATOMS = 1.0
"""Budgeted (measured: 0.08 s)."""


def needed_minutes(atom_steps: float, throughput_atom_steps_per_s: float, mpi_ranks: int,
                   safety_factor: float) -> int:
    """Cluster time (minutes) for ``atom_steps`` at a preset's measured one-rank throughput
    times ``mpi_ranks``, times ``safety_factor``, plus :data:`BASE_MINUTES`."""
    if throughput_atom_steps_per_s <= 0 or mpi_ranks < 1:
        raise ValueError(f"throughput {throughput_atom_steps_per_s} atom-steps/s and "
                         f"{mpi_ranks} ranks: both must be positive")
    seconds = atom_steps / (throughput_atom_steps_per_s * mpi_ranks)
    return int(safety_factor * seconds / 60 + BASE_MINUTES)


def runtime_minutes(needed: int, max_runtime_minutes: int) -> int:
    """The run time a job asks for: what it needs, capped at ``max_runtime_minutes`` (a
    longer run continues in the next job, from its restart)."""
    return min(needed, max_runtime_minutes)


def retries_for(longest_minutes: int, max_runtime_minutes: int, retries: int) -> int:
    """``retries``, plus as many as the longest run needs jobs of ``max_runtime_minutes`` to
    finish (each resumes from the previous job's restart)."""
    jobs = -(-longest_minutes // max_runtime_minutes)
    return retries + max(jobs - 1, 0)


def md_mem_mb(atoms: int, mpi_ranks: int) -> int:
    """Memory of an MD or deposition job: 300 MB per rank + 1 MB per 10 atoms."""
    return MD_MB_PER_RANK * mpi_ranks + int(atoms) // MD_ATOMS_PER_MB


def analysis_runtime_minutes(frames: float, atoms: int) -> int:
    """Run time of the per-frame structure identification: 1 s per frame per 1000 atoms
    plus :data:`BASE_MINUTES`."""
    return int(BASE_MINUTES + frames * atoms / 1000 * ANALYSIS_S_PER_FRAME_PER_1000_ATOMS / 60)


def analysis_mem_mb(atoms: int) -> int:
    """Memory of the structure identification: 1 GB + 1 MB per 2 atoms."""
    return ANALYSIS_BASE_MB + int(atoms) // ANALYSIS_ATOMS_PER_MB

