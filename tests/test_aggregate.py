"""Group statistics of a campaign table: censoring, left-out runs and the critical size."""

import math

import numpy as np
import pandas as pd
import pytest

from glassy_li.aggregate import GROUP_KEYS, critical_size_table, incubation_statistics, mfpt_table


def campaign_rows(size: int, statuses: list[str], times: list[float]) -> list[dict]:
    rows = []
    for replica, (status, time) in enumerate(zip(statuses, times, strict=True)):
        rows.append(
            {
                "run_id": f"N-{size}/rep-{replica}",
                "group": "grid",
                "metal": "Li",
                "mass_amu": 6.94,
                "bulk_density_g_cm3": 0.534,
                "initial_state": "gas",
                "potential": "p",
                "packing_density_g_cm3": 0.0534,
                "ensemble_size_atoms": size,
                "heat_temperature_K": 500.0,
                "final_temperature_K": 300.0,
                "thermostat": "nose-hoover",
                "thermostat_damping_ps": 0.1,
                "atom_flux_atoms_per_ps": 0.0,
                "status": status,
                "incubation_time_ps": time if status == "transformed" else math.nan,
                "censored_at_ps": 50.0 if status == "censored" else math.nan,
                "reference_time_ps": 30.0,
            }
        )
    return rows


@pytest.fixture
def campaign() -> pd.DataFrame:
    return pd.DataFrame(
        campaign_rows(100, ["censored"] * 3, [0, 0, 0])
        + campaign_rows(300, ["transformed", "censored", "crystalline_at_reference"], [20, 0, 0])
        + campaign_rows(700, ["transformed"] * 3, [10, 14, 30])
    )


def test_statistics_per_size(campaign):
    stats, curves = incubation_statistics(campaign)
    stats = stats.set_index("ensemble_size_atoms")
    assert set(GROUP_KEYS) <= set(stats.reset_index().columns)
    assert math.isnan(stats.loc[100, "km_median_incubation_ps"])
    assert "none of 3 runs transformed" in stats.loc[100, "note"]
    # the run crystalline at the reference time is counted but left out of the survival curve
    assert stats.loc[300, "n_crystalline_at_reference"] == 1
    assert stats.loc[300, "n_transformed"] + stats.loc[300, "n_censored"] == 2
    assert "left out" in stats.loc[300, "note"]
    assert stats.loc[300, "fraction_transformed_by_end"] == pytest.approx(1 / 3)
    assert stats.loc[700, "km_median_incubation_ps"] == 14
    last = curves[curves["ensemble_size_atoms"] == 700]["survival"].iloc[-1]
    assert last == 0


def test_critical_size_between_amorphous_and_crystalline_sizes(campaign):
    table = critical_size_table(campaign, n_bootstrap=200)
    assert len(table) == 1
    row = table.iloc[0]
    # 100: none crystalline, 300: 2 of 3 (one at the reference time counts), 700: all
    assert 100 < row["critical_size_atoms"] < 700
    assert row["critical_diameter_nm"] == pytest.approx(
        3.07 * (row["critical_size_atoms"] / 700) ** (1 / 3), rel=0.01
    )


def test_mfpt_table_says_why_no_fit(campaign):
    structures = {
        run_id: pd.DataFrame(
            {"time_ps": np.arange(0, 90, 2.0), "largest_reference_domain_atoms": np.arange(45) % 7}
        )
        for run_id in campaign["run_id"]
    }
    fits, taus = mfpt_table(campaign, structures, min_replicas=5)
    assert fits["n_star_atoms"].isna().all()
    assert fits["note"].str.contains("3 replicas, fewer than the minimum 5").all()
    # tau(n) counts from the reference time (30 ps): the series first reaches 2 at 32 ps
    tau = taus[(taus["ensemble_size_atoms"] == 100) & (taus["n_atoms"] == 2)]["mfpt_ps"]
    assert tau.iloc[0] == pytest.approx(2.0)
