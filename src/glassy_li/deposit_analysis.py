"""Analysis of deposits (issue 6 groundwork): surface height map, roughness, voids.

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
from dataclasses import dataclass

import numpy as np

__all__ = ["VoidAnalysis", "height_map", "rms_roughness_nm", "void_analysis"]


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
