"""A killed MD job resumes from its newest restart when the workflow runs again.

The MD job of a tiny campaign is SIGKILLed mid-quench (as a node failure would), the
workflow is run again, and the result is compared with an uninterrupted run of the same
config.  With one MPI rank and the Nose-Hoover thermostat (deterministic), the resumed run
reproduces the uninterrupted one exactly, thermo and structure tables alike, including the
rows after the restart on the quench ramp.  (With several ranks, or Langevin's random forces
after a restart, only statistical agreement can be expected.)
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from glassy_li.core.project import copy_workflow

CONFIG = """
campaign_name: restart
base_seed: 11
replicas: 1
system:
  initial_states: [droplet]
  ensemble_sizes_atoms: [200]
  packing_densities_g_cm3: [0.2136]
potential: meam-baskes1992   # the fastest wheel preset: machinery, not physics
md:
  heat_temperature_K: 500
  heat_temperature_fraction_of_melting: null
  heat_duration_ps: 2
  quench_rate_K_per_ps: 20
  final_temperature_K: 300
  final_temperature_fraction_of_melting: null
  equilibrate_duration_ps: 2
  trajectory_interval_ps: 0.5
  thermo_interval_ps: 0.1
  restart_interval_ps: 0.5
structure:
  averaging_window_ps: 0.5
incubation:
  persistence_ps: 1
  final_window_ps: 2
figures:
  trace_size_atoms: 200
coupling_sweep:
  couplings: []
deposition:
  enabled: false
"""
HEAT_END, QUENCH_END = 2000, 12000


TABLES = ("--", "results/restart/tables/campaign.tsv")
"""The target: the run's MD, structure and summary, and the campaign table (no figures)."""


def snakemake(workdir: Path, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "snakemake", "--cores", "1", "--configfile", "tiny.yaml", *args,
         *TABLES],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        **kwargs,
    )


def kill_everything_under(workdir: Path, session: int) -> None:
    """SIGKILL the session's processes and any process whose working dir is in ``workdir``."""
    os.killpg(session, signal.SIGKILL)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if cwd.startswith(str(workdir)):
            os.kill(int(pid), signal.SIGKILL)


def last_thermo_step(workdir: Path) -> int:
    for path in (workdir / "results" / "runs").rglob("md/thermo.raw.txt"):
        lines = [ln for ln in path.read_text().splitlines() if ln and not ln.startswith("stage")]
        if lines and len(lines[-1].split()) == 7:
            return int(lines[-1].split()[1])
    return -1


def test_md_killed_mid_quench_resumes_from_restart(repo, tmp_path):
    killed, reference = tmp_path / "killed", tmp_path / "reference"
    for workdir in (killed, reference):
        copy_workflow(workdir, repo)
        (workdir / "tiny.yaml").write_text(CONFIG)

    uninterrupted = snakemake(reference)
    job = snakemake(killed)
    deadline = time.time() + 300
    while last_thermo_step(killed) < HEAT_END + 3000:  # well into the quench
        assert job.poll() is None, "the workflow ended before it could be killed"
        assert time.time() < deadline
        time.sleep(0.05)
    kill_everything_under(killed, job.pid)
    job.wait()
    killed_at = last_thermo_step(killed)
    assert HEAT_END < killed_at < QUENCH_END, killed_at
    assert not list((killed / "results" / "runs").rglob("thermo.tsv"))  # nothing published

    subprocess.run(
        [sys.executable, "-m", "snakemake", "--unlock", "--configfile", "tiny.yaml"], cwd=killed,
        check=True, capture_output=True,
    )
    assert snakemake(killed).wait(timeout=600) == 0
    assert uninterrupted.wait(timeout=600) == 0

    md_log = next((killed / "results" / "logs" / "run_md").rglob("*.log")).read_text()
    resumed = re.search(r"resuming from (restart\.[ab]) at step (\d+)", md_log)
    assert resumed, md_log[-2000:]
    step = int(resumed.group(2))
    assert HEAT_END < step <= killed_at  # mid-quench, from a restart, not from scratch
    lammps_log = next((killed / "results" / "runs").rglob(f"md/log.resumed-{step}.lammps"))
    assert f"glassy-li: resumed from {resumed.group(1)} at step {step}" in lammps_log.read_text()

    def table(root: Path, name: str) -> pd.DataFrame:
        return pd.read_csv(next((root / "results" / "runs").rglob(name)), sep="\t")

    for name in ("thermo.tsv", "structure.tsv"):
        a, b = table(killed, name), table(reference, name)
        assert list(a["step"]) == list(b["step"])  # same rows, no gap, no duplicate
        assert list(a["stage"]) == list(b["stage"])
    # One rank, Nose-Hoover: LAMMPS continues bit for bit (at the tables' 6 digits).
    for name in ("thermo.tsv", "structure.tsv"):
        pd.testing.assert_frame_equal(table(killed, name), table(reference, name))


def test_wall_clock_budget_stops_with_restart_and_retries_finish(repo, tmp_path):
    copy_workflow(tmp_path, repo)
    budget = CONFIG.replace(
        "  restart_interval_ps: 0.5\n",
        "  restart_interval_ps: 0.5\n  walltime_budget_s: 2\n  retries: 20\n",
    )
    (tmp_path / "tiny.yaml").write_text(budget)
    assert snakemake(tmp_path).wait(timeout=600) == 0
    work = next((tmp_path / "results" / "runs").rglob("md"))
    resumes = sorted(int(p.name.split("-")[1].split(".")[0]) for p in work.glob("log.resumed-*"))
    assert len(resumes) >= 2, resumes  # the run needed several budgets
    for step in resumes:
        assert (
            f"glassy-li: resumed from restart.timeout at step {step}"
            in (work / f"log.resumed-{step}.lammps").read_text()
        )
        assert step % 500 == 0  # stops fall on trajectory frames (every 0.5 ps)
    assert "wall-clock budget reached" in (work / "log.lammps").read_text()
    thermo = pd.read_csv(next((tmp_path / "results" / "runs").rglob("thermo.tsv")), sep="\t")
    assert thermo["step"].is_unique and thermo["step"].is_monotonic_increasing
    assert thermo["step"].iloc[-1] == 14000
    assert len(thermo) == 141  # every 0.1 ps from 0 to 14 ps, none lost at a stop
    frames = pd.read_csv(next((tmp_path / "results" / "runs").rglob("structure.tsv")), sep="\t")
    assert len(frames) == 29  # every 0.5 ps from 0 to 14 ps
    assert frames["positions_time_averaged"].iloc[1:].all()  # full averaging windows
