"""Per-run summaries and campaign tables.

One row per run: every swept value, the incubation outcome (time, or censoring time, or the
flag that the run was already crystalline at the reference time), the final crystallinity
(raw and normalised, of the reference structure and of any crystal; the largest embryo's
bcc, fcc, hcp and icosahedral fractions; means over the final window), the final largest
embryo's size, radius of gyration and mobility, and whether the largest cluster percolates
through the periodic box (then it is a network, not an embryo, and its final values describe
that network).  A per-size summary groups the replicas.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from glassy_li.analysis.critical_size import fit_critical_size
from glassy_li.analysis.incubation import (
    CENSORED,
    CRYSTALLINE_AT_REFERENCE,
    GROUP_KEYS,
    TRANSFORMED,
    IncubationResult,
    incubation_time,
)
from glassy_li.analysis.mfpt import mfpt_table
from glassy_li.analysis.statistics import (
    compare_survival,
    kaplan_meier,
    proportion_interval,
    sphere_diameter_nm,
)
from glassy_li.core.clock import StepClock
from glassy_li.md.protocol import StageSteps

__all__ = [
    "IncubationSettings",
    "compare_outcomes",
    "PERCOLATING",
    "critical_size_table",
    "read_summaries",
    "incubation_statistics",
    "km_times",
    "mfpt_table",
    "n_percolating",
    "percolating",
    "reference_time_ps",
    "stage_boundaries_ps",
    "summarise_run",
    "summarise_sizes",
]

SIZE_SERIES_KEYS = [k for k in GROUP_KEYS if k != "ensemble_size_atoms"]
"""Columns that define a series over ensemble sizes (critical size fits, survival per size)."""
ANY_CRYSTAL_ORDER_PARAMETER = "any_crystal_crystallinity"
"""The structure column of the any-crystal outcome (bcc, fcc, hcp alike), reported beside the
configured order parameter's (the reference structure's, bcc for Li)."""
OUTCOME_CHECKS = "lasting order; bcc and any crystal"
"""A run row's ``outcome_checks``: its incubation time is the crossing after which the order
lasts to the end (reversions counted), for the reference structure and for any crystal.
Tables from before it lack the column: their outcomes are bcc only, reversions not checked
(:data:`UNCHECKED_OUTCOMES`)."""
UNCHECKED_OUTCOMES = "bcc only, reversion not checked"
PERCOLATING = "percolating"
"""Run-row flag: the largest cluster percolates in some frame of the final window."""
NETWORK_NOT_EMBRYO = (
    "final_largest_embryo_atoms",
    "final_largest_embryo_rg_nm",
    "condensation_time_ps",
    "largest_embryo_at_transition_atoms",
)
"""Run-row columns left empty (NaN) when the largest cluster percolates: its size and radius
are the box's network, not an embryo's (the structure fractions stay, flagged)."""


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
    """Start times (ps) of each stage and the end of the run (``timestep_ps``: the heat
    and quench stages'; the hold's comes with ``steps.clock``)."""
    clock = steps.clock or StepClock(timestep_ps)
    return {
        "heat": 0.0,
        "quench": float(clock.time_ps(steps.heat_end)),
        "equilibrate": float(clock.time_ps(steps.quench_end)),
        "end": float(clock.time_ps(steps.total)),
    }


def reference_time_ps(reference: str, boundaries: Mapping[str, float]) -> float:
    """Time (ps) that the incubation time is counted from."""
    key = {"run_start": "heat", "quench_start": "quench", "equilibration_start": "equilibrate"}
    if reference not in key:
        raise ValueError(f"incubation reference must be one of {sorted(key)}, got {reference!r}")
    return boundaries[key[reference]]


CONDENSED_FRACTION = 0.9
"""A run's embryo counts as condensed once the largest embryo holds this fraction of its
final size (:func:`condensation_time_ps`)."""


def condensation_time_ps(
    time_ps: np.ndarray, largest_embryo_atoms: np.ndarray, final_atoms: float,
    reference_time_ps: float, fraction: float = CONDENSED_FRACTION,
) -> float:
    """How long after ``reference_time_ps`` the largest embryo first holds ``fraction`` of
    its final size ``final_atoms`` (0 when it already did at the reference: a droplet, or a
    gas that condensed during the heat and quench); NaN when it never does or there is no
    final size.  Against the incubation time it says whether condensation (the embryo still
    gathering atoms) or ordering (a condensed embryo waiting to crystallise) takes the time."""
    t = np.asarray(time_ps, dtype=float)
    sizes = np.asarray(largest_embryo_atoms, dtype=float)
    if not np.isfinite(final_atoms) or final_atoms <= 0:
        return float("nan")
    after = t >= reference_time_ps - 1e-9
    reached = np.flatnonzero(after & (sizes >= fraction * final_atoms))
    if not len(reached):
        return float("nan")
    return max(0.0, float(t[reached[0]] - reference_time_ps))


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

    def outcome(order_parameter: str) -> IncubationResult:
        return incubation_time(
            structure["time_ps"].to_numpy(),
            structure[order_parameter].to_numpy(),
            settings.threshold,
            settings.persistence_ps,
            ref,
        )

    result = outcome(settings.order_parameter)
    any_crystal = (outcome(ANY_CRYSTAL_ORDER_PARAMETER)
                   if ANY_CRYSTAL_ORDER_PARAMETER in structure else None)
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
        n_reversions=result.n_reversions,
        reversion_times_ps=";".join(f"{r:g}" for r in result.reversions),
        first_order_ps=result.first_order_ps,
        outcome_checks=OUTCOME_CHECKS,
        final_crystallinity=_column_mean(final, "crystallinity"),
        final_any_crystal_crystallinity=_column_mean(final, "any_crystal_crystallinity"),
        final_bcc_fraction_all_atoms=_column_mean(final, "fraction_bcc"),
        final_bcc_fraction_largest_embryo=_column_mean(final, "largest_embryo_bcc_fraction"),
        final_fcc_fraction_largest_embryo=_column_mean(final, "largest_embryo_fcc_fraction"),
        final_hcp_fraction_largest_embryo=_column_mean(final, "largest_embryo_hcp_fraction"),
        final_ico_fraction_largest_embryo=_column_mean(final, "largest_embryo_ico_fraction"),
        final_any_crystal_fraction_largest_embryo=_column_mean(
            final, "largest_embryo_any_crystal_fraction"
        ),
        final_largest_bcc_domain_atoms=_column_mean(final, "largest_bcc_domain_atoms"),
        final_reference_fraction_largest_embryo=_column_mean(
            final, "largest_embryo_reference_fraction"
        ),
        final_largest_reference_domain_atoms=_column_mean(final, "largest_reference_domain_atoms"),
        final_largest_embryo_atoms=_column_mean(final, "largest_embryo_atoms"),
        final_largest_embryo_rg_nm=_column_mean(final, "largest_embryo_rg_nm"),
        final_largest_embryo_msd_nm2=_column_mean(final, "largest_embryo_msd_nm2"),
        final_largest_embryo_diffusion_nm2_per_ps=_column_mean(
            final, "largest_embryo_diffusion_nm2_per_ps"
        ),
        final_n_embryos=_column_mean(final, "n_embryos"),
        final_n_atoms=int(structure["n_atoms"].iloc[-1]),
        final_largest_cluster_percolates=_column_mean(final, "largest_cluster_percolates"),
        percolating_frames_fraction=_column_mean(structure, "largest_cluster_percolates"),
        final_temperature_measured_K=float(final_thermo["temperature_K"].mean()),
        final_pe_eV_per_atom=float(final_thermo["pe_eV_per_atom"].mean()),
        simulated_ps=end,
        # md.end_hold_when_settled: the run stopped once its outcome was settled
        hold_ended_early=bool(end < boundaries["end"] - 1e-6),
    )
    if any_crystal is not None:
        row.update(
            any_crystal_status=any_crystal.status,
            any_crystal_transformed=any_crystal.status == TRANSFORMED,
            any_crystal_incubation_time_ps=any_crystal.incubation_time_ps,
            any_crystal_censored_at_ps=(any_crystal.observed_until_ps
                                        if any_crystal.status == CENSORED else np.nan),
            any_crystal_n_reversions=any_crystal.n_reversions,
        )
    sizes = structure["largest_embryo_atoms"].to_numpy(dtype=float)
    row["condensation_time_ps"] = condensation_time_ps(
        structure["time_ps"].to_numpy(), sizes, float(row["final_largest_embryo_atoms"]), ref
    )
    # the embryo that ordered: the largest embryo's size on the frame of the crossing
    at_crossing = np.flatnonzero(
        np.isclose(structure["time_ps"].to_numpy(), ref + float(result.incubation_time_ps))
    ) if result.status == TRANSFORMED else []
    row["largest_embryo_at_transition_atoms"] = (
        float(sizes[at_crossing[0]]) if len(at_crossing) else np.nan
    )
    fraction = row["final_largest_cluster_percolates"]
    row[PERCOLATING] = bool(fraction > 0) if np.isfinite(fraction) else None
    if row[PERCOLATING]:
        # a network through the periodic box is not an embryo: no embryo size or radius
        for column in NETWORK_NOT_EMBRYO:
            row[column] = np.nan
    return row


def read_summaries(paths: Iterable[str | Path]) -> pd.DataFrame:
    """One row per run from the runs' ``summary.json`` files, in the order given."""
    rows = []
    for path in paths:
        with open(path) as handle:
            rows.append(json.load(handle))
    return pd.DataFrame(rows)


