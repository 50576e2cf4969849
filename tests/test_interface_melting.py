"""The interface-velocity melting point: the search from a far start, the shared-T_m fit
and its interval, on stand-in runs (real LAMMPS and the committed measurement:
tests/validation/test_interface_melting.py)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glassy_li.checks import interface_melting
from glassy_li.checks.interface_melting import (
    InterfaceSettings,
    fit_melting_point,
    interface_melting_point,
)
from glassy_li.config.metals import Metal
from glassy_li.config.potential_setup import PotentialSetup


def synthetic_runs(true_K: float, coefficients: dict[str, float], temperatures, seeds,
                   noise_m_per_s: float, rng) -> pd.DataFrame:
    rows = []
    for orientation, k in coefficients.items():
        for temperature in temperatures:
            for _ in seeds:
                rows.append({"orientation": orientation, "temperature_K": temperature,
                             "velocity_m_per_s": k * (true_K - temperature)
                             + rng.normal(0, noise_m_per_s),
                             "velocity_error_m_per_s": noise_m_per_s})
    return pd.DataFrame(rows)


def test_the_interval_covers_the_true_melting_point_at_its_nominal_rate():
    """300 synthetic campaigns (two orientations, five temperatures, two seeds): the 95%
    profile interval holds T_m in 93-98% of them."""
    rng = np.random.default_rng(3)
    covered = 0
    for _ in range(300):
        runs = synthetic_runs(680.0, {"100": 1.0, "110": 0.6}, [640, 660, 680, 700, 720],
                              (1, 2), 4.0, rng)
        fit = fit_melting_point(runs)
        assert fit.status == "resolved"
        covered += fit.lower_K <= 680.0 <= fit.upper_K
    assert 0.93 <= covered / 300 <= 0.98


def test_scatter_beyond_the_stated_errors_widens_the_interval():
    rng = np.random.default_rng(5)
    runs = synthetic_runs(680.0, {"100": 1.0}, [640, 660, 680, 700, 720], (1, 2), 8.0, rng)
    honest = fit_melting_point(runs)
    runs["velocity_error_m_per_s"] = 1.0  # errors stated 8 times too small
    understated = fit_melting_point(runs)
    assert understated.scale > 4
    width = honest.upper_K - honest.lower_K
    assert understated.upper_K - understated.lower_K == pytest.approx(width, rel=0.3)


def test_no_melting_point_when_the_solid_only_grows():
    rng = np.random.default_rng(1)
    runs = synthetic_runs(800.0, {"100": 1.0}, [640, 660, 680, 700, 720], (1, 2), 2.0, rng)
    fit = fit_melting_point(runs)
    assert fit.status.startswith("not resolved")
    assert math.isnan(fit.melting_point_K)


@pytest.mark.parametrize("start_K", [760.0, 1060.0])
def test_a_search_started_150_k_away_finds_the_melting_point(monkeypatch, tmp_path, start_K):
    """A stand-in for LAMMPS with v = 0.8 m/s/K (914 K - T): from 150 K below and above,
    the probes find the crossing and the grid's interval holds 914 K."""
    rng = np.random.default_rng(int(start_K))

    def fake_run(potential, metal, orientation, temperature, seed, *args, **kwargs):
        return {"preset": potential.name, "orientation": orientation.name,
                "temperature_K": temperature, "seed": seed, "n_atoms": 8160,
                "velocity_m_per_s": 0.8 * (914.0 - temperature) + rng.normal(0, 3.0),
                "velocity_error_m_per_s": 3.0, "solid_fraction_start": 0.45,
                "solid_fraction_end": 0.5, "solid_reference_share": 0.97,
                "solid_bcc_share": 0.0, "solid_fcc_share": 0.01, "solid_hcp_share": 0.97,
                "valid": True, "note": ""}

    monkeypatch.setattr(interface_melting, "run_interface", fake_run)
    mg = Metal("Mg", "Mg", 24.305, 1.738, "hcp", 923.0, 3.209, 1.51, 4.2, 3.8, 5.211)
    potential = PotentialSetup(name="mg", units="metal", atom_style="atomic",
                               pair_style="eam/fs", pair_coeff="* * x Mg", mass_amu=24.305)
    table, summary = interface_melting_point(
        potential, mg, start_K, 2.0, InterfaceSettings(orientations=("0001",)), tmp_path,
        tmp_path / "log", progress=lambda message: None)
    assert len(summary["probes"]) >= 2
    assert summary["status"] == "resolved"
    width = summary["upper_K"] - summary["lower_K"]
    assert 0 < width < 20
    # coverage itself is the test above; here: the answer lies where the interval says
    assert abs(summary["melting_point_K"] - 914.0) < width
    assert "the solid stays hcp" in summary["solid_structure_note"]
    assert table["in_fit"].sum() >= 10


