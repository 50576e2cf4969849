"""glassy_li.checks.free_energy: the crossing of G_solid(T) and G_liquid(T), the combination of
repeats, the calphy input and the calphy runner (with a stand-in for calphy_kernel; no
calphy, no LAMMPS)."""

from __future__ import annotations

import math
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml

from glassy_li.checks import free_energy
from glassy_li.checks.free_energy import (
    CalphyFailed,
    CalphyMissing,
    Crossing,
    FreeEnergySettings,
    calphy_calculation,
    calphy_kernel_command,
    combine_repeats,
    find_crossing,
    read_calphy_result,
    run_calphy,
    write_calphy_input,
)
from glassy_li.config.potential_setup import PotentialSetup

KB_EV = 8.617333262e-5
TRUE_TM = 672.0
DS_FUS = 1.15 * KB_EV  # eV/atom/K

LI = PotentialSetup(
    name="eam-nichol2016-li", units="metal", atom_style="atomic", pair_style="eam/fs",
    pair_coeff="* * /abs/path/Li_v2.eam.fs Li", mass_amu=6.94,
)


def curves(rng: np.random.Generator, noise_eV: float, shift_K: float = 0.0):
    """A solid swept upwards from 500 K and a liquid downwards from 850 K (own grids, the
    liquid's in descending order as calphy writes a cooling sweep), crossing at TRUE_TM +
    shift_K, with smooth (random-walk) noise of about noise_eV."""
    t_s = np.linspace(500.0, 780.0, 900)
    t_l = np.linspace(850.0, 560.0, 700)

    def g_solid(t):
        return -1.60 - 3.2e-4 * (t - 600.0) - 2.0e-7 * (t - 600.0) ** 2

    def walk(n):
        steps = rng.normal(size=n)
        path = np.cumsum(steps)
        return noise_eV * path / max(1.0, np.abs(path).max())

    g_s = g_solid(t_s) + walk(len(t_s))
    g_l = g_solid(t_l) - DS_FUS * (t_l - TRUE_TM - shift_K) + walk(len(t_l))
    return t_s, g_s, t_l, g_l


@pytest.mark.parametrize("seed", range(10))
def test_crossing_interval_covers_the_truth(seed):
    rng = np.random.default_rng(seed)
    noise = 1e-4
    t_s, g_s, t_l, g_l = curves(rng, noise)
    # the stated free-energy error covers the noise (both curves, in quadrature, 3x)
    crossing = find_crossing(t_s, g_s, t_l, g_l, dG_eV=3 * math.sqrt(2) * noise)
    assert crossing.status == "ok"
    low, high = crossing.interval_K
    assert low <= TRUE_TM <= high
    assert crossing.error_K == pytest.approx(3 * math.sqrt(2) * noise / DS_FUS, rel=0.1)
    assert crossing.entropy_of_fusion_kB == pytest.approx(1.15, rel=0.1)
    assert crossing.common_range_K == pytest.approx((560.0, 780.0))


def test_crossing_without_noise_is_exact():
    t_s, g_s, t_l, g_l = curves(np.random.default_rng(0), 0.0)
    crossing = find_crossing(t_s, g_s, t_l, g_l, dG_eV=0.0)
    assert crossing.T_m_K == pytest.approx(TRUE_TM, abs=0.2)
    assert crossing.error_K == 0.0


@pytest.mark.parametrize("shift_K, status", [(300.0, "above-range"), (-300.0, "below-range")])
def test_no_crossing_in_range_gives_a_status_not_a_number(shift_K, status):
    t_s, g_s, t_l, g_l = curves(np.random.default_rng(1), 1e-5, shift_K=shift_K)
    crossing = find_crossing(t_s, g_s, t_l, g_l, dG_eV=1e-4)
    assert crossing.status == status
    assert math.isnan(crossing.T_m_K)


