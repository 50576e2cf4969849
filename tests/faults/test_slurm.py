"""A tiny campaign through a real one-node Slurm cluster with the workflow's Slurm profile.

The cluster (tests/faults/slurm_cluster.py) runs on loopback with its state, spool and logs in a
temporary directory; its config sits at /etc/slurm/slurm.conf only while the test runs.  The
MD job runs on 2 MPI tasks started by `srun --mpi=pmi2` (the profile's default launcher), and
LAMMPS's own log must say it ran on 2 processes.  Outside CI the test skips with the reason
when Slurm cannot be started here (not root, packages missing); with CI=true that is a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from glassy_li.core.project import copy_workflow

from .slurm_cluster import missing_requirements, one_node_slurm

CONFIG = """
campaign_name: slurm
base_seed: 5
replicas: 1
system:
  initial_states: [droplet]
  ensemble_sizes_atoms: [60]
  packing_densities_g_cm3: [0.2136]
potential: meam-baskes1992   # the fastest wheel preset: machinery, not physics
coupling_sweep:
  couplings: []
deposition:
  enabled: false
md:
  heat_temperature_K: 500
  heat_temperature_fraction_of_melting: null
  heat_duration_ps: 1
  quench_rate_K_per_ps: 200
  final_temperature_K: 300
  final_temperature_fraction_of_melting: null
  equilibrate_duration_ps: 2
  trajectory_interval_ps: 0.5
  thermo_interval_ps: 0.1
  mpi_ranks: 2
structure:
  averaging_window_ps: 0.5
incubation:
  persistence_ps: 1
  final_window_ps: 1
figures:
  trace_snapshots: 2
  render_size_px: 120
statistics:
  bootstrap_samples: 50
"""


pytestmark = pytest.mark.xdist_group("mpi")
"""One pytest-xdist worker runs this module and the other MPI test (tests/test_md.py), one
after the other: one test cluster, its config at a fixed path; an MPICH job started beside
the cluster's srun once failed MPI_Init (UCX address exchange) and hung its job."""

FAST_POLLING = ["--seconds-between-status-checks", "2",
                "--slurm-init-seconds-before-status-checks", "4"]
"""The test cluster answers at once. The executor plugin checks first after the init
seconds, then 10 s later each time no job has finished (4, 18, 42 s after a submission): a
job of 10-15 s (most of it Snakemake starting inside the job) is seen done at 18 s."""


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    """One cluster for this module's tests (started once: its daemons take seconds)."""
    reason = missing_requirements()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but Slurm cannot run here: {reason}", pytrace=False)
        pytest.skip(f"no Slurm test cluster: {reason}")
    root = tmp_path_factory.mktemp("slurm")
    with one_node_slurm(root, cpus=2, memory_mb=8000) as cluster:
        yield cluster
    # every daemon the helper started is gone, and so is its config
    for pid in cluster["pids"].values():
        assert pid is not None and not Path(f"/proc/{pid}").exists()
    assert not Path("/etc/slurm/slurm.conf").exists() or "glassy-li test cluster" not in (
        Path("/etc/slurm/slurm.conf").read_text()
    )


CANCEL_CONFIG = CONFIG.replace("ensemble_sizes_atoms: [60]", "ensemble_sizes_atoms: [300]").replace(
    "  heat_duration_ps: 1\n  quench_rate_K_per_ps: 200\n",
    "  heat_duration_ps: 2\n  quench_rate_K_per_ps: 20\n").replace(
    "  equilibrate_duration_ps: 2\n", "  equilibrate_duration_ps: 4\n  restart_interval_ps: 0.5\n")
HEAT_END, QUENCH_END = 2000, 12000  # steps: 2 ps heat, 10 ps quench (500 -> 300 K at 20 K/ps)
TABLES = "results/slurm/tables/campaign.tsv"
"""The target: the run's MD, structure and summary and the campaign table (5 Slurm jobs, and
one more for the resumed MD)."""


