"""Group statistics of a campaign table: censoring, left-out runs and the critical size."""

import math

import numpy as np
import pandas as pd
import pytest

from glassy_li.analysis.aggregate import (
    SIZE_SERIES_KEYS,
    IncubationSettings,
    condensation_time_ps,
    critical_size_by_hold,
    critical_size_table,
    incubation_statistics,
    mfpt_table,
    summarise_run,
    summarise_sizes,
)
from glassy_li.analysis.incubation import GROUP_KEYS
from glassy_li.md.system import generate_system
from glassy_li.structure.identify import (
    Frame,
    StructureSettings,
    analyse_frame,
    bcc_lattice,
    crystal_sphere,
)


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
    table = critical_size_table(campaign)
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
    # runs crystalline at the reference time are left out: 2 or 3 replicas per size
    assert fits["note"].str.contains(r"[23] replicas, fewer than the minimum 5").all()
    # tau(n) counts from the reference time (30 ps): the series first reaches 2 at 32 ps
    tau = taus[(taus["ensemble_size_atoms"] == 100) & (taus["n_atoms"] == 2)]["mfpt_ps"]
    assert tau.iloc[0] == pytest.approx(2.0)


def frame_of(positions: np.ndarray, edge: float) -> Frame:
    return Frame(step=0, box_lo_A=np.zeros(3), box_hi_A=np.full(3, edge),
                 ids=np.arange(1, len(positions) + 1), unwrapped_A=positions, averaged_A=None)


