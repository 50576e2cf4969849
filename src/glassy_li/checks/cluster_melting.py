"""Size-dependent melting: the melting point of free crystalline clusters of N atoms.

A small embryo melts below the bulk melting point (its surface atoms are weakly bound), so
an embryo held at a fixed temperature can be liquid because it is small, whatever the
nucleation kinetics.  For each size, a perfect sphere of the metal's crystal
(:func:`glassy_li.structure.identify.crystal_sphere`) in a large periodic box, with
vacuum all round, is heated in steps (template ``cluster_melting.lammps``); the cluster's
melting point is the step where its caloric curve (mean potential energy per atom against
temperature) jumps, and the crystalline fraction of its time-averaged positions (PTM) confirms it.

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

from glassy_li.config.metals import Metal
from glassy_li.config.potential_setup import PotentialSetup
from glassy_li.core.units import lammps_units
from glassy_li.lammps.run import TEMPLATE_DIR, potential_parameters, run_lammps_once
from glassy_li.lammps.run import write_inputs as write_lammps_inputs
from glassy_li.md.system import InitialSystem, write_lammps_data
from glassy_li.structure.identify import (
    CRYSTAL_TYPES,
    STRUCTURE_TYPES,
    StructureSettings,
    crystal_sphere,
    identify_structures,
    read_lammps_dump,
)

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
    ``stop_fraction`` of the bulk melting point (or from ``start_K`` to ``stop_K`` where
    given: a heating grid that does not move when the bulk value is re-measured) in steps of
    ``step_K``; at each, ``settle_ps`` of NVT, then ``measure_ps`` whose means make one point
    of the caloric curve."""

    start_fraction: float
    stop_fraction: float
    step_K: float
    settle_ps: float
    measure_ps: float
    start_K: float | None = None
    stop_K: float | None = None

    def targets_K(self, bulk_melting_K: float | None) -> np.ndarray:
        if self.start_K is not None and self.stop_K is not None:
            start, stop = float(self.start_K), float(self.stop_K)
        elif bulk_melting_K is None or not math.isfinite(bulk_melting_K):
            raise ValueError("size_melting: the heating range needs the preset's "
                             "melting_point_K, or start_K and stop_K")
        else:
            start = self.start_fraction * bulk_melting_K
            stop = self.stop_fraction * bulk_melting_K
        if stop <= start:
            raise ValueError(f"size_melting: the heating range {start:.0f}-{stop:.0f} K is "
                             "empty")
        n = int(math.floor((stop - start) / self.step_K + 1e-9)) + 1
        return start + self.step_K * np.arange(n)