def test_curves_that_share_no_temperature():
    crossing = find_crossing([500, 600], [0, 1], [700, 800], [0, 1])
    assert crossing.status == "no-overlap"
    assert math.isnan(crossing.T_m_K)


def test_curves_that_cross_twice_far_apart_are_refused():
    t = np.linspace(500, 800, 301)
    g_s = np.zeros_like(t)
    g_l = 1e-4 * np.sin((t - 500) / 300 * 3 * np.pi)  # zero at 600 and 700 K too
    assert find_crossing(t, g_s, t, g_l).status == "multiple-crossings"


def test_combine_repeats_envelope_and_student_t():
    a = Crossing("ok", 660.0, 5.0, -1e-4, 5e-4)
    b = Crossing("ok", 670.0, 4.0, -1e-4, 4e-4)
    summary = combine_repeats([a, b], confidence=0.95)
    assert summary["status"] == "ok"
    assert summary["T_m_K"] == pytest.approx(665.0)
    # Student-t: 12.706 * 7.07 / sqrt(2) = 63.5 K, wider than the envelope [655, 674]
    assert summary["student_t_half_width_K"] == pytest.approx(12.706 * 5.0, rel=1e-3)
    assert summary["interval_K"] == pytest.approx([665.0 - 63.53, 665.0 + 63.53], abs=0.05)
    same = combine_repeats([a, Crossing("ok", 660.0, 5.0, -1e-4, 5e-4)])
    assert same["interval_K"] == pytest.approx([655.0, 665.0])  # the envelope


def test_combine_repeats_without_a_crossing_has_no_number():
    summary = combine_repeats([Crossing("above-range"), Crossing("solid-melted")])
    assert summary["T_m_K"] is None and summary["interval_K"] is None
    assert summary["status"] == "above-range+solid-melted"
    partial = combine_repeats([Crossing("ok", 650.0, 3.0, -1e-4), Crossing("liquid-froze")])
    assert partial["status"] == "ok-partial" and partial["n_repeats"] == 1
    assert partial["interval_K"] == pytest.approx([647.0, 653.0])


def test_calphy_input_has_the_preset_and_the_temperatures(tmp_path):
    settings = FreeEnergySettings(solid_range_K=(500.0, 850.0), liquid_range_K=(850.0, 560.0),
                                  cells=10, switching_ps=15.0, sweep_ps=30.0,
                                  equilibration_ps=8.0, seeds=(3,))
    calcs = [calphy_calculation(LI, "Li", phase, 3, settings, timestep_fs=1.0,
                                lammps_executable="/x/lmp") for phase in ("solid", "liquid")]
    path = write_calphy_input(tmp_path / "input.yaml", calcs)
    solid, liquid = yaml.safe_load(path.read_text())["calculations"]
    for calc in (solid, liquid):
        assert calc["mode"] == "ts"
        assert calc["pair_style"] == ["eam/fs"]
        assert calc["pair_coeff"] == ["* * /abs/path/Li_v2.eam.fs Li"]
        assert calc["fix_potential_path"] is False
        assert calc["element"] == ["Li"] and calc["mass"] == [6.94]
        assert calc["repeat"] == [10, 10, 10] and calc["lattice"] == "bcc"
        assert calc["n_switching_steps"] == [15000, 30000]
        assert calc["n_equilibration_steps"] == 8000
        assert calc["md"] == {"timestep": 0.001, "seed": 3}
        assert calc["lammps_executable"] == "/x/lmp"
        assert calc["queue"]["cores"] == 1
    assert solid["reference_phase"] == "solid" and solid["temperature"] == [500.0, 850.0]
    assert liquid["reference_phase"] == "liquid" and liquid["temperature"] == [850.0, 560.0]
    assert liquid["temperature_high"] == settings.melt_temperature_K
    assert solid["tolerance"] == {"solid_fraction": 0.3}
    assert liquid["tolerance"] == {"liquid_fraction": 0.05}
    assert solid["folder_prefix"] != liquid["folder_prefix"]