def test_mpi_md_through_slurm_cancelled_mid_stage_resumes_with_the_same_command(
        repo, tmp_path, slurm_cluster):
    """A campaign through the workflow's Slurm profile: the MD job runs on 2 MPI tasks started
    by `srun --mpi=pmi2` and takes its wall-clock budget from the Slurm job. `scancel` it
    mid-quench: nothing is published and the status view calls the run interrupted. The same
    command run again resumes it from its restart in a new Slurm job and the tables follow.
    (That a resumed run equals an uninterrupted one bit for bit is checked without Slurm:
    tests/faults/test_restart.py.)"""
    from glassy_li.config.compose import compose_config  # noqa: PLC0415
    from glassy_li.monitor.status import collect  # noqa: PLC0415
    from glassy_li.plan.campaign import Campaign, md_folder  # noqa: PLC0415

    work = tmp_path / "work"
    copy_workflow(work, repo)
    (work / "tiny.yaml").write_text(CANCEL_CONFIG)
    command = [sys.executable, "-m", "snakemake", "--workflow-profile", "profiles/slurm",
               "--configfile", "tiny.yaml", "--jobs", "2", "--latency-wait", "5",
               "--slurm-keep-successful-logs", *FAST_POLLING, "--", TABLES]
    campaign = Campaign.from_config(compose_config([work / "tiny.yaml"], None, work),
                                    project_root=work, download=False)
    folder = work / "results" / "runs" / md_folder(campaign.runs().index[0])
    first = subprocess.Popen(command, cwd=work, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 300  # about a minute here; a hung MPI start fails it
    record = {}
    while record.get("step", -1) < HEAT_END + 3000:  # well into the quench
        assert first.poll() is None, first.communicate()[0][-4000:]
        assert time.time() < deadline, "the MD job never got under way"
        time.sleep(0.2)
        with contextlib.suppress(OSError, ValueError):
            record = json.loads((folder / "progress.json").read_text())
    job_id = record["slurm_job_id"]
    assert job_id, record
    subprocess.run(["scancel", job_id], check=True, timeout=30)
    output, _ = first.communicate(timeout=300)
    assert first.returncode != 0, output[-4000:]
    assert not (folder / "thermo.tsv").exists()  # nothing published
    (status,) = collect(campaign, work / "results")
    assert status.state == "interrupted", status
    assert HEAT_END < status.step < QUENCH_END

    again = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=900,
                           check=False)
    assert again.returncode == 0, (again.stdout + again.stderr)[-4000:]
    log = (folder / "attempts" / "attempt-02.rule.log").read_text()
    resumed = re.search(r"resuming from (restart\.[ab]) at step (\d+)", log)
    assert resumed and HEAT_END < int(resumed.group(2)) < QUENCH_END, log[-3000:]
    first_attempt = json.loads((folder / "attempts" / "attempt-01.json").read_text())
    second_attempt = json.loads((folder / "attempts" / "attempt-02.json").read_text())
    # the cancelled attempt, closed by the next one, with its LAMMPS log kept
    assert first_attempt["slurm_job_id"] == job_id and first_attempt["state"] == "interrupted"
    killed_log = (folder / "attempts" / "attempt-01.lammps.log").read_text()
    assert "Step" in killed_log and "all stages finished" not in killed_log
    assert second_attempt["state"] == "finished" and second_attempt["slurm_job_id"] != job_id
    (status,) = collect(campaign, work / "results")
    assert status.state in ("transformed", "censored")

    # the jobs went through Slurm: the executor's per-job logs exist, run_md's among them
    slurm_logs = list((work / ".snakemake" / "slurm_logs").rglob("*.log"))
    assert any("rule_run_md" in str(path) for path in slurm_logs), slurm_logs
    # LAMMPS ran on 2 MPI processes, started by srun --mpi=pmi2, in both attempts
    (resumed_log,) = (folder / "md").glob("log.resumed-*.lammps")
    for lammps_log in (killed_log, resumed_log.read_text()):
        assert "with 2 MPI tasks x 1 OpenMP threads" in lammps_log
    loops = re.findall(r"Loop time of [\d.eE+-]+ on (\d+) procs", resumed_log.read_text())
    assert loops and set(loops) == {"2"}, loops
    rule_log = next((work / "results" / "logs" / "run_md").rglob("*.log")).read_text()
    assert "launcher: srun --mpi=pmi2" in rule_log
    assert "Slurm job" in rule_log  # the wall-clock budget came from the job's run time
    thermo = pd.read_csv(folder / "thermo.tsv", sep="\t")
    assert thermo["step"].is_unique and thermo["step"].is_monotonic_increasing
    assert thermo["step"].iloc[-1] == 16000  # 2 + 10 + 4 ps at 1 fs
    assert len(thermo) == 161  # every 0.1 ps: none lost or doubled at the cancel
    campaign_table = pd.read_csv(work / "results" / "slurm" / "tables" / "campaign.tsv", sep="\t")
    assert len(campaign_table) == 1