def structure_table(first: Frame, last: Frame, n_frames: int = 6) -> pd.DataFrame:
    """A run whose first half of frames look like ``first`` and second half like ``last``,
    one frame per 2 ps: the structure table ``analyse_trajectory`` would write."""
    rows = []
    analysed = {id(f): analyse_frame(f, StructureSettings()) for f in (first, last)}
    for index in range(n_frames):
        row = analysed[id(first if index < n_frames // 2 else last)]
        rows.append({"frame": index, "step": index * 2000, "time_ps": 2.0 * index,
                     "stage": "equilibrate", **{k: v for k, v in row.items() if k != "step"}})
    return pd.DataFrame(rows)


THERMO = pd.DataFrame({"time_ps": np.arange(0, 10.1, 0.5), "temperature_K": 300.0,
                       "pe_eV_per_atom": -1.6})
BOUNDARIES = {"heat": 0.0, "quench": 0.0, "equilibrate": 0.0, "end": 10.0}


def test_run_rows_carry_which_crystal_formed_and_percolation():
    # a dense gas (percolating) that ends as a perfect fcc sphere of its 700 atoms
    gas = generate_system(700, 0.2136, "gas", seed=3)
    fcc = crystal_sphere("fcc", 700, 4.40, (0.23, 0.11, 0.37)) + 30.0
    table = structure_table(frame_of(gas.positions_A, gas.box_edge_A), frame_of(fcc, 80.0))
    assert table["largest_cluster_percolates"].tolist() == [True] * 3 + [False] * 3
    settings = IncubationSettings(order_parameter="any_crystal_crystallinity", threshold=0.5,
                                  persistence_ps=2.0, final_window_ps=4.0)
    row = summarise_run(table, THERMO, {"run_id": "fcc"}, settings, BOUNDARIES)
    assert row["final_bcc_fraction_largest_embryo"] < 0.02
    assert row["final_fcc_fraction_largest_embryo"] == pytest.approx(0.53, abs=0.03)
    assert row["final_hcp_fraction_largest_embryo"] == 0.0
    assert row["final_ico_fraction_largest_embryo"] == 0.0
    assert row["final_any_crystal_fraction_largest_embryo"] == pytest.approx(0.53, abs=0.03)
    assert row["final_crystallinity"] < 0.05  # bcc: none
    assert row["final_any_crystal_crystallinity"] == pytest.approx(1.1, abs=0.05)
    # any crystal counts: transformed at the first fcc frame (6 ps)
    assert row["status"] == "transformed" and row["incubation_time_ps"] == 6.0
    assert row["percolating_frames_fraction"] == 0.5
    assert row["final_largest_cluster_percolates"] == 0.0
    assert row["percolating"] is False
    # ... which the bcc order parameter does not see
    bcc_only = summarise_run(table, THERMO, {"run_id": "fcc"},
                             IncubationSettings(persistence_ps=2.0, final_window_ps=4.0),
                             BOUNDARIES)
    assert bcc_only["status"] == "censored"


def test_a_crystal_through_the_box_is_flagged_percolating():
    crystal = bcc_lattice(6, 3.51)
    frame = frame_of(crystal, 6 * 3.51)
    row = summarise_run(structure_table(frame, frame), THERMO, {"run_id": "bulk"},
                        IncubationSettings(final_window_ps=4.0), BOUNDARIES)
    assert row["percolating"] is True
    assert row["final_largest_cluster_percolates"] == 1.0
    # a network through the box is not reported as an embryo
    assert np.isnan(row["final_largest_embryo_atoms"])
    assert np.isnan(row["final_largest_embryo_rg_nm"])


def test_old_structure_tables_without_the_new_columns_still_summarise():
    sphere = crystal_sphere("bcc", 300, 3.51) + 30.0
    table = structure_table(frame_of(sphere, 60.0), frame_of(sphere, 60.0))
    old = table.drop(columns=["largest_cluster_percolates", "any_crystal_crystallinity",
                              "largest_embryo_fcc_fraction"])
    row = summarise_run(old, THERMO, {"run_id": "old"}, IncubationSettings(final_window_ps=4.0),
                        BOUNDARIES)
    assert row["percolating"] is None
    assert math.isnan(row["final_any_crystal_crystallinity"])
    assert row["final_crystallinity"] > 0.9


def test_size_summary_and_statistics_count_percolating_runs(campaign, tmp_path):
    campaign = campaign.assign(final_crystallinity=0.1, final_bcc_fraction_all_atoms=0.0,
                               final_largest_embryo_atoms=100.0, final_largest_embryo_rg_nm=1.0,
                               final_pe_eV_per_atom=-1.6, final_any_crystal_crystallinity=0.2,
                               percolating=[True, False, None, False, False, False,
                                            True, True, False])
    # as the campaign table is read back (None -> empty, booleans as words)
    campaign.to_csv(tmp_path / "campaign.tsv", sep="\t", index=False)
    campaign = pd.read_csv(tmp_path / "campaign.tsv", sep="\t")
    by_size = summarise_sizes(campaign).set_index("ensemble_size_atoms")
    assert by_size["n_percolating"].to_dict() == {100: 1, 300: 0, 700: 2}
    assert by_size.loc[100, "final_any_crystal_crystallinity_mean"] == pytest.approx(0.2)
    stats, _ = incubation_statistics(campaign)
    assert stats.set_index("ensemble_size_atoms")["n_percolating"].to_dict() == {
        100: 1, 300: 0, 700: 2}


def test_critical_size_falls_as_the_hold_grows():
    """Large ensembles transform early, middling ones late: held 100 ps only the 1500-atom
    runs count as crystalline, held 300 ps the 700-atom ones too, so the fitted critical
    size falls between the two holds; a run censored before a hold is left out of it, and a
    hold longer than every run's is skipped."""
    series = {key: "x" for key in SIZE_SERIES_KEYS}
    series.update({"packing_density_g_cm3": 0.0534, "mass_amu": 6.94,
                   "bulk_density_g_cm3": 0.534})
    rows = []
    for size, incubation in ((300, None), (700, 250.0), (1500, 50.0)):
        for replica in range(3):
            transformed = incubation is not None
            rows.append({**series, "ensemble_size_atoms": size, "replica": replica,
                         "status": "transformed" if transformed else "censored",
                         "incubation_time_ps": incubation if transformed else np.nan,
                         "censored_at_ps": np.nan if transformed else 400.0})
    rows.append({**series, "ensemble_size_atoms": 300, "replica": 9, "status": "censored",
                 "incubation_time_ps": np.nan, "censored_at_ps": 150.0})  # stopped early
    campaign = pd.DataFrame(rows)
    table = critical_size_by_hold(campaign, [100, 300, 1000])
    assert list(table["hold_ps"]) == [100.0, 300.0]  # 1000 ps: longer than any run
    early, late = table.iloc[0], table.iloc[1]
    assert early["n_runs"] == 10 and late["n_runs"] == 9  # the 150-ps run says nothing at 300
    assert early["n_crystalline"] == 3 and late["n_crystalline"] == 6
    # separated both times: the bracket moves down as the hold grows
    assert early["critical_size_status"] == late["critical_size_status"] == "separated"
    assert (early["bracket_lower_atoms"], early["bracket_upper_atoms"]) == (700, 1500)
    assert (late["bracket_lower_atoms"], late["bracket_upper_atoms"]) == (300, 700)


def test_a_gas_that_condenses_then_orders_times_both():
    """The largest embryo of a dilute gas is a few atoms; once the gas has become one bcc
    sphere, the condensation time is the first frame of the sphere and the embryo that
    ordered is the whole sphere."""
    gas = generate_system(300, 0.0534, "gas", seed=5)
    sphere = crystal_sphere("bcc", 300, 3.51) + 30.0
    table = structure_table(frame_of(gas.positions_A, gas.box_edge_A), frame_of(sphere, 60.0))
    assert table["largest_embryo_atoms"].iloc[0] < 100
    row = summarise_run(table, THERMO, {"run_id": "condenses"},
                        IncubationSettings(persistence_ps=2.0, final_window_ps=4.0), BOUNDARIES)
    assert row["status"] == "transformed" and row["incubation_time_ps"] == 6.0
    assert row["condensation_time_ps"] == 6.0
    assert row["largest_embryo_at_transition_atoms"] == row["final_largest_embryo_atoms"]
    assert row["final_largest_embryo_atoms"] > 250
    # a droplet is condensed from the start: condensation time 0, and nothing ordered
    droplet = structure_table(frame_of(gas.positions_A, gas.box_edge_A),
                              frame_of(gas.positions_A, gas.box_edge_A))
    still = summarise_run(droplet, THERMO, {"run_id": "gas"},
                          IncubationSettings(final_window_ps=4.0), BOUNDARIES)
    assert still["condensation_time_ps"] == 0.0
    assert math.isnan(still["largest_embryo_at_transition_atoms"])


def test_condensation_time_is_when_the_embryo_reaches_nine_tenths_of_its_final_size():
    time = np.arange(0.0, 20.0, 2.0)
    sizes = np.array([5, 20, 60, 120, 170, 185, 190, 200, 200, 200])
    assert condensation_time_ps(time, sizes, 200.0, reference_time_ps=4.0) == 6.0  # 185 at 10
    assert condensation_time_ps(time, sizes, 200.0, reference_time_ps=14.0) == 0.0
    assert math.isnan(condensation_time_ps(time, sizes, 400.0, reference_time_ps=0.0))
    assert math.isnan(condensation_time_ps(time, sizes, float("nan"), reference_time_ps=0.0))
