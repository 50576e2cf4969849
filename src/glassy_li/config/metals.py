"""A metal's definition: what the campaign needs to know about the element it simulates.

The definitions live in the config (``metals:`` in ``config/potentials.yaml``); each potential
preset names its metal.  A metal sets

* the mass and the bulk density (packing densities may be given as a fraction of it, and the
  critical size is converted to a diameter with it);
* the crystalline reference structure (bcc for Li, Na, K; hcp for Mg), which sets the order
  parameter: crystallinity is the reference structure's share of the largest embryo;
* the experimental lattice constant(s), cohesive energy and melting point, against which the
  preset checks compare each potential (temperatures may be given as fractions of the
  potential's own melting point, measured by those checks);
* the distances the structure analysis uses: the embryo (cluster) cutoff, near the first
  minimum of the liquid's g(r), and the crystalline-domain cutoff, between the crystal's
  first and second neighbour shells.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["CRYSTAL_STRUCTURES", "Metal", "metal_from_config"]

CRYSTAL_STRUCTURES = ("bcc", "hcp", "fcc")
"""The crystal structures a metal may take as its reference (names as PTM gives them)."""


@dataclass(frozen=True)
class Metal:
    """One metal (experimental values; sources in the config's ``citation``)."""

    name: str
    element: str
    """Chemical symbol, as the potential files name it."""
    mass_amu: float
    bulk_density_g_cm3: float
    """Density of the crystal at room temperature."""
    reference_structure: str
    """``bcc``, ``hcp`` or ``fcc``: the order parameter counts this structure."""
    melting_point_K: float
    """Experimental melting point at 1 bar."""
    lattice_constant_A: float
    """Experimental lattice constant a (A)."""
    cohesive_energy_eV: float
    """Experimental cohesive energy (eV/atom)."""
    cluster_cutoff_A: float
    """Atoms closer than this belong to one embryo."""
    domain_cutoff_A: float
    """Atoms of the reference structure closer than this form one crystalline domain."""
    lattice_constant_c_A: float | None = None
    """Experimental lattice constant c (A), hcp only."""
    citation: str = ""

    def __post_init__(self) -> None:
        if self.reference_structure not in CRYSTAL_STRUCTURES:
            raise ValueError(
                f"metal {self.name}: reference_structure must be one of "
                f"{CRYSTAL_STRUCTURES}, got {self.reference_structure!r}"
            )


def metal_from_config(name: str, section: Mapping[str, Any]) -> Metal:
    """A :class:`Metal` from its config entry (``metals.NAME``, already schema-checked)."""
    fields = set(Metal.__dataclass_fields__) - {"name"}
    return Metal(name=name, **{key: section[key] for key in fields if key in section})
