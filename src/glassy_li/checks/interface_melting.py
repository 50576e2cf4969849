"""Bulk melting point by the interface-velocity method, with a 95% interval.

At each temperature T a solid and a liquid are made separately at T and zero pressure, then
joined along z. The lateral box lengths stay at the solid's lattice at T, and the barostat
acts on z only (template ``workflow/templates/interface_velocity.lammps``). Below the melting
point the solid grows, above it the solid melts. The interface velocity v(T) is

    v = (dN_solid/dt) / (2 A n_solid)      (two interfaces, area A, solid number density)

in m/s, positive when the solid grows. N_solid(t) comes from the potential energy per atom,
placed between the pure solid's and the pure liquid's at T (each measured in its own run):

    f_solid(t) = (e_liquid - e(t)) / (e_liquid - e_solid).

The interfaces' excess energy shifts f by a constant and leaves the slope alone.

T_m is where v crosses zero. The model is v = k_o (T_m - T), with one kinetic coefficient
k_o per orientation and one T_m shared by all, fitted by weighted least squares. Each run's
weight comes from the standard error of its slope, widened for the autocorrelation of the
residuals. When the scatter between seeds exceeds those errors, the weights are scaled by the
reduced chi-square. The 95% interval is the profile interval of T_m:
Delta chi^2 <= s^2 F(1, dof).

The temperatures are found from a start far from the answer. Probe runs step the temperature
by ``probe_step_fraction`` until the solid stops growing (or stops melting). The grid of
``n_temperatures`` is then centred on the crossing that the last two probes interpolate, and
every orientation and seed is run on it.

Each run also reports what the solid is. PTM on time-averaged positions gives the share of
each crystal structure in the pure solid at T and in the joined box at the end, so a bcc slab
that turned bct, fcc or hcp is reported.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from glassy_li.config.metals import Metal
from glassy_li.config.potential_setup import PotentialSetup
from glassy_li.core.units import lammps_units
from glassy_li.lammps.run import TEMPLATE_DIR, potential_parameters, run_lammps_once
from glassy_li.lammps.run import write_inputs as write_lammps_inputs
from glassy_li.structure.identify import (
    STRUCTURE_TYPES,
    StructureSettings,
    identify_structures,
    read_lammps_dump,
)

__all__ = [
    "ORIENTATIONS",
    "InterfaceSettings",
    "Orientation",
    "analyse_interface_run",
    "combined_summary",
    "fit_melting_point",
    "interface_melting_point",
    "markdown_table",
    "run_interface",
]

FINISHED = "glassy-li: interface run finished"
TEMPLATE = "interface_velocity.lammps"
RESULT_FILE = "result.json"


@dataclass(frozen=True)
class Orientation:
    """One interface orientation: the crystal's axes along x, y, z (LAMMPS ``lattice
    orient``; z is the interface normal) and the unit cells of the solid half (the liquid
    half holds as many atoms)."""

    name: str
    orient_x: str
    orient_y: str
    orient_z: str
    cells: tuple[int, int, int]


ORIENTATIONS: dict[str, dict[str, Orientation]] = {
    # bcc: 2 atoms per cubic cell; [1-10] and [110] cells are a sqrt(2) long with 4 atoms
    "bcc": {
        "100": Orientation("100", "1 0 0", "0 1 0", "0 0 1", (10, 10, 20)),
        "110": Orientation("110", "0 0 1", "1 -1 0", "1 1 0", (10, 7, 15)),
    },
    # fcc: 4 atoms per cubic cell
    "fcc": {
        "100": Orientation("100", "1 0 0", "0 1 0", "0 0 1", (8, 8, 16)),
        "110": Orientation("110", "0 0 1", "1 -1 0", "1 1 0", (8, 6, 11)),
    },
    # hcp (LAMMPS's orthorhombic cell a x sqrt(3) a x c, 4 atoms): basal (0001) and
    # prismatic (10-10) interfaces
    "hcp": {
        "0001": Orientation("0001", "1 0 0", "0 1 0", "0 0 1", (10, 6, 17)),
        "10-10": Orientation("10-10", "0 0 1", "1 0 0", "0 1 0", (6, 10, 17)),
    },
}


@dataclass(frozen=True)
class InterfaceSettings:
    """Durations (ps), sizes and the temperature search of the interface-velocity method."""

    orientations: tuple[str, ...] = ()
    """Orientation names (keys of :data:`ORIENTATIONS` for the metal's structure); empty:
    all of them."""
    seeds: tuple[int, ...] = (1, 2)
    n_temperatures: int = 5
    spacing_fraction: float = 0.03
    """Spacing of the temperature grid, as a fraction of its centre."""
    probe_step_fraction: float = 0.08
    """Step of the probe runs that look for the crossing, as a fraction of the temperature."""
    max_probes: int = 8
    max_grid_shifts: int = 2
    """Times the grid may move by its span when the solid only grows (or only melts) on
    it."""
    solid_equilibration_ps: float = 5.0
    settle_ps: float = 1.0
    melt_ps: float = 4.0
    melt_fraction: float = 1.6
    """The liquid is melted at this multiple of the run's temperature. A crystal without an
    interface superheats (1.6 T did not melt Li at 454 K, far below its melting point), so a
    liquid still crystalline (PTM share above ``max_liquid_crystal_share``) is melted again
    1.5 times hotter (2.4 T), once; one still crystalline after that gives no velocity."""
    max_liquid_crystal_share: float = 0.05
    liquid_equilibration_ps: float = 5.0
    average_ps: float = 1.0
    """Window of the pure phases' mean energies and of every time-averaged position."""
    production_ps: float = 20.0
    probe_production_ps: float = 6.0
    """The probes only need the sign of v: shorter joined runs (kept out of the fit)."""
    skip_ps: float = 2.0
    """Start of the slope fit: the joined interfaces relax first."""
    record_every_ps: float = 0.1
    gap_A: float = 1.0
    """Gap left at each interface when the phases are joined."""
    fraction_limits: tuple[float, float] = (0.1, 0.9)
    """The slope is fitted only while the solid fraction lies inside these."""
    n_ranks: int = 1
    cells: tuple[int, int, int] | None = None
    """Unit cells of the solid half instead of the orientation's (small boxes for tests and
    slow potentials)."""
    confidence: float = 0.95
    extra: dict = field(default_factory=dict)

    def orientations_for(self, structure: str) -> list[Orientation]:
        known = ORIENTATIONS.get(structure)
        if known is None:
            raise ValueError(f"no interface orientations for structure {structure!r}; "
                             f"known: {sorted(ORIENTATIONS)}")
        names = self.orientations or tuple(known)
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ValueError(f"interface_melting.orientations: {unknown} not known for "
                             f"{structure}; known: {sorted(known)}")
        return [known[name] for name in names]


def _steps(ps: float, timestep_fs: float) -> int:
    return max(1, int(round(ps / (timestep_fs * 1e-3))))


def run_parameters(
    potential: PotentialSetup, metal: Metal, orientation: Orientation, temperature_K: float,
    seed: int, timestep_fs: float, settings: InterfaceSettings,
) -> dict[str, str | int | float]:
    """The LAMMPS variables of one run (params.lammps)."""
    units = lammps_units(potential.units)
    average = _steps(settings.average_ps, timestep_fs)
    production = _steps(settings.production_ps, timestep_fs)
    production = max(average, (production // average) * average)
    return {
        **potential_parameters(potential, timestep_fs),
        "mass": potential.mass_amu,
        "distance_to_A": units.distance_to_A,
        "thermostat_damping": 0.1 / units.time_to_ps,
        "barostat_damping": 1.0 / units.time_to_ps,
        "lattice_style": metal.reference_structure,
        "lattice_constant": metal.lattice_constant_A / units.distance_to_A,
        "orient_x": orientation.orient_x,
        "orient_y": orientation.orient_y,
        "orient_z": orientation.orient_z,
        "cells_x": (settings.cells or orientation.cells)[0],
        "cells_y": (settings.cells or orientation.cells)[1],
        "cells_z": (settings.cells or orientation.cells)[2],
        "temperature": float(temperature_K),
        "melt_temperature": settings.melt_fraction * float(temperature_K),
        "seed_solid": 1000 + 2 * seed,
        "seed_liquid": 1001 + 2 * seed,
        "solid_equilibration_steps": _steps(settings.solid_equilibration_ps, timestep_fs),
        "settle_steps": _steps(settings.settle_ps, timestep_fs),
        "melt_steps": _steps(settings.melt_ps, timestep_fs),
        "liquid_equilibration_steps": _steps(settings.liquid_equilibration_ps, timestep_fs),
        "average_steps": average,
        "production_steps": production,
        "record_every": _steps(settings.record_every_ps, timestep_fs),
        "thermo_every": max(1, production // 10),
        "gap": settings.gap_A / units.distance_to_A,
    }


def _structure_shares(dump: Path, reference: str) -> dict[str, float]:
    """Shares of the reference structure, of any crystal and of each crystal (PTM on the
    dump's time-averaged positions)."""
    frame = next(read_lammps_dump(dump))
    positions = frame.averaged_A if frame.averaged_A is not None else frame.unwrapped_A
    types = identify_structures(positions, frame.box_lo_A, frame.box_edges_A,
                                StructureSettings())
    shares = {name: float(np.mean(types == STRUCTURE_TYPES[name]))
              for name in ("bcc", "fcc", "hcp")}
    shares["crystal"] = sum(shares.values())
    shares["reference"] = shares[reference]
    return shares


def _slope_with_error(time_ps: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    """OLS slope and its standard error, widened by sqrt((1+r)/(1-r)) for the lag-1
    autocorrelation r of the residuals (r clipped to [0, 0.98])."""
    if len(time_ps) < 5:
        return math.nan, math.nan
    fit = stats.linregress(time_ps, values)
    residual = values - (fit.intercept + fit.slope * time_ps)
    r = float(np.corrcoef(residual[:-1], residual[1:])[0, 1]) if residual.std() > 0 else 0.0
    r = min(max(r, 0.0), 0.98)
    return float(fit.slope), float(fit.stderr * math.sqrt((1 + r) / (1 - r)))


def analyse_interface_run(work: Path, reference: str, settings: InterfaceSettings) -> dict:
    """The interface velocity of one finished run in ``work`` and what its phases were."""
    phases = dict(line.split() for line in (work / "phases.txt").read_text().splitlines()
                  if line.strip())
    e_solid = float(phases["solid_pe_eV_per_atom"])
    e_liquid = float(phases["liquid_pe_eV_per_atom"])
    lx, ly, lz_solid = (float(phases[k]) for k in ("solid_lx_A", "solid_ly_A", "solid_lz_A"))
    record = np.loadtxt(work / "interface.txt", comments="#", ndmin=2)
    time_ps, energy = record[:, 0], record[:, 1]
    n_total = sum(1 for _ in _atom_ids(work / "joined.dump"))
    n_half = n_total / 2
    fraction = (e_liquid - energy) / (e_liquid - e_solid)
    low, high = settings.fraction_limits
    usable = time_ps >= time_ps[0] + settings.skip_ps
    outside = np.flatnonzero(usable & ((fraction < low) | (fraction > high)))
    if outside.size:
        usable &= np.arange(len(time_ps)) < outside[0]
    slope, slope_error = _slope_with_error(time_ps[usable], fraction[usable])  # 1/ps
    density = n_half / (lx * ly * lz_solid)  # atoms per A^3 in the solid
    to_velocity = n_total / (2 * lx * ly * density) * 100.0  # (1/ps) -> m/s
    solid = _structure_shares(work / "solid.dump", reference)
    liquid = _structure_shares(work / "liquid.dump", reference)
    joined = _structure_shares(work / "joined.dump", reference)
    fit_ps = float(time_ps[usable][-1] - time_ps[usable][0]) if usable.sum() > 1 else 0.0
    change = slope * fit_ps
    return {
        "n_atoms": n_total,
        "lx_A": lx,
        "ly_A": ly,
        "solid_pe_eV_per_atom": e_solid,
        "liquid_pe_eV_per_atom": e_liquid,
        "latent_heat_eV_per_atom": e_liquid - e_solid,
        "solid_fraction_start": float(fraction[usable][0]) if usable.any() else math.nan,
        "solid_fraction_end": float(fraction[-1]),
        "solid_fraction_change": change,
        "fitted_ps": fit_ps,
        "velocity_m_per_s": slope * to_velocity,
        "velocity_error_m_per_s": slope_error * to_velocity,
        "moved": bool(abs(change) > 3 * slope_error * fit_ps) if fit_ps > 0 else False,
        "interface_displacement_A": slope * to_velocity / 100.0 * fit_ps,
        "mean_temperature_K": float(record[usable, 3].mean()) if usable.any() else math.nan,
        "mean_pzz_bar": float(record[usable, 4].mean()) if usable.any() else math.nan,
        "solid_reference_share": solid["reference"],
        "solid_bcc_share": solid["bcc"],
        "solid_fcc_share": solid["fcc"],
        "solid_hcp_share": solid["hcp"],
        "liquid_crystal_share": liquid["crystal"],
        "joined_crystal_share_end": joined["crystal"],
        "joined_reference_share_of_crystal_end": (joined["reference"] / joined["crystal"]
                                                   if joined["crystal"] > 0 else math.nan),
    }


def _atom_ids(dump: Path) -> Iterable[str]:
    with open(dump) as handle:
        for line in handle:
            if line.startswith("ITEM: NUMBER OF ATOMS"):
                yield from range(int(next(handle)))
                return


def run_interface(
    potential: PotentialSetup, metal: Metal, orientation: Orientation, temperature_K: float,
    seed: int, timestep_fs: float, settings: InterfaceSettings, work: Path,
    log_file: str | Path, template_dir: str | Path = TEMPLATE_DIR,
) -> dict:
    """One run at ``temperature_K``; a finished run with the same inputs is read back, not
    rerun (``work/result.json`` beside an identical ``params.lammps``)."""
    result: dict = {}
    variants = []
    for hotter in (1.0, 1.5):
        parameters = run_parameters(potential, metal, orientation, temperature_K, seed,
                                    timestep_fs, settings)
        parameters["melt_temperature"] = float(parameters["melt_temperature"]) * hotter
        variants.append(parameters)
    if _cached_result(work, variants[-1]) is not None:
        variants = variants[-1:]  # the hotter melt was needed and made: no rerun of the first
    for parameters in variants:
        result = _run_once(potential, metal, orientation, temperature_K, seed, settings,
                           parameters, work, log_file, template_dir)
        if result["liquid_crystal_share"] <= settings.max_liquid_crystal_share:
            return {**result, "valid": True, "note": ""}
    note = (f"the liquid was {result['liquid_crystal_share']:.2f} crystalline at "
            f"{temperature_K:.0f} K after melting at {parameters['melt_temperature']:.0f} K "
            "(it crystallised undercooled, or never melted): no velocity")
    return {**result, "valid": False, "note": note, "velocity_m_per_s": math.nan,
            "velocity_error_m_per_s": math.nan}


def _cached_result(work: Path, parameters: dict) -> dict | None:
    """The result of a finished run in ``work`` made with exactly ``parameters``, or None."""
    result_file = work / RESULT_FILE
    if not result_file.exists():
        return None
    cached = json.loads(result_file.read_text())
    if cached.get("parameters") == {k: str(v) for k, v in parameters.items()}:
        return cached["result"]
    return None


def _run_once(
    potential: PotentialSetup, metal: Metal, orientation: Orientation, temperature_K: float,
    seed: int, settings: InterfaceSettings, parameters: dict, work: Path,
    log_file: str | Path, template_dir: str | Path,
) -> dict:
    result_file = work / RESULT_FILE
    cached = _cached_result(work, parameters)
    if cached is not None:
        return cached
    work.mkdir(parents=True, exist_ok=True)
    result_file.unlink(missing_ok=True)
    for stale in ("interface.txt", "phases.txt", "solid.dump", "liquid.dump", "joined.dump"):
        (work / stale).unlink(missing_ok=True)
    script = write_lammps_inputs(work, parameters, template_dir, potential.after_pair_coeff,
                                 (TEMPLATE,))
    run_lammps_once(work, script.name, log_file, FINISHED,
                    f"interface run {orientation.name} at {temperature_K:.0f} K, seed {seed} "
                    f"({potential.name})", n_ranks=settings.n_ranks)
    result = {
        "preset": potential.name,
        "orientation": orientation.name,
        "temperature_K": float(temperature_K),
        "seed": seed,
        **analyse_interface_run(work, metal.reference_structure, settings),
    }
    for bulky in ("solid.data", "liquid.data"):
        (work / bulky).unlink(missing_ok=True)
    tmp = result_file.with_suffix(".tmp")
    tmp.write_text(json.dumps({"parameters": {k: str(v) for k, v in parameters.items()},
                               "result": result}, indent=1))
    tmp.replace(result_file)
    return result


@dataclass
class MeltingPointFit:
    """T_m (K) from the zero crossing of v(T) and its profile interval."""

    melting_point_K: float
    lower_K: float
    upper_K: float
    status: str
    """``resolved``, or ``not resolved: reason``."""
    kinetic_coefficients_m_per_s_K: dict[str, float]
    chi2: float
    dof: int
    scale: float
    """sqrt of the reduced chi-square the errors were widened by (1 when below 1)."""
    n_runs: int


def fit_melting_point(
    table: pd.DataFrame, confidence: float = 0.95, grid_points: int = 4001,
) -> MeltingPointFit:
    """Fit v = k_o (T_m - T) with a T_m shared by the orientations (columns
    ``orientation``, ``temperature_K``, ``velocity_m_per_s``, ``velocity_error_m_per_s``).

    For a fixed T_m each k_o is a weighted linear least-squares fit, so chi^2(T_m) is
    profiled on a grid over the temperatures run (and half their span beyond). The interval
    is where chi^2 - min <= s^2 F(1, dof; confidence), with s^2 = max(1, chi^2_min/dof). The
    fit refuses when the velocities do not change sign within the data, or when the
    interval reaches the edge of the grid."""
    data = table.dropna(subset=["velocity_m_per_s", "velocity_error_m_per_s"])
    data = data[data["velocity_error_m_per_s"] > 0]
    orientations = sorted(data["orientation"].unique())
    n, k = len(data), len(orientations) + 1
    empty = MeltingPointFit(math.nan, math.nan, math.nan, "", {}, math.nan, n - k, math.nan, n)
    if n <= k:
        empty.status = f"not resolved: {n} runs for {k} parameters"
        return empty
    temperature = data["temperature_K"].to_numpy(float)
    velocity = data["velocity_m_per_s"].to_numpy(float)
    weight = 1.0 / data["velocity_error_m_per_s"].to_numpy(float) ** 2
    groups = [data["orientation"].to_numpy() == name for name in orientations]
    significant = np.abs(velocity) > 2 * np.sqrt(1 / weight)
    if not (np.any(significant & (velocity > 0)) and np.any(significant & (velocity < 0))):
        empty.status = ("not resolved: the solid does not both grow and melt (significantly) "
                        "over the temperatures run")
        return empty
    span = temperature.max() - temperature.min()
    grid = np.linspace(temperature.min() - 0.5 * span, temperature.max() + 0.5 * span,
                       grid_points)

    def chi2_and_k(tm: float) -> tuple[float, list[float]]:
        total, coefficients = 0.0, []
        for group in groups:
            x, y, w = tm - temperature[group], velocity[group], weight[group]
            slope = float(np.sum(w * x * y) / np.sum(w * x * x))
            slope = max(slope, 0.0)  # the solid grows below T_m
            coefficients.append(slope)
            total += float(np.sum(w * (y - slope * x) ** 2))
        return total, coefficients

    # chi^2 of every grid point at once (the same sums as chi2_and_k)
    profile = np.zeros_like(grid)
    for group in groups:
        x = grid[:, None] - temperature[group][None, :]
        y, w = velocity[group][None, :], weight[group][None, :]
        slope = np.maximum(np.sum(w * x * y, axis=1) / np.sum(w * x * x, axis=1), 0.0)
        profile += np.sum(w * (y - slope[:, None] * x) ** 2, axis=1)
    best = int(np.argmin(profile))
    tm = float(grid[best])
    chi2, coefficients = chi2_and_k(tm)
    dof = n - k
    scale2 = max(1.0, chi2 / dof)
    limit = scale2 * float(stats.f.ppf(confidence, 1, dof))
    inside = np.flatnonzero(profile - chi2 <= limit)
    lower, upper = float(grid[inside[0]]), float(grid[inside[-1]])
    status = "resolved"
    if inside[0] == 0 or inside[-1] == len(grid) - 1 or np.any(np.diff(inside) != 1):
        status = "not resolved: the interval reaches the edge of the temperatures searched"
    return MeltingPointFit(tm, lower, upper, status,
                           dict(zip(orientations, coefficients, strict=True)),
                           chi2, dof, math.sqrt(scale2), n)


def _grid(centre_K: float, settings: InterfaceSettings) -> list[float]:
    half = (settings.n_temperatures - 1) / 2
    return [float(round(centre_K * (1 + settings.spacing_fraction * (i - half))))
            for i in range(settings.n_temperatures)]


def interface_melting_point(
    potential: PotentialSetup, metal: Metal, start_K: float, timestep_fs: float,
    settings: InterfaceSettings, work_dir: str | Path, log_file: str | Path,
    template_dir: str | Path = TEMPLATE_DIR, progress: Callable[[str], None] = print,
) -> tuple[pd.DataFrame, dict]:
    """Find and measure the melting point from ``start_K``; return every run (``in_fit``
    marks those the fit used) and the summary (the fit, the probes, the settings)."""
    orientations = settings.orientations_for(metal.reference_structure)
    work_dir = Path(work_dir)
    rows: list[dict] = []

    probe_settings = replace(settings, production_ps=settings.probe_production_ps)

    def run(orientation: Orientation, temperature: float, seed: int, role: str) -> dict:
        # each search in its own folder: two searches of one preset may run side by side
        folder = (work_dir / f"from-{start_K:.0f}K" / role / orientation.name
                  / f"T-{temperature:.0f}K-seed-{seed}")
        result = run_interface(potential, metal, orientation, temperature, seed, timestep_fs,
                               probe_settings if role == "probe" else settings, folder,
                               log_file, template_dir)
        result = {**result, "role": role}
        rows.append(result)
        progress(f"{potential.name} ({orientation.name}) {temperature:.0f} K seed {seed}: "
                 f"v = {result['velocity_m_per_s']:+.2f} +- "
                 f"{result['velocity_error_m_per_s']:.2f} m/s, solid fraction "
                 f"{result['solid_fraction_start']:.2f} -> {result['solid_fraction_end']:.2f}"
                 f", solid at T {result['solid_reference_share']:.2f} "
                 f"{metal.reference_structure}" + (f"; {result['note']}" if result["note"]
                                                    else ""))
        return result

    # 1. probes from the start until the velocity changes sign. A probe whose velocity is
    # zero within its error does not end the search (a short, noisy probe far from T_m would
    # then return the start): only a change of sign between two probes does.
    probe_orientation, probe_seed = orientations[0], settings.seeds[0]
    temperature = float(round(start_K))
    probes: list[tuple[float, float]] = []
    centre = math.nan
    for _ in range(settings.max_probes):
        result = run(probe_orientation, temperature, probe_seed, "probe")
        v = result["velocity_m_per_s"]
        if not result["valid"]:
            # the undercooled liquid crystallised on its own: far below the melting point
            v = math.inf
        elif not math.isfinite(v):
            # a phase vanished before the fit window: the sign is all a probe needs
            v = math.inf if result["solid_fraction_end"] > 0.5 else -math.inf
        probes.append((temperature, v))
        if v == 0:
            centre = temperature
            break
        if len(probes) > 1 and np.sign(probes[-2][1]) != np.sign(v):
            (t1, v1), (t2, v2) = probes[-2], probes[-1]
            centre = (t1 + v1 * (t2 - t1) / (v1 - v2) if math.isfinite(v1 - v2)
                      else 0.5 * (t1 + t2))
            break
        step = settings.probe_step_fraction if v > 0 else -settings.probe_step_fraction
        temperature = float(round(temperature * (1 + step)))
    if not math.isfinite(centre):
        summary = {"status": f"not resolved: no crossing within {settings.max_probes} probes "
                             f"from {start_K:.0f} K", "probes": probes}
        return pd.DataFrame(rows), summary
    progress(f"{potential.name}: the crossing lies near {centre:.0f} K (probes "
             + ", ".join(f"{t:.0f} K: {v:+.1f} m/s" for t, v in probes) + ")")
    # 2. the grid around it: the probes' orientation and seed first; where the solid only
    # grows (or only melts) over that grid, the grid moves by its span that way (the runs
    # already made stay in the fit); then every orientation and seed
    crossing_estimate = centre
    grids: list[list[float]] = []
    first_pass: list[dict] = []
    for _ in range(settings.max_grid_shifts + 1):
        grid = _grid(centre, settings)
        grids.append(grid)
        first_pass += [run(probe_orientation, temperature, probe_seed, "grid")
                       for temperature in grid]
        side = _one_sided(first_pass)  # every grid so far: together they may bracket it
        if side == 0:
            break
        centre = centre * (1 + side * settings.spacing_fraction * settings.n_temperatures)
        progress(f"{potential.name}: the solid only {'grew' if side > 0 else 'melted'} over "
                 f"{grid[0]:.0f}-{grid[-1]:.0f} K: the grid moves to {centre:.0f} K")
    for orientation in orientations:
        for seed in settings.seeds:
            if (orientation, seed) == (probe_orientation, probe_seed):
                continue
            for temperature in grid:
                run(orientation, temperature, seed, "grid")
    table = pd.DataFrame(rows)
    table["in_fit"] = table["role"] == "grid"
    table = table.sort_values(["orientation", "temperature_K", "seed"]).reset_index(drop=True)
    fit = fit_melting_point(table[table["in_fit"]], settings.confidence)
    summary = {
        "preset": potential.name,
        "metal": metal.name,
        "start_K": float(start_K),
        "probes": [{"temperature_K": t, "velocity_m_per_s": v if math.isfinite(v) else
                    ("phase vanished: solid grew" if v > 0 else "phase vanished: melted")}
                   for t, v in probes],
        "crossing_estimate_K": float(crossing_estimate),
        "grid_K": grid,
        "grids_K": grids,
        **asdict(fit),
        "orientations": [o.name for o in orientations],
        "seeds": list(settings.seeds),
        "n_atoms": int(table["n_atoms"].iloc[0]),
        "solid_reference_share_min": float(table["solid_reference_share"].min()),
        "solid_structure_note": _structure_note(table, metal.reference_structure),
        "experiment_K": metal.melting_point_K,
        "settings": {k: v for k, v in asdict(settings).items() if k != "extra"},
    }
    progress(f"{potential.name}: T_m = {fit.melting_point_K:.1f} K "
             f"[{fit.lower_K:.1f}, {fit.upper_K:.1f}] ({fit.status}; chi2 {fit.chi2:.1f} "
             f"on {fit.dof} dof)")
    return table, summary


def _one_sided(runs: list[dict]) -> int:
    """+1 where the solid grew significantly (beyond twice its error) in some run and melted
    significantly in none, -1 the other way round, 0 where the runs bracket the crossing
    (both significantly) or show nothing significant. The fit needs both signs."""
    v = np.array([r["velocity_m_per_s"] for r in runs], dtype=float)
    error = np.array([r["velocity_error_m_per_s"] for r in runs], dtype=float)
    finite = np.isfinite(v) & np.isfinite(error)
    v, error = v[finite], error[finite]
    significant = np.abs(v) > 2 * error
    grew, melted = bool(np.any(significant & (v > 0))), bool(np.any(significant & (v < 0)))
    return int(grew) - int(melted)


def _structure_note(table: pd.DataFrame, reference: str) -> str:
    """What the pure solid was at the run temperatures (PTM on time-averaged positions)."""
    shares = table[["solid_bcc_share", "solid_fcc_share", "solid_hcp_share"]].mean()
    names = {"solid_bcc_share": "bcc", "solid_fcc_share": "fcc", "solid_hcp_share": "hcp"}
    dominant = names[shares.idxmax()]
    text = ", ".join(f"{names[k]} {v:.2f}" for k, v in shares.items())
    verdict = (f"the solid stays {reference}" if dominant == reference
               else f"the solid became {dominant}, not {reference}")
    return f"{verdict} (mean shares of the pure solid: {text})"


def summary_row(summary: dict, authors_K: float | None = None) -> dict:
    """One line of the melting-point table of ``docs/potentials.md``."""
    return {
        "preset": summary.get("preset", ""),
        "metal": summary.get("metal", ""),
        "method": "interface velocity",
        "start_K": summary.get("start_K"),
        "n_atoms": summary.get("n_atoms"),
        "orientations": ",".join(summary.get("orientations", [])),
        "seeds": ",".join(str(seed) for seed in summary.get("seeds", [])),
        "n_runs": summary.get("n_runs"),
        "melting_point_K": summary.get("melting_point_K"),
        "lower_K": summary.get("lower_K"),
        "upper_K": summary.get("upper_K"),
        "status": summary.get("status"),
        "authors_K": authors_K,
        "experiment_K": summary.get("experiment_K"),
        "solid": summary.get("solid_structure_note", ""),
    }


def combined_summary(entries: list[tuple[pd.DataFrame, dict]], reference: str,
                     confidence: float = 0.95) -> dict:
    """One fit of the grid runs of several searches of one preset (their starts differ; the
    runs are independent): the summary :func:`summary_row` reads, ``start_K`` naming the
    starts; ``reference``: the metal's crystal structure)."""
    runs = pd.concat([table[table["in_fit"].astype(bool)] for table, _ in entries],
                     ignore_index=True)
    fit = fit_melting_point(runs, confidence)
    first = entries[0][1]
    return {
        **{key: first.get(key) for key in ("preset", "metal", "experiment_K",
                                             "orientations", "seeds")},
        **asdict(fit),
        "start_K": " and ".join(f"{summary.get('start_K', float('nan')):.0f}"
                                for _, summary in entries),
        "n_atoms": int(runs["n_atoms"].iloc[0]) if len(runs) else None,
        "solid_structure_note": _structure_note(runs, reference) if len(runs) else "",
        "grid_K": sorted(set(runs["temperature_K"].astype(float))),
    }


def _start_text(start: object) -> str:
    value = pd.to_numeric(pd.Series([start]), errors="coerce").iloc[0]
    return str(start) if pd.isna(value) else f"{float(value):.0f}"


def markdown_table(rows: pd.DataFrame) -> str:
    """The melting-point table of ``docs/potentials.md`` (one line per preset and start):
    method, atoms, orientations, seeds, T_m with its interval, the authors' and the
    experimental value, and what the solid was."""

    def number(value: object, form: str = ".0f") -> str:
        value = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
        return "-" if pd.isna(value) else format(float(value), form)

    lines = ["| preset | metal | method | atoms | orientations | seeds | runs fitted | start "
             "(K) | T_m (K) [95%] | authors (K) | experiment (K) | the solid |",
             "|---|---|---|---:|---|---|---:|---:|---|---:|---:|---|"]
    for _, row in rows.iterrows():
        if str(row.get("status")) == "resolved":
            value = (f"**{number(row['melting_point_K'])}** [{number(row['lower_K'])}, "
                     f"{number(row['upper_K'])}]")
        elif number(row.get("melting_point_K")) != "-":  # a value whose interval is open
            value = (f"{number(row['melting_point_K'])} [{number(row['lower_K'])}, "
                     f"{number(row['upper_K'])}] ({row.get('status')})")
        else:
            value = str(row.get("status") or "not resolved")
        lines.append(
            f"| `{row['preset']}` | {row['metal']} | {row['method']} | "
            f"{number(row['n_atoms'])} | {row['orientations']} | {row['seeds']} | "
            f"{number(row['n_runs'])} | {_start_text(row['start_K'])} | {value} | "
            f"{number(row.get('authors_K'))} | {number(row.get('experiment_K'), '.1f')} | "
            f"{row.get('solid') or '-'} |")
    return "\n".join(lines) + "\n"


def plot_velocities(table: pd.DataFrame, summaries: list[dict], path: str | Path,
                    title: str) -> None:
    """Interface velocity against temperature per orientation (seeds as points, probes
    open), each fitted line v = k_o (T_m - T), and T_m with its interval."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, axes = plt.subplots(figsize=(6.4, 4.4))
    colours = dict(zip(sorted(table["orientation"].unique()), ("C0", "C1", "C2"),
                       strict=False))
    for orientation, rows in table.groupby("orientation"):
        for in_fit, marker in ((True, "o"), (False, "s")):
            part = rows[rows["in_fit"] == in_fit]
            if part.empty:
                continue
            axes.errorbar(part["temperature_K"], part["velocity_m_per_s"],
                          yerr=1.96 * part["velocity_error_m_per_s"], fmt=marker,
                          mfc=colours[orientation] if in_fit else "none",
                          color=colours[orientation], capsize=2,
                          label=f"({orientation})" + ("" if in_fit else " probes")
                          )
    for summary in summaries:
        tm = summary.get("melting_point_K")
        if tm is None or not math.isfinite(tm):
            continue
        grid = np.array(summary["grid_K"], dtype=float)
        line_T = np.linspace(grid.min() - 10, grid.max() + 10, 2)
        for orientation, k in summary["kinetic_coefficients_m_per_s_K"].items():
            axes.plot(line_T, k * (tm - line_T), color=colours.get(orientation, "k"), lw=1)
        axes.axvspan(summary["lower_K"], summary["upper_K"], color="0.8", alpha=0.6, lw=0)
        axes.axvline(tm, color="k", lw=0.8, ls="--",
                     label=f"T_m = {tm:.0f} [{summary['lower_K']:.0f}, "
                           f"{summary['upper_K']:.0f}] K (from {summary['start_K']:.0f} K)")
    axes.axhline(0, color="k", lw=0.6)
    axes.set_xlabel("temperature (K)")
    axes.set_ylabel("interface velocity (m/s; > 0: the solid grows)")
    axes.set_title(title, fontsize=9)
    axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=150)
    plt.close(figure)
