"""Analysis of deposits (the deposition campaign, the paper's Fig 7).

Per frame (:func:`analyse_deposit_frame`, :func:`analyse_deposition`):

* atoms inserted, retained in the deposit, in flight, and reflected (in the vapour after
  their flight time is over: bounced off the deposit and kept in the box by the top wall);
  the deposit is every cluster (atoms within ``cluster_cutoff_A``) that holds a substrate atom,
  or for the inert wall an atom within contact distance (1.5 sigma) of the wall;
* structure-type fractions of the deposited atoms, identified on time-averaged positions
  where an atom has a whole averaging window (the campaign's default thermal-noise
  handling), instantaneous positions otherwise (atoms inserted within the window);
* the count and size of crystalline domains among the deposited atoms (connected bcc, fcc or
  hcp atoms; and of bcc domains alone);
* height map and RMS roughness of the free surface, with bare substrate counted at its
  surface height; mean thickness;
* voids and porosity (below), dislocation line length per deposit volume from OVITO's DXA
  on the deposit's dominant lattice (bcc, or fcc with hcp as its stacking faults); where the
  deposit has fewer than ``min_domain_atoms`` crystalline atoms DXA has no crystal to trace
  dislocations in, and the density is reported as NaN with that reason.

* :func:`height_map` -- the deposit's free surface as the height of its topmost atom in each
  (x, y) bin of a periodic box; :func:`rms_roughness_nm` -- the RMS deviation of that map
  from its mean (nm).
* :func:`void_analysis` -- closed voids from OVITO's surface-mesh construction (alpha shape
  with a stated probe radius, ``identify_regions``): the mesh passes through the centres of
  the atoms lining a void, half an atomic layer beyond the space the missing atoms would
  fill, so each void's volume is also reported shrunk by that half layer (spherical
  equivalent: r -> r - V_atom^(1/3) / 2).  That corrected volume matches the volume of the
  atoms removed to make a spherical void (tests/test_deposit_analysis.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from glassy_li.analysis.statistics import mean_interval
from glassy_li.deposition.deposit import (
    DepositionGeometry,
    DepositionProtocol,
    DepositionSteps,
    deposition_steps,
    flight_time_ps,
    heat_removal_statement,
)
from glassy_li.structure.identify import (
    BCC,
    STRUCTURE_NAMES,
    Frame,
    StructureSettings,
    cluster_labels,
    identify_structures,
    read_lammps_dump,
)

__all__ = [
    "DepositAnalysisSettings",
    "VoidAnalysis",
    "analyse_deposit_frame",
    "analyse_deposition",
    "deposit_membership",
    "deposit_positions",
    "deposition_by_rate",
    "dislocation_line_length_A",
    "height_map",
    "rms_roughness_nm",
    "summarise_deposition",
    "void_analysis",
]
SLAB_PBC = (True, True, False)


def height_map(
    positions_A: np.ndarray, box_xy_A: tuple[float, float], bin_A: float = 3.0
) -> np.ndarray:
    """Height (A) of the topmost atom in each (x, y) bin; NaN for bins without atoms.

    ``positions_A`` are the deposit's atoms (x, y wrapped or not: they are folded into the
    periodic box ``[0, Lx) x [0, Ly)``); the bins are as close to ``bin_A`` as divides the box.
    """
    pos = np.asarray(positions_A, dtype=float).reshape(-1, 3)
    lx, ly = box_xy_A
    nx, ny = max(1, round(lx / bin_A)), max(1, round(ly / bin_A))
    ix = np.floor(np.mod(pos[:, 0], lx) / lx * nx).astype(int) % nx
    iy = np.floor(np.mod(pos[:, 1], ly) / ly * ny).astype(int) % ny
    heights = np.full(nx * ny, -np.inf)
    np.maximum.at(heights, ix * ny + iy, pos[:, 2])
    heights[np.isneginf(heights)] = np.nan
    return heights.reshape(nx, ny)


def rms_roughness_nm(heights_A: np.ndarray) -> float:
    """RMS deviation of a height map (A) from its mean, in nm (empty bins ignored)."""
    h = np.asarray(heights_A, dtype=float)
    h = h[np.isfinite(h)]
    if len(h) == 0:
        return math.nan
    return float(np.sqrt(np.mean((h - h.mean()) ** 2)) / 10.0)


@dataclass(frozen=True)
class VoidAnalysis:
    """Closed voids of a configuration (volumes in A^3)."""

    probe_radius_A: float
    filled_volume_A3: float
    void_volumes_mesh_A3: np.ndarray
    """Per void, the volume the surface mesh encloses (through the lining atoms' centres)."""
    void_volumes_A3: np.ndarray
    """Per void, shrunk by half an atomic layer: the space the missing atoms would fill."""

    @property
    def void_volume_A3(self) -> float:
        return float(self.void_volumes_A3.sum())

    @property
    def porosity(self) -> float:
        """Void volume over the material's volume (filled plus voids)."""
        total = self.filled_volume_A3 + float(self.void_volumes_mesh_A3.sum())
        return self.void_volume_A3 / total if total > 0 else math.nan


def void_analysis(
    positions_A: np.ndarray,
    cell_A: np.ndarray,
    pbc: tuple[bool, bool, bool] = (True, True, True),
    probe_radius_A: float = 2.5,
    atomic_volume_A3: float = 21.6,
) -> VoidAnalysis:
    """Closed voids from OVITO's ConstructSurfaceModifier (alpha-shape method).

    Parameters
    ----------
    positions_A, cell_A:
        Atoms and the 3x3 cell matrix (rows: cell vectors; origin at 0).
    probe_radius_A:
        The probe sphere of the alpha shape: gaps narrower than about this are not voids.
        Li: 2.5 A (below the 3.0 A nearest-neighbour distance would fill a perfect crystal
        with tiny "voids"; above it, surface atoms' interstices close).
    atomic_volume_A3:
        Volume per atom of the dense phase (bcc Li: 3.51^3 / 2 = 21.6 A^3), for the half-layer
        correction of each void's volume.
    """
    from ovito.data import DataCollection  # noqa: PLC0415
    from ovito.modifiers import ConstructSurfaceModifier  # noqa: PLC0415

    data = DataCollection()
    matrix = np.zeros((3, 4))
    matrix[:, :3] = np.asarray(cell_A, dtype=float).T
    data.create_cell(matrix, pbc=pbc)
    pos = np.asarray(positions_A, dtype=float).reshape(-1, 3)
    particles = data.create_particles(count=len(pos))
    particles.create_property("Position", data=pos)
    data.apply(ConstructSurfaceModifier(radius=probe_radius_A, identify_regions=True))
    regions = data.surfaces["surface"].regions
    volume = np.asarray(regions["Volume"], dtype=float)
    filled = np.asarray(regions["Filled"], dtype=bool)
    exterior = np.asarray(regions["Exterior"], dtype=bool)
    voids = volume[~filled & ~exterior]
    half_layer = atomic_volume_A3 ** (1.0 / 3.0) / 2.0
    radii = np.cbrt(3.0 * voids / (4.0 * math.pi)) - half_layer
    corrected = 4.0 / 3.0 * math.pi * np.clip(radii, 0.0, None) ** 3
    return VoidAnalysis(
        probe_radius_A=probe_radius_A,
        filled_volume_A3=float(volume[filled].sum()),
        void_volumes_mesh_A3=voids,
        void_volumes_A3=corrected,
    )


def dislocation_line_length_A(
    positions_A: np.ndarray,
    box_lo_A: np.ndarray,
    box_edges_A: np.ndarray,
    pbc: tuple[bool, bool, bool] = SLAB_PBC,
    lattice: str = "bcc",
) -> float:
    """Total dislocation line length (A) that OVITO's DXA traces in a ``bcc`` or ``fcc``
    crystal (in fcc, hcp atoms are stacking faults between Shockley partials)."""
    from ovito.data import DataCollection  # noqa: PLC0415
    from ovito.modifiers import DislocationAnalysisModifier  # noqa: PLC0415

    data = DataCollection()
    matrix = np.zeros((3, 4))
    matrix[:, :3] = np.diag(box_edges_A)
    matrix[:, 3] = box_lo_A
    data.create_cell(matrix, pbc=pbc)
    pos = np.asarray(positions_A, dtype=float).reshape(-1, 3)
    data.create_particles(count=len(pos)).create_property("Position", data=pos)
    lattices = {
        "bcc": DislocationAnalysisModifier.Lattice.BCC,
        "fcc": DislocationAnalysisModifier.Lattice.FCC,
    }
    data.apply(DislocationAnalysisModifier(input_crystal_structure=lattices[lattice]))
    return float(data.attributes["DislocationAnalysis.total_line_length"])


@dataclass(frozen=True)
class DepositAnalysisSettings:
    """How a deposit is measured (lengths in A)."""

    roughness_bin_A: float = 5.0
    """Lateral bin of the height map.  Each bin must hold a surface atom, so not finer than
    the surface's atom spacing (Li: 3-3.5 A), or a flat crystal face would read rough."""
    probe_radius_A: float = 2.5
    """Probe sphere of the surface mesh that finds voids."""
    min_domain_atoms: int = 10
    """Crystalline domains smaller than this are not counted."""
    dislocations: bool = True
    """Run OVITO's DXA on every frame."""


CRYSTALLINE_TYPES = (1, 2, 3)
"""fcc, hcp, bcc."""


def _domain_sizes(
    positions_A: np.ndarray,
    lo: np.ndarray,
    edges: np.ndarray,
    cutoff_A: float,
    selected: np.ndarray,
    min_atoms: int,
) -> list[int]:
    """Sizes of the connected groups of ``selected`` atoms (closer than ``cutoff_A``) with at
    least ``min_atoms`` atoms."""
    if not selected.any():
        return []
    labels, _ = cluster_labels(positions_A, lo, edges, cutoff_A, selection=selected,
                               pbc=SLAB_PBC)
    sizes = np.bincount(labels[labels >= 0])
    return [int(n) for n in sizes if n >= min_atoms]


def _insertion_times_ps(
    ids: np.ndarray, substrate_atoms: int, steps: DepositionSteps, timestep_ps: float
) -> np.ndarray:
    """When each deposited atom (id > substrate_atoms) was inserted: fix deposit inserts
    the k-th atom on step 1 + (k - 1) x insert_every."""
    k = ids - substrate_atoms
    return (1 + (k - 1) * steps.insert_every) * timestep_ps


def deposit_positions(
    frame: Frame,
    geometry: DepositionGeometry,
    structure: StructureSettings,
    previous_ids: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Positions to analyse a deposit frame on, x and y folded into the box, and which of
    them are time-averaged.

    Time-averaged (if the settings ask for it) for the atoms of ``previous_ids``, which were
    there for the whole averaging window; instantaneous for atoms inserted since (their
    averages are incomplete).  Without ``previous_ids`` only the substrate is averaged.
    """
    lo = np.asarray(geometry.box_lo_A)
    edges = np.asarray(geometry.box_hi_A) - lo
    positions = frame.unwrapped_A.copy()
    averaged = np.zeros(len(frame.ids), dtype=bool)
    if structure.positions == "time-averaged" and frame.averaged_A is not None:
        if previous_ids is not None:
            averaged = np.isin(frame.ids, previous_ids)
        else:
            averaged = frame.ids <= geometry.substrate_atoms
        positions[averaged] = frame.averaged_A[averaged]
    positions[:, :2] = lo[:2] + np.mod(positions[:, :2] - lo[:2], edges[:2])
    return positions, averaged


def deposit_membership(
    positions_A: np.ndarray,
    ids: np.ndarray,
    geometry: DepositionGeometry,
    cluster_cutoff_A: float,
) -> np.ndarray:
    """Whether each atom belongs to the deposit: its cluster (atoms closer than
    ``cluster_cutoff_A``, periodic in x and y) holds a substrate atom or, on the inert
    wall, an atom within 1.5 sigma of the wall."""
    lo = np.asarray(geometry.box_lo_A)
    edges = np.asarray(geometry.box_hi_A) - lo
    if len(ids) == 0:
        return np.zeros(0, dtype=bool)
    labels, _ = cluster_labels(positions_A, lo, edges, cluster_cutoff_A, pbc=SLAB_PBC)
    if geometry.substrate.kind == "inert-wall":
        anchored = positions_A[:, 2] - lo[2] < 1.5 * geometry.substrate.wall_sigma_A
    else:
        anchored = ids <= geometry.substrate_atoms
    return np.isin(labels, np.unique(labels[anchored]))


def analyse_deposit_frame(
    frame: Frame,
    geometry: DepositionGeometry,
    structure: StructureSettings,
    settings: DepositAnalysisSettings,
    steps: DepositionSteps,
    timestep_ps: float,
    flight_time_ps: float,
    previous_ids: np.ndarray | None = None,
) -> dict[str, float | int | str]:
    """Counts, structure, domains, roughness, porosity and dislocations of one frame.

    ``previous_ids``: the atoms of the frame before; only those have a whole averaging
    window, the others are identified on their instantaneous positions.
    ``flight_time_ps``: an atom still in the vapour longer than this after its insertion has
    bounced back (reflected); before that it is in flight.
    """
    lo = np.asarray(geometry.box_lo_A)
    edges = np.asarray(geometry.box_hi_A) - lo
    substrate_atoms = geometry.substrate_atoms
    time_ps = frame.step * timestep_ps
    ids = frame.ids
    deposited = ids > substrate_atoms
    positions, averaged = deposit_positions(frame, geometry, structure, previous_ids)
    in_deposit = deposit_membership(positions, ids, geometry, structure.cluster_cutoff_A)
    retained = deposited & in_deposit
    vapour = deposited & ~in_deposit
    age_ps = time_ps - _insertion_times_ps(ids, substrate_atoms, steps, timestep_ps)
    in_flight = vapour & (age_ps <= flight_time_ps)
    n_retained = int(retained.sum())
    row: dict[str, float | int | str] = {
        "step": frame.step,
        "time_ps": time_ps,
        "inserted_atoms": int(deposited.sum()),
        "retained_atoms": n_retained,
        "in_flight_atoms": int(in_flight.sum()),
        "reflected_atoms": int((vapour & ~in_flight).sum()),
        "time_averaged_atoms": int((averaged & retained).sum()),
    }
    nan = math.nan
    types = identify_structures(positions, lo, edges, structure, pbc=SLAB_PBC)
    counts = np.bincount(types[retained], minlength=5)[:5]
    for type_id, name in STRUCTURE_NAMES.items():
        row[f"fraction_{name}"] = counts[type_id] / n_retained if n_retained else nan
    row["fraction_crystalline"] = (
        (counts[1] + counts[2] + counts[3]) / n_retained if n_retained else nan
    )
    # crystalline domains among the deposited atoms: connected crystalline (bcc, fcc, hcp)
    # atoms, and connected bcc atoms alone
    crystalline = retained & np.isin(types, CRYSTALLINE_TYPES)
    for prefix, selected in (("crystalline", crystalline), ("bcc", retained & (types == BCC))):
        domains = _domain_sizes(positions, lo, edges, structure.domain_cutoff_A, selected,
                                settings.min_domain_atoms)
        row[f"{prefix}_domains"] = len(domains)
        row[f"largest_{prefix}_domain_atoms"] = max(domains, default=0)
    # free surface: the topmost deposit (or substrate) atom per bin, bare substrate at its
    # surface height
    solid = in_deposit | ~deposited
    heights = height_map(positions[solid] - [lo[0], lo[1], 0.0], tuple(edges[:2]),
                         settings.roughness_bin_A)
    heights = np.where(np.isfinite(heights), heights, geometry.surface_z_A)
    heights = np.maximum(heights, geometry.surface_z_A)
    row["rms_roughness_nm"] = rms_roughness_nm(heights)
    row["mean_height_nm"] = float(np.mean(heights) - geometry.surface_z_A) / 10.0
    row["max_height_nm"] = float(np.max(heights) - geometry.surface_z_A) / 10.0
    atomic_volume = geometry.substrate.atomic_volume_A3
    deposit_volume_A3 = n_retained * atomic_volume
    row["void_volume_nm3"] = nan
    row["porosity"] = nan
    if n_retained + substrate_atoms >= 4:
        voids = void_analysis(
            positions[solid] - lo, np.diag(edges), SLAB_PBC, settings.probe_radius_A,
            atomic_volume,
        )
        row["void_volume_nm3"] = voids.void_volume_A3 / 1000.0
        if n_retained:
            row["porosity"] = voids.void_volume_A3 / (deposit_volume_A3 + voids.void_volume_A3)
    row["dislocation_length_nm"] = nan
    row["dislocation_density_per_m2"] = nan
    if not settings.dislocations:
        row["dislocation_note"] = "DXA switched off"
    elif crystalline.sum() < settings.min_domain_atoms:
        row["dislocation_note"] = (
            f"not measured: {int(crystalline.sum())} crystalline deposit atoms, fewer than "
            f"{settings.min_domain_atoms}: no crystal for DXA to trace dislocations in"
        )
    else:
        # the lattice DXA looks for: the deposit's dominant crystal (hcp counts for fcc,
        # as stacking faults)
        lattice = "bcc" if counts[BCC] >= counts[1] + counts[2] else "fcc"
        length_A = dislocation_line_length_A(positions[solid], lo, edges, lattice=lattice)
        row["dislocation_length_nm"] = length_A / 10.0
        row["dislocation_density_per_m2"] = length_A / deposit_volume_A3 * 1e20
        row["dislocation_note"] = f"DXA ({lattice})"
    return row


def analyse_deposition(
    trajectory: str | Path,
    geometry: DepositionGeometry,
    structure: StructureSettings,
    settings: DepositAnalysisSettings,
    protocol: DepositionProtocol,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """One row per trajectory frame (see :func:`analyse_deposit_frame`), with its stage."""
    steps = deposition_steps(protocol)
    timestep_ps = protocol.timestep_ps
    flight = flight_time_ps(geometry, protocol.incident_energy_eV, protocol.mass_amu)
    rows = []
    previous_ids = None
    for index, frame in enumerate(read_lammps_dump(trajectory)):
        row = analyse_deposit_frame(
            frame, geometry, structure, settings, steps, timestep_ps, flight, previous_ids
        )
        rows.append({"frame": index, "stage": steps.stage_of_step(frame.step), **row})
        previous_ids = frame.ids
        if progress is not None and index % 10 == 0:
            progress(
                f"frame {index} (t = {row['time_ps']:.0f} ps): {row['retained_atoms']} of "
                f"{row['inserted_atoms']} atoms retained, bcc {row['fraction_bcc']:.2f}, "
                f"roughness {row['rms_roughness_nm']:.3f} nm"
            )
    return pd.DataFrame(rows)


SUMMARY_MEASURES = (
    "retained_atoms",
    "reflected_atoms",
    "in_flight_atoms",
    "fraction_bcc",
    "fraction_crystalline",
    "fraction_fcc",
    "fraction_hcp",
    "fraction_ico",
    "fraction_other",
    "crystalline_domains",
    "largest_crystalline_domain_atoms",
    "bcc_domains",
    "largest_bcc_domain_atoms",
    "rms_roughness_nm",
    "mean_height_nm",
    "void_volume_nm3",
    "porosity",
    "dislocation_density_per_m2",
)
"""Final-frame values carried into the runs table (and their replica statistics)."""
FRACTION_MEASURES = frozenset(
    name for name in (*SUMMARY_MEASURES, "retained_fraction")
    if name.startswith("fraction_") or name in ("porosity", "retained_fraction"))
"""Measures that are fractions in [0, 1]: their intervals are clipped to that range."""


def summarise_deposition(
    frames: pd.DataFrame,
    thermo: pd.DataFrame,
    run: dict[str, object],
    protocol: DepositionProtocol,
    geometry: DepositionGeometry,
) -> dict[str, object]:
    """The run's settings, its effective rate (per box and per nm2), the heat removal, and
    the final frame's measures; ``inserted_atoms`` is LAMMPS's own count (thermo table)."""
    steps = deposition_steps(protocol)
    rate = 1.0 / (steps.insert_every * protocol.timestep_ps)
    final = frames.iloc[-1]
    summary: dict[str, object] = {
        **run,
        "substrate_kind": geometry.substrate.kind,
        "substrate_atoms": geometry.substrate_atoms,
        "lateral_area_nm2": geometry.lateral_area_nm2,
        "effective_rate_atoms_per_ps": rate,
        "rate_atoms_per_nm2_per_ps": rate / geometry.lateral_area_nm2,
        "incident_energy_eV": protocol.incident_energy_eV,
        "heat_removal_statement": heat_removal_statement(protocol, geometry.substrate),
        "final_time_ps": float(final["time_ps"]),
        "inserted_atoms": int(thermo["inserted"].iloc[-1]),
        "inserted_atoms_in_frame": int(final["inserted_atoms"]),
        "retained_fraction": float(final["retained_atoms"]) / max(int(final["inserted_atoms"]), 1),
        # free space left between the tallest the deposit got and the insertion band
        "headroom_nm": (geometry.insertion_lo_A - geometry.surface_z_A) / 10.0
        - float(frames["max_height_nm"].max()),
        "dislocation_note": str(final["dislocation_note"]),
    }
    for name in SUMMARY_MEASURES:
        value = final[name]
        summary[name] = None if pd.isna(value) else float(value)
    return summary


def deposition_by_rate(runs: pd.DataFrame) -> pd.DataFrame:
    """Per substrate, heat route and rate: replica count, mean, standard deviation, standard
    error of the mean and 95% Student-t interval of the mean (``_lower``/``_upper``, the lower
    end clipped at 0: every measure is a count, fraction, length or density; a fraction's
    upper end clipped at 1) of each summary measure."""
    measures = [*SUMMARY_MEASURES, "retained_fraction"]
    keys = ["substrate", "heat_removal", "potential", "rate_atoms_per_ps"]
    rows = []
    for values, group in runs.groupby(keys, sort=False):
        row = dict(zip(keys, values, strict=True))
        row["rate_atoms_per_nm2_per_ps"] = float(group["rate_atoms_per_nm2_per_ps"].mean())
        row["replicas"] = len(group)
        for name in measures:
            column = pd.to_numeric(group[name], errors="coerce").dropna()
            row[f"{name}_n"] = len(column)
            row[f"{name}_mean"] = column.mean() if len(column) else np.nan
            row[f"{name}_sd"] = column.std(ddof=1) if len(column) > 1 else np.nan
            row[f"{name}_sem"] = row[f"{name}_sd"] / np.sqrt(len(column)) if len(column) > 1 \
                else np.nan
            ceiling = 1.0 if name in FRACTION_MEASURES else None
            _, row[f"{name}_lower"], row[f"{name}_upper"] = mean_interval(
                column, floor=0.0, ceiling=ceiling)
        rows.append(row)
    return pd.DataFrame(rows)
