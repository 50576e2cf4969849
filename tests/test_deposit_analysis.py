"""Deposit analysis (issue 6 groundwork): roughness and voids on synthetic structures.

* roughness: a flat surface has zero roughness; a sinusoidal surface
  z = z0 + A sin(2 pi x / L) has RMS A / sqrt(2);
* voids: a perfect periodic bcc crystal has no void and zero porosity; removing the atoms
  within R of a point makes a void whose volume is the removed atoms' volume (n x a^3 / 2).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from glassy_li.deposition.analysis import height_map, rms_roughness_nm, void_analysis
from glassy_li.structure.identify import bcc_lattice

A = 3.51
N_CELLS = 12


def crystal() -> tuple[np.ndarray, np.ndarray]:
    return bcc_lattice(N_CELLS, A) + 0.25 * A, np.eye(3) * N_CELLS * A


def test_flat_surface_has_zero_roughness():
    slab = bcc_lattice(6, A) + 0.25 * A  # 6 cells thick, topmost layer flat
    heights = height_map(slab, (6 * A, 6 * A), bin_A=A)
    assert np.isfinite(heights).all()
    assert rms_roughness_nm(heights) == pytest.approx(0.0, abs=1e-12)


def test_sinusoidal_surface_has_its_rms():
    length, amplitude = 60.0, 4.0
    x, y = np.meshgrid(np.linspace(0, length, 240, endpoint=False),
                       np.linspace(0, length, 240, endpoint=False))
    z = 20.0 + amplitude * np.sin(2 * np.pi * x / length)
    below = np.column_stack([x.ravel(), y.ravel(), z.ravel() - 3.0])  # a layer underneath
    surface = np.column_stack([x.ravel(), y.ravel(), z.ravel()])
    heights = height_map(np.vstack([surface, below]), (length, length), bin_A=1.0)
    expected_nm = amplitude / math.sqrt(2) / 10
    assert rms_roughness_nm(heights) == pytest.approx(expected_nm, rel=0.02)


def test_perfect_crystal_has_no_voids():
    positions, cell = crystal()
    voids = void_analysis(positions, cell)
    assert len(voids.void_volumes_A3) == 0
    assert voids.porosity == 0.0
    assert voids.filled_volume_A3 == pytest.approx(np.linalg.det(cell), rel=1e-6)


@pytest.mark.parametrize("radius_A", [6.0, 8.0, 10.0])
def test_spherical_void_volume_within_ten_percent(radius_A):
    positions, cell = crystal()
    centre = np.diag(cell) / 2
    keep = np.linalg.norm(positions - centre, axis=1) > radius_A
    removed_volume = (~keep).sum() * A**3 / 2
    voids = void_analysis(positions[keep], cell)
    assert len(voids.void_volumes_A3) == 1
    assert voids.void_volume_A3 == pytest.approx(removed_volume, rel=0.10)
    assert voids.porosity == pytest.approx(removed_volume / np.linalg.det(cell), rel=0.10)
