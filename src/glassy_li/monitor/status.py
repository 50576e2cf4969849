"""Where a campaign stands: every planned run's state, progress and ETA, and the campaign's.

Everything is derived from the campaign's planned grid (its config, as Snakemake composes
it) and the files in the run folders (``results/runs/<run>/``), never from Snakemake's own
``.snakemake`` metadata, so it works as well on a campaign that Slurm runs on other nodes
(read the shared results folder):

- ``<run>/ana-<digest>/summary.json``: analysed (``transformed`` with its incubation time,
  ``censored``, or ``crystalline_at_reference``);
- ``<run>/thermo.tsv`` + ``md_performance.json``: MD finished, analysis pending (``finished``);
- ``<run>/progress.json`` (:mod:`glassy_li.lammps.progress`): ``running``, ``failed`` (with the
  first LAMMPS ``ERROR`` line and the kept log), ``stopped`` (wall-clock budget: a rerun
  continues) or ``interrupted`` (the job died without a word: killed, node lost; a rerun
  resumes from its restart);
- nothing: ``pending``.

The campaign's ETA (:func:`campaign_eta`) comes from the remaining planned atom-steps of each
run over this campaign's measured speed at its potential and size, plus its analysis at the
analysis-to-MD time measured at that size, spread over the jobs measured side by side in the
last 10 minutes (or ``--jobs``) with Graham's list-scheduling bounds, since Snakemake's order
is not known here.  Jobs after the last run (tables, figures, report) are not in it.

Command line (:mod:`glassy_li.cli`): ``glassy-li status [RESULTS] [--configfile FILE ...]
[--watch [S]] [--json] [--failed] [--jobs N]``.
"""

from __future__ import annotations

import json
import math
import os
import socket
import statistics
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from glassy_li.analysis.incubation import CENSORED, CRYSTALLINE_AT_REFERENCE, TRANSFORMED
from glassy_li.core.clock import SimulatedTime, StepClock
from glassy_li.lammps.progress import PROGRESS_FILE, ProgressRecord, format_duration, read_progress
from glassy_li.md.protocol import stage_steps
from glassy_li.plan.campaign import Campaign, md_folder

__all__ = [
    "CampaignEta",
    "RunStatus",
    "campaign_eta",
    "collect",
    "PlannedRun",
    "plan",
    "as_json",
    "render",
    "snapshot",
    "speed_at",
]

CONCURRENCY_WINDOW_S = 600.0
"""Jobs side by side are measured over the last 10 minutes of the campaign."""
STALE_AFTER_S = 900.0
"""A record of another host not updated for 15 minutes belongs to a job that died."""
DEFAULT_REFRESH_S = 5.0
ANALYSED_STATES = (TRANSFORMED, CENSORED, CRYSTALLINE_AT_REFERENCE)
SWEPT = ("initial_state", "potential", "packing_density_g_cm3", "ensemble_size_atoms",
         "final_temperature_K", "coupling", "replica")


@dataclass
class RunStatus(SimulatedTime):
    """One planned run as its folder shows it (steps: LAMMPS timesteps of its MD)."""

    run_id: str
    values: dict[str, Any]
    state: str = "pending"
    incubation_time_ps: float | None = None
    step: int = 0
    total_steps: int = 0
    timestep_ps: float = 0.0
    clock: StepClock | None = None
    """The run's step clock where the hold takes another timestep (None: ``timestep_ps``)."""
    atoms: float = 0.0
    atom_steps_per_s: float | None = None
    """Measured: this run's own speed (finished, or running with a record)."""
    eta_s: float | None = None
    md_wall_s: float | None = None
    error: str | None = None
    log: str | None = None
    analysed: bool = False
    intervals: list[tuple[float, float]] = field(default_factory=list)
    """(start, end) Unix times of this run's jobs seen in its folder (MD and analysis)."""

    @property
    def planned_atom_steps(self) -> float:
        return self.total_steps * self.atoms

    @property
    def done_atom_steps(self) -> float:
        return min(self.step, self.total_steps) * self.atoms

    @property
    def md_done(self) -> bool:
        return self.state in ("finished", *ANALYSED_STATES)

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values.pop("intervals")
        values.update(
            simulated_ps=self.simulated_ps,
            total_ps=self.total_ps,
            planned_atom_steps=self.planned_atom_steps,
            done_atom_steps=self.done_atom_steps,
        )
        return values


