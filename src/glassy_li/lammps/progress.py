"""Live progress of LAMMPS jobs, every attempt's logs, and one job per run folder.

While LAMMPS runs, the job's driver (:func:`glassy_li.lammps.run.run_lammps_restartable`)
reads the thermo table LAMMPS itself writes (``fix print`` into ``thermo.raw.txt``, flushed at
every thermo output) and keeps a small JSON record beside the run's outputs,
``<run folder>/progress.json`` (:data:`PROGRESS_FILE`): stage, simulated ps done of total,
atom-steps/s, ETA, restarts so far, the last temperature and potential energy, and the job's
state.  No second integration loop, no LAMMPS callback: the record is as fresh as the table
(one poll every few seconds).  The rule log gains a human line every 10% of the run or every
5 minutes, whichever comes first.

Every invocation of a run is an *attempt*, numbered from 1: its LAMMPS log and the rule log
as they stood at its end are kept in ``<run folder>/attempts/`` (Snakemake deletes a failed
job's rule log before a retry; LAMMPS overwrites its own log on a fresh start).

A run folder is run by one job at a time: :func:`run_folder_lock` takes an exclusive lock on
``<run folder>/run.lock`` and refuses, naming the holder, when another job has it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import shutil
import socket
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from glassy_li.core.clock import SimulatedTime

__all__ = [
    "ATTEMPTS_DIR",
    "LOCK_FILE",
    "PROGRESS_FILE",
    "ProgressRecord",
    "ProgressTracker",
    "RunFolderBusy",
    "archive_attempt",
    "close_interrupted_attempts",
    "LogTracker",
    "first_error_line",
    "new_complete_lines",
    "format_duration",
    "next_attempt",
    "read_progress",
    "run_folder_lock",
    "write_progress",
]

PROGRESS_FILE = "progress.json"
ATTEMPTS_DIR = "attempts"
LOCK_FILE = "run.lock"
LOG_EVERY_FRACTION = 0.10
"""A human progress line in the rule log at every tenth of the run ..."""
LOG_EVERY_S = 300.0
"""... or every 5 minutes, whichever comes first."""
SPEED_WINDOW_S = 120.0
"""Speed and ETA are measured over the last 2 minutes of wall time (a deposit grows, a
neighbour job ends: the rate follows)."""


@dataclass
class ProgressRecord(SimulatedTime):
    """What ``progress.json`` holds (times: Unix seconds; steps: LAMMPS timesteps)."""

    kind: str
    """``md``, ``deposition`` or ``check``."""
    state: str
    """``running``, ``finished``, ``failed`` or ``stopped`` (wall-clock budget reached:
    a rerun continues from its restart)."""
    attempt: int
    restarts: int
    """Earlier attempts of this run that left a restart this one resumed from (resumes)."""
    stage: str = ""
    step: int = 0
    total_steps: int = 0
    timestep_ps: float = 0.0
    atoms: float = 0.0
    atom_steps_per_s: float | None = None
    eta_s: float | None = None
    temperature_K: float | None = None
    pe_eV_per_atom: float | None = None
    started: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    slurm_job_id: str | None = field(default_factory=lambda: os.environ.get("SLURM_JOB_ID"))
    error: str | None = None
    """The first LAMMPS ``ERROR`` line (or the exception) of a failed attempt."""
    log: str | None = None
    """The attempt's kept LAMMPS log (relative to the run folder)."""

    clock: dict[str, Any] | None = None
    """The run's :class:`~glassy_li.core.clock.StepClock` (its ``as_dict``) where the hold takes
    another timestep; None: every step ``timestep_ps``."""

    @property
    def fraction_done(self) -> float:
        return min(1.0, self.step / self.total_steps) if self.total_steps else 0.0

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values.update(simulated_ps=self.simulated_ps, total_ps=self.total_ps)
        return values

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> ProgressRecord:
        names = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in values.items() if k in names})