def _fake_interface_run(true_K: float, stated_error: float, rng, probe_true_K: float | None = None):
    """A stand-in for LAMMPS: v = 0.8 m/s/K (T_m - T) with 3 m/s of noise; its stated error
    may be larger than that (a short, noisy probe); the probes may see another T_m."""

    def fake_run(potential, metal, orientation, temperature, seed, timestep_fs, settings,
                 work, *args, **kwargs):
        centre = probe_true_K if (probe_true_K and "probe" in Path(work).parts) else true_K
        return {"preset": potential.name, "orientation": orientation.name,
                "temperature_K": temperature, "seed": seed, "n_atoms": 8160,
                "velocity_m_per_s": 0.8 * (centre - temperature) + rng.normal(0, 3.0),
                "velocity_error_m_per_s": stated_error, "solid_fraction_start": 0.45,
                "solid_fraction_end": 0.5, "solid_reference_share": 0.97,
                "solid_bcc_share": 0.0, "solid_fcc_share": 0.01, "solid_hcp_share": 0.97,
                "valid": True, "note": ""}

    return fake_run


MG = Metal("Mg", "Mg", 24.305, 1.738, "hcp", 923.0, 3.209, 1.51, 4.2, 3.8, 5.211)
MG_POTENTIAL = PotentialSetup(name="mg", units="metal", atom_style="atomic",
                              pair_style="eam/fs", pair_coeff="* * x Mg", mass_amu=24.305)


def test_a_noisy_probe_far_from_the_answer_does_not_end_the_search(monkeypatch, tmp_path):
    """Started 116 K above 914 K, the first probe's velocity (-93 m/s) is zero within twice
    its stated error (60 m/s): the search goes on down to a change of sign instead of
    taking the start for the crossing."""
    rng = np.random.default_rng(7)
    monkeypatch.setattr(interface_melting, "run_interface",
                        _fake_interface_run(914.0, 60.0, rng))
    table, summary = interface_melting_point(
        MG_POTENTIAL, MG, 1030.0, 2.0, InterfaceSettings(orientations=("0001",), seeds=(1,)),
        tmp_path, tmp_path / "log", progress=lambda message: None)
    assert summary["probes"][0]["temperature_K"] == 1030.0
    assert len(summary["probes"]) >= 2
    assert summary["crossing_estimate_K"] == pytest.approx(914.0, abs=60.0)


def test_a_grid_on_one_side_of_the_crossing_moves_until_it_brackets_it(monkeypatch, tmp_path):
    """Probes that misplace the crossing (they see 1000 K, the grid runs 914 K): over the
    first grid (940-1060 K) the solid only melts, so the grid moves down and the fit of every
    grid run holds 914 K."""
    rng = np.random.default_rng(11)
    monkeypatch.setattr(interface_melting, "run_interface",
                        _fake_interface_run(914.0, 3.0, rng, probe_true_K=1000.0))
    messages: list[str] = []
    table, summary = interface_melting_point(
        MG_POTENTIAL, MG, 800.0, 2.0, InterfaceSettings(orientations=("0001",), seeds=(1, 2)),
        tmp_path, tmp_path / "log", progress=messages.append)
    assert len(summary["grids_K"]) >= 2
    assert any("the grid moves" in message for message in messages)
    # the probes' crossing is reported as they found it, not where the grid moved
    assert summary["crossing_estimate_K"] == pytest.approx(1000.0, abs=30.0)
    assert summary["status"] == "resolved"
    assert summary["lower_K"] <= 914.0 <= summary["upper_K"]
    # the other seed runs on the final grid only
    seed_two = table[(table["seed"] == 2) & table["in_fit"]]
    assert sorted(seed_two["temperature_K"]) == sorted(summary["grid_K"])


