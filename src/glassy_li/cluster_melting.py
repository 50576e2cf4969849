"""Size-dependent melting: the melting point of free crystalline clusters of N atoms.

A small embryo melts below the bulk melting point (its surface atoms are weakly bound), so
an embryo held at a fixed temperature can be liquid because it is small, whatever the
nucleation kinetics.  For each size, a perfect sphere of the metal's crystal
(:func:`glassy_li.structure.crystal_sphere`) in a large periodic box, with vacuum all round,
is heated in steps (template ``cluster_melting.lammps``); the cluster's melting point is the
step where its caloric curve (mean potential energy per atom against temperature) jumps, and
the crystalline fraction of its time-averaged positions (PTM) confirms it.

The sizes are then fitted to the Pawlow-type law ``T_m(N) = T_bulk (1 - c N^(-1/3))`` with
``T_bulk`` fixed to the preset's coexistence melting point; the size at which ``T_m(N)``
equals a hold temperature, ``N*``, is where a held embryo can be crystalline at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from .lammps_run import TEMPLATE_DIR, PotentialSetup, potential_parameters, run_lammps_once
from .lammps_run import write_inputs as write_lammps_inputs
from .metals import Metal
from .structure import (
    CRYSTAL_TYPES,
    STRUCTURE_TYPES,
    StructureSettings,
    crystal_sphere,
    identify_structures,
    read_lammps_dump,
)
from .system import InitialSystem, write_lammps_data
from .units import lammps_units

__all__ = [
    "ClusterMeltingSettings",
    "cluster_melting_curve",
    "critical_size_from_melting",
    "fit_size_dependence",
    "hold_critical_sizes",
    "melting_point_of",
    "size_melting_table",
]

FINISHED = "glassy-li: cluster melting finished"
VACUUM_A = 15.0
"""Vacuum between the cluster and its periodic images (beyond the potentials' cutoffs)."""


@dataclass(frozen=True)
class ClusterMeltingSettings:
    """How each cluster is heated: target temperatures from ``start_fraction`` to
    ``stop_fraction`` of the bulk melting point in steps of ``step_K``; at each, ``settle_ps``
    of NVT, then ``measure_ps`` whose means make one point of the caloric curve."""

    start_fraction: float
    stop_fraction: float
    step_K: float
    settle_ps: float
    measure_ps: float

    def targets_K(self, bulk_melting_K: float) -> np.ndarray:
        start = self.start_fraction * bulk_melting_K
        n = int(math.floor((self.stop_fraction - self.start_fraction) * bulk_melting_K
                           / self.step_K)) + 1
        return start + self.step_K * np.arange(n)


def cluster_melting_curve(
    potential: PotentialSetup,
    metal: Metal,
    n_atoms: int,
    timestep_fs: float,
    settings: ClusterMeltingSettings,
    bulk_melting_K: float,
    structure: StructureSettings,
    work_dir: str | Path,
    log_file: str | Path,
    seed: int = 4711,
    template_dir: str | Path = TEMPLATE_DIR,
) -> pd.DataFrame:
    """Heat one cluster of ``n_atoms`` in steps; one row per step: the target and measured
    temperature (K), the mean potential energy (eV/atom) and the crystalline fraction (bcc,
    fcc or hcp by ``structure``'s method on positions averaged over the measuring window)."""
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    for stale in ("cluster_melting.txt", "cluster_melting.dump"):
        (work / stale).unlink(missing_ok=True)
    positions = crystal_sphere(metal.reference_structure, n_atoms, metal.lattice_constant_A)
    positions = positions - positions.min(axis=0)
    edge = float(positions.max() + 2 * VACUUM_A)
    write_lammps_data(
        InitialSystem(positions + VACUUM_A, edge, potential.mass_amu, metal.element),
        work / "cluster.data", atom_style=potential.atom_style,
    )
    targets = settings.targets_K(bulk_melting_K)
    dt_ps = timestep_fs * 1e-3
    measure = max(10, int(round(settings.measure_ps / dt_ps / 10)) * 10)
    parameters = {
        **potential_parameters(potential, timestep_fs),
        "data_file": "cluster.data",
        "start_temperature": float(targets[0]),
        "step_temperature": settings.step_K,
        "n_steps": len(targets),
        "settle_steps": max(1, int(round(settings.settle_ps / dt_ps))),
        "measure_steps": measure,
        "velocity_seed": seed,
        "thermostat_damping": 0.1 / lammps_units(potential.units).time_to_ps,
    }
    script = write_lammps_inputs(work, parameters, template_dir, potential.after_pair_coeff,
                                 ("cluster_melting.lammps",))
    run_lammps_once(work, script.name, log_file, FINISHED,
                    f"cluster melting of {n_atoms} atoms ({potential.name})")
    curve = pd.DataFrame(
        np.loadtxt(work / "cluster_melting.txt", ndmin=2),
        columns=["target_K", "temperature_K", "pe_eV_per_atom"],
    )
    fractions, icosahedral = [], []
    for frame in read_lammps_dump(work / "cluster_melting.dump"):
        positions = frame.averaged_A if frame.averaged_A is not None else frame.unwrapped_A
        # a free cluster: no periodic images (its unwrapped positions may leave the box)
        types = identify_structures(positions, frame.box_lo_A, frame.box_edges_A, structure,
                                    pbc=(False, False, False))
        fractions.append(float(np.isin(types, CRYSTAL_TYPES).mean()))
        icosahedral.append(float(np.mean(types == STRUCTURE_TYPES["ico"])))
    curve["crystalline_fraction"] = fractions[: len(curve)]
    curve["icosahedral_fraction"] = icosahedral[: len(curve)]
    curve.insert(0, "n_atoms", n_atoms)
    return curve


def melting_point_of(curve: pd.DataFrame) -> dict[str, float | bool]:
    """The melting point of one caloric curve: the midpoint of the two target temperatures
    between which the potential energy rises most above the curve's median rise (the latent
    heat), with half the step as its uncertainty.  ``confirmed``: the crystalline fraction
    drops across that step to less than half its value before it."""
    pe = curve["pe_eV_per_atom"].to_numpy()
    targets = curve["target_K"].to_numpy()
    rises = np.diff(pe)
    excess = rises - np.median(rises)
    jump = int(np.argmax(excess))
    before = float(curve["crystalline_fraction"].iloc[jump])
    after = float(curve["crystalline_fraction"].iloc[jump + 1])
    return {
        "melting_point_K": float(0.5 * (targets[jump] + targets[jump + 1])),
        "melting_point_uncertainty_K": float(0.5 * (targets[jump + 1] - targets[jump])),
        "latent_heat_eV_per_atom": float(excess[jump]),
        "crystalline_fraction_before": before,
        "crystalline_fraction_after": after,
        "confirmed": bool(after < 0.5 * before),
    }


def fit_size_dependence(
    sizes_atoms: np.ndarray, melting_K: np.ndarray, bulk_melting_K: float,
    confidence: float = 0.95,
) -> dict[str, float]:
    """Fit ``T_m(N) = T_bulk (1 - c N^(-1/3))`` with ``T_bulk`` fixed: least squares for
    ``c`` (a line through the origin in ``x = N^(-1/3)``, ``y = 1 - T_m / T_bulk``), with a
    Student-t interval at ``confidence`` from the scatter about the line."""
    x = np.asarray(sizes_atoms, dtype=float) ** (-1.0 / 3.0)
    y = 1.0 - np.asarray(melting_K, dtype=float) / bulk_melting_K
    c = float(np.sum(x * y) / np.sum(x * x))
    n = len(x)
    if n < 2:
        return {"c": c, "c_lower": math.nan, "c_upper": math.nan, "n_sizes": n}
    residual = y - c * x
    standard_error = math.sqrt(float(np.sum(residual**2)) / (n - 1) / float(np.sum(x * x)))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * standard_error
    return {"c": c, "c_lower": c - half, "c_upper": c + half, "n_sizes": n}


def critical_size_from_melting(c: float, bulk_melting_K: float, hold_K: float) -> float:
    """The size ``N*`` whose melting point equals ``hold_K``: ``(c / (1 - T_hold/T_bulk))^3``
    (infinite when the hold is at or above the bulk melting point)."""
    margin = 1.0 - hold_K / bulk_melting_K
    if margin <= 0 or c <= 0:
        return math.inf if margin <= 0 else 0.0
    return (c / margin) ** 3


def size_melting_table(
    curves: list[pd.DataFrame], bulk_melting_K: float, confidence: float = 0.95
) -> tuple[pd.DataFrame, dict[str, float]]:
    """One row per cluster size (its melting point, :func:`melting_point_of`) and the fit of
    the confirmed ones (:func:`fit_size_dependence`)."""
    rows = [{"n_atoms": int(curve["n_atoms"].iloc[0]), **melting_point_of(curve)}
            for curve in curves]
    table = pd.DataFrame(rows).sort_values("n_atoms").reset_index(drop=True)
    table["fraction_of_bulk"] = table["melting_point_K"] / bulk_melting_K
    fitted = table[table["confirmed"]]
    fit = fit_size_dependence(fitted["n_atoms"].to_numpy(), fitted["melting_point_K"].to_numpy(),
                              bulk_melting_K, confidence)
    fit.update({"bulk_melting_point_K": bulk_melting_K, "confidence": confidence,
                "sizes_fitted": ",".join(str(n) for n in fitted["n_atoms"])})
    return table, fit


def hold_critical_sizes(fit: dict[str, float], hold_K: float) -> dict[str, float]:
    """``N*`` at ``hold_K`` with the interval that ``c``'s interval gives (``N*`` grows with
    ``c``)."""
    bulk = fit["bulk_melting_point_K"]
    return {
        "hold_temperature_K": hold_K,
        "n_star_atoms": critical_size_from_melting(fit["c"], bulk, hold_K),
        "n_star_lower_atoms": critical_size_from_melting(fit["c_lower"], bulk, hold_K),
        "n_star_upper_atoms": critical_size_from_melting(fit["c_upper"], bulk, hold_K),
    }
