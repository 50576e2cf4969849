"""Structure identification per trajectory frame, with OVITO.

Thermal vibration hides Li's bcc order: polyhedral template matching (PTM) on a 300 K
snapshot finds only a few percent bcc in a bcc crystal.  The default here identifies
structure on *time-averaged* unwrapped positions, averaged by LAMMPS (``fix ave/atom``)
over a window before each frame; for a crystal the averages sit near the lattice sites,
for a liquid they keep the liquid's disorder.

Per frame we report the fraction of atoms of each structure type, the embryos (clusters of
atoms within ``cluster_cutoff_A``, at least ``min_embryo_atoms``), the largest embryo's size,
radius of gyration, structure content (bcc, fcc, hcp, icosahedral) and mobility, the largest
connected bcc domain, and whether the largest cluster *percolates*: connects to its own
periodic image (:func:`periodic_wrapping`).  A percolating cluster is a network spanning the
periodic box (a dense random gas: at 0.2136 g/cm3 the 4 A cutoff joins all 700 atoms of a
Li gas at t = 0), not an embryo; its values are kept but flagged
(``largest_cluster_percolates``) so that tables and figures can mark or leave it out.

The order parameter for "crystalline" is the content of the metal's reference structure
(bcc for Li, Na, K; hcp for Mg) in the largest embryo, normalised by that of a perfect sphere
of the reference crystal with the same number of atoms (:func:`reference_fraction`): PTM never
labels surface atoms crystalline, so a raw fraction grows with size from surface geometry
alone (bcc: about 19% at 100 atoms, 50% at 700, 63% at 2000 for perfect spheres).
``any_crystal_crystallinity`` counts any crystal (bcc + fcc + hcp) the same way: the crystal
fraction of the largest embryo over the crystal fraction of the same perfect sphere of the
reference crystal.  A perfect sphere of another close-packed crystal can read slightly above
1 (a perfect fcc sphere of 700 atoms: 54% fcc, against 48% bcc for the bcc sphere, so 1.12),
since PTM needs 12 neighbours for fcc and hcp but 14 for bcc.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from glassy_li.config.metals import CRYSTAL_STRUCTURES
from glassy_li.core.clock import StepClock

__all__ = [
    "STRUCTURE_NAMES",
    "Frame",
    "StructureSettings",
    "analyse_frame",
    "identification_positions",
    "analyse_trajectory",
    "bcc_lattice",
    "bcc_sphere",
    "periodic_wrapping",
    "crystal_lattice",
    "crystal_sphere",
    "reference_fraction",
    "unit_cell_edges_A",
    "cluster_labels",
    "identify_structures",
    "read_lammps_dump",
    "read_new_frames",
    "IncompleteFrame",
]

# OVITO's numbering of structure types (PTM and adaptive CNA agree on these five).
STRUCTURE_NAMES = {0: "other", 1: "fcc", 2: "hcp", 3: "bcc", 4: "ico"}
BCC = 3
STRUCTURE_TYPES = {name: type_id for type_id, name in STRUCTURE_NAMES.items()}
"""The crystals a metal's reference structure may be (the order parameter counts it)."""
CRYSTAL_TYPES = tuple(STRUCTURE_TYPES[name] for name in CRYSTAL_STRUCTURES)
"""Structure types ``any_crystal_crystallinity`` counts (bcc, hcp, fcc)."""


@dataclass(frozen=True)
class StructureSettings:
    """How structure is identified on each frame."""

    method: str = "ptm"
    """``ptm`` (polyhedral template matching) or ``acna`` (adaptive common neighbour analysis)."""
    positions: str = "time-averaged"
    """``time-averaged`` (default) or ``instantaneous`` positions for identification."""
    ptm_rmsd_cutoff: float = 0.1
    """PTM's RMSD cutoff (OVITO's default 0.1; 0 disables it)."""
    cluster_cutoff_A: float = 4.0
    """Atoms closer than this belong to the same embryo (first minimum of liquid Li's g(r))."""
    min_embryo_atoms: int = 10
    """Clusters smaller than this are not counted as embryos."""
    domain_cutoff_A: float = 3.3
    """Reference-structure atoms closer than this form one domain (Li: between bcc Li's 1st
    and 2nd shells)."""
    reference_structure: str = "bcc"
    """The metal's crystal (``bcc``, ``hcp`` or ``fcc``): the order parameter counts it."""

    def __post_init__(self) -> None:
        if self.reference_structure not in CRYSTAL_STRUCTURES:
            raise ValueError(
                f"reference structure must be one of {CRYSTAL_STRUCTURES}, "
                f"got {self.reference_structure!r}"
            )
        if self.method not in ("ptm", "acna"):
            raise ValueError(f"structure method must be 'ptm' or 'acna', got {self.method!r}")
        if self.positions not in ("time-averaged", "instantaneous"):
            raise ValueError(
                f"structure positions must be 'time-averaged' or 'instantaneous', "
                f"got {self.positions!r}"
            )


