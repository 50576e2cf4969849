"""Faults users hit, through the workflow's own MD driver (glassy_li.md.protocol.run_md): a restart
file cut short or corrupted; a full disk (a 400 kB tmpfs mounted by the test, as root; skipped,
naming the stand-in, where mounting is not permitted) and a file-size limit (RLIMIT_FSIZE on
the job, always); two jobs on one run folder, and two campaigns sharing a run.

Each MD run is the Baskes MEAM (a wheel file) on 300 atoms, 2 ps heat, 2 ps quench and a
short hold, one rank and Nose-Hoover, so that a resumed run continues bit for bit and its
thermo table can be compared with an uninterrupted one.  The driver runs in a subprocess
(``DRIVER``) so that it can be killed or limited like a real job.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from glassy_li.lammps.run import restart_step

from ..conftest import REPO

DRIVER = """
import sys
from pathlib import Path
from tests.md_helpers import run_short_md
from glassy_li.md.system import generate_system
folder = Path(sys.argv[1])
folder.mkdir(parents=True, exist_ok=True)
system = generate_system(300, 0.2136, "droplet", seed=1, mass_amu=6.94)
run_short_md(folder, system, heat_temperature_K=500, final_temperature_K=300,
             heat_duration_ps=2, quench_rate_K_per_ps=100,
             equilibrate_duration_ps=float(sys.argv[2]), trajectory_interval_ps=0.5,
             averaging_window_ps=0.5, restart_interval_ps=0.5)
"""
HOLD_PS = 6.0
TOTAL_STEPS = 10_000  # (2 + 2 + 6) ps at 1 fs
OUTPUTS = ("thermo.tsv", "trajectory.lammpstrj", "final.data")


def driver(repo: Path, folder: Path, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(folder), str(HOLD_PS)], cwd=repo,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        **kwargs,
    )


def last_thermo_step(folder: Path) -> int:
    path = folder / "md" / "thermo.raw.txt"
    if not path.exists():
        return -1
    rows = [ln.split() for ln in path.read_text().splitlines() if ln and ln[0].isdigit()]
    return max((int(r[1]) for r in rows if len(r) == 7), default=-1)


def thermo(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "thermo.tsv", sep="\t")


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> pd.DataFrame:
    """The uninterrupted run."""
    folder = tmp_path_factory.mktemp("reference")
    job = driver(REPO, folder)
    output, _ = job.communicate(timeout=300)
    assert job.returncode == 0, output[-3000:]
    return thermo(folder)


def kill_mid_hold(repo: Path, folder: Path) -> None:
    """Start the driver and SIGKILL it (LAMMPS included) once the hold is under way."""
    job = driver(repo, folder)
    deadline = time.time() + 300
    while last_thermo_step(folder) < 6_200:
        assert job.poll() is None, job.communicate()[0][-3000:]
        assert time.time() < deadline
        time.sleep(0.05)
    os.killpg(job.pid, signal.SIGKILL)
    job.wait()


@pytest.mark.parametrize("damage", ["truncated", "corrupted"])
def test_a_damaged_restart_is_passed_over_for_the_other(repo, tmp_path, reference, damage):
    kill_mid_hold(repo, tmp_path)
    work = tmp_path / "md"
    steps = {name: restart_step(work / name) for name in ("restart.a", "restart.b")}
    assert None not in steps.values() and len(set(steps.values())) == 2, steps
    newer = max(steps, key=steps.get)
    older = min(steps, key=steps.get)
    data = (work / newer).read_bytes()
    if damage == "truncated":  # as a kill or a full disk while it was written leaves it
        (work / newer).write_bytes(data[: len(data) // 2])
    else:  # its header overwritten
        (work / newer).write_bytes(b"\0" * 256 + data[256:])
    assert restart_step(work / newer) is None

    job = driver(repo, tmp_path)
    output, _ = job.communicate(timeout=300)
    assert job.returncode == 0, output[-3000:]
    log = (tmp_path / "md.log").read_text()
    assert f"restart file {newer} (" in log and "cannot be read by LAMMPS" in log
    assert f"resuming from {older} at step {steps[older]}" in log
    pd.testing.assert_frame_equal(thermo(tmp_path), reference)  # bit for bit, all rows


def assert_nothing_published(folder: Path) -> None:
    left = [name for name in OUTPUTS if (folder / name).exists()]
    left += [p.name for p in folder.glob("*.partial")]
    assert not left, f"outputs that look complete after a failure: {left}"


def test_full_disk_on_a_small_tmpfs_fails_clearly_and_a_rerun_completes(
    repo, tmp_path, reference
):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(disk)], capture_output=True,
        check=False,
    ).returncode == 0
    if not mounted:  # the rule: where mounting is not permitted, the file-size limit
        pytest.skip("mounting a tmpfs is not permitted here (needs root and CAP_SYS_ADMIN): "
                    "test_file_size_limit_fails_clearly_and_a_rerun_completes stands in")
    try:
        folder = disk / "run"
        job = driver(repo, folder)
        output, _ = job.communicate(timeout=300)
        assert job.returncode != 0
        # LAMMPS stops at its failed write (its own ERROR line is lost when its log is on
        # the full disk too); the job names the cause
        assert "LAMMPS failed (exit code 1)" in output
        assert f"The file system of {folder / 'md'} is full (0 bytes free)" in output
        assert_nothing_published(folder)
        subprocess.run(["mount", "-o", "remount,size=16m", str(disk)], check=True)
        job = driver(repo, folder)
        output, _ = job.communicate(timeout=300)
        assert job.returncode == 0, output[-3000:]
        assert "glassy-li: resuming from restart." in (folder / "md.log").read_text()
        pd.testing.assert_frame_equal(thermo(folder), reference)
    finally:
        with contextlib.suppress(OSError):
            subprocess.run(["umount", str(disk)], check=False)


def test_file_size_limit_fails_clearly_and_a_rerun_completes(repo, tmp_path, reference):
    def limit() -> None:  # the trajectory reaches 400 kB a few ps into the run
        resource.setrlimit(resource.RLIMIT_FSIZE, (400_000, 400_000))

    job = driver(repo, tmp_path, preexec_fn=limit)
    output, _ = job.communicate(timeout=300)
    assert job.returncode != 0
    assert "LAMMPS failed (exit code -25)" in output
    assert "killed by SIGXFSZ: a file reached the file-size limit" in output
    assert_nothing_published(tmp_path)
    job = driver(repo, tmp_path)
    output, _ = job.communicate(timeout=300)
    assert job.returncode == 0, output[-3000:]
    pd.testing.assert_frame_equal(thermo(tmp_path), reference)


def test_two_jobs_on_one_run_folder_one_refuses(repo, tmp_path, reference):
    first = driver(repo, tmp_path)
    deadline = time.time() + 120
    while last_thermo_step(tmp_path) < 0:
        assert first.poll() is None and time.time() < deadline
        time.sleep(0.05)
    second = driver(repo, tmp_path)
    refused, _ = second.communicate(timeout=120)
    assert second.returncode != 0
    assert "is being run by host" in refused and f"pid {first.pid}" in refused
    output, _ = first.communicate(timeout=300)
    assert first.returncode == 0, output[-3000:]
    pd.testing.assert_frame_equal(thermo(tmp_path), reference)  # nothing corrupted
    # the refused job never started an attempt
    assert sorted(p.name for p in (tmp_path / "attempts").glob("*.json")) == ["attempt-01.json"]


CAMPAIGN = """
campaign_name: {name}
base_seed: 5
replicas: 1
system:
  initial_states: [droplet]
  ensemble_sizes_atoms: [60]
  packing_densities_g_cm3: [0.2136]