@dataclass
class CampaignEta:
    """The campaign's totals and ETA (:func:`campaign_eta`)."""

    done_atom_steps: float
    total_atom_steps: float
    remaining_md_job_s: float | None
    remaining_analysis_job_s: float | None
    analysis_per_md_s: float
    jobs_side_by_side: float
    longest_run_s: float
    """The longest remaining run's MD and analysis (job seconds)."""
    eta_s: float | None
    """None while some unfinished run's potential has no measured speed yet."""
    counts: dict[str, int]
    unknown_speed: list[str]
    """Potentials with unfinished runs and no measured speed."""


def _median(values: Iterable[float]) -> float | None:
    values = [v for v in values if v is not None and v > 0 and math.isfinite(v)]
    return statistics.median(values) if values else None


def _overlap(intervals: Iterable[tuple[float, float]], start: float, end: float) -> float:
    return sum(max(0.0, min(b, end) - max(a, start)) for a, b in intervals)


def speed_at(measured: Mapping[int, float], size: int) -> float | None:
    """Atom-steps/s at ``size`` from the median speeds ``measured`` at sizes of one potential:
    that size's own if measured; between two measured sizes, a power law through them
    (interpolated in log size); beyond the measured sizes, the nearest one's (MD costs O(N):
    atom-steps/s does not fall with size to first order, and extrapolating a slope measured
    on small, cache-resident droplets over-predicts the cost of large ones)."""
    if size in measured:
        return measured[size]
    if not measured:
        return None
    below = [n for n in measured if n < size]
    above = [n for n in measured if n > size]
    if not below or not above:
        return measured[max(below) if below else min(above)]
    n1, n2 = max(below), min(above)
    exponent = math.log(measured[n2] / measured[n1]) / math.log(n2 / n1)
    return measured[n1] * (size / n1) ** exponent