def test_calphy_input_refuses_what_calphy_cannot_run():
    settings = FreeEnergySettings()
    with pytest.raises(ValueError, match="units metal"):
        calphy_calculation(PotentialSetup("x", "real", "atomic", "eam/fs", "* * f Li", 6.94),
                           "Li", "solid", 1, settings, 1.0)
    with pytest.raises(ValueError, match="pair_coeff"):
        calphy_calculation(PotentialSetup("x", "metal", "charge", "reaxff", "* * f Li", 6.94,
                                          extra_commands=("fix q all qeq/reaxff",)),
                           "Li", "solid", 1, settings, 1.0)
    with pytest.raises(ValueError, match="upwards"):
        FreeEnergySettings(solid_range_K=(850.0, 500.0))
    with pytest.raises(ValueError, match="downwards"):
        FreeEnergySettings(liquid_range_K=(500.0, 850.0))


def test_missing_calphy_names_the_install_command(monkeypatch):
    real = free_energy.importlib.util.find_spec
    monkeypatch.setattr(free_energy.importlib.util, "find_spec",
                        lambda name, *a: None if name == "calphy" else real(name, *a))
    with pytest.raises(CalphyMissing, match=r"pip install -e '\.\[free-energy\]'"):
        calphy_kernel_command()


FAKE_KERNEL = textwrap.dedent("""\
    import sys, pathlib
    mode = sys.argv[1]
    folder = pathlib.Path("solid-seed1-ts-bcc-solid-500-0")
    folder.mkdir()
    if mode == "melt":
        print("calphy.errors.MeltedError: System melted, increase size or reduce temp!")
        sys.exit(1)
    (folder / "temperature_sweep.dat").write_text(
        "# T F err\\n600 -1.70 0.0\\n500 -1.60 0.001\\n")
    (folder / "report.yaml").write_text(
        "average: {vol_atom: 21.5}\\ninput: {temperature: 500}\\n"
        "results: {free_energy: -1.6, error: 0.0, dissipation: 0.0002, "
        "ts_dissipation: 0.0004, ts_dissipation_high: false}\\n")
    print("done", sys.argv[2:])
""")


def test_run_calphy_reads_and_reuses_the_results(tmp_path):
    fake = tmp_path / "fake_kernel.py"
    fake.write_text(FAKE_KERNEL)
    log = tmp_path / "calphy.log"
    calc = {"reference_phase": "solid", "mode": "ts"}
    folder = run_calphy(calc, tmp_path / "run", log, command=[sys.executable, str(fake), "ok"])
    result = read_calphy_result(folder)
    assert list(result["T_K"]) == [500.0, 600.0]  # sorted by temperature
    assert list(result["G_eV"]) == [-1.60, -1.70]
    assert result["sweep_dissipation_eV"] == 0.0004
    assert result["switching_dissipation_eV"] == 0.0002
    assert yaml.safe_load((tmp_path / "run" / "input.yaml").read_text())["calculations"] == [calc]
    # complete results are reused: a kernel that would fail is not started
    again = run_calphy(calc, tmp_path / "run", log, command=[sys.executable, str(fake), "melt"])
    assert again == folder
    assert log.read_text().count("==>") == 1


def test_run_calphy_reports_why_it_failed(tmp_path):
    fake = tmp_path / "fake_kernel.py"
    fake.write_text(FAKE_KERNEL)
    with pytest.raises(CalphyFailed, match="status 1") as error:
        run_calphy({"reference_phase": "solid"}, tmp_path / "run", tmp_path / "calphy.log",
                   command=[sys.executable, str(fake), "melt"])
    assert error.value.reason == "solid-melted"
    # the incomplete folder is removed before the next attempt (calphy will not overwrite)
    folder = run_calphy({"reference_phase": "solid"}, tmp_path / "run", tmp_path / "calphy.log",
                        command=[sys.executable, str(fake), "ok"])
    assert (Path(folder) / "report.yaml").exists()
