"""Is the answer robust?  The statistics behind the results page's robustness questions,
computed from a campaign's committed tables (``campaign.tsv``, ``deposition_runs.tsv``):

- packing density: per size and density, the crystallinity with its interval, the embryo
  actually formed, and whether condensation or ordering took the time
  (:func:`density_rows`), and how crystallinity changes with density (:func:`ols_slope`);
- energy and mass exchange: per coupling, incubation and embryo size, and each coupling's
  incubation time against the reference coupling's on the same seeds
  (:func:`paired_incubation_differences`);
- deposition rate: each measure's change per halving of the rate (:func:`ols_slope`).

Intervals are 95% unless ``confidence`` says otherwise: Student t for means and regression
slopes (replicas are few, so t, not a normal or bootstrap interval that would be too narrow),
a Student-t interval for a mean paired difference too (descriptive: over the pairs where both
transformed), and an exact binomial (sign) test over every pair whose order is known,
censored ones included, for how often a coupling was the faster one: a coupling is called
faster or slower only where that test rejects at 5%.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from glassy_li.analysis.aggregate import flag, percolating
from glassy_li.analysis.statistics import mean_interval

__all__ = [
    "PairedDifference",
    "SIGNIFICANCE",
    "Slope",
    "interval_sign",
    "coupling_label",
    "density_rows",
    "ols_slope",
    "paired_incubation_differences",
]


SIGNIFICANCE = 0.05
"""A direction ("faster", "rises") is written only where its test rejects at this level."""


def interval_sign(lower: float, upper: float) -> int:
    """+1 where an interval lies wholly above zero, -1 wholly below, else 0 (not resolved,
    or no interval)."""
    if not (math.isfinite(lower) and math.isfinite(upper)):
        return 0
    return 1 if lower > 0 else -1 if upper < 0 else 0


@dataclass(frozen=True)
class Slope:
    """A least-squares slope with its Student-t interval (NaN where it cannot be had)."""

    slope: float
    lower: float
    upper: float
    n: int

    @property
    def sign(self) -> int:
        """+1 or -1 where the interval excludes zero, else 0 (no trend resolved)."""
        return interval_sign(self.lower, self.upper)


def ols_slope(
    y: Sequence[float], x: Sequence[float], groups: Sequence[object] | None = None,
    confidence: float = 0.95,
) -> Slope:
    """The slope of ``y`` against ``x`` by ordinary least squares, with one intercept per
    group when ``groups`` is given (a common slope within groups, e.g. per size: the density
    effect with the size effect taken out), and its Student-t interval."""
    frame = pd.DataFrame({"y": np.asarray(y, float), "x": np.asarray(x, float),
                          "g": list(groups) if groups is not None else 0})
    frame = frame[np.isfinite(frame["y"]) & np.isfinite(frame["x"])]
    levels = sorted(frame["g"].unique(), key=str)
    design = np.column_stack([frame["x"].to_numpy()]
                             + [(frame["g"] == level).to_numpy(float) for level in levels])
    n, k = design.shape
    if n <= k or np.linalg.matrix_rank(design) < k:
        return Slope(math.nan, math.nan, math.nan, n)
    coef, *_ = np.linalg.lstsq(design, frame["y"].to_numpy(), rcond=None)
    residual = frame["y"].to_numpy() - design @ coef
    sigma2 = float(residual @ residual) / (n - k)
    se = math.sqrt(sigma2 * np.linalg.inv(design.T @ design)[0, 0])
    half = float(stats.t.ppf(0.5 + confidence / 2, n - k)) * se
    return Slope(float(coef[0]), float(coef[0]) - half, float(coef[0]) + half, n)


def _grid(campaign: pd.DataFrame) -> pd.DataFrame:
    return campaign[campaign["group"] == "grid"] if "group" in campaign else campaign


def _column(table: pd.DataFrame, name: str) -> pd.Series:
    """A numeric column (NaN throughout where a table from before the column lacks it)."""
    if name not in table:
        return pd.Series(np.nan, index=table.index)
    return pd.to_numeric(table[name], errors="coerce")


def density_rows(campaign: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per ensemble size and packing density (grid runs): runs, transformed, percolating,
    final crystallinity and bcc fraction of all atoms (means and t-intervals over replicas,
    clipped at 0), the embryo formed
    (median of the final largest embryo over runs that do not percolate, and of the largest
    embryo on the frame it crossed the threshold, over those that transformed), the median
    condensation and incubation times of the transformed runs that do not percolate, and the
    median share of the incubation time spent condensing (``condensing_share``: above one
    half, condensation took most of the time; below, a condensed embryo waited to order)."""
    runs = _grid(campaign)
    rows = []
    for (size, density), group in runs.groupby(["ensemble_size_atoms", "packing_density_g_cm3"]):
        networks = percolating(group)
        transformed = flag(group, "transformed")
        embryos = group[~networks]
        mean, low, high = mean_interval(_column(group, "final_crystallinity"), confidence,
                                        floor=0.0)
        bcc, bcc_low, bcc_high = mean_interval(_column(group, "final_bcc_fraction_all_atoms"),
                                               confidence, floor=0.0, ceiling=1.0)
        ordered = group[transformed & ~networks]
        condensation = _column(ordered, "condensation_time_ps")
        incubation = _column(ordered, "incubation_time_ps")
        share = (condensation / incubation.where(incubation > 0)).dropna()
        rows.append({
            "ensemble_size_atoms": int(size),
            "packing_density_g_cm3": float(density),
            "n_runs": len(group),
            "n_transformed": int(transformed.sum()),
            "n_percolating": int(networks.sum()),
            "final_crystallinity_mean": mean,
            "final_crystallinity_lower": low,
            "final_crystallinity_upper": high,
            "final_bcc_fraction_mean": bcc,
            "final_bcc_fraction_lower": bcc_low,
            "final_bcc_fraction_upper": bcc_high,
            "final_embryo_atoms_median": float(_column(embryos, "final_largest_embryo_atoms")
                                               .median()),
            "final_embryo_atoms_min": float(_column(embryos, "final_largest_embryo_atoms").min()),
            "final_embryo_atoms_max": float(_column(embryos, "final_largest_embryo_atoms").max()),
            "embryo_at_transition_atoms_median": float(
                _column(ordered, "largest_embryo_at_transition_atoms").median()),
            "condensation_time_ps_median": float(condensation.median()),
            "incubation_time_ps_median": float(incubation.median()),
            "condensing_share_median": float(share.median()) if len(share) else math.nan,
            "n_timed": len(share),
        })
    return pd.DataFrame(rows)