def flag(campaign: pd.DataFrame, column: str) -> pd.Series:
    """Per run: a boolean column read back from a table (False where a table from before
    the column has no value)."""
    if column not in campaign:
        return pd.Series(False, index=campaign.index)
    values = campaign[column]
    return values.map(lambda v: str(v).strip().lower() in ("true", "1", "1.0")).astype(bool)


def percolating(campaign: pd.DataFrame) -> pd.Series:
    """Per run: whether its largest cluster percolates in the final window."""
    return flag(campaign, PERCOLATING)


def n_percolating(runs: pd.DataFrame) -> int:
    return int(percolating(runs).sum())


def _column_mean(table: pd.DataFrame, column: str) -> float:
    """Mean of a column as floats; NaN where the table (e.g. one written before the column
    existed) does not have it."""
    return float(table[column].astype(float).mean()) if column in table else np.nan


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
                "n_percolating": n_percolating(runs),
                "n_hold_ended_early": int(flag(runs, "hold_ended_early").sum()),
                "final_crystallinity_mean": runs["final_crystallinity"].mean(),
                "final_crystallinity_std": runs["final_crystallinity"].std(ddof=1),
                "final_any_crystal_crystallinity_mean": _column_mean(
                    runs, "final_any_crystal_crystallinity"
                ),
                "final_bcc_fraction_all_atoms_mean": runs["final_bcc_fraction_all_atoms"].mean(),
                "final_largest_embryo_atoms_mean": runs["final_largest_embryo_atoms"].mean(),
                "final_largest_embryo_rg_nm_mean": runs["final_largest_embryo_rg_nm"].mean(),
                "final_pe_eV_per_atom_mean": runs["final_pe_eV_per_atom"].mean(),
            }
        )
    return pd.DataFrame(rows)


