"""Headless OVITO renders of embryos: not blank, coloured by structure type.

OVITO's renderer needs a Vulkan loader (Debian: libvulkan1 mesa-vulkan-drivers, installed by
the README's commands as root).  Without one the test skips, except under CI=true, where
being unable to render is a failure.
"""

from __future__ import annotations

import ctypes.util
import os

import matplotlib.image
import numpy as np
import pytest

from glassy_li.figures.render import STRUCTURE_COLOURS, embryo_view, render_atoms
from glassy_li.structure.identify import BCC, Frame, StructureSettings, bcc_sphere

if ctypes.util.find_library("vulkan") is None:
    reason = "no Vulkan loader: OVITO cannot render (needs libvulkan1 mesa-vulkan-drivers)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def sphere_frame(n_atoms: int, box_A: float = 60.0) -> Frame:
    pos = bcc_sphere(n_atoms) + box_A / 2
    return Frame(
        step=0,
        ids=np.arange(1, len(pos) + 1),
        box_lo_A=np.zeros(3),
        box_hi_A=np.full(3, box_A),
        unwrapped_A=pos,
        averaged_A=None,
    )


def pixel_colours(png) -> np.ndarray:
    image = matplotlib.image.imread(png)[..., :3]
    return image.reshape(-1, 3)


def bluish_fraction(png) -> float:
    """Fraction of the drawn (non-white) pixels whose blue channel clearly dominates."""
    pixels = pixel_colours(png)
    drawn = pixels[np.any(pixels < 0.98, axis=1)]
    bluish = (drawn[:, 2] > drawn[:, 0] + 0.2) & (drawn[:, 2] > drawn[:, 1] + 0.2)
    return float(bluish.mean())


def test_render_is_not_blank_and_shows_the_structure_colours(tmp_path):
    view = embryo_view(sphere_frame(700), StructureSettings(positions="instantaneous"))
    assert len(view.positions_A) == 700  # the whole sphere is one embryo
    assert view.fractions["bcc"] > 0.4  # bulk-like interior of a perfect sphere
    np.testing.assert_allclose(view.positions_A.mean(axis=0), 0, atol=1e-9)
    png = tmp_path / "embryo.png"
    render_atoms(view.positions_A, view.types, png, size_px=200)
    pixels = pixel_colours(png)
    assert len(np.unique(pixels.round(2), axis=0)) > 1
    drawn = pixels[np.any(pixels < 0.98, axis=1)]  # everything but the white background
    assert len(drawn) > 0.1 * len(pixels)
    # bcc atoms are drawn blue, the sphere's surface ("other") grey: both show
    assert bluish_fraction(png) > 0.05
    grey = (np.ptp(drawn, axis=1) < 0.05) & (drawn.mean(axis=1) > 0.3)
    assert grey.mean() > 0.2
    assert STRUCTURE_COLOURS[BCC][2] > STRUCTURE_COLOURS[BCC][0]


def test_slice_shows_the_crystalline_core(tmp_path):
    """A perfect sphere: bcc inside, non-bcc surface; the central slice is mostly core."""
    view = embryo_view(sphere_frame(700), StructureSettings(positions="instantaneous"))
    whole, cut = tmp_path / "whole.png", tmp_path / "slice.png"
    render_atoms(view.positions_A, view.types, whole, size_px=200)
    render_atoms(view.positions_A, view.types, cut, size_px=200, slice_thickness_A=4.0)
    assert bluish_fraction(cut) > 2 * bluish_fraction(whole)