def coupling_label(row: pd.Series | dict) -> str:
    """A coupling in words: thermostat, damping, atom flux."""
    thermostat = str(row["thermostat"])
    if thermostat == "none":
        text = "NVE hold (no thermostat)"
    else:
        name = {"nose-hoover": "Nose-Hoover", "langevin": "Langevin"}.get(thermostat, thermostat)
        text = f"{name} {float(row['thermostat_damping_ps']):g} ps"
    flux = float(row.get("atom_flux_atoms_per_ps") or 0.0)
    return text + (f" + atom flux {flux:g}/ps" if flux > 0 else "")


@dataclass(frozen=True)
class PairedDifference:
    """One coupling's incubation times against the reference coupling's, seed by seed.

    ``mean_ps`` and its Student-t interval are over the pairs where both runs transformed
    (coupling minus reference: negative - the coupling was faster; with 3-5 pairs a
    bootstrap interval of the median would be far too narrow); ``faster``/``slower``
    count every pair whose order is known, a censored run counting as later than its partner
    when the partner transformed before the censoring time; ``p_sign`` is the two-sided exact
    binomial test of faster against slower."""

    coupling: str
    n_pairs: int
    n_both_transformed: int
    mean_ps: float
    lower_ps: float
    upper_ps: float
    faster: int
    slower: int
    undecided: int
    p_sign: float

    @property
    def sign(self) -> int:
        """-1 where the coupling was resolved faster, +1 slower, 0 neither: by the sign test
        over every pair whose order is known (censored ones included), at the 5% level.
        The mean difference over both-transformed pairs is descriptive only: dropping the
        pairs with a censored run biases it."""
        if not self.p_sign < SIGNIFICANCE:
            return 0
        return -1 if self.faster > self.slower else 1 if self.slower > self.faster else 0


def paired_incubation_differences(
    campaign: pd.DataFrame, reference_coupling: str, confidence: float = 0.95,
) -> list[PairedDifference]:
    """Each coupling of the grid against ``reference_coupling`` (its ``coupling`` label),
    paired by size, density, start and seed (the coupling sweep runs every coupling on the
    same seeds)."""
    runs = _grid(campaign)
    done = flag(runs, "transformed")
    # the event time: the incubation time, or the censoring time where censored
    runs = runs.assign(done=done, event_ps=_column(runs, "incubation_time_ps")
                       .where(done, _column(runs, "censored_at_ps")))
    keys = ["ensemble_size_atoms", "packing_density_g_cm3", "initial_state", "seed"]
    reference = runs[runs["coupling"] == reference_coupling].set_index(keys)
    out = []
    for coupling, group in runs[runs["coupling"] != reference_coupling].groupby("coupling"):
        differences, faster, slower, undecided, n_pairs = [], 0, 0, 0, 0
        for _, row in group.iterrows():
            key = tuple(row[k] for k in keys)
            if key not in reference.index:
                continue
            partner = reference.loc[key]
            partner = partner.iloc[0] if isinstance(partner, pd.DataFrame) else partner
            n_pairs += 1
            t_c, done_c = float(row["event_ps"]), bool(row["done"])
            t_r, done_r = float(partner["event_ps"]), bool(partner["done"])
            if done_c and done_r:
                differences.append(t_c - t_r)
                faster += t_c < t_r
                slower += t_c > t_r
                undecided += t_c == t_r
            elif done_c and t_c < t_r:
                faster += 1
            elif done_r and t_r < t_c:
                slower += 1
            else:
                undecided += 1
        mean, low, high = mean_interval(differences, confidence)
        decided = faster + slower
        p = float(stats.binomtest(faster, decided).pvalue) if decided else math.nan
        out.append(PairedDifference(str(coupling), n_pairs, len(differences), mean, low, high,
                                    faster, slower, undecided, p))
    return out