@dataclass
class Frame:
    """One trajectory frame of an orthogonal periodic box."""

    step: int
    box_lo_A: np.ndarray
    box_hi_A: np.ndarray
    ids: np.ndarray
    unwrapped_A: np.ndarray
    """(N, 3) instantaneous unwrapped positions."""
    averaged_A: np.ndarray | None
    """(N, 3) time-averaged unwrapped positions, or None where not available."""

    @property
    def box_edges_A(self) -> np.ndarray:
        return self.box_hi_A - self.box_lo_A


class IncompleteFrame(ValueError):
    """A dump frame cut short: the file ends inside it (a killed run, or one still writing)."""


def _read_frame(handle, path: str | Path) -> Frame | None:
    """The next frame of an open dump file; None at its end.

    Raises :class:`IncompleteFrame` if the file ends inside the frame."""
    line = handle.readline()
    if not line:
        return None
    if not line.startswith("ITEM: TIMESTEP"):
        raise ValueError(f"{path}: expected 'ITEM: TIMESTEP', got {line!r}")
    header = [handle.readline() for _ in range(8)]
    if not header[-1].endswith("\n"):
        raise IncompleteFrame(f"{path}: the file ends in a frame's header")
    step = int(header[0])
    n_atoms = int(header[2])
    bounds_header = header[3]
    if "xy" in bounds_header:
        raise ValueError(f"{path}: triclinic boxes are not supported")
    bounds = np.array([header[k].split()[:2] for k in (4, 5, 6)], dtype=float)
    columns = header[7].split()[2:]
    block = [handle.readline() for _ in range(n_atoms)]
    if n_atoms and not block[-1].endswith("\n"):
        raise IncompleteFrame(f"{path}: frame at step {step} is truncated")
    values = np.array(" ".join(block).split(), dtype=float).reshape(n_atoms, len(columns))
    col = {name: i for i, name in enumerate(columns)}
    unwrapped = values[:, [col["xu"], col["yu"], col["zu"]]]
    averaged = None
    if "f_averaged[1]" in col:
        candidate = values[:, [col[f"f_averaged[{k}]"] for k in (1, 2, 3)]]
        if np.any(candidate != 0.0):
            averaged = candidate
    return Frame(
        step=step,
        box_lo_A=bounds[:, 0],
        box_hi_A=bounds[:, 1],
        ids=values[:, col["id"]].astype(int),
        unwrapped_A=unwrapped,
        averaged_A=averaged,
    )


def read_lammps_dump(path: str | Path) -> Iterator[Frame]:
    """Iterate over the frames of a ``dump custom`` file written by ``md.lammps``.

    The columns must include ``id xu yu zu``; ``f_averaged[1..3]`` are used as time-averaged
    positions when present and not all zero (at the very first step of a run the average
    has not been accumulated yet).  A truncated last frame raises :class:`IncompleteFrame`.
    """
    with open(path) as handle:
        while (frame := _read_frame(handle, path)) is not None:
            yield frame


def read_new_frames(path: str | Path, offset: int = 0) -> tuple[list[Frame], int]:
    """The complete frames of a dump file that is still being written, from byte ``offset``.

    Returns the frames and the offset to read from next time: the start of the first frame
    not yet complete (a frame cut short by the writer is read again on the next call)."""
    frames: list[Frame] = []
    with open(path, "rb") as raw:
        raw.seek(offset)
        data = raw.read()
    handle = io.StringIO(data.decode("ascii"))  # dumps are ASCII: characters are bytes
    consumed = 0
    while True:
        try:
            frame = _read_frame(handle, path)
        except IncompleteFrame:
            break
        if frame is None:
            break
        frames.append(frame)
        consumed = handle.tell()
    return frames, offset + consumed