def test_a_run_that_needed_the_hotter_melt_is_read_back_not_rerun(monkeypatch, tmp_path):
    """The liquid of the first melt stayed crystalline, so the run was made again 1.5 times
    hotter: asked again with the same inputs, both the first melt and the run are read back
    from result.json (no LAMMPS), and the answer is the hotter run's."""
    calls: list[float] = []

    def fake_lammps(work, script, log_file, finished, label, n_ranks=1):
        melt = next(float(line.split()[-1]) for line in (work / "params.lammps").read_text(
            ).splitlines() if line.startswith("variable melt_temperature "))
        calls.append(melt)

    def fake_analysis(work, reference, settings):
        crystalline = 0.5 if calls[-1] < 1000 else 0.0  # the first melt (726 K) did not melt
        return {"liquid_crystal_share": crystalline, "velocity_m_per_s": 280.0,
                "velocity_error_m_per_s": 15.0}

    monkeypatch.setattr(interface_melting, "run_lammps_once", fake_lammps)
    monkeypatch.setattr(interface_melting, "analyse_interface_run", fake_analysis)
    li = Metal("Li", "Li", 6.94, 0.534, "bcc", 453.7, 3.51, 1.63, 4.0, 3.0)
    potential = PotentialSetup(name="li", units="metal", atom_style="atomic",
                               pair_style="eam/fs", pair_coeff="* * x Li", mass_amu=6.94)
    orientation = interface_melting.ORIENTATIONS["bcc"]["100"]

    def run() -> dict:
        return interface_melting.run_interface(potential, li, orientation, 454.0, 1, 1.0,
                                               InterfaceSettings(), tmp_path, tmp_path / "log")

    first = run()
    assert calls == [pytest.approx(726.4), pytest.approx(1089.6)]
    assert first["valid"]
    again = run()
    assert len(calls) == 2  # nothing rerun
    assert again["valid"] and again["liquid_crystal_share"] == 0.0


def test_the_melting_point_table_gives_intervals_and_says_what_is_not_resolved():
    rows = pd.DataFrame([
        {"preset": "li", "metal": "Li", "method": "interface velocity", "n_atoms": 8000,
         "orientations": "100,110", "seeds": "1,2", "n_runs": 20, "start_K": 454.0,
         "melting_point_K": 680.4, "lower_K": 671.2, "upper_K": 689.9, "status": "resolved",
         "authors_K": 551.0, "experiment_K": 453.7, "solid": "the solid stays bcc"},
        {"preset": "k", "metal": "K", "method": "interface velocity", "n_atoms": 8000,
         "orientations": "100", "seeds": "1", "n_runs": 5, "start_K": 336.0,
         "melting_point_K": math.nan, "lower_K": math.nan, "upper_K": math.nan,
         "status": "not resolved: the solid does not both grow and melt", "authors_K": None,
         "experiment_K": 336.5, "solid": ""},
    ])
    text = interface_melting.markdown_table(rows)
    assert "| **680** [671, 690] | 551 | 453.7 | the solid stays bcc |" in text
    assert "not resolved: the solid does not both grow and melt | - | 336.5 | - |" in text
    assert "nan" not in text.lower()