def cluster_melting_curve(
    potential: PotentialSetup,
    metal: Metal,
    n_atoms: int,
    timestep_fs: float,
    settings: ClusterMeltingSettings,
    bulk_melting_K: float | None,
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


NEVER_CRYSTALLINE_SHARE = 0.1
"""A cluster whose crystalline share never reached this held no crystal: no melting point."""


def fit_size_dependence(
    sizes_atoms: np.ndarray, melting_K: np.ndarray, uncertainty_K: np.ndarray | float,
    bulk: tuple[float, float, float] | None = None, confidence: float = 0.95,
) -> dict[str, float | str]:
    """Fit ``T_m(N) = T_bulk (1 - c N^(-1/3))``: a straight line ``T = T_bulk + s x`` in
    ``x = N^(-1/3)`` (``s = -T_bulk c``), by weighted least squares.

    ``uncertainty_K``: each size's half step of the caloric curve (a uniform error, sd
    half/sqrt(3)). ``bulk``: the bulk melting point ``(value, lower, upper)`` of its own
    interval, entered as one more point at ``x = 0`` with sd (upper - lower)/3.92 (``bulk
    treatment`` "carried"); ``None`` leaves ``T_bulk`` free ("free"). When the scatter exceeds
    the errors, the covariance is scaled by the reduced chi-square. Student-t intervals at
    ``confidence``. The residuals (K) of the sizes come back in ``residuals_K``."""
    x = np.asarray(sizes_atoms, dtype=float) ** (-1.0 / 3.0)
    y = np.asarray(melting_K, dtype=float)
    sd = np.broadcast_to(np.asarray(uncertainty_K, dtype=float), x.shape) / math.sqrt(3)
    treatment = "free"
    if bulk is not None:
        value, lower, upper = bulk
        x, y = np.append(x, 0.0), np.append(y, value)
        sd = np.append(sd, (upper - lower) / 3.92)
        treatment = f"carried: {value:.0f} [{lower:.0f}, {upper:.0f}] K at N = infinity"
    n = len(x)
    out: dict[str, float | str] = {"n_sizes": len(sizes_atoms), "bulk_treatment": treatment}
    if n < 3:
        out.update(c=math.nan, c_lower=math.nan, c_upper=math.nan,
                   bulk_melting_point_K=math.nan, status="not resolved: too few sizes")
        return out
    design = np.column_stack([np.ones(n), x])
    weight = 1.0 / sd**2
    normal = design.T @ (design * weight[:, None])
    coefficients = np.linalg.solve(normal, design.T @ (weight * y))
    residual = y - design @ coefficients
    dof = n - 2
    chi2 = float(np.sum(weight * residual**2))
    scale2 = max(1.0, chi2 / dof)
    covariance = np.linalg.inv(normal) * scale2
    t = float(stats.t.ppf(0.5 + confidence / 2, dof))
    t_bulk, slope = (float(v) for v in coefficients)
    se_bulk = math.sqrt(covariance[0, 0])
    # c = -slope / T_bulk, its sd by the delta method
    gradient = np.array([slope / t_bulk**2, -1.0 / t_bulk])
    se_c = math.sqrt(float(gradient @ covariance @ gradient))
    c = -slope / t_bulk
    out.update(
        c=c, c_lower=c - t * se_c, c_upper=c + t * se_c,
        bulk_melting_point_K=t_bulk, bulk_melting_point_lower_K=t_bulk - t * se_bulk,
        bulk_melting_point_upper_K=t_bulk + t * se_bulk, chi2=chi2, dof=dof,
        scale=math.sqrt(scale2), confidence=confidence,
        residuals_K=",".join(f"{r:+.1f}" for r in residual[: len(sizes_atoms)]),
        min_size_fitted=int(np.min(sizes_atoms)), max_size_fitted=int(np.max(sizes_atoms)),
        intercept_K=t_bulk, slope_K=slope, cov_00=float(covariance[0, 0]),
        cov_01=float(covariance[0, 1]), cov_11=float(covariance[1, 1]), t_quantile=t,
        status="resolved",
    )
    return out


def critical_size_from_melting(c: float, bulk_melting_K: float, hold_K: float) -> float:
    """The size ``N*`` whose melting point equals ``hold_K``: ``(c / (1 - T_hold/T_bulk))^3``
    (infinite when the hold is at or above the bulk melting point)."""
    margin = 1.0 - hold_K / bulk_melting_K
    if margin <= 0 or c <= 0:
        return math.inf if margin <= 0 else 0.0
    return (c / margin) ** 3


def hold_critical_sizes(fit: dict, hold_K: float) -> dict[str, float | str]:
    """``N*`` at ``hold_K`` and its interval: the sizes where the fit's confidence band of
    ``T_m(N)`` reaches ``hold_K`` (an inverse-prediction interval). ``N*`` outside the sizes
    fitted is not a value: ``n_star_status`` says "below SIZE" or "above SIZE" and
    ``n_star_bound_atoms`` holds that size."""
    empty = {"hold_temperature_K": hold_K, "n_star_atoms": math.nan,
             "n_star_lower_atoms": math.nan, "n_star_upper_atoms": math.nan,
             "n_star_status": "not resolved", "n_star_bound_atoms": math.nan}
    if fit.get("status") != "resolved":
        return empty
    intercept, slope = fit["intercept_K"], fit["slope_K"]
    x = np.linspace(0.0, 1.0, 20001)[1:]  # N from 1 to infinity
    line = intercept + slope * x
    se = np.sqrt(fit["cov_00"] + 2 * x * fit["cov_01"] + x**2 * fit["cov_11"])
    inside = np.abs(line - hold_K) <= fit["t_quantile"] * se
    point_x = (hold_K - intercept) / slope if slope < 0 else math.nan
    n_star = float(point_x ** -3) if 0 < point_x <= 1 else math.nan
    lower = upper = math.nan
    if inside.any():
        lower, upper = float(x[inside].max() ** -3), float(x[inside].min() ** -3)
        if inside[0]:
            upper = math.inf  # the band still reaches the hold at N -> infinity
    result = {**empty, "n_star_atoms": n_star, "n_star_lower_atoms": lower,
              "n_star_upper_atoms": upper}
    low_size, high_size = fit["min_size_fitted"], fit["max_size_fitted"]
    if not math.isfinite(n_star):
        result["n_star_status"] = "not resolved: the fit never reaches the hold"
    elif n_star < low_size:
        result.update(n_star_status=f"below {low_size}", n_star_bound_atoms=low_size)
    elif n_star > high_size:
        result.update(n_star_status=f"above {high_size}", n_star_bound_atoms=high_size)
    else:
        result["n_star_status"] = "resolved"
    return result


def size_melting_table(
    curves: list[pd.DataFrame], bulk: tuple[float, float, float] | None,
    confidence: float = 0.95,
) -> tuple[pd.DataFrame, dict]:
    """One row per cluster size (:func:`melting_point_of`; a cluster that never held a
    crystal gets none) and the fit of the confirmed ones (:func:`fit_size_dependence`,
    ``bulk`` carried or, when None, free), with each size's fitted value and residual."""
    rows = []
    for curve in curves:
        row = {"n_atoms": int(curve["n_atoms"].iloc[0]), **melting_point_of(curve)}
        if float(curve["crystalline_fraction"].max()) < NEVER_CRYSTALLINE_SHARE:
            row.update(melting_point_K=math.nan, confirmed=False,
                       note="never held a crystal: no melting point")
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("n_atoms").reset_index(drop=True)
    if "note" not in table:
        table["note"] = ""
    table["note"] = table["note"].fillna("")
    fitted = table[table["confirmed"].astype(bool)]
    fit = fit_size_dependence(fitted["n_atoms"].to_numpy(), fitted["melting_point_K"].to_numpy(),
                              fitted["melting_point_uncertainty_K"].to_numpy(), bulk, confidence)
    fit["sizes_fitted"] = ",".join(str(n) for n in fitted["n_atoms"])
    if fit.get("status") == "resolved":
        x = table["n_atoms"].to_numpy(float) ** (-1 / 3)
        table["fit_K"] = fit["intercept_K"] + fit["slope_K"] * x
        table["residual_K"] = np.where(table["confirmed"].astype(bool),
                                       table["melting_point_K"] - table["fit_K"], np.nan)
        table["fraction_of_bulk"] = table["melting_point_K"] / fit["bulk_melting_point_K"]
    return table, fit
