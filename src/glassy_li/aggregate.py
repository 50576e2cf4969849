"""Per-run summaries and campaign tables.

One row per run: every swept value, the incubation outcome (time, or censoring time, or the
flag that the run was already crystalline at the reference time), the final crystallinity
(raw and normalised; means over the final window), and the final largest embryo's size,
radius of gyration and mobility.  A per-size summary groups the replicas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .incubation import CENSORED, CRYSTALLINE_AT_REFERENCE, TRANSFORMED, incubation_time
from .md import StageSteps

__all__ = [
    "IncubationSettings",
    "reference_time_ps",
    "stage_boundaries_ps",
    "summarise_run",
    "summarise_sizes",
]

GROUP_KEYS = [
    "group",
    "initial_state",
    "potential",
    "packing_density_g_cm3",
    "ensemble_size_atoms",
    "heat_temperature_K",
    "final_temperature_K",
]


@dataclass(frozen=True)
class IncubationSettings:
    """How the incubation time and final values are measured."""

    order_parameter: str = "crystallinity"
    threshold: float = 0.5
    persistence_ps: float = 10.0
    reference: str = "equilibration_start"
    final_window_ps: float = 10.0

    @classmethod
    def from_config(cls, section: Mapping[str, object]) -> IncubationSettings:
        return cls(**{k: section[k] for k in cls.__dataclass_fields__ if k in section})


def stage_boundaries_ps(steps: StageSteps, timestep_ps: float) -> dict[str, float]:
    """Start times (ps) of each stage and the end of the run."""
    return {
        "heat": 0.0,
        "quench": steps.heat_end * timestep_ps,
        "equilibrate": steps.quench_end * timestep_ps,
        "end": steps.total * timestep_ps,
    }


def reference_time_ps(reference: str, boundaries: Mapping[str, float]) -> float:
    """Time (ps) that the incubation time is counted from."""
    key = {"run_start": "heat", "quench_start": "quench", "equilibration_start": "equilibrate"}
    if reference not in key:
        raise ValueError(f"incubation reference must be one of {sorted(key)}, got {reference!r}")
    return boundaries[key[reference]]


def summarise_run(
    structure: pd.DataFrame,
    thermo: pd.DataFrame,
    run: Mapping[str, object],
    settings: IncubationSettings,
    boundaries: Mapping[str, float],
) -> dict[str, object]:
    """The campaign-table row of one run."""
    if settings.order_parameter not in structure:
        raise KeyError(f"order parameter {settings.order_parameter!r} not in the structure table")
    ref = reference_time_ps(settings.reference, boundaries)
    result = incubation_time(
        structure["time_ps"].to_numpy(),
        structure[settings.order_parameter].to_numpy(),
        settings.threshold,
        settings.persistence_ps,
        ref,
    )
    end = float(structure["time_ps"].iloc[-1])
    final = structure[structure["time_ps"] >= end - settings.final_window_ps - 1e-9]
    final_thermo = thermo[thermo["time_ps"] >= end - settings.final_window_ps - 1e-9]
    row: dict[str, object] = dict(run)
    row.update(
        order_parameter=settings.order_parameter,
        threshold=settings.threshold,
        reference_time_ps=ref,
        status=result.status,
        transformed=result.status == TRANSFORMED,
        incubation_time_ps=result.incubation_time_ps,
        censored_at_ps=result.observed_until_ps if result.status == CENSORED else np.nan,
        crystalline_at_reference=result.status == CRYSTALLINE_AT_REFERENCE,
        final_crystallinity=float(final["crystallinity"].mean()),
        final_bcc_fraction_all_atoms=float(final["fraction_bcc"].mean()),
        final_bcc_fraction_largest_embryo=float(final["largest_embryo_bcc_fraction"].mean()),
        final_largest_bcc_domain_atoms=float(final["largest_bcc_domain_atoms"].mean()),
        final_largest_embryo_atoms=float(final["largest_embryo_atoms"].mean()),
        final_largest_embryo_rg_nm=float(final["largest_embryo_rg_nm"].mean()),
        final_largest_embryo_msd_nm2=float(final["largest_embryo_msd_nm2"].mean()),
        final_largest_embryo_diffusion_nm2_per_ps=float(
            final["largest_embryo_diffusion_nm2_per_ps"].mean()
        ),
        final_n_embryos=float(final["n_embryos"].mean()),
        final_temperature_measured_K=float(final_thermo["temperature_K"].mean()),
        final_pe_eV_per_atom=float(final_thermo["pe_eV_per_atom"].mean()),
        simulated_ps=end,
    )
    return row


def censored_median(times: np.ndarray, transformed: np.ndarray) -> float:
    """Median waiting time when censored runs count as 'later than any observed time'.

    Censored runs (``transformed`` False) sort after every transformed one; the median is
    defined only if it falls on a transformed run, otherwise NaN (too few transformed).
    """
    n = len(times)
    if n == 0:
        return float("nan")
    values = np.where(transformed, times, np.inf)
    ordered = np.sort(values)
    median = float(np.median(ordered)) if n % 2 else 0.5 * (ordered[n // 2 - 1] + ordered[n // 2])
    return median if np.isfinite(median) else float("nan")


def summarise_sizes(campaign: pd.DataFrame) -> pd.DataFrame:
    """Per (group, state, potential, density, size) summary over replicas."""
    rows = []
    for keys, runs in campaign.groupby(GROUP_KEYS, sort=True):
        transformed = runs["status"].eq(TRANSFORMED).to_numpy()
        rows.append(
            {
                **dict(zip(GROUP_KEYS, keys, strict=True)),
                "n_runs": len(runs),
                "n_transformed": int(transformed.sum()),
                "n_censored": int(runs["status"].eq(CENSORED).sum()),
                "n_crystalline_at_reference": int(
                    runs["status"].eq(CRYSTALLINE_AT_REFERENCE).sum()
                ),
                "fraction_transformed": float(transformed.mean()),
                "median_incubation_time_ps": censored_median(
                    runs["incubation_time_ps"].to_numpy(), transformed
                ),
                "final_crystallinity_mean": runs["final_crystallinity"].mean(),
                "final_crystallinity_std": runs["final_crystallinity"].std(ddof=1),
                "final_bcc_fraction_all_atoms_mean": runs["final_bcc_fraction_all_atoms"].mean(),
                "final_largest_embryo_atoms_mean": runs["final_largest_embryo_atoms"].mean(),
                "final_largest_embryo_rg_nm_mean": runs["final_largest_embryo_rg_nm"].mean(),
                "final_pe_eV_per_atom_mean": runs["final_pe_eV_per_atom"].mean(),
            }
        )
    return pd.DataFrame(rows)
