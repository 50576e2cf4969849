"""Progress records, kept attempts and the run-folder lock (glassy_li.lammps.progress), without
LAMMPS: a thermo table is written by hand as LAMMPS's ``fix print`` would, and a fake clock
stands for the wall time."""

from __future__ import annotations

import json
import multiprocessing
import os

import pytest

from glassy_li.lammps.progress import (
    LogTracker,
    ProgressRecord,
    ProgressTracker,
    RunFolderBusy,
    archive_attempt,
    close_interrupted_attempts,
    first_error_line,
    format_duration,
    next_attempt,
    read_progress,
    run_folder_lock,
)

HEADER = "stage step time_ps temperature_K pe_eV_per_atom ke_eV_per_atom pressure_bar\n"
STAGES = {0: "setup", 1: "heat", 2: "quench", 3: "equilibrate"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def row(stage: int, step: int, temperature: float = 500.0) -> str:
    return f"{stage} {step} {step / 1000:g} {temperature} -1.5 0.06 12\n"


def tracker_at(tmp_path, total_steps=100_000, atoms=700.0, log=None):
    clock = Clock()
    record = ProgressRecord(kind="md", state="running", attempt=1, restarts=0,
                            total_steps=total_steps, timestep_ps=0.001, atoms=atoms)
    tracker = ProgressTracker(tmp_path / "thermo.raw.txt", tmp_path / "progress.json", record,
                              STAGES, log=log, clock=clock)
    return tracker, clock


def test_record_follows_the_thermo_table_and_measures_speed_and_eta(tmp_path):
    thermo = tmp_path / "thermo.raw.txt"
    tracker, clock = tracker_at(tmp_path)
    assert read_progress(tmp_path / "progress.json").state == "running"  # written at once
    assert not tracker.poll()  # no table yet: nothing new
    thermo.write_text(HEADER + row(1, 0) + row(1, 500))
    assert tracker.poll()
    clock.now += 10.0
    with open(thermo, "a") as handle:  # 20 000 steps in 10 s: 2000 steps/s
        handle.write(row(2, 10_000, 480.0) + row(2, 20_500, 450.0) + "2 21")  # a cut line
    assert tracker.poll()
    record = read_progress(tmp_path / "progress.json")
    assert record.stage == "quench" and record.step == 20_500
    assert record.temperature_K == 450.0 and record.pe_eV_per_atom == -1.5
    assert record.simulated_ps == pytest.approx(20.5) and record.total_ps == pytest.approx(100)
    assert record.atom_steps_per_s == pytest.approx(2000 * 700)
    assert record.eta_s == pytest.approx((100_000 - 20_500) / 2000)
    # the cut line is read once LAMMPS has finished it
    with open(thermo, "a") as handle:
        handle.write("000 21 480 -1.5 0.06 12\n")
    clock.now += 1.0
    assert tracker.poll() and tracker.record.step == 21_000


def test_human_line_every_tenth_or_five_minutes(tmp_path):
    lines: list[str] = []
    thermo = tmp_path / "thermo.raw.txt"
    tracker, clock = tracker_at(tmp_path, log=lines.append)
    thermo.write_text(HEADER)
    for step in range(0, 100_001, 1000):  # one thermo row per second
        clock.now += 1.0
        with open(thermo, "a") as handle:
            handle.write(row(3, step, 300.0))
        tracker.poll()
    assert len(lines) == 10  # at 10%, 20%, ... 100%
    assert lines[0].startswith("progress: equilibrate, 10.0 of 100 ps (10.0%), 7e+05 atom-steps/s")
    assert "T 300 K, PE -1.5 eV/atom" in lines[0]
    # a slow run: one line per 5 minutes although it moves less than a tenth
    lines.clear()
    (tmp_path / "slow").mkdir()
    tracker, clock = tracker_at(tmp_path / "slow", log=lines.append)
    thermo = tmp_path / "slow" / "thermo.raw.txt"
    thermo.write_text(HEADER)
    for step in range(0, 5000, 100):
        clock.now += 30.0
        with open(thermo, "a") as handle:
            handle.write(row(3, step))
        tracker.poll()
    assert len(lines) == 50 * 30 // 300  # 50 polls 30 s apart: a line every 300 s


def test_finish_states_and_json(tmp_path):
    tracker, _ = tracker_at(tmp_path)
    tracker.finish("failed", "ERROR: Unrecognized pair style 'nope'",
                   "attempts/attempt-01.lammps.log")
    data = json.loads((tmp_path / "progress.json").read_text())
    assert data["state"] == "failed" and data["error"].startswith("ERROR: Unrecognized")
    assert not list(tmp_path.glob(".progress.json*"))  # no temporary file left


def test_attempts_are_numbered_and_kept(tmp_path):
    run = tmp_path / "run"
    assert next_attempt(run) == 1
    (tmp_path / "log.lammps").write_text("LAMMPS\nERROR: Lost atoms: original 10 current 9\n")
    (tmp_path / "rule.log").write_text("rule log 1\n")
    kept = archive_attempt(run, 1, tmp_path / "log.lammps", tmp_path / "rule.log",
                           {"state": "failed"})
    assert kept.read_text().endswith("current 9\n")
    assert next_attempt(run) == 2
    (tmp_path / "rule.log").write_text("rule log 2\n")
    archive_attempt(run, 2, None, tmp_path / "rule.log", {"state": "finished"})
    assert (run / "attempts" / "attempt-01.rule.log").read_text() == "rule log 1\n"
    assert (run / "attempts" / "attempt-02.rule.log").read_text() == "rule log 2\n"
    assert json.loads((run / "attempts" / "attempt-02.json").read_text())["state"] == "finished"
    assert next_attempt(run) == 3


def test_a_killed_attempt_is_closed_with_its_lammps_log(tmp_path):
    run = tmp_path / "run"
    archive_attempt(run, 1, None, None, {"state": "running"})  # its job was then killed
    (tmp_path / "log.lammps").write_text("LAMMPS\nStep Temp\n100 300\n")
    assert close_interrupted_attempts(run, tmp_path / "log.lammps") == [1]
    assert json.loads((run / "attempts" / "attempt-01.json").read_text())["state"] == (
        "interrupted")
    assert (run / "attempts" / "attempt-01.lammps.log").read_text().endswith("100 300\n")
    assert close_interrupted_attempts(run, None) == []  # closed once
    assert next_attempt(run) == 2


def test_first_error_line_and_durations():
    text = ("LAMMPS (22 Jul 2025)\nWARNING: x\n"
            "ERROR: Unrecognized pair style 'x' (src/force.cpp:275)\n")
    assert first_error_line(text) == "ERROR: Unrecognized pair style 'x' (src/force.cpp:275)"
    assert first_error_line("all fine\n") is None
    assert [format_duration(s) for s in (None, 42, 724, 11_100)] == [
        "-", "42 s", "12 min 04 s", "3 h 05 min"]


def _hold_lock(run_dir, ready, release):
    with run_folder_lock(run_dir):
        ready.set()
        release.wait(30)


def test_a_second_job_refuses_a_locked_run_folder(tmp_path):
    context = multiprocessing.get_context("fork")
    ready, release = context.Event(), context.Event()
    holder = context.Process(target=_hold_lock, args=(tmp_path, ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        with pytest.raises(RunFolderBusy, match=f"pid {holder.pid}"), run_folder_lock(tmp_path):
            pass
    finally:
        release.set()
        holder.join(30)
    with run_folder_lock(tmp_path):  # released when its holder is done
        assert f"pid {os.getpid()}" in (tmp_path / "run.lock").read_text()


def test_log_tracker_follows_the_runs_of_a_lammps_log(tmp_path):
    """The potential checks have no thermo table: their progress comes from LAMMPS's log, where
    each `run N` is echoed before its thermo rows."""
    log = tmp_path / "log.lammps"
    clock = Clock()
    record = ProgressRecord(kind="check", state="running", attempt=1, restarts=0)
    tracker = LogTracker(log, tmp_path / "progress.json", record, clock=clock)
    log.write_text("units metal\nrun             0\n   Step          Temp  \n"
                   "         0   0  \nLoop time of 0.0001\n"
                   "run             2000\n   Step          Temp  \n      5000   600  \n")
    assert tracker.poll()
    assert (record.stage, record.total_steps, record.step) == ("run 2", 2000, 0)
    clock.now += 4.0
    with open(log, "a") as handle:
        handle.write("      5500   620  \n      6000   610\n")
    assert tracker.poll()
    saved = read_progress(tmp_path / "progress.json")
    assert saved.step == 1000 and saved.temperature_K == 610.0
    assert saved.eta_s == pytest.approx(4.0)  # 1000 steps in 4 s, 1000 to go
    tracker.finish("finished")
    assert read_progress(tmp_path / "progress.json").state == "finished"


def test_a_resumed_run_shows_where_it_resumes_from_at_once(tmp_path):
    """A job resuming from a restart at step S reads the kept thermo table before LAMMPS
    starts: its record says S (status showed 0 until the first report, and an attempt
    killed before it left an interrupted run at 0)."""
    from glassy_li.lammps.run import _cut_back_for_resume  # noqa: PLC0415

    thermo = tmp_path / "thermo.raw.txt"
    thermo.write_text(HEADER + row(1, 0) + row(2, 20_000) + row(2, 20_500) + row(3, 31_000))
    tracker, _ = tracker_at(tmp_path)
    assert read_progress(tmp_path / "progress.json").step == 0  # a fresh attempt's record
    _cut_back_for_resume(tmp_path, 20_500, tracker)
    record = read_progress(tmp_path / "progress.json")
    assert record.step == 20_500 and record.stage == "quench"
    assert "31000" not in thermo.read_text()  # rows after the restart are gone