PERIODIC = (True, True, True)


def _data_collection(
    positions_A: np.ndarray,
    box_lo_A: np.ndarray,
    box_edges_A: np.ndarray,
    pbc: tuple[bool, bool, bool] = PERIODIC,
):
    """An OVITO DataCollection of the atoms in an orthogonal cell, wrapped along its
    periodic directions."""
    from ovito.data import DataCollection  # noqa: PLC0415  (OVITO is slow to import)

    data = DataCollection()
    matrix = np.zeros((3, 4))
    matrix[:, :3] = np.diag(box_edges_A)
    matrix[:, 3] = box_lo_A
    data.create_cell(matrix, pbc=tuple(bool(p) for p in pbc))
    reduced = (np.asarray(positions_A, dtype=float) - box_lo_A) / box_edges_A
    periodic = np.asarray(pbc, dtype=bool)
    reduced[:, periodic] -= np.floor(reduced[:, periodic])
    particles = data.create_particles(count=len(positions_A))
    particles.create_property("Position", data=reduced * box_edges_A + box_lo_A)
    return data


def identify_structures(
    positions_A: np.ndarray,
    box_lo_A: np.ndarray,
    box_edges_A: np.ndarray,
    settings: StructureSettings,
    pbc: tuple[bool, bool, bool] = PERIODIC,
) -> np.ndarray:
    """Structure type per atom (0 other, 1 fcc, 2 hcp, 3 bcc, 4 icosahedral)."""
    from ovito.modifiers import (  # noqa: PLC0415
        CommonNeighborAnalysisModifier,
        PolyhedralTemplateMatchingModifier,
    )

    if len(positions_A) == 0:
        return np.zeros(0, dtype=int)
    data = _data_collection(positions_A, box_lo_A, box_edges_A, pbc)
    if settings.method == "ptm":
        modifier = PolyhedralTemplateMatchingModifier(rmsd_cutoff=settings.ptm_rmsd_cutoff)
        modifier.structures[PolyhedralTemplateMatchingModifier.Type.ICO].enabled = True
    else:
        modifier = CommonNeighborAnalysisModifier(
            mode=CommonNeighborAnalysisModifier.Mode.AdaptiveCutoff
        )
    data.apply(modifier)
    return np.asarray(data.particles["Structure Type"], dtype=int)


def cluster_labels(
    positions_A: np.ndarray,
    box_lo_A: np.ndarray,
    box_edges_A: np.ndarray,
    cutoff_A: float,
    selection: np.ndarray | None = None,
    pbc: tuple[bool, bool, bool] = PERIODIC,
) -> tuple[np.ndarray, np.ndarray]:
    """Connected clusters of atoms closer than ``cutoff_A`` (across the periodic directions).

    Returns ``(labels, unwrapped)``: ``labels[i]`` is the cluster of atom ``i`` counted from
    0 in order of decreasing size (OVITO 3.17 numbers clusters from 0), -1 for atoms outside
    ``selection``; ``unwrapped`` are positions with every cluster made contiguous across the
    periodic boundaries (for radii of gyration).
    """
    from ovito.modifiers import ClusterAnalysisModifier  # noqa: PLC0415

    n = len(positions_A)
    if n == 0:
        return np.zeros(0, dtype=int), np.zeros((0, 3))
    data = _data_collection(positions_A, box_lo_A, box_edges_A, pbc)
    only_selected = selection is not None
    if only_selected:
        if not np.any(selection):
            return np.full(n, -1), np.asarray(positions_A, dtype=float)
        data.particles_.create_property("Selection", data=np.asarray(selection, dtype=int))
    data.apply(
        ClusterAnalysisModifier(
            cutoff=cutoff_A,
            sort_by_size=True,
            unwrap_particles=True,
            only_selected=only_selected,
        )
    )
    labels = np.array(data.particles["Cluster"], dtype=int)
    if only_selected:
        labels = np.where(np.asarray(selection, dtype=bool), labels, -1)
    # Normalise numbering so that the largest cluster is 0 whatever OVITO's first id is.
    valid = labels >= 0
    if np.any(valid):
        labels[valid] -= labels[valid].min()
    return labels, np.asarray(data.particles["Position"], dtype=float)


