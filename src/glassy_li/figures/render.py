"""Pictures of embryos: atoms coloured by structure type, rendered headless with OVITO.

OVITO's Tachyon ray tracer renders without a display but needs a Vulkan loader (Debian:
``libvulkan1 mesa-vulkan-drivers``).  The structure types come from the same identification
as the tables (:func:`glassy_li.structure.identify.identify_structures` with the campaign's
settings, time-averaged positions where the frame has them), and the colours follow OVITO's
structure-type convention: bcc blue, fcc green, hcp red, icosahedral gold, other grey.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glassy_li.structure.identify import (
    STRUCTURE_NAMES,
    Frame,
    StructureSettings,
    cluster_labels,
    identification_positions,
    identify_structures,
)

__all__ = [
    "STRUCTURE_COLOURS",
    "EmbryoView",
    "embryo_view",
    "render_atoms",
    "render_deposit",
    "render_embryo",
]

STRUCTURE_COLOURS: dict[int, tuple[float, float, float]] = {
    0: (0.80, 0.80, 0.80),  # other
    1: (0.40, 0.95, 0.40),  # fcc
    2: (1.00, 0.40, 0.40),  # hcp
    3: (0.30, 0.45, 1.00),  # bcc
    4: (0.95, 0.75, 0.20),  # icosahedral
}
ATOM_RADIUS_A = 1.3
"""Drawn radius (about half the Li-Li nearest-neighbour distance of 3.0 A)."""


@dataclass(frozen=True)
class EmbryoView:
    """Atoms of the largest embryo, centred on its centre of mass, with structure types."""

    positions_A: np.ndarray
    types: np.ndarray
    n_atoms_total: int

    @property
    def fractions(self) -> dict[str, float]:
        counts = np.bincount(self.types, minlength=5)
        n = max(len(self.types), 1)
        return {name: counts[i] / n for i, name in STRUCTURE_NAMES.items()}


def embryo_view(frame: Frame, settings: StructureSettings, largest_only: bool = True) -> EmbryoView:
    """The largest embryo of ``frame`` (or every atom), made whole across the boundaries.

    Clusters are found on the positions that are drawn (time-averaged where available, for a
    picture free of thermal noise), so the embryo's atom count can differ by a few atoms from
    the table's ``largest_embryo_atoms``, which clusters instantaneous positions.
    """
    ident_pos, _ = identification_positions(frame, settings)
    types = identify_structures(ident_pos, frame.box_lo_A, frame.box_edges_A, settings)
    labels, unwrapped = cluster_labels(
        ident_pos, frame.box_lo_A, frame.box_edges_A, settings.cluster_cutoff_A
    )
    chosen = labels == 0 if largest_only else np.ones(len(labels), bool)
    positions = unwrapped[chosen]
    return EmbryoView(positions - positions.mean(axis=0), types[chosen], len(labels))


def render_atoms(
    positions_A: np.ndarray,
    types: np.ndarray,
    png: str | Path,
    size_px: int = 480,
    camera_dir: tuple[float, float, float] = (1.0, 0.6, -0.45),
    slice_thickness_A: float | None = None,
    view_half_size_A: float | None = None,
) -> None:
    """Render atoms coloured by structure type to ``png`` (white background).

    With ``slice_thickness_A`` only atoms within half that distance of the plane through
    the origin normal to ``camera_dir`` are drawn: a slice through the centre.  With
    ``view_half_size_A`` the (orthographic) view is centred on the origin and shows that far
    in every direction, so that pictures share one scale; otherwise it fits the atoms.
    """
    from ovito.data import DataCollection  # noqa: PLC0415
    from ovito.pipeline import Pipeline, StaticSource  # noqa: PLC0415
    from ovito.vis import TachyonRenderer, Viewport  # noqa: PLC0415

    pos = np.asarray(positions_A, dtype=float).reshape(-1, 3)
    kinds = np.asarray(types, dtype=int)
    direction = np.asarray(camera_dir, dtype=float)
    direction /= np.linalg.norm(direction)
    if slice_thickness_A is not None:
        keep = np.abs(pos @ direction) <= slice_thickness_A / 2
        pos, kinds = pos[keep], kinds[keep]
    data = DataCollection()
    extent = float(np.abs(pos).max()) + 5.0 if len(pos) else 10.0
    cell = data.create_cell(np.diag([2 * extent] * 3), pbc=(False, False, False))
    cell_matrix = np.array(cell[...])
    cell_matrix[:, 3] = -extent
    cell[...] = cell_matrix
    cell.vis.enabled = False
    particles = data.create_particles(count=len(pos))
    particles.create_property("Position", data=pos)
    colours = np.array([STRUCTURE_COLOURS.get(int(k), STRUCTURE_COLOURS[0]) for k in kinds])
    particles.create_property("Color", data=colours.reshape(-1, 3))
    particles.create_property("Radius", data=np.full(len(pos), ATOM_RADIUS_A))
    pipeline = Pipeline(source=StaticSource(data=data))
    pipeline.add_to_scene()
    try:
        viewport = Viewport(type=Viewport.Type.Ortho, camera_dir=tuple(direction))
        if view_half_size_A is None:
            viewport.zoom_all(size=(size_px, size_px))
        else:
            viewport.camera_pos = tuple(-direction * 2 * extent)
            viewport.fov = view_half_size_A
        viewport.render_image(
            size=(size_px, size_px),
            filename=str(png),
            background=(1.0, 1.0, 1.0),
            renderer=TachyonRenderer(ambient_occlusion=False, shadows=False),
        )
    finally:
        pipeline.remove_from_scene()


def render_embryo(
    frame: Frame,
    settings: StructureSettings,
    whole_png: str | Path,
    slice_png: str | Path,
    size_px: int = 480,
    slice_thickness_A: float = 5.0,
) -> EmbryoView:
    """Render the largest embryo of ``frame`` whole and as a slice through its centre."""
    view = embryo_view(frame, settings)
    render_atoms(view.positions_A, view.types, whole_png, size_px)
    render_atoms(
        view.positions_A, view.types, slice_png, size_px, slice_thickness_A=slice_thickness_A
    )
    return view


def render_deposit(
    frame: Frame,
    geometry,
    settings: StructureSettings,
    png: str | Path,
    size_px: int = 480,
    previous_ids: np.ndarray | None = None,
) -> dict[str, object]:
    """Render a deposit and its substrate from the side (looking along y), atoms coloured by
    structure type; atoms in the vapour are left out.  Returns the counts drawn.

    ``geometry`` is the run's :class:`glassy_li.deposition.deposit.DepositionGeometry`; structure is
    identified as in the deposit analysis (time-averaged positions for the atoms of
    ``previous_ids``, the frame before, see
    :func:`glassy_li.deposition.analysis.deposit_positions`).
    """
    from glassy_li.deposition.analysis import (  # noqa: PLC0415
        SLAB_PBC,
        deposit_membership,
        deposit_positions,
    )
    from glassy_li.deposition.deposit import CLEARANCE_A  # noqa: PLC0415

    lo = np.asarray(geometry.box_lo_A)
    edges = np.asarray(geometry.box_hi_A) - lo
    positions, _ = deposit_positions(frame, geometry, settings, previous_ids)
    types = identify_structures(positions, lo, edges, settings, pbc=SLAB_PBC)
    drawn = deposit_membership(positions, frame.ids, geometry, settings.cluster_cutoff_A)
    # one scale for every run of a substrate: the box width or the tallest deposit the box
    # leaves room for, centred half way up
    tallest = geometry.insertion_lo_A - CLEARANCE_A - geometry.surface_z_A
    half_size = 0.55 * max(edges[0], tallest + geometry.substrate.plane_spacing_A *
                           geometry.substrate.layers)
    centre = np.array([lo[0] + edges[0] / 2, lo[1] + edges[1] / 2,
                       geometry.surface_z_A + tallest / 2 - geometry.substrate.layers
                       * geometry.substrate.plane_spacing_A / 2])
    render_atoms(positions[drawn] - centre, types[drawn], png, size_px, camera_dir=(0, 1, 0),
                 view_half_size_A=half_size)
    deposited = drawn & (frame.ids > geometry.substrate_atoms)
    counts = np.bincount(types[deposited], minlength=5)[:5]
    n = int(deposited.sum())
    return {
        "step": frame.step,
        "deposit_atoms": n,
        "substrate_atoms": geometry.substrate_atoms,
        "fractions": {
            name: (float(counts[i]) / n if n else float("nan"))
            for i, name in STRUCTURE_NAMES.items()
        },
    }
