"""The status view (glassy_li.monitor.status) on synthetic run folders: states read from the files a
job leaves, and the campaign ETA's arithmetic checked by hand.

The campaign is a real config (Baskes MEAM, 100 and 200 atoms, 2 replicas, 10 ps); its run
folders are written here as the jobs would leave them: a finished and analysed run, a running
one (this process stands for its job), a pending one and a failed one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from glassy_li.cli import main
from glassy_li.config.compose import compose_config
from glassy_li.lammps.progress import ProgressRecord, write_progress
from glassy_li.md.protocol import stage_steps
from glassy_li.monitor.status import RunStatus, campaign_eta, collect, speed_at
from glassy_li.plan.campaign import Campaign, md_folder

CONFIG = """
campaign_name: status
base_seed: 3
replicas: 2
system:
  initial_states: [droplet]
  ensemble_sizes_atoms: [100, 200]
  packing_densities_g_cm3: [0.0534]
potential: meam-baskes1992
md:
  heat_temperature_K: 500
  heat_temperature_fraction_of_melting: null
  heat_duration_ps: 2
  quench_rate_K_per_ps: 100
  final_temperature_K: 300
  final_temperature_fraction_of_melting: null
  equilibrate_duration_ps: 6
coupling_sweep:
  couplings: []
deposition:
  enabled: false
"""
ERROR = "ERROR: Unrecognized pair style 'no-such-style' (src/force.cpp:275)"


@pytest.fixture
def campaign(tmp_path, repo) -> Campaign:
    path = tmp_path / "status.yaml"
    path.write_text(CONFIG)
    return Campaign.from_config(compose_config([path], None, repo), project_root=repo,
                                download=False)


def write_campaign(campaign: Campaign, results: Path, now: float) -> dict[str, str]:
    """The four runs' folders; returns run id by role."""
    runs = campaign.runs()
    by_role = {
        "done": runs[(runs.ensemble_size_atoms == 100) & (runs.replica == 0)].index[0],
        "running": runs[(runs.ensemble_size_atoms == 100) & (runs.replica == 1)].index[0],
        "pending": runs[(runs.ensemble_size_atoms == 200) & (runs.replica == 0)].index[0],
        "failed": runs[(runs.ensemble_size_atoms == 200) & (runs.replica == 1)].index[0],
    }
    total = stage_steps(campaign.run_protocol(runs.iloc[0])).total
    assert total == 10_000  # 2 ps heat, 2 ps quench (200 K at 100 K/ps), 6 ps hold at 1 fs
    done = results / "runs" / md_folder(by_role["done"])
    (done / Path(by_role["done"]).name).mkdir(parents=True)
    (done / "thermo.tsv").write_text("stage\tstep\n")
    wall = total * 100 / 1.0e6  # 1 s at 1e6 atom-steps/s
    (done / "md_performance.json").write_text(json.dumps(
        {"wall_s": wall, "atom_steps_per_s": 1.0e6, "steps": total}))
    (done / Path(by_role["done"]).name / "summary.json").write_text(json.dumps(
        {"status": "transformed", "transformed": True, "incubation_time_ps": 12.0}))
    for rule, seconds, key in (("run_md", wall, md_folder(by_role["done"])),
                               ("identify_structure", 0.5 * wall, by_role["done"])):
        bench = results / "benchmarks" / rule / f"{key}.tsv"
        bench.parent.mkdir(parents=True, exist_ok=True)
        bench.write_text(f"s\th:m:s\n{seconds}\t0:00:01\n")
        os.utime(bench, (now - 100, now - 100))
    for role, state, step, speed, error in (("running", "running", 5000, 2.0e6, None),
                                            ("failed", "failed", 0, None, ERROR)):
        folder = results / "runs" / md_folder(by_role[role])
        folder.mkdir(parents=True)
        size = 100 if role == "running" else 200
        record = ProgressRecord(kind="md", state=state, attempt=1, restarts=0,
                                stage="quench", step=step, total_steps=total,
                                timestep_ps=0.001, atoms=size, atom_steps_per_s=speed,
                                started=now - 50, error=error,
                                log="attempts/attempt-01.lammps.log")
        write_progress(folder / "progress.json", record)
    return by_role