def campaign_eta(
    runs: Sequence[RunStatus], now: float, jobs: float | None = None
) -> CampaignEta:
    """The campaign's ETA from its runs' remaining atom-steps and measured speeds.

    - Measured speed at a (potential, size): the median over its runs of each finished run's
      whole-run speed and each running run's current speed (:func:`speed_at` at a size not
      yet measured: interpolated between the potential's measured sizes, the nearest one's
      beyond them).
    - Remaining MD job time: sum over runs not finished of remaining atom-steps / speed.
    - Analysis of every run not yet analysed: its whole MD job time times the analysis job
      seconds per MD second measured at its potential and size (the median over the
      analysed runs of their non-MD ``intervals`` over their ``md_wall_s``; :func:`speed_at`
      at a size not analysed yet; ``analysis_per_md_s``, the pooled ratio, for a potential
      with none analysed).
    - Jobs side by side ``m``: ``jobs`` if given, else the job time of all runs' ``intervals``
      that falls in the last :data:`CONCURRENCY_WINDOW_S` (or since the first job began, if
      later) divided by that window's length; while that is under a minute, the number of
      runs running now (at least 1).
    - ETA: the remaining job time ``W`` (MD and analysis) run on ``m`` slots in an order
      Snakemake chooses, which this view does not know.  With ``L`` the longest remaining
      run (its MD and analysis), any such order ends between ``max(W/m, L)`` and
      ``W/m + (1 - 1/m) L`` (Graham's list-scheduling bounds); the ETA is the middle,
      ``max(L, W/m + (1 - 1/m) L / 2)``.  (The plain ``W/m`` missed a long run left to run
      alone at the end by half the campaign's remaining time, docs/performance.md.)
    """
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.state] = counts.get(run.state, 0) + 1

    samples: dict[str, dict[int, list[float]]] = {}
    for run in runs:
        if run.atom_steps_per_s and (run.md_done or run.state == "running"):
            samples.setdefault(run.values["potential"], {}).setdefault(
                int(run.values["ensemble_size_atoms"]), []).append(run.atom_steps_per_s)
    medians = {potential: {size: _median(speeds) for size, speeds in sizes.items()}
               for potential, sizes in samples.items()}

    # analysis job time per MD second, per (potential, size), measured on the analysed runs
    # (a run's non-MD job intervals over its MD wall time); small runs pay a larger share of
    # fixed per-job costs, so a size not analysed yet takes its neighbours' (speed_at)
    ratio_samples: dict[str, dict[int, list[float]]] = {}
    analysed = [run for run in runs if run.analysed and run.md_wall_s]
    for run in analysed:
        other = sum(b - a for a, b in run.intervals) - run.md_wall_s
        ratio_samples.setdefault(run.values["potential"], {}).setdefault(
            int(run.values["ensemble_size_atoms"]), []).append(max(0.0, other / run.md_wall_s))
    ratios = {potential: {size: statistics.median(values) for size, values in sizes.items()}
              for potential, sizes in ratio_samples.items()}
    md_s = sum(run.md_wall_s for run in analysed)
    other_s = sum(b - a for run in analysed for a, b in run.intervals) - md_s
    analysis_per_md = max(0.0, other_s / md_s) if md_s > 0 else 0.0

    remaining_md, remaining_analysis, longest, unknown = 0.0, 0.0, 0.0, set()
    for run in runs:
        if run.analysed:
            run.eta_s = 0.0
            continue
        potential, size = run.values["potential"], int(run.values["ensemble_size_atoms"])
        ratio = speed_at(ratios.get(potential, {}), size)
        ratio = analysis_per_md if ratio is None else ratio
        if run.md_done:
            run.eta_s = 0.0
            analysis = ratio * (run.md_wall_s or 0.0)
        else:
            speed = speed_at(medians.get(potential, {}), size)
            if speed is None:
                unknown.add(potential)
                run.eta_s = None
                continue
            run.eta_s = (run.planned_atom_steps - run.done_atom_steps) / speed
            remaining_md += run.eta_s
            analysis = ratio * run.planned_atom_steps / speed
        remaining_analysis += analysis
        # the longest run still to end: its remaining MD, then its analysis
        longest = max(longest, run.eta_s + analysis)

    if jobs is None:
        intervals = [interval for run in runs for interval in run.intervals]
        first = min((a for a, _ in intervals), default=now)
        window = min(CONCURRENCY_WINDOW_S, now - first)
        if window >= 60.0:
            jobs = _overlap(intervals, now - window, now) / window
        if not jobs or jobs <= 0:
            jobs = max(1, counts.get("running", 0))
    work = remaining_md + remaining_analysis
    slots = max(1.0, float(jobs))
    eta = None if unknown else max(longest, work / slots + (1 - 1 / slots) * longest / 2)
    return CampaignEta(
        done_atom_steps=sum(r.planned_atom_steps if r.md_done else r.done_atom_steps
                            for r in runs),
        total_atom_steps=sum(r.planned_atom_steps for r in runs),
        remaining_md_job_s=remaining_md,
        remaining_analysis_job_s=remaining_analysis,
        analysis_per_md_s=analysis_per_md,
        jobs_side_by_side=float(jobs),
        longest_run_s=longest,
        eta_s=eta,
        counts=counts,
        unknown_speed=sorted(unknown),
    )


