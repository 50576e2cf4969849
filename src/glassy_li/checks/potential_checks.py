"""Checks of a potential preset against its metal: lattice, cohesion, drift, speed, melting.

For each preset (templates ``workflow/templates/check_potential.lammps`` and
``check_melting.lammps``), against the experimental values of the preset's metal
(:class:`glassy_li.config.metals.Metal`):

* the lattice constant a (and c for hcp, A) of the metal's reference crystal and the
  cohesive energy (eV/atom: energy of an isolated atom minus the energy per atom of the
  relaxed crystal);
* the drift of the total energy per atom in NVE at the preset's default timestep
  (eV/atom/ps, from a linear fit), for the reference crystal at about 300 K, or 0.6 of the
  experimental melting point where that is lower;
* the throughput (atom-steps per second, one core) of NVT MD of a 700-atom condensed ensemble;
* the melting point (K) from solid-liquid coexistence at zero pressure (NPH): half of a
  crystal melted, then left without a thermostat so that the interface moves until the
  temperature settles at the potential's melting point (:func:`melting_point`).
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glassy_li.config.metals import CRYSTAL_STRUCTURES, Metal
from glassy_li.config.potential_setup import PotentialSetup
from glassy_li.core.units import lammps_units
from glassy_li.lammps.run import TEMPLATE_DIR, potential_parameters, run_lammps_once, write_inputs
from glassy_li.md.system import generate_system, write_lammps_data
from glassy_li.structure.identify import (
    STRUCTURE_TYPES,
    StructureSettings,
    identify_structures,
    read_lammps_dump,
)

__all__ = [
    "DRIFT_BOUND_EV_PER_ATOM_PS",
    "MeltingSettings",
    "check_potential",
    "markdown_report",
    "melting_point",
]

DRIFT_BOUND_EV_PER_ATOM_PS = 1.0e-4
"""A default timestep must keep |NVE drift| below this (1 meV/atom per 10 ps)."""

FINISHED = "glassy-li: checks finished"
MELTING_FINISHED = "glassy-li: melting check finished"


def _potential_parameters(potential: PotentialSetup, timestep_fs: float) -> dict:
    """The shared potential block's variables, plus the mass (the check inputs build their
    crystals with ``create_atoms``) and a 0.1 ps thermostat damping."""
    return {
        **potential_parameters(potential, timestep_fs),
        "mass": potential.mass_amu,
        "thermostat_damping": 0.1 / lammps_units(potential.units).time_to_ps,
    }


def _fresh(work_dir: str | Path) -> Path:
    work = Path(work_dir)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    return work


def check_temperature_K(metal: Metal) -> float:
    """Temperature of the NVE and throughput runs: 300 K, or 0.6 T_m (experiment) if lower."""
    return min(300.0, 0.6 * metal.melting_point_K)


def check_potential(
    potential: PotentialSetup,
    metal: Metal,
    timestep_fs: float,
    work_dir: str | Path,
    log_file: str | Path,
    nve_duration_ps: float = 2.0,
    throughput_steps: int = 1000,
    template_dir: str | Path = TEMPLATE_DIR,
) -> dict[str, float | str | bool | None]:
    """Run the lattice, NVE and throughput checks of one preset in ``work_dir``; return the
    figures as a flat dict (experimental values and deviations beside the measured ones)."""
    work = _fresh(work_dir)
    dt_ps = timestep_fs * 1e-3  # ps
    droplet = generate_system(
        700, 0.4 * metal.bulk_density_g_cm3, "droplet", seed=1, mass_amu=potential.mass_amu,
        droplet_density_g_cm3=0.96 * metal.bulk_density_g_cm3,
    )
    write_lammps_data(droplet, work / "droplet.data", atom_style=potential.atom_style)
    nve_steps = int(round(nve_duration_ps / dt_ps))
    temperature = check_temperature_K(metal)
    parameters: dict[str, str | int | float] = {
        **_potential_parameters(potential, timestep_fs),
        "lattice_style": metal.reference_structure,
        "lattice_constant": metal.lattice_constant_A,
        "relax_coupling": "aniso" if metal.reference_structure == "hcp" else "iso",
        # large enough crystals for ReaxFF's 10 A cutoff (its ghost-atom buffers)
        "lattice_cells": 6,
        "nve_cells": 5,
        "nve_start_temperature": 2 * temperature,
        "run_temperature": temperature,
        "nve_equilibration_steps": int(round(0.5 / dt_ps)),
        "nve_steps": nve_steps,
        "nve_record_every": max(1, nve_steps // 500),
        "nve_thermo_every": max(1, nve_steps // 10),
        "throughput_warmup_steps": max(10, throughput_steps // 10),
        "throughput_steps": throughput_steps,
    }
    script = write_inputs(
        work, parameters, template_dir, potential.after_pair_coeff, ("check_potential.lammps",)
    )
    start = time.perf_counter()
    text = run_lammps_once(
        work, script.name, log_file, FINISHED, f"checks of preset {potential.name}"
    )
    lattice = (work / "check_lattice.txt").read_text().split()
    a_A, c_A, e_crystal, e_isolated = (float(v) for v in lattice[:4])
    nve = np.loadtxt(work / "check_nve.txt", comments="#")
    drift = float(np.polyfit(nve[:, 0], nve[:, 1], 1)[0])
    loops = re.findall(
        r"Loop time of ([\d.eE+-]+) on (\d+) procs for (\d+) steps with (\d+) atoms", text
    )
    loop_s, _procs, steps, atoms = loops[-1]
    throughput = int(atoms) * int(steps) / float(loop_s)
    cohesive = e_isolated - e_crystal
    hcp = metal.reference_structure == "hcp"
    c_exp = metal.lattice_constant_c_A
    return {
        "preset": potential.name,
        "metal": metal.name,
        "reference_structure": metal.reference_structure,
        "units": potential.units,
        "pair_style": potential.pair_style,
        "timestep_fs": timestep_fs,
        "lattice_constant_A": a_A,
        "lattice_constant_experiment_A": metal.lattice_constant_A,
        "lattice_constant_error_percent": 100 * (a_A / metal.lattice_constant_A - 1),
        "lattice_constant_c_A": c_A if hcp else None,
        "lattice_constant_c_experiment_A": c_exp if hcp else None,
        "lattice_constant_c_error_percent": 100 * (c_A / c_exp - 1) if hcp and c_exp else None,
        "cohesive_energy_eV": cohesive,
        "cohesive_energy_experiment_eV": metal.cohesive_energy_eV,
        "cohesive_energy_error_percent": 100 * (cohesive / metal.cohesive_energy_eV - 1),
        "nve_temperature_K": float(nve[:, 2].mean()),
        "nve_drift_eV_per_atom_per_ps": drift,
        "nve_drift_within_bound": abs(drift) < DRIFT_BOUND_EV_PER_ATOM_PS,
        "throughput_atom_steps_per_s": throughput,
        "throughput_atoms": int(atoms),
        "check_wall_s": time.perf_counter() - start,
    }


@dataclass(frozen=True)
class MeltingSettings:
    """Durations and size of the solid-liquid coexistence runs (ps, unit cells)."""

    crystal_ps: float = 5.0
    melt_ps: float = 5.0
    cool_ps: float = 2.0
    coexistence_ps: float = 30.0
    averaging_ps: float = 2.0
    """Window of the time-averaged positions the final phase fractions are read from."""
    cells_across: int = 6
    """Unit cells across the interface (x, y); three times as many along z."""
    max_attempts: int = 5
    """Attempts: a run that melts or freezes whole restarts 15% colder or hotter."""
    min_phase_fraction: float = 0.1
    """Each phase must keep this share of the atoms for the run to count as coexistence."""


def _cells(metal: Metal, across: int) -> tuple[int, int, int]:
    if metal.reference_structure == "hcp":
        # LAMMPS's hcp cell is a x sqrt(3) a x c: about as many a as sqrt(3) a across
        return across, max(2, round(across / 3**0.5)), 3 * across
    return across, across, 3 * across


def _crystalline_fraction(dump: Path) -> tuple[float, int]:
    """Share of atoms in any crystalline structure (PTM) at the dump's averaged positions,
    and the number of atoms."""
    frame = next(read_lammps_dump(dump))
    positions = frame.averaged_A if frame.averaged_A is not None else frame.unwrapped_A
    types = identify_structures(positions, frame.box_lo_A, frame.box_edges_A, StructureSettings())
    crystalline = [STRUCTURE_TYPES[name] for name in CRYSTAL_STRUCTURES]
    return float(np.isin(types, crystalline).mean()), len(types)


def melting_point(
    potential: PotentialSetup,
    metal: Metal,
    timestep_fs: float,
    work_dir: str | Path,
    log_file: str | Path,
    settings: MeltingSettings = MeltingSettings(),
    template_dir: str | Path = TEMPLATE_DIR,
    progress=print,
    start_K: float | None = None,
) -> dict[str, float | int | str | None]:
    """The potential's melting point (K) at zero pressure, from solid-liquid coexistence.

    The first attempt starts at ``start_K`` (e.g. the preset's recorded melting point), else at
    the experimental melting point.  If the box melts whole
    (crystalline share below ``min_phase_fraction``) the next attempt starts 15% colder; if
    it freezes whole, 15% hotter.  With both phases left, the estimate is the mean
    temperature of the second half of the NPH run (its standard deviation beside it).
    Returns NaN with a note when no attempt kept both phases.
    """
    units = lammps_units(potential.units)
    dt_ps = timestep_fs * 1e-3  # ps

    def steps(ps: float) -> int:
        return max(1, int(round(ps / dt_ps)))

    coexistence = steps(settings.coexistence_ps)
    average = min(steps(settings.averaging_ps), coexistence)
    coexistence = (coexistence // average) * average
    cells = _cells(metal, settings.cells_across)
    start_K = start_K or metal.melting_point_K
    attempts = []
    started = time.perf_counter()
    for attempt in range(settings.max_attempts):
        work = _fresh(Path(work_dir) / f"attempt-{attempt}")
        parameters = {
            **_potential_parameters(potential, timestep_fs),
            "pressure_to_bar": units.pressure_to_bar,
            "barostat_damping": 1.0 / units.time_to_ps,
            "lattice_style": metal.reference_structure,
            "lattice_constant": metal.lattice_constant_A,
            "cells_x": cells[0],
            "cells_y": cells[1],
            "cells_z": cells[2],
            "start_temperature": start_K,
            "melt_temperature": 2 * start_K,
            "seed": 8125 + attempt,
            "crystal_steps": steps(settings.crystal_ps),
            "melt_steps": steps(settings.melt_ps),
            "cool_steps": steps(settings.cool_ps),
            "coexistence_steps": coexistence,
            "average_steps": average,
            "record_every": max(1, steps(0.1)),
            "thermo_every": max(1, coexistence // 10),
        }
        script = write_inputs(
            work, parameters, template_dir, potential.after_pair_coeff, ("check_melting.lammps",)
        )
        run_lammps_once(work, script.name, log_file, MELTING_FINISHED,
                    f"melting check of preset {potential.name}")
        record = np.loadtxt(work / "check_melting.txt", comments="#", ndmin=2)
        second_half = record[len(record) // 2 :]
        crystalline, n_atoms = _crystalline_fraction(work / "check_melting.dump")
        outcome = {
            "start_K": start_K,
            "mean_K": float(second_half[:, 1].mean()),
            "std_K": float(second_half[:, 1].std()),
            "pressure_bar": float(second_half[:, 2].mean()),
            "crystalline_fraction": crystalline,
        }
        attempts.append(outcome)
        progress(
            f"melting attempt {attempt}: started at {start_K:.0f} K, settled at "
            f"{outcome['mean_K']:.0f} +- {outcome['std_K']:.0f} K, crystalline share "
            f"{crystalline:.2f}"
        )
        if crystalline < settings.min_phase_fraction:
            start_K *= 0.85
        elif crystalline > 1 - settings.min_phase_fraction:
            start_K *= 1.15
        else:
            return {
                "melting_point_K": outcome["mean_K"],
                "melting_point_std_K": outcome["std_K"],
                "melting_point_experiment_K": metal.melting_point_K,
                "melting_point_error_percent": 100 * (outcome["mean_K"] / metal.melting_point_K
                                                      - 1),
                "melting_crystalline_fraction": crystalline,
                "melting_pressure_bar": outcome["pressure_bar"],
                "melting_attempts": attempt + 1,
                "melting_atoms": n_atoms,
                "melting_note": "",
                "melting_wall_s": time.perf_counter() - started,
            }
    last = attempts[-1]
    return {
        "melting_point_K": float("nan"),
        "melting_point_std_K": float("nan"),
        "melting_point_experiment_K": metal.melting_point_K,
        "melting_point_error_percent": float("nan"),
        "melting_crystalline_fraction": last["crystalline_fraction"],
        "melting_pressure_bar": last["pressure_bar"],
        "melting_attempts": len(attempts),
        "melting_atoms": 0,
        "melting_note": "no attempt kept both phases: "
        + "; ".join(f"from {a['start_K']:.0f} K: {a['crystalline_fraction']:.2f} crystalline "
                    f"at {a['mean_K']:.0f} K" for a in attempts),
        "melting_wall_s": time.perf_counter() - started,
    }


def _value(value: object, spec: str, error: object = None) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "-"
    text = format(value, spec)
    if error is not None and isinstance(error, float) and np.isfinite(error):
        text += f" ({error:+.1f}%)"
    return text


def markdown_report(
    rows: list[dict], citations: dict[str, str], machine: str,
    metal_citations: dict[str, str] | None = None,
) -> str:
    """The preset table of ``docs/potentials.md``: measured figures beside the experimental
    ones, and each preset's source."""
    lines = [
        "| preset | metal | units | timestep (fs) | a (A) | c (A) | E_coh (eV/atom) "
        "| T_m (K) | NVE drift (eV/atom/ps) | T of NVE run (K) "
        "| atom-steps/s (700 atoms, 1 core) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        drift_flag = "" if row["nve_drift_within_bound"] else " (above bound)"
        tm = row.get("melting_point_K")
        melting = "not measured"
        if tm is not None and np.isfinite(tm):
            melting = (f"{tm:.0f} +- {row['melting_point_std_K']:.0f} "
                       f"({row['melting_point_error_percent']:+.1f}%)")
        elif tm is not None:
            melting = f"- ({row.get('melting_note', '')})"
        lines.append(
            f"| `{row['preset']}` | {row['metal']} ({row['reference_structure']}) "
            f"| {row['units']} | {row['timestep_fs']:g} "
            f"| {_value(row['lattice_constant_A'], '.3f', row['lattice_constant_error_percent'])} "
            f"| {_value(row['lattice_constant_c_A'], '.3f', row['lattice_constant_c_error_percent'])} "  # noqa: E501
            f"| {_value(row['cohesive_energy_eV'], '.3f', row['cohesive_energy_error_percent'])} "
            f"| {melting} "
            f"| {row['nve_drift_eV_per_atom_per_ps']:.1e}{drift_flag} "
            f"| {row['nve_temperature_K']:.0f} | {row['throughput_atom_steps_per_s']:.3g} |"
        )
    experiments = sorted({
        (row["metal"], row["reference_structure"], row["lattice_constant_experiment_A"],
         row.get("lattice_constant_c_experiment_A"), row["cohesive_energy_experiment_eV"],
         row.get("melting_point_experiment_K"))
        for row in rows
    }, key=str)
    lines += ["", "Experiment (percentages above are the deviations from these):", ""]
    for metal, structure, a, c, e_coh, tm in experiments:
        c_text = f", c = {c} A" if c else ""
        tm_text = f", T_m = {tm} K" if tm else ""
        lines.append(f"- {metal} ({structure}): a = {a} A{c_text}, E_coh = {e_coh} "
                     f"eV/atom{tm_text}")
    lines += [
        "",
        f"Bound on the NVE drift at the default timestep: "
        f"|drift| < {DRIFT_BOUND_EV_PER_ATOM_PS:.0e} eV/atom/ps. T_m: solid-liquid coexistence "
        f"at zero pressure (NPH), mean +- sd of the temperature over the run's second half. "
        f"Measured on {machine}.",
        "",
        "Sources:",
        "",
    ]
    lines += [f"- `{name}`: {text}" for name, text in citations.items()]
    metals = sorted({row["metal"] for row in rows})
    lines += [f"- {name} (experiment): {(metal_citations or {}).get(name, '')}" for name in metals]
    return "\n".join(lines) + "\n"