def write_progress(path: str | Path, record: ProgressRecord) -> bool:
    """Write ``record`` atomically (a reader never sees half a file).  Bookkeeping must not
    stop a run: on a full disk nothing is written and False is returned."""
    path = Path(path)
    record.updated = time.time()
    return _write_atomically(path, json.dumps(record.as_dict(), indent=1) + "\n")


def _write_atomically(path: Path, text: str) -> bool:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        return False
    return True


def read_progress(path: str | Path) -> ProgressRecord | None:
    """The record at ``path``, or None if there is none (or it cannot be read)."""
    try:
        return ProgressRecord.from_dict(json.loads(Path(path).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def format_duration(seconds: float | None) -> str:
    """``3 h 05 min``, ``12 min 04 s``, ``42 s``; ``-`` when unknown."""
    if seconds is None or math.isnan(seconds) or seconds < 0:
        return "-"
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"


class ProgressTracker:
    """Follows a running LAMMPS job's thermo table and keeps its :class:`ProgressRecord`.

    ``stage_names`` maps the table's stage numbers to names; ``atoms`` is the atom count that
    atom-steps are counted on (for a deposition, the mean over the run).
    """

    def __init__(
        self,
        thermo_path: str | Path,
        record_path: str | Path,
        record: ProgressRecord,
        stage_names: Mapping[int, str],
        log: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.thermo_path = Path(thermo_path)
        self.record_path = Path(record_path)
        self.record = record
        self.stage_names = dict(stage_names)
        self.log = log
        self.clock = clock
        self._offset = 0
        self._columns: list[str] | None = None
        self._samples: deque[tuple[float, int]] = deque()
        self._logged_at = clock()
        self._logged_fraction = record.fraction_done
        write_progress(self.record_path, self.record)

    def poll(self) -> bool:
        """Read the rows LAMMPS added since the last poll; update and write the record if
        there were any.  Returns whether there were."""
        row = self._last_new_row()
        if row is None:
            return False
        now = self.clock()
        record = self.record
        record.step = int(float(row["step"]))
        record.stage = self.stage_names.get(int(float(row["stage"])), str(row["stage"]))
        record.temperature_K = _first(row, ("temperature_K", "deposit_temperature_K"))
        record.pe_eV_per_atom = _first(row, ("pe_eV_per_atom", "pe_eV_per_mobile_atom"))
        self._samples.append((now, record.step))
        while len(self._samples) > 2 and now - self._samples[1][0] >= SPEED_WINDOW_S:
            self._samples.popleft()
        (t0, s0), (t1, s1) = self._samples[0], self._samples[-1]
        if t1 > t0 and s1 > s0:
            steps_per_s = (s1 - s0) / (t1 - t0)
            record.atom_steps_per_s = steps_per_s * record.atoms
            record.eta_s = max(0, record.total_steps - record.step) / steps_per_s
        write_progress(self.record_path, record)
        if self.log is not None and (
            record.fraction_done - self._logged_fraction >= LOG_EVERY_FRACTION - 1e-9
            or now - self._logged_at >= LOG_EVERY_S
        ):
            self.log(self.describe())
            self._logged_at, self._logged_fraction = now, record.fraction_done
        return True

    def describe(self) -> str:
        """One human line: ``progress: quench, 35.0 of 525 ps (6.7%), 2.9e+06 atom-steps/s,
        ETA 6 min 10 s, T 512 K, PE -1.521 eV/atom``."""
        r = self.record
        speed = "-" if r.atom_steps_per_s is None else f"{r.atom_steps_per_s:.2g}"
        text = (
            f"progress: {r.stage}, {r.simulated_ps:.1f} of {r.total_ps:.4g} ps "
            f"({100 * r.fraction_done:.1f}%), {speed} atom-steps/s, "
            f"ETA {format_duration(r.eta_s)}"
        )
        if r.temperature_K is not None:
            text += f", T {r.temperature_K:.0f} K"
        if r.pe_eV_per_atom is not None:
            text += f", PE {r.pe_eV_per_atom:.4g} eV/atom"
        return text

    def finish(self, state: str, error: str | None = None, log: str | None = None) -> None:
        """Read the last rows and write the record's final state."""
        with contextlib.suppress(OSError, ValueError):
            self.poll()
        self.record.state, self.record.error, self.record.log = state, error, log
        if state == "finished":
            self.record.eta_s = 0.0
        write_progress(self.record_path, self.record)

    def _last_new_row(self) -> dict[str, str] | None:
        lines, self._offset = new_complete_lines(self.thermo_path, self._offset)
        last = None
        for line in lines:
            parts = line.split()
            if parts and parts[0] == "stage":
                self._columns = parts
            elif self._columns and len(parts) == len(self._columns):
                last = dict(zip(self._columns, parts, strict=True))
        return last


class LogTracker:
    """Progress of a LAMMPS input without a thermo table of its own (the potential checks):
    follows LAMMPS's log, where each ``run N`` command is echoed before its thermo rows.
    The record's stage is ``run k`` (the k-th run of the input), its steps those of that
    run, so its ETA is that run's; the number of runs still to come is not known."""

    def __init__(self, log_path: str | Path, record_path: str | Path, record: ProgressRecord,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.log_path = Path(log_path)
        self.record_path = Path(record_path)
        self.record = record
        self.clock = clock
        self._offset = 0
        self._runs = 0
        self._first_step: int | None = None
        self._in_thermo = False
        self._columns: list[str] = []
        self._started = clock()
        write_progress(self.record_path, self.record)

    def poll(self) -> bool:
        lines, self._offset = new_complete_lines(self.log_path, self._offset)
        changed = False
        for line in lines:
            words = line.split()
            if len(words) >= 2 and words[0] == "run" and words[1].isdigit():
                self._runs += 1
                self.record.stage = f"run {self._runs}"
                self.record.total_steps = int(words[1])
                self.record.step, self._first_step, self._started = 0, None, self.clock()
                changed = True
            elif words and words[0] == "Step":
                self._in_thermo, self._columns = True, words
            elif self._in_thermo and words and words[0].lstrip("-").isdigit() and len(
                    words) == len(self._columns):
                step = int(words[0])
                self._first_step = step if self._first_step is None else self._first_step
                self.record.step = step - self._first_step
                row = dict(zip(self._columns, words, strict=True))
                if "Temp" in row:
                    self.record.temperature_K = float(row["Temp"])
                changed = True
            else:
                self._in_thermo = False
        if changed:
            elapsed = self.clock() - self._started
            if elapsed > 0 and self.record.step > 0:
                rate = self.record.step / elapsed
                self.record.atom_steps_per_s = rate * self.record.atoms or None
                self.record.eta_s = max(0, self.record.total_steps - self.record.step) / rate
            write_progress(self.record_path, self.record)
        return changed

    def finish(self, state: str, error: str | None = None) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.poll()
        self.record.state, self.record.error = state, error
        write_progress(self.record_path, self.record)


def new_complete_lines(path: Path, offset: int) -> tuple[list[str], int]:
    """The complete lines a growing file (LAMMPS's table or log) gained after byte ``offset``,
    and the offset after them; a last line still being written is left for the next call."""
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            chunk = handle.read()
    except FileNotFoundError:
        return [], offset
    end = chunk.rfind(b"\n") + 1
    return chunk[:end].decode(errors="replace").splitlines(), offset + end


def _first(row: Mapping[str, str], names: tuple[str, ...]) -> float | None:
    for name in names:
        if name in row:
            return float(row[name])
    return None


def first_error_line(text: str) -> str | None:
    """The first line of LAMMPS output that reports an ``ERROR`` (None if there is none)."""
    for line in text.splitlines():
        if "ERROR" in line:
            return line.strip()
    return None


def next_attempt(run_dir: str | Path) -> int:
    """The number of the attempt about to start in ``run_dir``: one more than the attempts
    whose logs are kept there."""
    attempts = Path(run_dir) / ATTEMPTS_DIR
    numbers = [int(p.name.split("-")[1].split(".")[0]) for p in attempts.glob("attempt-*.json")]
    return max(numbers, default=0) + 1


def archive_attempt(
    run_dir: str | Path,
    attempt: int,
    lammps_log: str | Path | None,
    rule_log: str | Path | None,
    summary: Mapping[str, Any],
) -> Path:
    """Keep attempt ``attempt``'s logs in ``<run_dir>/attempts/``: ``attempt-NN.lammps.log``,
    ``attempt-NN.rule.log`` and ``attempt-NN.json`` (``summary``: state, error, steps, times).
    Returns the path of the kept LAMMPS log (which may not exist if LAMMPS wrote none).

    Best effort: on a full disk what cannot be copied is left out (a cut copy is removed)."""
    folder = Path(run_dir) / ATTEMPTS_DIR
    stem = folder / f"attempt-{attempt:02d}"
    kept = stem.with_name(stem.name + ".lammps.log")
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    for source, target in ((lammps_log, kept), (rule_log, stem.with_name(stem.name + ".rule.log"))):
        if source is not None and Path(source).is_file():
            try:
                shutil.copyfile(source, target)
            except OSError:
                target.unlink(missing_ok=True)
    _write_atomically(stem.with_name(stem.name + ".json"),
                      json.dumps(dict(summary), indent=1, default=str) + "\n")
    return kept


def close_interrupted_attempts(run_dir: str | Path, lammps_log: str | Path | None) -> list[int]:
    """Mark earlier attempts that never ended (their job was killed: SIGKILL, ``scancel``, a
    lost node) as ``interrupted`` and keep ``lammps_log`` (the newest LAMMPS log in the work
    folder, still the killed attempt's before LAMMPS starts again) as the last one's log.
    Returns their numbers."""
    folder = Path(run_dir) / ATTEMPTS_DIR
    closed = []
    for path in sorted(folder.glob("attempt-*.json")):
        try:
            summary = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if summary.get("state") == "running":
            summary["state"] = "interrupted"
            _write_atomically(path, json.dumps(summary, indent=1, default=str) + "\n")
            closed.append(int(path.name.split("-")[1].split(".")[0]))
    if closed and lammps_log is not None and Path(lammps_log).is_file():
        kept = folder / f"attempt-{closed[-1]:02d}.lammps.log"
        if not kept.exists():
            with contextlib.suppress(OSError):
                shutil.copyfile(lammps_log, kept)
    return closed


class RunFolderBusy(RuntimeError):
    """Another job holds the run folder's lock."""


@contextlib.contextmanager
def run_folder_lock(run_dir: str | Path) -> Iterator[None]:
    """Hold ``<run_dir>/run.lock`` exclusively for the block (``flock``: released by the
    kernel when the process dies, so a killed job never leaves a stale lock).

    Raises :class:`RunFolderBusy`, naming the holder's host, pid and start, if another job
    holds it: two campaigns that share a run never run it twice at once."""
    path = Path(run_dir) / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 (held for the block)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another job"
            raise RunFolderBusy(
                f"run folder {run_dir} is being run by {holder}: not starting a second copy "
                "(wait for it to finish, then run the workflow again)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(
            f"host {socket.gethostname()} pid {os.getpid()} since "
            f"{time.strftime('%Y-%m-%d %H:%M:%S')}"
            + (f" (Slurm job {os.environ['SLURM_JOB_ID']})" if "SLURM_JOB_ID" in os.environ
               else "")
            + "\n"
        )
        handle.flush()
        yield
    finally:
        handle.close()
