"""A potential preset resolved for LAMMPS: the values every LAMMPS input of a run needs
(:func:`glassy_li.config.compose.resolve_potential` builds it from the config)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PotentialSetup"]


@dataclass(frozen=True)
class PotentialSetup:
    """A potential preset resolved for LAMMPS (file paths already absolute)."""

    name: str
    units: str
    atom_style: str
    pair_style: str
    pair_coeff: str
    mass_amu: float
    neighbor_skin_A: float = 1.0
    extra_commands: tuple[str, ...] = ()
    """LAMMPS commands run right after ``pair_coeff`` (e.g. charge equilibration)."""

    @property
    def after_pair_coeff(self) -> tuple[str, ...]:
        """Commands every input runs right after ``pair_coeff``: for EAM tables the metal's
        mass first (a table sets its own at ``pair_coeff``, e.g. 7.0 for Li in the
        Nichol-Ackland files, which would override the data file's), then the preset's
        ``extra_commands``.

        Other styles get no ``mass`` command: with it, a run resumed from a restart no longer
        continues bit for bit (measured with the Baskes MEAM: the tables' sixth digits part
        about 1 ps after the resume; cause not found), and the MEAM library sets the
        element's own mass (Li 6.939) anyway. EAM runs pay that price for the right mass:
        resumed, they continue statistically, not bit for bit (docs/operations.md, restarts)."""
        mass = (f"mass * {self.mass_amu!r}",) if self.pair_style.startswith("eam") else ()
        return (*mass, *self.extra_commands)