def test_states_come_from_the_run_folders(campaign, tmp_path):
    now = time.time()
    roles = write_campaign(campaign, tmp_path, now)
    statuses = {s.run_id: s for s in collect(campaign, tmp_path, now)}
    assert len(statuses) == 4
    assert statuses[roles["done"]].state == "transformed"
    assert statuses[roles["done"]].incubation_time_ps == 12.0
    assert statuses[roles["running"]].state == "running"  # its pid (this process) is alive
    assert statuses[roles["running"]].step == 5000
    assert statuses[roles["pending"]].state == "pending"
    failed = statuses[roles["failed"]]
    assert failed.state == "failed" and failed.error == ERROR
    assert failed.log.endswith("attempts/attempt-01.lammps.log")


def test_a_running_record_whose_job_died_is_interrupted(campaign, tmp_path):
    now = time.time()
    roles = write_campaign(campaign, tmp_path, now)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    path = tmp_path / "runs" / md_folder(roles["running"]) / "progress.json"
    record = json.loads(path.read_text())
    record["pid"] = int(gone.stdout)
    path.write_text(json.dumps(record))
    statuses = {s.run_id: s for s in collect(campaign, tmp_path, now)}
    assert statuses[roles["running"]].state == "interrupted"


def test_campaign_eta_arithmetic(campaign, tmp_path):
    now = time.time()
    write_campaign(campaign, tmp_path, now)
    statuses = collect(campaign, tmp_path, now)
    eta = campaign_eta(statuses, now, jobs=2)
    total = 10_000
    # speed at 100 atoms: the median of 1e6 (finished, whole run) and 2e6 (running, now);
    # 200 atoms has none: the one measured size's, 1.5e6
    running = total / 2 * 100 / 1.5e6
    pending = failed = total * 200 / 1.5e6
    assert eta.remaining_md_job_s == pytest.approx(running + pending + failed)
    # analysis: the analysed 100-atom run's jobs took 1.5 s for 1 s of MD: 0.5 s per MD s,
    # at 100 atoms and (the nearest analysed size) at 200; each run not analysed yet adds
    # 0.5 x its whole MD job time (the running run's 10 000 steps at 1.5e6 included)
    assert eta.analysis_per_md_s == pytest.approx(0.5)
    analysis = 0.5 * (2 * running + pending + failed)
    assert eta.remaining_analysis_job_s == pytest.approx(analysis)
    # W = MD + analysis on 2 slots; the longest run L = 4/3 + 0.5 * 4/3 = 2 s: the ETA is
    # the middle of Graham's bounds, max(L, W/2 + L/4)
    assert eta.longest_run_s == pytest.approx(1.5 * pending)
    work = running + pending + failed + analysis
    assert eta.eta_s == pytest.approx(work / 2 + 1.5 * pending / 4)
    # one long run left alone: its own time, however many slots (without the running run,
    # the one speed measured is the finished run's 1e6)
    alone = campaign_eta([s for s in statuses if s.state not in {"failed", "running"}],
                         now, jobs=8)
    assert alone.eta_s == pytest.approx(1.5 * total * 200 / 1.0e6)
    assert eta.total_atom_steps == pytest.approx(total * (100 + 100 + 200 + 200))
    assert eta.done_atom_steps == pytest.approx(total * 100 + total / 2 * 100)
    assert eta.counts == {"transformed": 1, "running": 1, "pending": 1, "failed": 1}


def test_speed_at_unmeasured_sizes():
    measured = {100: 4.0e6, 400: 2.0e6}  # speed ~ N^-0.5 between them
    assert speed_at(measured, 400) == 2.0e6
    assert speed_at(measured, 200) == pytest.approx(4.0e6 / 2**0.5)  # interpolated
    assert speed_at(measured, 1600) == 2.0e6  # beyond: the nearest measured size's
    assert speed_at(measured, 50) == 4.0e6
    assert speed_at({300: 3.0e6}, 1500) == 3.0e6
    assert speed_at({}, 100) is None


def test_analysis_time_is_measured_per_size():
    """Small runs pay a large share of fixed per-job costs: a size not analysed yet takes the
    analysis ratio of the nearest analysed size, not the pooled one."""
    now = 10_000.0

    def run(size, state, md_wall=None, other=0.0):
        status = RunStatus(run_id=f"{size}-{state}", values={"potential": "p",
                           "ensemble_size_atoms": size}, state=state, total_steps=1000,
                           atoms=size, md_wall_s=md_wall, analysed=md_wall is not None)
        if md_wall is not None:
            status.atom_steps_per_s = 1000 * size / md_wall
            status.step = 1000
            status.intervals = [(now - 500, now - 500 + md_wall),
                                (now - 400, now - 400 + other)]
        return status

    runs = [run(100, "censored", md_wall=1.0, other=1.0),   # analysis 1.0 s per MD s
            run(1000, "censored", md_wall=10.0, other=1.0),  # 0.1 s per MD s
            run(2000, "pending")]
    eta = campaign_eta(runs, now, jobs=1)
    md = 1000 * 2000 / 1.0e5  # the speed at 1000 atoms (beyond: the nearest): 20 s
    assert eta.remaining_md_job_s == pytest.approx(md)
    assert eta.remaining_analysis_job_s == pytest.approx(0.1 * md)
    assert eta.analysis_per_md_s == pytest.approx(2.0 / 11.0)  # pooled: shown, not used