def km_times(runs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(time, transformed) per run for Kaplan-Meier: the incubation time, or for a censored
    run the time observed after the reference.  Runs crystalline at the reference time are
    left out (their transition happened before the clock started)."""
    usable = runs[runs["status"] != CRYSTALLINE_AT_REFERENCE]
    transformed = usable["status"].eq(TRANSFORMED).to_numpy()
    times = np.where(
        transformed, usable["incubation_time_ps"], usable["censored_at_ps"]
    ).astype(float)
    return times, transformed


def compare_outcomes(first: pd.DataFrame, second: pd.DataFrame,
                     confidence: float = 0.95) -> pd.DataFrame:
    """Per ensemble size in both campaign tables (``campaign.tsv``; the same question asked
    with two inputs): runs and transitions of each, the Kaplan-Meier medians with their
    intervals, whether the intervals overlap, and the log-rank p
    (:func:`glassy_li.analysis.statistics.compare_survival`; runs crystalline at the reference left
    out, as in :func:`km_times`).  Each table must hold one series per size (one value of
    every other :data:`GROUP_KEYS` column: a positive control is a series of its own): a
    ValueError names the
    columns that differ otherwise."""
    for name, table in (("first", first), ("second", second)):
        missing = [k for k in ("ensemble_size_atoms", "status") if k not in table]
        if missing:
            raise ValueError(f"the {name} table has no column {', '.join(missing)}")
        keys = [k for k in SIZE_SERIES_KEYS if k in table]
        for size, runs in table.groupby("ensemble_size_atoms"):
            varying = [k for k in keys if runs[k].nunique(dropna=False) > 1]
            if varying:
                raise ValueError(
                    f"the {name} table holds more than one series at {size} atoms (they differ "
                    f"in {', '.join(varying)}): keep one series per table")
    rows = []
    sizes = sorted(set(first["ensemble_size_atoms"]) & set(second["ensemble_size_atoms"]))
    for size in sizes:
        times_a, events_a = km_times(first[first["ensemble_size_atoms"] == size])
        times_b, events_b = km_times(second[second["ensemble_size_atoms"] == size])
        rows.append({"ensemble_size_atoms": int(size),
                     **compare_survival(times_a, events_a, times_b, events_b, confidence)})
    return pd.DataFrame(rows)


def incubation_statistics(
    campaign: pd.DataFrame, confidence: float = 0.95
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per group of replicas: Kaplan-Meier median incubation time with its interval, the
    fraction transformed by the end of the runs, the fraction ordered by then (transformed or
    crystalline from the reference on) with its Wilson interval, the runs whose
    order reverted, and the same for the any-crystal outcome beside it (:func:`outcome_view`,
    whose ``basis`` says how each was measured); and the survival curves (long table)."""
    any_crystal, any_basis = outcome_view(campaign, "any crystal")
    _, basis = outcome_view(campaign, "reference")
    parameter = (str(campaign["order_parameter"].iloc[0]) if "order_parameter" in campaign
                 and len(campaign) else "crystallinity")
    order_column = f"final_{parameter}"
    rows, curves = [], []
    for keys, runs in campaign.groupby(GROUP_KEYS, sort=True):
        key_values = dict(zip(GROUP_KEYS, keys, strict=True))
        times, transformed = km_times(runs)
        n_at_reference = int(runs["status"].eq(CRYSTALLINE_AT_REFERENCE).sum())
        curve = kaplan_meier(times, transformed, confidence)
        note = curve.median.note
        if n_at_reference:
            note = "; ".join(
                filter(None, [note, f"{n_at_reference} run(s) crystalline at the reference "
                                    "time left out"])
            )
        n_transformed = int(runs["status"].eq(TRANSFORMED).sum())
        n_ordered = n_transformed + n_at_reference  # ordered by the end, either way
        fraction, low, high = proportion_interval(n_ordered, len(runs), confidence)
        other = any_crystal.loc[runs.index]
        if any_basis == NO_ANY_CRYSTAL_OUTCOME:
            n_any, any_fraction, any_low, any_high = np.nan, np.nan, np.nan, np.nan
        else:
            n_any = int(other["status"].isin([TRANSFORMED, CRYSTALLINE_AT_REFERENCE]).sum())
            any_fraction, any_low, any_high = proportion_interval(n_any, len(runs), confidence)
        any_median = (kaplan_meier(*km_times(other), confidence).median
                      if any_basis == "lasting order" else None)
        reverted = (int((pd.to_numeric(runs["n_reversions"], errors="coerce") > 0).sum())
                    if "n_reversions" in runs else np.nan)
        # a run read as transformed whose final window lies below the threshold: its order
        # did not last (in a table from before the reversion check, the only trace of it)
        ended_below = int((runs["status"].eq(TRANSFORMED)
                           & (pd.to_numeric(runs[order_column], errors="coerce")
                              < pd.to_numeric(runs["threshold"], errors="coerce"))).sum()
                          ) if order_column in runs and "threshold" in runs else 0
        rows.append(
            {
                **key_values,
                "n_runs": len(runs),
                "n_transformed": curve.n_events,
                "n_censored": curve.n_runs - curve.n_events,
                "n_crystalline_at_reference": n_at_reference,
                "n_percolating": n_percolating(runs),
                "n_hold_ended_early": int(flag(runs, "hold_ended_early").sum()),
                "n_runs_reverted": reverted,
                "n_transformed_ending_below_threshold": ended_below,
                "fraction_transformed_by_end": n_transformed / len(runs),
                "n_ordered_by_end": n_ordered,
                "fraction_ordered_by_end": fraction,
                "fraction_ordered_lower": low,
                "fraction_ordered_upper": high,
                "outcome_basis": basis,
                "observed_ps_max": curve.last_observed,
                "km_median_incubation_ps": curve.median.median,
                "km_median_lower_ps": curve.median.lower,
                "km_median_upper_ps": curve.median.upper,
                "any_crystal_n_crystalline": n_any,
                "any_crystal_fraction": any_fraction,
                "any_crystal_fraction_lower": any_low,
                "any_crystal_fraction_upper": any_high,
                "any_crystal_km_median_ps": any_median.median if any_median else np.nan,
                "any_crystal_km_median_lower_ps": any_median.lower if any_median else np.nan,
                "any_crystal_km_median_upper_ps": any_median.upper if any_median else np.nan,
                "any_crystal_basis": any_basis,
                "confidence": confidence,
                "note": note,
            }
        )
        for i in range(len(curve.time)):
            curves.append(
                {
                    **key_values,
                    "time_ps": curve.time[i],
                    "survival": curve.survival[i],
                    "lower": curve.lower[i],
                    "upper": curve.upper[i],
                    "at_risk": curve.at_risk[i],
                    "events": curve.events[i],
                    "observed_until_ps": curve.last_observed,
                }
            )
    return pd.DataFrame(rows), pd.DataFrame(curves)


OUTCOMES = ("reference", "any crystal")
"""The outcomes a critical size is computed for: the reference structure's order parameter
(the campaign's ``incubation.order_parameter``, bcc for Li) and any crystal."""


def outcome_view(campaign: pd.DataFrame, outcome: str) -> tuple[pd.DataFrame, str]:
    """The runs with ``status``, ``incubation_time_ps`` and ``censored_at_ps`` of one outcome,
    and how that outcome was measured (``basis``):

    - ``reference``: the campaign's own columns; "lasting order" where the table has
      :data:`OUTCOME_CHECKS`, else :data:`UNCHECKED_OUTCOMES`;
    - ``any crystal``: the ``any_crystal_*`` columns where the table has them ("lasting
      order"); a table from before them gives only the final-window outcome (any-crystal
      crystallinity over the final window at or above the threshold, "final window, no
      incubation time": a hold cannot be cut from it).
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}, got {outcome!r}")
    checked = "outcome_checks" in campaign and campaign["outcome_checks"].notna().all()
    if outcome == "reference":
        return campaign, "lasting order" if checked else UNCHECKED_OUTCOMES
    if "any_crystal_status" in campaign and campaign["any_crystal_status"].notna().all():
        view = campaign.assign(status=campaign["any_crystal_status"],
                               incubation_time_ps=campaign["any_crystal_incubation_time_ps"],
                               censored_at_ps=campaign["any_crystal_censored_at_ps"])
        return view, "lasting order"
    if "final_any_crystal_crystallinity" not in campaign or "threshold" not in campaign:
        # nothing to read the any-crystal outcome from: no run counts as ordered by it
        view = campaign.assign(status=np.nan, incubation_time_ps=np.nan, censored_at_ps=np.nan)
        return view, NO_ANY_CRYSTAL_OUTCOME
    final = pd.to_numeric(campaign["final_any_crystal_crystallinity"], errors="coerce")
    ordered = final >= pd.to_numeric(campaign["threshold"], errors="coerce")
    view = campaign.assign(status=np.where(ordered, TRANSFORMED, CENSORED),
                           incubation_time_ps=np.nan, censored_at_ps=np.nan)
    return view, FINAL_WINDOW_OUTCOME


FINAL_WINDOW_OUTCOME = "final window, no incubation time"
"""``basis`` of an any-crystal outcome read from the final window of a table from before the
any-crystal incubation time existed."""
NO_ANY_CRYSTAL_OUTCOME = "not measured"
"""``basis`` of the any-crystal outcome of a table without any-crystal columns."""


def critical_size_table(
    campaign: pd.DataFrame,
    bulk_density_g_cm3: float | None = None,
    confidence: float = 0.95,
    outcomes: Iterable[str] = OUTCOMES,
) -> pd.DataFrame:
    """Critical ensemble size (:func:`glassy_li.analysis.critical_size.fit_critical_size`: profile-
    likelihood interval, bracket, bound or "not resolved") per series of sizes (one per
    metal, potential, state, density, ...) and outcome (:data:`OUTCOMES`), in atoms and as
    the diameter (nm) of a sphere of the metal at its bulk density (the runs' ``mass_amu``
    and ``bulk_density_g_cm3`` columns; ``bulk_density_g_cm3`` overrides the latter).  Runs
    crystalline at the reference time count as crystalline.  An open interval end is NaN
    (``critical_size_status`` says which kind of answer a row holds)."""
    rows = []
    override = bulk_density_g_cm3
    for outcome in outcomes:
        view, basis = outcome_view(campaign, outcome)
        if basis == NO_ANY_CRYSTAL_OUTCOME:
            continue
        for keys, runs in view.groupby(SIZE_SERIES_KEYS, sort=True):
            mass_amu = float(runs["mass_amu"].iloc[0])
            density = override or float(runs["bulk_density_g_cm3"].iloc[0])
            crystalline = runs["status"].isin([TRANSFORMED, CRYSTALLINE_AT_REFERENCE]).to_numpy()
            fit = fit_critical_size(runs["ensemble_size_atoms"].to_numpy(), crystalline,
                                    confidence)

            def diameter(n: float, mass: float = mass_amu, rho: float = density) -> float:
                return sphere_diameter_nm(n, mass, rho) if np.isfinite(n) else np.nan

            width = fit.width_ln if np.isfinite(fit.steepness_per_ln) else 0.0
            rows.append(
                {
                    **dict(zip(SIZE_SERIES_KEYS, keys, strict=True)),
                    "outcome": outcome,
                    "outcome_basis": basis,
                    "reference_structure": runs["reference_structure"].iloc[0]
                    if "reference_structure" in runs else "",
                    "sizes_atoms": ",".join(str(int(n)) for n in
                                            sorted(runs["ensemble_size_atoms"].unique())),
                    "n_runs": fit.n_runs,
                    "n_crystalline": fit.n_transformed,
                    "critical_size_status": fit.status,
                    "critical_size_atoms": fit.critical_size_atoms,
                    "critical_size_lower_atoms": fit.interval_atoms[0],
                    "critical_size_upper_atoms": fit.interval_atoms[1],
                    "bracket_lower_atoms": fit.bracket_atoms[0],
                    "bracket_upper_atoms": fit.bracket_atoms[1],
                    "critical_diameter_nm": diameter(fit.critical_size_atoms),
                    "critical_diameter_lower_nm": diameter(fit.interval_atoms[0]),
                    "critical_diameter_upper_nm": diameter(fit.interval_atoms[1]),
                    "logistic_width_ln_atoms": width if fit.status == "resolved" else np.nan,
                    "mass_amu": mass_amu,
                    "bulk_density_g_cm3": density,
                    "confidence": confidence,
                    "interval_method": "Firth-penalised profile likelihood",
                    "note": fit.note,
                }
            )
    return pd.DataFrame(rows)


def critical_size_by_hold(
    campaign: pd.DataFrame,
    holds_ps: Iterable[float],
    bulk_density_g_cm3: float | None = None,
    confidence: float = 0.95,
    outcomes: Iterable[str] = OUTCOMES,
) -> pd.DataFrame:
    """The critical size had each run been held only ``hold_ps`` (from the incubation
    reference): a run counts as crystalline if it transformed by then (or was crystalline at
    the reference); a run censored before ``hold_ps`` cannot say, and is left out.  Holds
    longer than every run's observation are skipped, and so are outcomes without incubation
    times (an any-crystal outcome from the final window alone).  One
    :func:`critical_size_table` row per series, outcome and hold, with the column
    ``hold_ps``: the answer depends on how long one waits."""
    tables = []
    for outcome in outcomes:
        view, basis = outcome_view(campaign, outcome)
        if basis in (FINAL_WINDOW_OUTCOME, NO_ANY_CRYSTAL_OUTCOME):
            continue
        incubation = view["incubation_time_ps"].astype(float)
        censored_at = view["censored_at_ps"].astype(float)
        longest = float(np.nanmax(np.concatenate([censored_at.to_numpy(),
                                                  incubation.to_numpy(), [0.0]])))
        for hold in holds_ps:
            if hold > longest + 1e-9:
                continue
            transformed = (view["status"] == TRANSFORMED) & (incubation <= hold + 1e-9)
            known = ((view["status"] == TRANSFORMED) | (censored_at >= hold - 1e-9)
                     | (view["status"] == CRYSTALLINE_AT_REFERENCE))
            cut = view[known].copy()
            cut["status"] = np.where(transformed[known], TRANSFORMED,
                                     np.where(cut["status"] == CRYSTALLINE_AT_REFERENCE,
                                              CRYSTALLINE_AT_REFERENCE, CENSORED))
            # the cut runs already hold this outcome's status: the reference view of them
            table = critical_size_table(cut, bulk_density_g_cm3, confidence, ("reference",))
            table["outcome"], table["outcome_basis"] = outcome, basis
            table.insert(0, "hold_ps", float(hold))
            tables.append(table)
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=["hold_ps"])
