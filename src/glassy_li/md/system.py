"""Initial configurations: N atoms in a cubic periodic box at a given packing density.

Two initial states are supported:

``gas``
    atoms placed uniformly at random in the whole periodic box;
``droplet``
    atoms placed at random inside a sphere (at about liquid density) centred in the box;
``seeded-droplet``
    a droplet whose innermost ``seed_fraction`` of atoms sit on a perfect bcc lattice (a
    crystalline seed), the rest placed at random around it: a positive control for the
    detection of crystallisation.

In both, no pair of atoms (minimum image) is closer than ``min_distance_A``.  The box edge
is chosen so that the whole box has exactly the packing density requested.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glassy_li.core.units import ANGSTROM3_PER_CM3, AVOGADRO_PER_MOL

__all__ = [
    "InitialSystem",
    "box_edge_A",
    "density_g_cm3",
    "generate_system",
    "min_image_distances",
    "read_lammps_data",
    "write_lammps_data",
]

INITIAL_STATES = ("gas", "droplet", "seeded-droplet")
BCC_LI_LATTICE_CONSTANT_A = 3.51


@dataclass
class InitialSystem:
    """Atoms in a cubic periodic box with its lower corner at the origin."""

    positions_A: np.ndarray
    """(N, 3) positions in Angstrom, inside [0, box_edge_A)."""
    box_edge_A: float
    mass_amu: float
    element: str = "Li"

    @property
    def n_atoms(self) -> int:
        return len(self.positions_A)


def box_edge_A(n_atoms: int, mass_amu: float, packing_density_g_cm3: float) -> float:
    """Edge (Angstrom) of the cubic box holding ``n_atoms`` at the given mass density."""
    if n_atoms <= 0:
        raise ValueError(f"n_atoms must be positive, got {n_atoms}")
    if packing_density_g_cm3 <= 0:
        raise ValueError(f"packing density must be positive, got {packing_density_g_cm3}")
    mass_g = n_atoms * mass_amu / AVOGADRO_PER_MOL
    volume_A3 = mass_g / packing_density_g_cm3 * ANGSTROM3_PER_CM3
    return float(volume_A3 ** (1.0 / 3.0))


def density_g_cm3(n_atoms: int, mass_amu: float, volume_A3: float) -> float:
    """Mass density (g/cm3) of ``n_atoms`` of mass ``mass_amu`` in ``volume_A3``."""
    return n_atoms * mass_amu / AVOGADRO_PER_MOL / (volume_A3 / ANGSTROM3_PER_CM3)


def min_image_distances(positions_A: np.ndarray, box_edge: float) -> np.ndarray:
    """All pair distances (condensed, i<j) under the minimum-image convention in a cube."""
    n = len(positions_A)
    out = []
    for i in range(n - 1):
        d = positions_A[i + 1 :] - positions_A[i]
        d -= box_edge * np.round(d / box_edge)
        out.append(np.sqrt((d * d).sum(axis=1)))
    return np.concatenate(out) if out else np.empty(0)


def _random_sequential_placement(
    n_atoms: int,
    box_edge: float,
    min_distance_A: float,
    rng: np.random.Generator,
    sample_point,
    max_attempts_per_atom: int = 20000,
    fixed: np.ndarray | None = None,
) -> np.ndarray:
    """Place atoms one by one at random points, rejecting any closer than ``min_distance_A``.

    A cell list of edge >= ``min_distance_A`` keeps each test local, so placement of a few
    thousand atoms takes well under a second.  ``fixed`` atoms (e.g. a crystalline seed) are
    placed first, as they are.
    """
    n_cells = max(1, int(box_edge // min_distance_A))
    cell_edge = box_edge / n_cells
    cells: dict[tuple[int, int, int], list[int]] = {}
    positions = np.empty((n_atoms, 3))
    min_d2 = min_distance_A**2
    offsets = [(i, j, k) for i in (-1, 0, 1) for j in (-1, 0, 1) for k in (-1, 0, 1)]
    n_fixed = 0 if fixed is None else len(fixed)
    for n in range(n_fixed):
        p = fixed[n] % box_edge
        positions[n] = p
        cells.setdefault(tuple((p // cell_edge).astype(int) % n_cells), []).append(n)
    for n in range(n_fixed, n_atoms):
        for _attempt in range(max_attempts_per_atom):
            p = sample_point(rng) % box_edge
            c = tuple((p // cell_edge).astype(int) % n_cells)
            neighbours = {
                ((c[0] + a) % n_cells, (c[1] + b) % n_cells, (c[2] + e) % n_cells)
                for a, b, e in offsets
            }
            ok = True
            for cell in neighbours:
                idx = cells.get(cell)
                if not idx:
                    continue
                d = positions[idx] - p
                d -= box_edge * np.round(d / box_edge)
                if np.min((d * d).sum(axis=1)) < min_d2:
                    ok = False
                    break
            if ok:
                positions[n] = p
                cells.setdefault(c, []).append(n)
                break
        else:
            raise RuntimeError(
                f"could not place atom {n + 1} of {n_atoms} at least {min_distance_A} A from "
                f"the others after {max_attempts_per_atom} attempts: lower min_distance_A or "
                "the density"
            )
    return positions


def generate_system(
    n_atoms: int,
    packing_density_g_cm3: float,
    initial_state: str,
    seed: int,
    mass_amu: float = 6.94,
    min_distance_A: float = 2.2,
    droplet_density_g_cm3: float = 0.512,
    element: str = "Li",
    seed_fraction: float = 0.3,
) -> InitialSystem:
    """Generate N atoms in a cubic periodic box at exactly ``packing_density_g_cm3``.

    Parameters
    ----------
    n_atoms:
        Number of atoms (the ensemble size).
    packing_density_g_cm3:
        Mass density of the whole box, g/cm3 (the paper: 0.0534, a tenth of bulk Li).
    initial_state:
        ``"gas"`` (uniform in the box) or ``"droplet"`` (uniform in a sphere centred in the
        box, whose volume gives ``droplet_density_g_cm3``).
    seed:
        Seed of the random placement.
    min_distance_A:
        No two atoms closer than this (minimum image), Angstrom.
    droplet_density_g_cm3:
        Density of the droplet sphere (liquid Li at its melting point: 0.512 g/cm3).
    seed_fraction:
        For ``seeded-droplet``: the fraction of atoms in the central bcc seed (1: the whole
        droplet is a bcc sphere).
    """
    if initial_state not in INITIAL_STATES:
        raise ValueError(f"initial_state must be one of {INITIAL_STATES}, got {initial_state!r}")
    edge = box_edge_A(n_atoms, mass_amu, packing_density_g_cm3)
    rng = np.random.default_rng(seed)
    if initial_state == "gas":

        def sample(r: np.random.Generator) -> np.ndarray:
            return r.random(3) * edge

    else:  # droplet, seeded-droplet
        if droplet_density_g_cm3 < packing_density_g_cm3:
            raise ValueError(
                f"droplet density {droplet_density_g_cm3} g/cm3 is below the packing density "
                f"{packing_density_g_cm3} g/cm3: the droplet would not fit in the box"
            )
        radius = box_edge_A(n_atoms, mass_amu, droplet_density_g_cm3) * (3 / (4 * np.pi)) ** (1 / 3)
        centre = np.full(3, edge / 2)

        def sample(r: np.random.Generator) -> np.ndarray:
            while True:
                v = r.uniform(-1.0, 1.0, 3)
                if v @ v <= 1.0:
                    return centre + radius * v

    fixed = np.empty((0, 3))
    if initial_state == "seeded-droplet":
        if not 0.0 < seed_fraction <= 1.0:
            raise ValueError(f"seed_fraction must lie in (0, 1], got {seed_fraction}")
        from glassy_li.structure.identify import bcc_sphere  # noqa: PLC0415

        fixed = bcc_sphere(int(round(seed_fraction * n_atoms)), BCC_LI_LATTICE_CONSTANT_A)
        fixed = fixed + centre
    positions = _random_sequential_placement(
        n_atoms, edge, min_distance_A, rng, sample, fixed=fixed
    )
    return InitialSystem(positions_A=positions, box_edge_A=edge, mass_amu=mass_amu, element=element)


def write_lammps_data(system: InitialSystem, path: str | Path, atom_style: str = "atomic") -> None:
    """Write a LAMMPS data file (``atomic`` or ``charge`` atom style, zero charges)."""
    if atom_style not in ("atomic", "charge"):
        raise ValueError(f"atom_style must be 'atomic' or 'charge', got {atom_style!r}")
    edge = system.box_edge_A
    lines = [
        f"{system.n_atoms} {system.element} atoms, box edge {edge:.10f} A (glassy-li)",
        "",
        f"{system.n_atoms} atoms",
        "1 atom types",
        "",
        f"0.0 {edge:.12f} xlo xhi",
        f"0.0 {edge:.12f} ylo yhi",
        f"0.0 {edge:.12f} zlo zhi",
        "",
        "Masses",
        "",
        f"1 {system.mass_amu:.6f} # {system.element}",
        "",
        f"Atoms # {atom_style}",
        "",
    ]
    charge = " 0.0" if atom_style == "charge" else ""
    for i, (x, y, z) in enumerate(system.positions_A, start=1):
        lines.append(f"{i} 1{charge} {x:.10f} {y:.10f} {z:.10f}")
    Path(path).write_text("\n".join(lines) + "\n")


def read_lammps_data(path: str | Path) -> InitialSystem:
    """Read a cubic-box data file: ours, or one LAMMPS wrote (``write_data``).

    Atom styles ``atomic`` (id type x y z) and ``charge`` (id type q x y z), with or without
    image flags; other sections (Velocities, ...) are skipped.
    """
    text = Path(path).read_text().splitlines()
    n_atoms = 0
    bounds: list[tuple[float, float]] = []
    mass = float("nan")
    positions: list[list[float]] = []
    section = None
    first_coordinate = 2
    for line in text[1:]:
        stripped = line.split("#")[0].strip()
        if line[:1].isalpha():
            section = line.split()[0].lower()
            if section == "atoms":
                first_coordinate = 3 if "charge" in line else 2
            continue
        if not stripped:
            continue
        parts = stripped.split()
        if section is None:
            if parts[-1] == "atoms":
                n_atoms = int(parts[0])
            elif parts[-1] in ("xhi", "yhi", "zhi"):
                bounds.append((float(parts[0]), float(parts[1])))
        elif section == "masses":
            mass = float(parts[1])
        elif section == "atoms":
            positions.append([float(v) for v in parts[first_coordinate : first_coordinate + 3]])
    edges = {round(hi - lo, 9) for lo, hi in bounds}
    if len(edges) != 1:
        raise ValueError(f"{path}: not a cubic box: {bounds}")
    pos = np.asarray(positions)
    if len(pos) != n_atoms:
        raise ValueError(f"{path}: header says {n_atoms} atoms, found {len(pos)}")
    return InitialSystem(positions_A=pos, box_edge_A=bounds[0][1] - bounds[0][0], mass_amu=mass)