def test_jobs_side_by_side_are_measured_over_the_last_ten_minutes():
    now = 10_000.0

    def run(intervals, state="transformed"):
        return RunStatus(run_id=str(intervals), values={"potential": "p",
                         "ensemble_size_atoms": 100}, state=state, intervals=intervals)

    # two jobs busy through the whole window, a third for half of it: 2.5 side by side
    runs = [run([(now - 900, now)]), run([(now - 700, now - 50), (now - 50, now)]),
            run([(now - 300, now)])]
    assert campaign_eta(runs, now).jobs_side_by_side == pytest.approx(2.5)
    # under a minute of history: the runs running now count (at least one)
    young = [run([(now - 20, now)], "running"), run([(now - 10, now)], "running")]
    assert campaign_eta(young, now).jobs_side_by_side == 2


def test_no_speed_yet_means_no_eta(campaign, tmp_path):
    statuses = collect(campaign, tmp_path, time.time())  # nothing has run
    eta = campaign_eta(statuses, time.time())
    assert eta.eta_s is None and eta.unknown_speed == ["meam-baskes1992"]


def test_command_line_json_and_failed(campaign, tmp_path, repo, capsys):
    now = time.time()
    roles = write_campaign(campaign, tmp_path / "results", now)
    (tmp_path / "status.yaml").write_text(CONFIG)
    args = ["status", str(tmp_path / "results"), "--configfile", str(tmp_path / "status.yaml"),
            "--project", str(repo)]
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {run["run_id"]: run["state"] for run in data["runs"]}[roles["failed"]] == "failed"
    assert data["eta"]["eta_s"] > 0
    assert main([*args, "--failed"]) == 1  # failed runs: a non-zero exit for scripts
    out = capsys.readouterr().out
    assert "Unrecognized pair style 'no-such-style'" in out
    assert "transformed" not in out.split("\n", 2)[-1].split("runs:")[0]  # only the failed row


BROKEN = """
campaign_name: broken
base_seed: 1
replicas: 1
system:
  initial_states: [droplet]
  ensemble_sizes_atoms: [30]
  packing_densities_g_cm3: [0.2136]
potential: my-broken-preset
potential_presets:
  my-broken-preset:   # a user's preset with a pair style LAMMPS does not know
    metal: Li
    units: metal
    atom_style: atomic
    pair_style: no-such-style
    pair_coeff: "* *"
    mass_amu: 6.94
    timestep_fs: 1.0
    melting_point_K: 453.7
    throughput_atom_steps_per_s: 1000000.0
md:
  heat_temperature_K: 500
  heat_temperature_fraction_of_melting: null
  final_temperature_K: 300
  final_temperature_fraction_of_melting: null
  heat_duration_ps: 1
  equilibrate_duration_ps: 1
coupling_sweep:
  couplings: []
deposition:
  enabled: false
"""


@pytest.mark.faults
def test_a_broken_preset_shows_in_status_failed_with_lammps_error(repo, tmp_path):
    from glassy_li.core.project import copy_workflow  # noqa: PLC0415

    copy_workflow(tmp_path, repo)
    (tmp_path / "broken.yaml").write_text(BROKEN)
    run = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "1", "--configfile", "broken.yaml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
    )
    assert run.returncode != 0
    status = subprocess.run(
        [Path(sys.executable).with_name("glassy-li"), "status", "--failed", "--configfile",
         "broken.yaml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert status.returncode == 1, status.stdout + status.stderr  # failed runs listed
    out = " ".join(status.stdout.split())
    assert "1 runs: 1 failed" in out
    compact = "".join(status.stdout.split())  # the detail column folds long lines
    assert "ERROR:Unrecognizedpairstyle'no-such-style'" in compact
    assert "/attempts/attempt-01.lammps.log" in compact
    kept = next((tmp_path / "results" / "runs").rglob("attempt-01.lammps.log")).read_text()
    assert "ERROR: Unrecognized pair style 'no-such-style'" in kept
    assert next((tmp_path / "results" / "runs").rglob("attempt-01.rule.log")).exists()