potential: meam-baskes1992
md:
  heat_temperature_K: 500
  heat_temperature_fraction_of_melting: null
  final_temperature_K: 300
  final_temperature_fraction_of_melting: null
  heat_duration_ps: 2
  quench_rate_K_per_ps: 100
  equilibrate_duration_ps: 4
  trajectory_interval_ps: 0.5
structure:
  averaging_window_ps: 0.5
incubation:
  persistence_ps: 1
  final_window_ps: 1
figures:
  trace_snapshots: 2
  render_size_px: 120
coupling_sweep:
  couplings: []
deposition:
  enabled: false
statistics:
  bootstrap_samples: 50
"""


def test_two_campaigns_sharing_a_run_started_at_once(repo, tmp_path):
    """Two campaigns whose runs coincide, started at the same moment in one working folder:
    one runs the shared run, the other refuses, with Snakemake's lock message when its lock
    check comes after the first's lock, else (both passed the check at the same moment)
    when its MD job finds the run folder locked; the run is made once, and the refused
    campaign, run again, reuses it."""
    from glassy_li.core.project import copy_workflow  # noqa: PLC0415

    copy_workflow(tmp_path, repo)
    for name in ("first", "second"):
        (tmp_path / f"{name}.yaml").write_text(CAMPAIGN.format(name=name))
    jobs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "snakemake", "--cores", "1", "--configfile", f"{name}.yaml",
             "--", f"results/{name}/tables/campaign.tsv"],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for name in ("first", "second")
    }
    outputs = {name: job.communicate(timeout=600)[0] for name, job in jobs.items()}
    codes = {name: job.returncode for name, job in jobs.items()}
    assert sorted(codes.values()) == [0, 1], (codes, {k: v[-2000:] for k, v in outputs.items()})
    loser = next(name for name, code in codes.items() if code != 0)
    rule_log = "".join(p.read_text() for p in (tmp_path / "results" / "logs").rglob("*.log"))
    assert ("Directory cannot be locked" in outputs[loser]
            or ("Error in rule run_md" in outputs[loser]
                and "is being run by host" in rule_log
                and "not starting a second copy" in rule_log)), outputs[loser][-2000:]
    attempts = list((tmp_path / "results" / "runs").rglob("attempts/attempt-*.json"))
    assert len(attempts) == 1  # the shared run was run once
    again = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "1", "--configfile", f"{loser}.yaml",
         "--", f"results/{loser}/tables/campaign.tsv"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
    )
    assert again.returncode == 0, (again.stdout + again.stderr)[-3000:]
    assert len(list((tmp_path / "results" / "runs").rglob("attempts/attempt-*.json"))) == 1
    tables = [pd.read_csv(tmp_path / "results" / name / "tables" / "campaign.tsv", sep="\t")
              for name in ("first", "second")]
    pd.testing.assert_frame_equal(tables[0], tables[1])