def test_the_searches_from_both_sides_are_also_fitted_as_one(monkeypatch, tmp_path):
    """Mg searched from 800 K and from 1030 K: one fit of both grids holds 914 K, with an
    interval no wider than the narrower search's, and the table names both starts."""
    rng = np.random.default_rng(13)
    monkeypatch.setattr(interface_melting, "run_interface",
                        _fake_interface_run(914.0, 6.0, rng))
    settings = InterfaceSettings(orientations=("0001",), seeds=(1,))
    entries = [interface_melting_point(MG_POTENTIAL, MG, start, 2.0, settings, tmp_path,
                                       tmp_path / "log", progress=lambda message: None)
               for start in (800.0, 1030.0)]
    combined = interface_melting.combined_summary(entries, "hcp")
    assert combined["status"] == "resolved"
    assert combined["lower_K"] <= 914.0 <= combined["upper_K"]
    narrowest = min(s["upper_K"] - s["lower_K"] for _, s in entries)
    assert combined["upper_K"] - combined["lower_K"] <= narrowest + 1e-9
    row = interface_melting.summary_row(combined, 914.0)
    assert row["start_K"] == "800 and 1030"
    assert "| 800 and 1030 |" in interface_melting.markdown_table(pd.DataFrame([row]))


def test_a_grid_where_the_solid_never_melts_significantly_moves_up():
    """Potassium's first grid (246-277 K): it grew significantly at 246 and 253 K and
    nowhere melted beyond its error (-5 +- 7 m/s at 269 K): the grid must move up, not stop."""
    runs = [{"velocity_m_per_s": v, "velocity_error_m_per_s": e}
            for v, e in ((38.6, 6.0), (32.7, 5.1), (8.0, 6.6), (-5.1, 6.9), (2.8, 5.7))]
    assert interface_melting._one_sided(runs) == 1
    assert interface_melting._one_sided([{**r, "velocity_m_per_s": -r["velocity_m_per_s"]}
                                         for r in runs]) == -1
    bracketing = [*runs, {"velocity_m_per_s": -40.0, "velocity_error_m_per_s": 6.0}]
    assert interface_melting._one_sided(bracketing) == 0
    assert interface_melting._one_sided([{"velocity_m_per_s": 1.0,
                                          "velocity_error_m_per_s": 5.0}]) == 0


def test_a_moved_grid_that_overshoots_does_not_move_back(monkeypatch, tmp_path):
    """K's probes put the crossing near 261 K (T_m 275 K here): the first grid (246-277 K)
    never melts beyond its error, the moved one (282-318 K) only melts; together they
    bracket T_m, so the search stops there instead of moving back down."""
    rng = np.random.default_rng(17)
    fake = _fake_interface_run(275.0, 6.0, rng, probe_true_K=261.0)
    monkeypatch.setattr(interface_melting, "run_interface", fake)
    k_metal = Metal("K", "K", 39.1, 0.862, "bcc", 336.5, 5.328, 0.93, 6.0, 5.0)
    potential = PotentialSetup(name="k", units="metal", atom_style="atomic",
                               pair_style="eam/fs", pair_coeff="* * x K", mass_amu=39.1)
    messages: list[str] = []
    table, summary = interface_melting_point(
        potential, k_metal, 336.0, 2.0, InterfaceSettings(orientations=("100",), seeds=(1,),
                                                           spacing_fraction=0.03),
        tmp_path, tmp_path / "log", progress=messages.append)
    assert len(summary["grids_K"]) <= 2
    assert summary["status"] == "resolved"
    assert summary["lower_K"] <= 275.0 <= summary["upper_K"]


def test_a_value_whose_interval_reaches_the_search_edge_is_shown_with_its_status():
    row = {"preset": "na", "metal": "Na", "method": "interface velocity", "n_atoms": 8000,
           "orientations": "100", "seeds": "1", "n_runs": 5, "start_K": 371.0,
           "melting_point_K": 447.6, "lower_K": 413.0, "upper_K": 462.6,
           "status": "not resolved: the interval reaches the edge of the temperatures searched",
           "authors_K": 370.0, "experiment_K": 370.9, "solid": "the solid stays bcc"}
    text = interface_melting.markdown_table(pd.DataFrame([row]))
    assert "| 448 [413, 463] (not resolved: the interval reaches the edge" in text
    assert "**448**" not in text  # not printed as a result
