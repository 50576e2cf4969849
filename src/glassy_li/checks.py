"""Checks of a potential preset: bcc lattice, cohesive energy, energy drift, throughput.

For each preset (template ``workflow/templates/check_potential.lammps``):

* the bcc lattice constant (A) and the cohesive energy (eV/atom: energy of an isolated atom
  minus the energy per atom of the relaxed crystal), against Li's 3.51 A and 1.63 eV;
* the drift of the total energy per atom in NVE at the preset's default timestep
  (eV/atom/ps, from a linear fit), for a bcc crystal at about 300 K;
* the throughput (atom-steps per second, one core) of NVT MD of a 700-atom condensed ensemble.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np

from .lammps_env import lmp_command, lmp_environment
from .md import TEMPLATE_DIR, PotentialSetup, lammps_error_lines, write_inputs
from .system import generate_system, write_lammps_data
from .units import lammps_units

__all__ = ["EXPERIMENT", "DRIFT_BOUND_EV_PER_ATOM_PS", "check_potential"]

EXPERIMENT = {"lattice_constant_A": 3.51, "cohesive_energy_eV": 1.63}
"""bcc Li at room temperature (lattice constant) and its cohesive energy (Kittel)."""

DRIFT_BOUND_EV_PER_ATOM_PS = 1.0e-4
"""A default timestep must keep |NVE drift| below this (1 meV/atom per 10 ps)."""

FINISHED = "glassy-li: checks finished"


def check_potential(
    potential: PotentialSetup,
    timestep_fs: float,
    work_dir: str | Path,
    log_file: str | Path,
    nve_duration_ps: float = 2.0,
    throughput_steps: int = 1000,
    template_dir: str | Path = TEMPLATE_DIR,
) -> dict[str, float | str | bool]:
    """Run the checks of one preset in ``work_dir``; return the figures as a flat dict."""
    work = Path(work_dir)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    units = lammps_units(potential.units)
    dt_ps = timestep_fs * 1e-3
    droplet = generate_system(700, 0.2136, "droplet", seed=1, mass_amu=potential.mass_amu)
    write_lammps_data(droplet, work / "droplet.data", atom_style=potential.atom_style)
    nve_steps = int(round(nve_duration_ps / dt_ps))
    parameters: dict[str, str | int | float] = {
        "units": potential.units,
        "atom_style": potential.atom_style,
        "pair_style": potential.pair_style,
        "pair_coeff": potential.pair_coeff,
        "mass": potential.mass_amu,
        "neighbor_skin": potential.neighbor_skin_A / units.distance_to_A,
        "timestep": dt_ps / units.time_to_ps,
        "thermostat_damping": 0.1 / units.time_to_ps,
        "energy_to_eV": units.energy_to_eV,
        "time_to_ps": units.time_to_ps,
        # large enough crystals for ReaxFF's 10 A cutoff (its ghost-atom buffers)
        "lattice_cells": 6,
        "nve_cells": 5,
        "nve_equilibration_steps": int(round(0.5 / dt_ps)),
        "nve_steps": nve_steps,
        "nve_record_every": max(1, nve_steps // 500),
        "nve_thermo_every": max(1, nve_steps // 10),
        "throughput_warmup_steps": max(10, throughput_steps // 10),
        "throughput_steps": throughput_steps,
    }
    script = write_inputs(
        work, parameters, template_dir, potential.extra_commands, ("check_potential.lammps",)
    )
    start = time.perf_counter()
    with open(log_file, "a") as log:
        completed = subprocess.run(
            [*lmp_command(1), "-in", script.name, "-log", "log.lammps"],
            cwd=work,
            env=lmp_environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    text = (work / "log.lammps").read_text() if (work / "log.lammps").exists() else ""
    if completed.returncode != 0 or FINISHED not in text:
        raise RuntimeError(
            f"checks of preset {potential.name} failed in {work}:\n"
            f"{lammps_error_lines(Path(log_file).read_text())}"
        )
    lattice = (work / "check_lattice.txt").read_text().split()
    a_A, e_crystal, e_isolated = (float(v) for v in lattice[:3])
    nve = np.loadtxt(work / "check_nve.txt", comments="#")
    drift = float(np.polyfit(nve[:, 0], nve[:, 1], 1)[0])
    loops = re.findall(
        r"Loop time of ([\d.eE+-]+) on (\d+) procs for (\d+) steps with (\d+) atoms", text
    )
    loop_s, _procs, steps, atoms = loops[-1]
    throughput = int(atoms) * int(steps) / float(loop_s)
    cohesive = e_isolated - e_crystal
    return {
        "preset": potential.name,
        "units": potential.units,
        "pair_style": potential.pair_style,
        "timestep_fs": timestep_fs,
        "lattice_constant_A": a_A,
        "lattice_constant_error_percent": 100 * (a_A / EXPERIMENT["lattice_constant_A"] - 1),
        "cohesive_energy_eV": cohesive,
        "cohesive_energy_error_percent": 100 * (cohesive / EXPERIMENT["cohesive_energy_eV"] - 1),
        "nve_temperature_K": float(nve[:, 2].mean()),
        "nve_drift_eV_per_atom_per_ps": drift,
        "nve_drift_within_bound": abs(drift) < DRIFT_BOUND_EV_PER_ATOM_PS,
        "throughput_atom_steps_per_s": throughput,
        "throughput_atoms": int(atoms),
        "check_wall_s": time.perf_counter() - start,
    }


def markdown_report(rows: list[dict], citations: dict[str, str], machine: str) -> str:
    """The preset table of ``docs/potentials.md``: measured figures and each preset's source."""
    lines = [
        "| preset | units | timestep (fs) | a (A) | E_coh (eV/atom) | NVE drift (eV/atom/ps) "
        "| T of NVE run (K) | atom-steps/s (700 atoms, 1 core) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        drift_flag = "" if row["nve_drift_within_bound"] else " (above bound)"
        lines.append(
            f"| `{row['preset']}` | {row['units']} | {row['timestep_fs']:g} "
            f"| {row['lattice_constant_A']:.3f} ({row['lattice_constant_error_percent']:+.1f}%) "
            f"| {row['cohesive_energy_eV']:.3f} ({row['cohesive_energy_error_percent']:+.1f}%) "
            f"| {row['nve_drift_eV_per_atom_per_ps']:.1e}{drift_flag} "
            f"| {row['nve_temperature_K']:.0f} | {row['throughput_atom_steps_per_s']:.3g} |"
        )
    lines += [
        "",
        f"Experiment: a = {EXPERIMENT['lattice_constant_A']} A (bcc Li, room temperature), "
        f"E_coh = {EXPERIMENT['cohesive_energy_eV']} eV/atom; percentages are the deviations. "
        f"Bound on the NVE drift at the default timestep: "
        f"|drift| < {DRIFT_BOUND_EV_PER_ATOM_PS:.0e} eV/atom/ps. Measured on {machine}.",
        "",
        "Sources:",
        "",
    ]
    lines += [f"- `{name}`: {text}" for name, text in citations.items()]
    return "\n".join(lines) + "\n"