def periodic_wrapping(
    positions_A: np.ndarray,
    box_lo_A: np.ndarray,
    box_edges_A: np.ndarray,
    cutoff_A: float,
    pbc: tuple[bool, bool, bool] = PERIODIC,
) -> np.ndarray:
    """Directions along which the atoms given connect to their own periodic images.

    The atoms (e.g. one cluster) are joined by bonds shorter than ``cutoff_A`` to every
    periodic image of each other; each bond carries the image offset it crosses.  A walk
    along the bonds gives each atom an image so that bonds join neighbours; a bond that then
    joins an atom to a *different* image of its neighbour closes a loop through the periodic
    boundary, so the cluster repeats endlessly along that lattice vector: it percolates.
    Returns a boolean per axis (True where the atoms' cluster wraps along it); exact for any
    cutoff, also one longer than half the box.
    """
    from itertools import product  # noqa: PLC0415

    from scipy.spatial import cKDTree  # noqa: PLC0415

    pos = np.asarray(positions_A, dtype=float).reshape(-1, 3)
    edges = np.asarray(box_edges_A, dtype=float)
    periodic = np.asarray(pbc, dtype=bool)
    wraps = np.zeros(3, dtype=bool)
    n = len(pos)
    if n == 0:
        return wraps
    reduced = (pos - np.asarray(box_lo_A, dtype=float)) / edges
    reduced[:, periodic] -= np.floor(reduced[:, periodic])
    wrapped = reduced * edges
    reach = np.where(periodic, np.ceil(cutoff_A / edges), 0).astype(int)
    tree = cKDTree(wrapped)
    sources, targets, offsets = [], [], []
    for image_shift in product(*(range(-k, k + 1) for k in reach)):
        # each bond once: (i, j, +shift) and (j, i, -shift) are the same bond
        if image_shift < (0, 0, 0):
            continue
        shift = np.array(image_shift)
        pairs = tree.sparse_distance_matrix(
            cKDTree(wrapped + shift * edges), cutoff_A, output_type="ndarray"
        )
        i, j = pairs["i"], pairs["j"]
        if not shift.any():
            keep = i < j
            i, j = i[keep], j[keep]
        sources.append(i)
        targets.append(j)
        offsets.append(np.broadcast_to(shift, (len(i), 3)))
    # bond (i, j, shift): atom i in any image I is bonded to atom j in image I + shift
    src = np.concatenate([*sources, *targets]).astype(int)
    dst = np.concatenate([*targets, *sources]).astype(int)
    off = np.concatenate([*offsets, *(-o for o in offsets)]).astype(int)
    order = np.argsort(src, kind="stable")
    src, dst, off = src[order], dst[order], off[order]
    start = np.searchsorted(src, np.arange(n + 1))
    image = np.zeros((n, 3), dtype=int)
    seen = np.zeros(n, dtype=bool)
    for root in range(n):
        if seen[root]:
            continue
        seen[root] = True
        queue = [root]
        while queue:
            atom = queue.pop()
            for k in range(start[atom], start[atom + 1]):
                neighbour = dst[k]
                if not seen[neighbour]:
                    seen[neighbour] = True
                    image[neighbour] = image[atom] + off[k]
                    queue.append(neighbour)
    # every bond must join the images the walk gave: any mismatch is a loop round the box
    mismatch = image[src] + off - image[dst]
    wraps |= np.any(mismatch != 0, axis=0)
    return wraps & periodic


_BASES = {
    "bcc": ([1.0, 1.0, 1.0], [[0.0, 0.0, 0.0], [0.5, 0.5, 0.5]]),
    "fcc": ([1.0, 1.0, 1.0], [[0.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.5, 0.0, 0.5],
                              [0.0, 0.5, 0.5]]),
    # orthogonal hcp cell a x sqrt(3) a x c (ideal c = sqrt(8/3) a), as LAMMPS's `lattice hcp`
    "hcp": ([1.0, 3**0.5, (8 / 3) ** 0.5],
            [[0.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.5, 5 / 6, 0.5], [0.0, 1 / 3, 0.5]]),
}