# -- reading the run folders ------------------------------------------------------------------
def _json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _alive(record: ProgressRecord, now: float) -> bool:
    """Whether the job that writes ``record`` still runs (its pid, on this host; elsewhere,
    a record updated within :data:`STALE_AFTER_S`)."""
    if record.host == socket.gethostname():
        try:
            os.kill(record.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return now - record.updated < STALE_AFTER_S


def _benchmark_intervals(results: Path, md: str, run_id: str) -> list[tuple[float, float]]:
    """(start, end) of the run's jobs from Snakemake's benchmark files (end: the file's
    modification time; length: its ``s`` column)."""
    found = []
    for rule_dir in (results / "benchmarks").glob("*"):
        for path in (rule_dir / f"{md}.tsv", rule_dir / f"{run_id}.tsv"):
            try:
                lines = path.read_text().splitlines()
                seconds = float(lines[1].split("\t")[0])
                end = path.stat().st_mtime
            except (OSError, IndexError, ValueError):
                continue
            found.append((end - seconds, end))
    return found


@dataclass(frozen=True)
class PlannedRun:
    """What the config says of one run (read once; the files are read at every refresh)."""

    run_id: str
    values: dict[str, Any]
    total_steps: int
    timestep_ps: float
    atoms: float
    clock: StepClock | None = None


def plan(campaign: Campaign) -> list[PlannedRun]:
    """The campaign's planned runs with their MD lengths and atom counts (flux atoms count
    half: on average over the run)."""
    planned = []
    protocols: dict[str, Any] = {}
    for run_id, row in campaign.runs().iterrows():
        md = md_folder(run_id)
        if md not in protocols:
            protocols[md] = campaign.run_protocol(row)
        protocol = protocols[md]
        steps = stage_steps(protocol)
        planned.append(PlannedRun(
            run_id=run_id,
            values={k: row[k].item() if hasattr(row[k], "item") else row[k] for k in SWEPT},
            total_steps=steps.total,
            # the run's mean step (the hold may take a longer one): exact at the run's end
            timestep_ps=float(steps.clock.time_ps(steps.total)) / max(steps.total, 1)
            if steps.clock else protocol.timestep_ps,
            atoms=float(row["ensemble_size_atoms"]) + protocol.flux_atoms / 2,
            clock=steps.clock,
        ))
    return planned


def collect(campaign: Campaign | Sequence[PlannedRun], results: str | Path = "results",
            now: float | None = None) -> list[RunStatus]:
    """Every planned run of ``campaign`` (or of its :func:`plan`) with its state read from
    ``results/runs``."""
    results = Path(results)
    now = time.time() if now is None else now
    planned = plan(campaign) if isinstance(campaign, Campaign) else campaign
    statuses = []
    for run in planned:
        md = md_folder(run.run_id)
        status = RunStatus(run_id=run.run_id, values=dict(run.values),
                           total_steps=run.total_steps, timestep_ps=run.timestep_ps,
                           clock=run.clock, atoms=run.atoms)
        record = _read_run(status, results / "runs", md, run.run_id, now)
        status.intervals = _benchmark_intervals(results, md, run.run_id)
        if status.state == "running" and record is not None:
            status.intervals.append((record.started, now))
        statuses.append(status)
    return statuses


def _read_run(status: RunStatus, runs: Path, md: str, run_id: str,
              now: float) -> ProgressRecord | None:
    """Fill ``status`` from the run's files; return its progress record (if any)."""
    folder = runs / md
    summary = _json(runs / run_id / "summary.json")
    performance = _json(folder / "md_performance.json")
    record = read_progress(folder / PROGRESS_FILE)
    if performance is not None and (folder / "thermo.tsv").exists():
        status.state = "finished"
        status.md_wall_s = float(performance["wall_s"])
        status.atom_steps_per_s = float(performance["atom_steps_per_s"])
        status.step = status.total_steps
        if "settled_step" in performance:  # the hold ended early: the rest never runs
            status.total_steps = status.step = int(performance["settled_step"])
    if summary is not None and status.state == "finished":
        status.analysed = True
        status.state = str(summary.get("status", "finished"))
        if summary.get("transformed"):
            status.incubation_time_ps = float(summary["incubation_time_ps"])
        return record
    if status.state == "finished" or record is None:
        return record
    status.step = record.step
    status.atom_steps_per_s = record.atom_steps_per_s
    status.log = str(folder / record.log) if record.log else None
    if record.state == "running":
        status.state = "running" if _alive(record, now) else "interrupted"
        if status.state == "running":
            status.eta_s = record.eta_s
    elif record.state in ("failed", "stopped"):
        status.state = record.state
        status.error = record.error
    return record


# -- output -----------------------------------------------------------------------------------
def render(statuses: Sequence[RunStatus], eta: CampaignEta, title: str, now: float):
    """A rich renderable: one row per run with a progress bar, then the totals."""
    from rich.console import Group  # noqa: PLC0415 (the CLI's dependency only)
    from rich.progress_bar import ProgressBar  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    styles = {"running": "cyan", "failed": "bold red", "interrupted": "yellow",
              "stopped": "yellow", "transformed": "green", "censored": "magenta",
              "finished": "blue", "pending": "dim", CRYSTALLINE_AT_REFERENCE: "green"}
    labels = {"initial_state": "start", "potential": "potential", "ensemble_size_atoms": "N",
              "packing_density_g_cm3": "rho g/cm3", "final_temperature_K": "T K",
              "coupling": "coupling", "replica": "rep"}
    # a value every run shares goes into the title, not into a column
    varying = [k for k in SWEPT if len({str(s.values[k]) for s in statuses}) > 1]
    shared = [f"{labels[k]} {_show(k, statuses[0].values[k])}" for k in SWEPT
              if k not in varying and statuses]
    table = Table(title=Text(f"{title}\n{', '.join(shared)}"), title_justify="left",
                  pad_edge=False, box=None, header_style="bold")
    for k in varying:
        table.add_column(labels[k], justify="left" if isinstance(statuses[0].values[k], str)
                         else "right", no_wrap=True)
    for name, justify in (("state", "left"), ("progress", "left"), ("ps", "right"),
                          ("atom-steps/s", "right"), ("ETA", "right"), ("detail", "left")):
        table.add_column(name, justify=justify, no_wrap=name != "detail",
                         overflow="fold" if name == "detail" else "ellipsis")
    for run in statuses:
        fraction = run.step / run.total_steps if run.total_steps else 0.0
        if run.md_done:
            fraction = 1.0
        detail = ""
        if run.incubation_time_ps is not None:
            detail = f"incubation {run.incubation_time_ps:g} ps"
        if run.error:
            detail = f"{run.error}  [{run.log}]"
        elif run.state == "interrupted":
            detail = "job gone: a rerun resumes from its restart"
        table.add_row(
            *(_show(k, run.values[k]) for k in varying),
            Text(run.state, style=styles.get(run.state, "")),
            ProgressBar(total=1.0, completed=fraction, width=16),
            f"{run.simulated_ps:.0f}/{run.total_ps:.0f}",
            "-" if not run.atom_steps_per_s else f"{run.atom_steps_per_s:.2g}",
            "" if run.md_done else format_duration(run.eta_s),
            Text(detail),
        )
    counts = ", ".join(f"{n} {state}" for state, n in sorted(eta.counts.items()))
    done = eta.done_atom_steps / eta.total_atom_steps if eta.total_atom_steps else 0.0
    if eta.eta_s is None:
        eta_text = (f"unknown until a run of {', '.join(eta.unknown_speed)} reports its speed")
    else:
        eta_text = (f"{format_duration(eta.eta_s)} (about "
                    f"{time.strftime('%H:%M', time.localtime(now + eta.eta_s))})")
    totals = Text.assemble(
        (f"{len(statuses)} runs: {counts}\n", "bold"),
        f"atom-steps {eta.done_atom_steps:.3g} of {eta.total_atom_steps:.3g} ({100 * done:.1f}%)"
        f"; {eta.jobs_side_by_side:.1f} jobs side by side; analysis "
        f"{eta.analysis_per_md_s:.2f} s per MD s\n",
        ("campaign ETA (runs and their analysis; figures follow): ", "bold"), eta_text,
    )
    return Group(table, totals)


def _show(key: str, value: Any) -> str:
    if key == "coupling":
        return str(value).removeprefix("coup-")
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def snapshot(planned: Sequence[PlannedRun], results: Path, jobs: float | None,
             failed_only: bool, now: float | None = None) -> tuple[list[RunStatus], CampaignEta]:
    now = time.time() if now is None else now
    statuses = collect(planned, results, now)
    eta = campaign_eta(statuses, now, jobs)
    if failed_only:
        statuses = [s for s in statuses if s.state == "failed"]
    return statuses, eta


def as_json(statuses: Sequence[RunStatus], eta: CampaignEta, campaign: str, now: float,
             indent: int | None = 1) -> str:
    return json.dumps(
        {"campaign": campaign, "time": now, "eta": asdict(eta),
         "runs": [s.as_dict() for s in statuses]},
        indent=indent, default=str,
    )
