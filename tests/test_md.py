"""The MD step: stage lengths, LAMMPS failures reported with LAMMPS's own message."""

import pandas as pd
import pytest

from glassy_li.config.compose import resolve_potential
from glassy_li.lammps.run import slurm_run_settings, slurm_walltime_budget_s
from glassy_li.md.protocol import lammps_parameters, run_md, stage_steps
from glassy_li.md.system import generate_system, read_lammps_data, write_lammps_data
from glassy_li.structure.identify import read_lammps_dump

from .md_helpers import BASKES, md_protocol, run_short_md

PROTOCOL = md_protocol(
    timestep_fs=1.0,
    heat_temperature_K=500,
    heat_duration_ps=100,
    quench_rate_K_per_ps=1,
    final_temperature_K=300,
    equilibrate_duration_ps=5000,
    trajectory_interval_ps=10,
    thermo_interval_ps=1,
    averaging_window_ps=2,
)


def test_paper_protocol_step_counts():
    steps = stage_steps(PROTOCOL)
    assert (steps.heat, steps.quench, steps.equilibrate) == (100_000, 200_000, 5_000_000)
    assert steps.trajectory_every == 10_000
    assert steps.average_every * steps.average_samples == 2_000  # a 2 ps window
    params = lammps_parameters(PROTOCOL, resolve_potential("b", BASKES), "x.data", 1)
    # the quench ramp is pinned to absolute steps, so a resumed run continues on the ramp
    assert (params["heat_end"], params["quench_end"]) == (100_000, 300_000)
    assert params["equilibrate_end"] == 5_300_000
    assert params["timestep"] == pytest.approx(0.001)  # metal units: ps


def test_averaging_window_longer_than_interval_is_refused():
    bad = md_protocol(**{**PROTOCOL.__dict__, "averaging_window_ps": 20})
    with pytest.raises(ValueError, match="averaging window"):
        stage_steps(bad)


@pytest.mark.faults
def test_lammps_error_fails_with_its_message_and_publishes_nothing(tmp_path):
    broken = {**BASKES, "pair_coeff": "* * {library} Xx NULL Xx"}  # no such element
    system = generate_system(20, 0.2, "gas", seed=1)
    write_lammps_data(system, tmp_path / "system.data")
    tiny = md_protocol(
        **{
            **PROTOCOL.__dict__,
            "heat_duration_ps": 0.1,
            "equilibrate_duration_ps": 0.1,
            "quench_rate_K_per_ps": 2000,
            "trajectory_interval_ps": 0.1,
            "averaging_window_ps": 0.05,
        }
    )
    outputs = [tmp_path / name for name in ("thermo.tsv", "traj.lammpstrj", "final.data")]
    with pytest.raises(RuntimeError, match="ERROR") as error:
        run_md(
            tmp_path / "system.data",
            tmp_path / "md",
            tiny,
            resolve_potential("x", broken),
            1,
            *outputs,
            tmp_path / "md.log",
        )
    assert "Xx" in str(error.value)
    assert "ERROR" in (tmp_path / "md.log").read_text()
    assert not any(path.exists() for path in outputs)


@pytest.mark.validation
@pytest.mark.xdist_group("mpi")  # never beside the Slurm test's MPI job (tests/faults)
def test_threads_become_mpi_ranks(tmp_path):
    system = generate_system(200, 0.2136, "droplet", seed=2)
    write_lammps_data(system, tmp_path / "system.data")
    short = md_protocol(
        **{
            **PROTOCOL.__dict__,
            "heat_duration_ps": 0.2,
            "equilibrate_duration_ps": 0.2,
            "quench_rate_K_per_ps": 2000,
            "trajectory_interval_ps": 0.1,
            "averaging_window_ps": 0.05,
        }
    )
    outputs = [tmp_path / name for name in ("thermo.tsv", "traj.lammpstrj", "final.data")]
    run_md(
        tmp_path / "system.data",
        tmp_path / "md",
        short,
        resolve_potential("b", BASKES),
        1,
        *outputs,
        tmp_path / "md.log",
        n_ranks=2,
    )
    log = (tmp_path / "md" / "log.lammps").read_text()
    assert "on 2 procs for" in log
    assert all(path.stat().st_size > 0 for path in outputs)


