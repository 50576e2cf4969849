"""The statistics behind the results page's robustness questions (glassy_li.analysis.robustness):
intervals that cover what they should, slopes that find a planted trend and only it, and
paired comparisons that count a censored run the right way round."""

import math

import numpy as np
import pandas as pd
import pytest

from glassy_li.analysis.robustness import (
    coupling_label,
    density_rows,
    ols_slope,
    paired_incubation_differences,
)
from glassy_li.analysis.statistics import mean_interval


def test_the_t_interval_covers_the_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(1)
    covered = 0
    for _ in range(2000):
        _, low, high = mean_interval(rng.normal(3.0, 2.0, size=3))
        covered += low <= 3.0 <= high
    assert covered / 2000 == pytest.approx(0.95, abs=0.015)
    assert math.isnan(mean_interval([1.0])[1])
    assert mean_interval([1.0, float("nan"), 3.0])[0] == 2.0


def test_a_planted_slope_is_found_with_one_intercept_per_group_and_no_trend_is_not():
    rng = np.random.default_rng(2)
    x = np.tile(np.log10([0.0534, 0.2136, 0.534]), 6)
    groups = np.repeat([400, 700], 9)
    offset = np.where(groups == 700, 0.5, 0.0)  # a size effect the slope must not absorb
    y = 0.3 * x + offset + rng.normal(0, 0.02, size=len(x))
    slope = ols_slope(y, x, groups)
    assert slope.lower < 0.3 < slope.upper and slope.sign == 1
    flat = ols_slope(offset + rng.normal(0, 0.02, size=len(x)), x, groups)
    assert flat.sign == 0
    assert math.isnan(ols_slope([1.0, 2.0], [1.0, 1.0]).slope)  # x does not vary


def run(coupling, seed, transformed, time, **extra):
    return {"group": "grid", "ensemble_size_atoms": 700, "packing_density_g_cm3": 0.0534,
            "initial_state": "droplet", "seed": seed, "coupling": coupling,
            "transformed": transformed, "incubation_time_ps": time if transformed else np.nan,
            "censored_at_ps": np.nan if transformed else time, **extra}


def test_paired_differences_are_taken_seed_by_seed_and_censoring_counts_as_later():
    rows = [run("ref", s, True, t) for s, t in zip(range(5), [50, 60, 70, 80, 90], strict=True)]
    # 'fast' orders 20 ps sooner on every seed but the last, where it is censored at 250 ps
    # after its partner transformed at 90 ps: that pair counts as slower
    rows += [run("fast", s, True, t - 20) for s, t in zip(range(4), [50, 60, 70, 80],
                                                            strict=True)]
    rows.append(run("fast", 4, False, 250))
    # a run without a partner seed is not paired
    rows.append(run("fast", 99, True, 10))
    table = pd.DataFrame(rows)
    (d,) = paired_incubation_differences(table, "ref")
    assert d.coupling == "fast" and d.n_pairs == 5 and d.n_both_transformed == 4
    assert d.mean_ps == -20.0 and d.lower_ps == d.upper_ps == -20.0
    assert (d.faster, d.slower, d.undecided) == (4, 1, 0)
    assert d.p_sign == pytest.approx(0.375)
    # both censored: the order is unknown
    table.loc[4, ["transformed", "incubation_time_ps", "censored_at_ps"]] = [False, np.nan, 250]
    (d,) = paired_incubation_differences(table, "ref")
    assert (d.faster, d.slower, d.undecided) == (4, 0, 1)


def test_density_rows_flag_percolating_runs_and_give_them_no_embryo_size():
    rows = []
    for density, percolates in ((0.0534, False), (0.534, True)):
        for seed in range(3):
            rows.append({**run("ref", seed, True, 100.0 + seed), "packing_density_g_cm3": density,
                         "percolating": percolates, "final_crystallinity": 0.5 + 0.1 * seed,
                         "final_largest_embryo_atoms": np.nan if percolates else 600.0 + seed,
                         "largest_embryo_at_transition_atoms": 500.0,
                         "condensation_time_ps": 80.0})
    table = density_rows(pd.DataFrame(rows)).set_index("packing_density_g_cm3")
    assert table.loc[0.534, "n_percolating"] == 3 and table.loc[0.0534, "n_percolating"] == 0
    assert math.isnan(table.loc[0.534, "final_embryo_atoms_median"])
    assert table.loc[0.0534, "final_embryo_atoms_median"] == 601.0
    assert table.loc[0.0534, "final_crystallinity_mean"] == pytest.approx(0.6)
    assert table.loc[0.0534, "final_crystallinity_lower"] < 0.6 < table.loc[
        0.0534, "final_crystallinity_upper"]
    # condensing took 80 of about 101 ps: condensation took most of the time
    assert table.loc[0.0534, "condensing_share_median"] == pytest.approx(80 / 101)
    assert math.isnan(table.loc[0.534, "condensing_share_median"])  # networks: not timed


def test_coupling_labels_read_as_words():
    assert coupling_label({"thermostat": "nose-hoover", "thermostat_damping_ps": 0.1,
                           "atom_flux_atoms_per_ps": 0.0}) == "Nose-Hoover 0.1 ps"
    assert coupling_label({"thermostat": "none", "thermostat_damping_ps": 0.1,
                           "atom_flux_atoms_per_ps": 0.0}) == "NVE hold (no thermostat)"
    assert coupling_label({"thermostat": "nose-hoover", "thermostat_damping_ps": 0.1,
                           "atom_flux_atoms_per_ps": 5.0}).endswith("atom flux 5/ps")
