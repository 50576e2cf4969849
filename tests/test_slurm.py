"""A tiny campaign through a real one-node Slurm cluster with the workflow's Slurm profile.

The cluster (tests/slurm_cluster.py) runs on loopback with its state, spool and logs in a
temporary directory; its config sits at /etc/slurm/slurm.conf only while the test runs.  The
MD job runs on 2 MPI tasks started by `srun --mpi=pmi2` (the profile's default launcher), and
LAMMPS's own log must say it ran on 2 processes.  Outside CI the test skips with the reason
when Slurm cannot be started here (not root, packages missing); with CI=true that is a failure.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from glassy_li.project import copy_workflow

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

pytestmark = pytest.mark.slow


@pytest.fixture
def slurm_cluster(tmp_path_factory):
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


def test_campaign_runs_through_slurm_with_mpi_md(repo, tmp_path, slurm_cluster):
    work = tmp_path / "work"
    copy_workflow(work, repo)
    (work / "tiny.yaml").write_text(CONFIG)
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--workflow-profile", "profiles/slurm",
         "--configfile", "tiny.yaml", "--jobs", "4", "--slurm-keep-successful-logs"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    # the jobs went through Slurm: the executor's per-job logs exist, run_md's among them
    slurm_logs = list((work / ".snakemake" / "slurm_logs").rglob("*.log"))
    assert any("rule_run_md" in str(path) for path in slurm_logs), slurm_logs
    # LAMMPS ran on 2 MPI processes, started by srun --mpi=pmi2
    lammps_log = next((work / "results" / "runs").rglob("md/log.lammps")).read_text()
    loops = re.findall(r"Loop time of [\d.eE+-]+ on (\d+) procs", lammps_log)
    assert loops and set(loops) == {"2"}, loops
    assert "with 2 MPI tasks x 1 OpenMP threads" in lammps_log
    rule_log = next((work / "results" / "logs" / "run_md").rglob("*.log")).read_text()
    assert "launcher: srun --mpi=pmi2" in rule_log
    assert "Slurm job" in rule_log  # the wall-clock budget came from the job's run time
    campaign = pd.read_csv(work / "results" / "slurm" / "tables" / "campaign.tsv", sep="\t")
    assert len(campaign) == 1
    assert (work / "results" / "slurm" / "figures" / "final_embryos.png").stat().st_size > 1000