@pytest.mark.validation
def test_atom_flux_inserts_rate_times_time(tmp_path):
    """1 atom/ps for a 6 ps heat stage (insertion stops one 2 ps frame early): 4 atoms."""
    system = generate_system(60, 0.0534, "gas", seed=3)
    out = run_short_md(
        tmp_path, system, heat_temperature_K=500, heat_duration_ps=6.0,
        quench_rate_K_per_ps=100.0, final_temperature_K=300, equilibrate_duration_ps=2.0,
        atom_flux_atoms_per_ps=1.0,
    )
    assert md_protocol(
        timestep_fs=1, heat_temperature_K=500, heat_duration_ps=6.0, quench_rate_K_per_ps=1,
        final_temperature_K=300, equilibrate_duration_ps=1, trajectory_interval_ps=2,
        thermo_interval_ps=1, averaging_window_ps=2, atom_flux_atoms_per_ps=1.0,
    ).flux_atoms == 4
    assert read_lammps_data(out["final"]).n_atoms == 64
    frames = list(read_lammps_dump(out["trajectory"]))
    assert len(frames[0].ids) == 60 and len(frames[-1].ids) == 64
    # the temperature compute follows the growing atom count: no spike from stale dof, and
    # the hold sits at its target (single samples of 64 atoms scatter by about +-35 K: a
    # 190 K sample was seen, so the band on samples is wide and the mean carries the test)
    thermo = pd.read_csv(out["thermo"], sep="\t")
    assert thermo["temperature_K"].iloc[5:].between(150, 900).all()
    hold = thermo.loc[thermo["stage"] == "equilibrate", "temperature_K"]
    assert hold.mean() == pytest.approx(300, abs=30)


@pytest.mark.validation
def test_hold_without_thermostat_conserves_energy(tmp_path):
    """thermostat 'none': NVT heat/quench, then NVE hold: total energy constant in the hold."""
    system = generate_system(60, 0.2136, "gas", seed=4)
    out = run_short_md(
        tmp_path, system, heat_temperature_K=500, heat_duration_ps=2.0,
        quench_rate_K_per_ps=100.0, final_temperature_K=300, equilibrate_duration_ps=4.0,
        thermostat="none", averaging_window_ps=1.0,
    )
    thermo = pd.read_csv(out["thermo"], sep="\t")
    hold = thermo[thermo["stage"] == "equilibrate"]
    total = hold["pe_eV_per_atom"] + hold["ke_eV_per_atom"]
    assert total.max() - total.min() < 1e-3  # eV/atom over 4 ps at 1 fs
    heat = thermo[thermo["stage"] == "heat"]
    heat_total = heat["pe_eV_per_atom"] + heat["ke_eV_per_atom"]
    assert heat_total.max() - heat_total.min() > 1e-2  # the thermostat did work while heating


@pytest.mark.parametrize(
    ("runtime_min", "budget_s"),
    [(None, 0.0), (0, 0.0), (10, 540.0), (60, 3300.0), (2880, 172500.0)],
)
def test_slurm_budget_stops_before_the_run_time(runtime_min, budget_s):
    """5 minutes (or a tenth of a short job) are left for the last frame and the restart."""
    assert slurm_walltime_budget_s(runtime_min) == pytest.approx(budget_s)


def test_slurm_run_settings_budget_and_launcher_only_inside_slurm(monkeypatch):
    protocol = md_protocol(timestep_fs=1, heat_temperature_K=500, heat_duration_ps=1,
                          quench_rate_K_per_ps=100, final_temperature_K=300,
                          equilibrate_duration_ps=1, trajectory_interval_ps=0.5,
                          thermo_interval_ps=0.1, averaging_window_ps=0.5)
    resources = {"mpi": "srun --mpi=pmi2", "runtime": 60}
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    assert slurm_run_settings(protocol, resources, print) == (protocol, None)
    monkeypatch.setenv("SLURM_JOB_ID", "42")
    inside, launcher = slurm_run_settings(protocol, resources, print)
    assert launcher == "srun --mpi=pmi2"
    assert inside.walltime_budget_s == 3600 - 300  # 5 minutes left for the restart


@pytest.mark.faults
def test_a_finished_run_run_again_publishes_its_whole_trajectory(tmp_path):
    """A finished run leaves no restart behind: invoked again (a changed template, a forced
    rerun), it starts afresh and publishes every frame, not the few after its last restart."""
    system = generate_system(40, 0.2136, "gas", seed=6)
    settings = dict(heat_temperature_K=500, heat_duration_ps=2.0, quench_rate_K_per_ps=200.0,
                    final_temperature_K=300, equilibrate_duration_ps=4.0,
                    trajectory_interval_ps=0.5, averaging_window_ps=0.5,
                    restart_interval_ps=0.5)
    first = run_short_md(tmp_path, system, **settings)
    frames = [frame.step for frame in read_lammps_dump(first["trajectory"])]
    assert not list((tmp_path / "md").glob("restart.*"))
    again = run_short_md(tmp_path, system, **settings)
    assert [frame.step for frame in read_lammps_dump(again["trajectory"])] == frames
    assert len(frames) == 2 * (2 + 1 + 4) + 1