def unit_cell_edges_A(structure: str, lattice_constant_A: float = 3.51) -> np.ndarray:
    """Edges (A) of the orthogonal unit cell of :func:`crystal_lattice` (hcp: a x sqrt(3) a x
    the ideal c = sqrt(8/3) a)."""
    return np.array(_BASES[structure][0]) * lattice_constant_A


def crystal_lattice(structure: str, n_cells: int, lattice_constant_A: float = 3.51) -> np.ndarray:
    """Positions of a block of ``n_cells``^3 orthogonal unit cells of bcc, fcc or hcp."""
    basis = np.array(_BASES[structure][1])
    grid = np.stack(np.meshgrid(*(np.arange(n_cells),) * 3, indexing="ij"), axis=-1).reshape(-1, 3)
    cells = (grid[:, None, :] + basis[None]).reshape(-1, 3)
    return cells * unit_cell_edges_A(structure, lattice_constant_A)


def bcc_lattice(n_cells: int, lattice_constant_A: float = 3.51) -> np.ndarray:
    """Positions of a cubic block of ``n_cells``^3 bcc unit cells (2 atoms each)."""
    return crystal_lattice("bcc", n_cells, lattice_constant_A)


def bcc_sphere(
    n_atoms: int,
    lattice_constant_A: float = 3.51,
    centre_offset: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> np.ndarray:
    """The ``n_atoms`` sites of a perfect bcc lattice nearest to a centre.

    ``centre_offset`` is in units of the lattice constant, relative to a lattice site; ties
    at the outermost shell are broken by a fixed order, so the result is deterministic.
    """
    return crystal_sphere("bcc", n_atoms, lattice_constant_A, centre_offset)


def crystal_sphere(
    structure: str,
    n_atoms: int,
    lattice_constant_A: float = 3.51,
    centre_offset: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> np.ndarray:
    """The ``n_atoms`` sites of a perfect bcc, fcc or hcp lattice nearest to a centre (a
    lattice site plus ``centre_offset`` unit-cell edges); deterministic, as :func:`bcc_sphere`."""
    per_cell = len(_BASES[structure][1])
    n_cells = int(np.ceil((per_cell * n_atoms) ** (1 / 3))) + 4
    lattice = crystal_lattice(structure, n_cells, lattice_constant_A)
    centre = (np.floor(n_cells / 2) + np.asarray(centre_offset)) * unit_cell_edges_A(
        structure, lattice_constant_A
    )
    distances = np.linalg.norm(lattice - centre, axis=1)
    order = np.lexsort((np.arange(len(lattice)), np.round(distances, 6)))
    sphere = lattice[order[:n_atoms]]
    return sphere - sphere.mean(axis=0)


def _isolated_box(positions_A: np.ndarray, margin_A: float = 10.0):
    lo = positions_A.min(axis=0) - margin_A
    edges = positions_A.max(axis=0) - lo + margin_A
    return lo, edges


@lru_cache(maxsize=4096)
def _reference_sphere_counts(n_atoms: int, settings: StructureSettings) -> tuple[int, ...]:
    """Atoms of each structure type in a perfect sphere of the reference crystal."""
    sphere = crystal_sphere(settings.reference_structure, n_atoms)
    lo, edges = _isolated_box(sphere)
    types = identify_structures(sphere, lo, edges, settings)
    return tuple(int(c) for c in np.bincount(types, minlength=5)[:5])


def reference_fraction(
    n_atoms: int, settings: StructureSettings, counted: tuple[str, ...] | None = None
) -> float:
    """Fraction of atoms identified as the reference structure in a perfect sphere of the
    reference crystal (``settings.reference_structure``) of ``n_atoms`` atoms; with
    ``counted`` (structure names, e.g. :data:`CRYSTAL_STRUCTURES`), the fraction identified
    as any of those.

    This is the ceiling that surface geometry sets on that fraction for an embryo of this
    size, with the same identification method; used to normalise crystallinity.
    """
    if n_atoms <= 0:
        return float("nan")
    counts = _reference_sphere_counts(n_atoms, settings)
    names = (settings.reference_structure,) if counted is None else counted
    return sum(counts[STRUCTURE_TYPES[name]] for name in names) / n_atoms


def _radius_of_gyration_A(positions_A: np.ndarray) -> float:
    centred = positions_A - positions_A.mean(axis=0)
    return float(np.sqrt((centred * centred).sum(axis=1).mean()))


def identification_positions(
    frame: Frame, settings: StructureSettings, averages_complete: bool = True
) -> tuple[np.ndarray, bool]:
    """The positions structure is identified on, and whether they are time-averaged.

    Time-averaged positions when the settings ask for them, the frame has them and their
    window is complete (``averages_complete``); instantaneous unwrapped positions otherwise.
    """
    use_average = (
        settings.positions == "time-averaged"
        and frame.averaged_A is not None
        and averages_complete
    )
    return (frame.averaged_A if use_average else frame.unwrapped_A), use_average


def analyse_frame(
    frame: Frame,
    settings: StructureSettings,
    previous: Frame | None = None,
    interval_ps: float | None = None,
) -> dict[str, float | int | bool]:
    """Structure fractions, embryos and order parameters of one frame.

    The largest cluster's ``largest_cluster_percolates`` (and the number of box directions
    it wraps along, ``largest_cluster_percolation_dims``) says whether it is a network
    through the periodic box rather than an embryo (:func:`periodic_wrapping`).

    ``previous`` (the frame before) and ``interval_ps`` give the largest
    embryo's mobility: the mean squared displacement of its atoms' (time-averaged) positions
    over the interval, centre-of-mass motion removed, and ``D = MSD / (6 interval)``.
    """
    # atoms inserted since the previous frame (atom flux) have no full averaging window:
    # such a frame is identified from its instantaneous positions
    same_atoms = previous is None or np.array_equal(previous.ids, frame.ids)
    ident_pos, use_average = identification_positions(frame, settings, same_atoms)
    lo, edges = frame.box_lo_A, frame.box_edges_A
    n = len(frame.ids)
    types = identify_structures(ident_pos, lo, edges, settings)
    counts = np.bincount(types, minlength=5)[:5]
    row: dict[str, float | int | bool] = {"step": frame.step, "n_atoms": n}
    for type_id, name in STRUCTURE_NAMES.items():
        row[f"fraction_{name}"] = counts[type_id] / n if n else float("nan")
    row["positions_time_averaged"] = bool(use_average)

    labels, unwrapped = cluster_labels(frame.unwrapped_A, lo, edges, settings.cluster_cutoff_A)
    sizes = np.bincount(labels[labels >= 0]) if n else np.zeros(0, dtype=int)
    embryo_sizes = sizes[sizes >= settings.min_embryo_atoms]
    row["n_embryos"] = len(embryo_sizes)
    row["atoms_in_embryos"] = int(embryo_sizes.sum())
    reference_type = STRUCTURE_TYPES[settings.reference_structure]
    is_reference = types == reference_type
    is_bcc = types == BCC

    def largest_domain(selection: np.ndarray) -> int:
        domain_labels, _ = cluster_labels(
            ident_pos, lo, edges, settings.domain_cutoff_A, selection=selection
        )
        domain_sizes = np.bincount(domain_labels[domain_labels >= 0])
        return int(domain_sizes.max()) if len(domain_sizes) else 0

    row["largest_reference_domain_atoms"] = largest_domain(is_reference)
    row["largest_bcc_domain_atoms"] = (
        row["largest_reference_domain_atoms"] if reference_type == BCC else largest_domain(is_bcc)
    )

    nan = float("nan")
    largest = int(sizes[0]) if len(sizes) else 0
    wraps = (
        periodic_wrapping(frame.unwrapped_A[labels == 0], lo, edges, settings.cluster_cutoff_A)
        if largest
        else np.zeros(3, dtype=bool)
    )
    row["largest_cluster_percolates"] = bool(wraps.any())
    row["largest_cluster_percolation_dims"] = int(wraps.sum())
    is_crystal = np.isin(types, CRYSTAL_TYPES)
    if largest >= settings.min_embryo_atoms:
        members = labels == 0
        embryo_bcc = int(np.count_nonzero(is_bcc & members))
        embryo_reference = int(np.count_nonzero(is_reference & members))
        embryo_crystal = int(np.count_nonzero(is_crystal & members))
        reference = reference_fraction(largest, settings)
        reference_crystal = reference_fraction(largest, settings, CRYSTAL_STRUCTURES)
        row.update(
            largest_embryo_atoms=largest,
            largest_embryo_rg_nm=_radius_of_gyration_A(unwrapped[members]) / 10.0,
            largest_embryo_bcc_atoms=embryo_bcc,
            largest_embryo_bcc_fraction=embryo_bcc / largest,
            largest_embryo_reference_atoms=embryo_reference,
            largest_embryo_reference_fraction=embryo_reference / largest,
            reference_fraction=reference,
            crystallinity=(embryo_reference / largest) / reference if reference > 0 else nan,
            largest_embryo_any_crystal_fraction=embryo_crystal / largest,
            reference_any_crystal_fraction=reference_crystal,
            any_crystal_crystallinity=(
                (embryo_crystal / largest) / reference_crystal if reference_crystal > 0 else nan
            ),
        )
        for type_id, name in STRUCTURE_NAMES.items():
            if type_id != BCC:
                row[f"largest_embryo_{name}_fraction"] = float(np.mean(types[members] == type_id))
        row["largest_embryo_msd_nm2"] = nan
        row["largest_embryo_diffusion_nm2_per_ps"] = nan
        if previous is not None and interval_ps and same_atoms:
            now = frame.averaged_A if use_average else frame.unwrapped_A
            before = previous.averaged_A if use_average else previous.unwrapped_A
            if before is not None and now is not None:
                displacement = now[members] - before[members]
                displacement -= displacement.mean(axis=0)
                msd_nm2 = float((displacement**2).sum(axis=1).mean()) / 100.0
                row["largest_embryo_msd_nm2"] = msd_nm2
                row["largest_embryo_diffusion_nm2_per_ps"] = msd_nm2 / (6.0 * interval_ps)
    else:
        row.update(
            largest_embryo_atoms=largest,
            largest_embryo_rg_nm=nan,
            largest_embryo_bcc_atoms=0,
            largest_embryo_bcc_fraction=nan,
            largest_embryo_reference_atoms=0,
            largest_embryo_reference_fraction=nan,
            reference_fraction=nan,
            crystallinity=nan,
            largest_embryo_any_crystal_fraction=nan,
            reference_any_crystal_fraction=nan,
            any_crystal_crystallinity=nan,
            largest_embryo_msd_nm2=nan,
            largest_embryo_diffusion_nm2_per_ps=nan,
        )
        for type_id, name in STRUCTURE_NAMES.items():
            if type_id != BCC:
                row[f"largest_embryo_{name}_fraction"] = nan
    return row


def analyse_trajectory(
    trajectory: str | Path,
    settings: StructureSettings,
    clock: StepClock | dict | float,
    stage_of_step,
    progress=None,
) -> pd.DataFrame:
    """One row per frame: ``frame, step, time_ps, stage`` and the fields of :func:`analyse_frame`.

    ``clock``: the simulated time of each step (a :class:`~glassy_li.core.clock.StepClock`, its
    dict, or one timestep in ps); ``stage_of_step(step) -> str`` names the stage a frame
    belongs to; ``progress`` (a callable taking a message) reports every tenth frame.
    """
    clock = StepClock.of(clock)
    rows = []
    previous: Frame | None = None
    for index, frame in enumerate(read_lammps_dump(trajectory)):
        interval = clock.interval_ps(previous.step, frame.step) if previous else None
        row = analyse_frame(frame, settings, previous, interval)
        row = {
            "frame": index,
            "step": frame.step,
            "time_ps": clock.time_ps(frame.step),
            "stage": stage_of_step(frame.step),
            **{k: v for k, v in row.items() if k != "step"},
        }
        rows.append(row)
        previous = frame
        if progress is not None and index % 10 == 0:
            progress(
                f"frame {index} (t = {row['time_ps']:.1f} ps): largest embryo "
                f"{row['largest_embryo_atoms']} atoms"
                + (" (percolates: a network, not an embryo)"
                   if row["largest_cluster_percolates"] else "")
                + f", bcc fraction {row['fraction_bcc']:.3f}"
            )
    return pd.DataFrame(rows)
