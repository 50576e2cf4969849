"""Unit conversions between LAMMPS unit styles and the workflow's table units.

Every table the workflow writes uses ps, K, eV, bar and nm, whatever the LAMMPS units of
the potential preset.  The factors below multiply a LAMMPS quantity to give the table unit.
"""

from __future__ import annotations

from dataclasses import dataclass

AVOGADRO_PER_MOL = 6.02214076e23
ANGSTROM3_PER_CM3 = 1.0e24
BOLTZMANN_EV_PER_K = 8.617333262e-5
EV_PER_AMU_TO_A2_PER_PS2 = 9648.533212
"""1 eV/amu = 9648.5 (A/ps)^2."""


@dataclass(frozen=True)
class LammpsUnits:
    """Conversion factors from one LAMMPS unit style to the workflow's units."""

    name: str
    time_to_ps: float
    """LAMMPS time unit -> ps."""
    energy_to_eV: float
    """LAMMPS energy unit -> eV."""
    pressure_to_bar: float
    """LAMMPS pressure unit -> bar."""
    distance_to_A: float = 1.0
    """LAMMPS distance unit -> Angstrom."""


UNITS: dict[str, LammpsUnits] = {
    # metal: ps, eV, bar, Angstrom
    "metal": LammpsUnits("metal", time_to_ps=1.0, energy_to_eV=1.0, pressure_to_bar=1.0),
    # real: fs, kcal/mol, atm, Angstrom
    "real": LammpsUnits(
        "real",
        time_to_ps=1.0e-3,
        energy_to_eV=1.0 / 23.060547830619026,
        pressure_to_bar=1.01325,
    ),
}


def lammps_units(name: str) -> LammpsUnits:
    """Look up a LAMMPS unit style by name (``metal`` or ``real``)."""
    try:
        return UNITS[name]
    except KeyError:
        raise ValueError(f"unsupported LAMMPS units {name!r}; supported: {sorted(UNITS)}") from None
