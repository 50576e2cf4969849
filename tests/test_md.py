"""The MD step: stage lengths, LAMMPS failures reported with LAMMPS's own message."""

import pytest

from glassy_li.config import resolve_potential
from glassy_li.md import MDProtocol, lammps_parameters, run_md, stage_steps
from glassy_li.system import generate_system, write_lammps_data

from .md_helpers import BASKES

PROTOCOL = MDProtocol(
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
    bad = MDProtocol(**{**PROTOCOL.__dict__, "averaging_window_ps": 20})
    with pytest.raises(ValueError, match="averaging window"):
        stage_steps(bad)


def test_lammps_error_fails_with_its_message_and_publishes_nothing(tmp_path):
    broken = {**BASKES, "pair_coeff": "* * {library} Xx NULL Xx"}  # no such element
    system = generate_system(20, 0.2, "gas", seed=1)
    write_lammps_data(system, tmp_path / "system.data")
    tiny = MDProtocol(
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


@pytest.mark.slow
def test_threads_become_mpi_ranks(tmp_path):
    system = generate_system(200, 0.2136, "droplet", seed=2)
    write_lammps_data(system, tmp_path / "system.data")
    short = MDProtocol(
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
