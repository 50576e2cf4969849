"""Deposition MD (the paper's Fig 7): Li atoms arriving one by one on a substrate.

The LAMMPS input is the readable template ``workflow/templates/deposit.lammps`` (plus
``deposit_stage.lammps``); as for the ensemble runs, every run-specific number goes into a
``params.lammps`` file of ``variable`` lines beside it and restarts follow the same rules
(:func:`glassy_li.lammps.run.run_lammps_restartable`).

Geometry (box periodic in x and y, fixed in z; all lengths in A):

* ``bcc-slab``: a bcc Li slab with a chosen surface orientation (100, 110 or 111) at the
  bottom; its lowest ``fixed_layers`` atomic planes do not move, the next
  ``thermostatted_layers`` planes may carry the heat bath.  Atom ids 1..S are the substrate.
* ``inert-wall``: a LAMMPS 9-3 Lennard-Jones wall at ``z = 0`` (``fix wall/lj93``): it
  attracts and repels but imposes no lattice.  No substrate atoms.

Atoms are inserted (``fix deposit``) at random x, y in a band near the top of the box, one
every ``1 / rate`` ps, moving straight down with the configured incident kinetic energy; a
reflecting wall (``fix wall/reflect``) at the top keeps atoms that bounce off the deposit in
the box, where the analysis counts them.

Heat removal (the trend with rate can come from it, so every output states it):

* ``substrate-layers``: a Langevin bath on the slab's thermostatted planes only (bcc-slab);
* ``wall-layer``: a Langevin bath on the atoms within ``wall_layer_thickness_A`` of the inert
  wall (the deposit's lowest layer, a dynamic group);
* ``langevin-bath``: a weak Langevin bath on the deposit: every atom of a cluster (atoms
  within 3.5 A) that touches the slab or reaches within ``wall_layer_thickness_A`` of the
  inert wall (a lone adatom there included: a rigid wall takes no energy, so it would
  bounce off); atoms in flight and clusters in the vapour are not thermostatted (a bath on
  them would stop them in mid-air).

Stages: 1 deposit (until the configured number has been inserted), 2 relax at the substrate
temperature (the last atoms land), 3 optional anneal at ``anneal_temperature_K``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from glassy_li.config.potential_setup import PotentialSetup
from glassy_li.core.units import EV_PER_AMU_TO_A2_PER_PS2, lammps_units
from glassy_li.lammps.run import (
    FRESH_START,
    TEMPLATE_DIR,
    OutputSteps,
    derived_seeds,
    output_steps,
    potential_parameters,
    run_and_publish,
    whole_intervals,
)

__all__ = [
    "DEPOSITION_STAGES",
    "DEPOSITION_TEMPLATES",
    "HEAT_REMOVAL_ROUTES",
    "SURFACE_CELLS",
    "DepositionGeometry",
    "DepositionProtocol",
    "DepositionSteps",
    "Substrate",
    "bcc_slab",
    "build_substrate",
    "deposition_parameters",
    "deposition_steps",
    "flight_time_ps",
    "heat_removal_statement",
    "incident_speed_A_per_ps",
    "run_deposition",
    "write_deposition_data",
]

DEPOSITION_STAGES = {0: "setup", 1: "deposit", 2: "relax", 3: "anneal"}
DEPOSITION_TEMPLATES = ("deposit.lammps", "deposit_stage.lammps")
"""The deposition input and its stage include (beside the shared includes)."""
HEAT_REMOVAL_ROUTES = ("substrate-layers", "wall-layer", "langevin-bath")
SUBSTRATE_KINDS = ("bcc-slab", "inert-wall")
BCC_ATOMIC_VOLUME_FACTOR = 0.5  # atoms per cubic cell: 2, volume per atom a^3 / 2

# surface orientation -> Miller directions of x, y, z (z the surface normal), the repeat
# length of the bcc lattice along x and y (in lattice constants) and the spacing of atomic
# planes along z (in lattice constants)
SURFACE_CELLS: dict[str, dict[str, object]] = {
    "100": {
        "axes": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
        "periods": (1.0, 1.0),
        "plane_spacing": 0.5,
    },
    "110": {
        "axes": ((0, 0, 1), (1, -1, 0), (1, 1, 0)),
        "periods": (1.0, math.sqrt(2.0)),
        "plane_spacing": 1.0 / math.sqrt(2.0),
    },
    "111": {
        "axes": ((1, -1, 0), (1, 1, -2), (1, 1, 1)),
        "periods": (math.sqrt(2.0), math.sqrt(6.0)),
        "plane_spacing": 1.0 / (2.0 * math.sqrt(3.0)),
    },
}


@dataclass(frozen=True)
class Substrate:
    """What the atoms land on (lengths in A, energies in eV)."""

    kind: str = "bcc-slab"
    """``bcc-slab`` or ``inert-wall``."""
    lateral_size_A: float = 17.5
    """Box edge in x and y (a slab rounds it to whole surface cells)."""
    orientation: str = "100"
    """bcc-slab: the surface plane (100, 110 or 111)."""
    layers: int = 6
    """bcc-slab: atomic planes in the slab."""
    fixed_layers: int = 2
    """bcc-slab: the lowest planes, held still."""
    thermostatted_layers: int = 2
    """bcc-slab: the planes above the fixed ones that may carry the heat bath."""
    lattice_constant_A: float = 3.51
    wall_epsilon_eV: float = 0.3
    """inert-wall: depth parameter of the 9-3 wall (adsorption energy about 1.05 epsilon)."""
    wall_sigma_A: float = 2.5
    wall_cutoff_A: float = 7.5

    def __post_init__(self) -> None:
        if self.kind not in SUBSTRATE_KINDS:
            raise ValueError(f"substrate kind must be one of {SUBSTRATE_KINDS}, got {self.kind!r}")
        if self.kind == "bcc-slab":
            if self.orientation not in SURFACE_CELLS:
                raise ValueError(
                    f"substrate orientation must be one of {sorted(SURFACE_CELLS)}, "
                    f"got {self.orientation!r}"
                )
            if self.fixed_layers + self.thermostatted_layers > self.layers:
                raise ValueError(
                    f"substrate: fixed_layers ({self.fixed_layers}) + thermostatted_layers "
                    f"({self.thermostatted_layers}) exceed layers ({self.layers})"
                )

    @property
    def plane_spacing_A(self) -> float:
        if self.kind != "bcc-slab":
            return 0.0
        return float(SURFACE_CELLS[self.orientation]["plane_spacing"]) * self.lattice_constant_A

    @property
    def atomic_volume_A3(self) -> float:
        """Volume per atom of bulk bcc at the lattice constant (A^3)."""
        return BCC_ATOMIC_VOLUME_FACTOR * self.lattice_constant_A**3

    @property
    def label(self) -> str:
        if self.kind == "bcc-slab":
            return f"bcc{self.orientation}"
        return "wall"


def bcc_slab(
    lattice_constant_A: float, orientation: str, cells_x: int, cells_y: int, layers: int
) -> tuple[np.ndarray, np.ndarray, tuple[float, float]]:
    """A bcc slab of ``layers`` atomic planes normal to z, ``cells_x`` x ``cells_y`` surface
    cells wide (periodic in x and y).

    Returns ``(positions_A, plane_index, (Lx, Ly))``: the lowest plane at z = 0, plane index
    0 at the bottom.
    """
    cell = SURFACE_CELLS[orientation]
    axes = np.array(cell["axes"], dtype=float)
    rotation = axes / np.linalg.norm(axes, axis=1)[:, None]
    px, py = cell["periods"]
    lx, ly = cells_x * px * lattice_constant_A, cells_y * py * lattice_constant_A
    spacing = float(cell["plane_spacing"]) * lattice_constant_A
    thickness = layers * spacing
    reach = int(math.ceil((lx + ly + thickness) / lattice_constant_A)) + 2
    grid = np.arange(-reach, reach + 1)
    corners = np.stack(np.meshgrid(grid, grid, grid, indexing="ij"), axis=-1).reshape(-1, 3)
    sites = np.concatenate([corners, corners + 0.5]) * lattice_constant_A
    rotated = sites @ rotation.T
    tol = 1e-6
    keep = (
        (rotated[:, 0] > -tol) & (rotated[:, 0] < lx - tol)
        & (rotated[:, 1] > -tol) & (rotated[:, 1] < ly - tol)
        & (rotated[:, 2] > -tol) & (rotated[:, 2] < thickness - tol)
    )
    positions = rotated[keep]
    positions[:, :2] = np.clip(positions[:, :2], 0.0, None)
    positions[:, 2] = np.clip(positions[:, 2], 0.0, None)
    plane = np.rint(positions[:, 2] / spacing).astype(int)
    order = np.lexsort((positions[:, 1], positions[:, 0], plane))
    return positions[order], plane[order], (lx, ly)


@dataclass(frozen=True)
class DepositionGeometry:
    """The box and where things sit in it (A).  Written to ``deposition.json`` per run."""

    substrate: Substrate
    box_lo_A: tuple[float, float, float]
    box_hi_A: tuple[float, float, float]
    substrate_atoms: int
    fixed_top_A: float
    """Atoms below this height are the fixed planes (bcc-slab)."""
    bath_top_A: float
    """bcc-slab: the thermostatted planes lie between fixed_top_A and this."""
    surface_z_A: float
    """The bare substrate's surface: the top plane of the slab, or the inert wall (z = 0)."""
    insertion_lo_A: float
    insertion_hi_A: float
    deposited_atoms: int

    @property
    def lateral_area_nm2(self) -> float:
        return (self.box_hi_A[0] - self.box_lo_A[0]) * (self.box_hi_A[1] - self.box_lo_A[1]) / 100

    def to_dict(self) -> dict[str, object]:
        values = asdict(self)
        values["lateral_area_nm2"] = self.lateral_area_nm2
        return values

    @classmethod
    def from_dict(cls, values: dict[str, object]) -> DepositionGeometry:
        values = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        values["substrate"] = Substrate(**values["substrate"])
        for key in ("box_lo_A", "box_hi_A"):
            values[key] = tuple(values[key])
        return cls(**values)


INSERTION_BAND_A = 4.0
"""Height of the band atoms are inserted in."""
CLEARANCE_A = 12.0
"""Free space between the tallest expected deposit and the insertion band."""
HEADROOM_FACTOR = 2.5
"""The box leaves room for a deposit this many times thicker than a dense film."""


def build_substrate(
    substrate: Substrate, deposited_atoms: int
) -> tuple[np.ndarray, DepositionGeometry]:
    """Substrate atoms and the box for depositing ``deposited_atoms`` on it.

    The box is tall enough for a deposit ``HEADROOM_FACTOR`` times thicker than a dense bcc
    film of the same atoms, plus ``CLEARANCE_A``, plus the insertion band.
    """
    if substrate.kind == "bcc-slab":
        px, py = SURFACE_CELLS[substrate.orientation]["periods"]
        a = substrate.lattice_constant_A
        cells_x = max(1, round(substrate.lateral_size_A / (px * a)))
        cells_y = max(1, round(substrate.lateral_size_A / (py * a)))
        positions, plane, (lx, ly) = bcc_slab(
            a, substrate.orientation, cells_x, cells_y, substrate.layers
        )
        spacing = substrate.plane_spacing_A
        surface = (substrate.layers - 1) * spacing
        fixed_top = (substrate.fixed_layers - 0.5) * spacing
        bath_top = (substrate.fixed_layers + substrate.thermostatted_layers - 0.5) * spacing
        z_lo = -spacing - 1.0
    else:
        positions = np.zeros((0, 3))
        lx = ly = substrate.lateral_size_A
        surface = 0.0
        z_lo = 0.0
        fixed_top = bath_top = z_lo + 0.5  # no substrate atoms: these planes are empty
    dense_thickness = deposited_atoms * substrate.atomic_volume_A3 / (lx * ly)
    insertion_lo = surface + HEADROOM_FACTOR * dense_thickness + 10.0 + CLEARANCE_A
    insertion_hi = insertion_lo + INSERTION_BAND_A
    geometry = DepositionGeometry(
        substrate=substrate,
        box_lo_A=(0.0, 0.0, z_lo),
        box_hi_A=(lx, ly, insertion_hi + 1.0),
        substrate_atoms=len(positions),
        fixed_top_A=fixed_top,
        bath_top_A=bath_top,
        surface_z_A=surface,
        insertion_lo_A=insertion_lo,
        insertion_hi_A=insertion_hi,
        deposited_atoms=deposited_atoms,
    )
    return positions, geometry


def write_deposition_data(
    positions_A: np.ndarray,
    geometry: DepositionGeometry,
    data_path: str | Path,
    geometry_path: str | Path,
    mass_amu: float,
    atom_style: str = "atomic",
) -> None:
    """Write the substrate as a LAMMPS data file and the geometry as JSON."""
    if atom_style not in ("atomic", "charge"):
        raise ValueError(f"atom_style must be 'atomic' or 'charge', got {atom_style!r}")
    lo, hi = geometry.box_lo_A, geometry.box_hi_A
    lines = [
        f"{geometry.substrate.label} substrate, {len(positions_A)} Li atoms (glassy-li)",
        "",
        f"{len(positions_A)} atoms",
        "1 atom types",
        "",
        f"{lo[0]:.10f} {hi[0]:.10f} xlo xhi",
        f"{lo[1]:.10f} {hi[1]:.10f} ylo yhi",
        f"{lo[2]:.10f} {hi[2]:.10f} zlo zhi",
        "",
        "Masses",
        "",
        f"1 {mass_amu:.6f} # Li",
        "",
        f"Atoms # {atom_style}",
        "",
    ]
    charge = " 0.0" if atom_style == "charge" else ""
    for i, (x, y, z) in enumerate(positions_A, start=1):
        lines.append(f"{i} 1{charge} {x:.10f} {y:.10f} {z:.10f}")
    Path(data_path).write_text("\n".join(lines) + "\n")
    Path(geometry_path).write_text(json.dumps(geometry.to_dict(), indent=2) + "\n")


@dataclass(frozen=True)
class DepositionProtocol:
    """One deposition run (times in ps, temperatures in K, energies in eV).  Every field
    comes from the validated config
    (:meth:`glassy_li.deposition.campaign.DepositionCampaign.deposition_protocol`): the
    schema is the only home of their defaults."""

    rate_atoms_per_ps: float
    """Atoms arriving per ps on the whole box (per nm^2: divide by the lateral area)."""
    deposited_atoms: int
    timestep_fs: float
    temperature_K: float
    """Substrate (and bath) temperature during deposition and relaxation."""
    incident_energy_eV: float
    """Kinetic energy of an arriving atom, moving straight down (normal incidence)."""
    heat_removal: str
    bath_damping_ps: float
    """Damping time of the Langevin bath."""
    wall_layer_thickness_A: float
    """wall-layer: atoms this close to the inert wall carry the bath."""
    relax_duration_ps: float
    anneal_temperature_K: float
    anneal_duration_ps: float
    """0: no anneal."""
    trajectory_interval_ps: float
    thermo_interval_ps: float
    averaging_window_ps: float
    restart_interval_ps: float
    walltime_budget_s: float
    min_insert_distance_A: float
    """An atom is inserted no closer than this to any other atom."""
    mass_amu: float
    averaging_sample_interval_fs: float = 10.0
    """Not a config key (as :class:`glassy_li.md.protocol.MDProtocol`'s)."""

    @property
    def timestep_ps(self) -> float:
        return self.timestep_fs * 1e-3

    def __post_init__(self) -> None:
        if self.heat_removal not in HEAT_REMOVAL_ROUTES:
            raise ValueError(
                f"heat_removal must be one of {HEAT_REMOVAL_ROUTES}, got {self.heat_removal!r}"
            )
        if self.rate_atoms_per_ps <= 0 or self.deposited_atoms <= 0:
            raise ValueError(
                f"rate_atoms_per_ps ({self.rate_atoms_per_ps}) and deposited_atoms "
                f"({self.deposited_atoms}) must be positive"
            )


def incident_speed_A_per_ps(energy_eV: float, mass_amu: float) -> float:
    """Speed (A/ps) of an atom of ``mass_amu`` with kinetic energy ``energy_eV``."""
    return math.sqrt(2.0 * energy_eV / mass_amu * EV_PER_AMU_TO_A2_PER_PS2)


def flight_time_ps(
    geometry: DepositionGeometry, incident_energy_eV: float, mass_amu: float
) -> float:
    """Time (ps) an inserted atom takes from the top of the insertion band down to the bare
    substrate's surface at its incident speed, plus 1 ps: an upper bound, since the
    deposit's attraction only speeds it up and the growing deposit shortens the way."""
    speed = incident_speed_A_per_ps(incident_energy_eV, mass_amu)
    return (geometry.insertion_hi_A - geometry.surface_z_A) / speed + 1.0


@dataclass(frozen=True)
class DepositionSteps(OutputSteps):
    """Step counts of a deposition run: the output cadence and the stages."""

    insert_every: int
    deposit: int
    relax: int
    anneal: int
    STAGES: ClassVar[tuple[str, ...]] = ("deposit", "relax", "anneal")

    @property
    def deposit_end(self) -> int:
        return self.stage_end("deposit")

    @property
    def relax_end(self) -> int:
        return self.stage_end("relax")

    def stage_of_step(self, step: int) -> str:
        """The stage a step belongs to; a step on a boundary ends the stage before it."""
        if step <= self.deposit_end:
            return "deposit"
        return "relax" if step <= self.relax_end else "anneal"


def deposition_steps(protocol: DepositionProtocol) -> DepositionSteps:
    """Step counts; stage lengths are whole trajectory intervals.

    ``fix deposit`` inserts its first atom on the first step and then one every
    ``insert_every`` steps, so the deposit stage lasts at least
    ``deposited_atoms x insert_every`` steps: the last atom is inserted one interval before
    it ends.  The effective rate is ``1 / (insert_every x timestep)``.
    """
    dt_ps = protocol.timestep_ps
    every = max(1, round(1.0 / (protocol.rate_atoms_per_ps * dt_ps)))
    outputs = output_steps(protocol)
    traj = outputs["trajectory_every"]
    return DepositionSteps(
        **outputs,
        insert_every=every,
        deposit=whole_intervals(protocol.deposited_atoms * every, traj),
        relax=whole_intervals(protocol.relax_duration_ps / dt_ps, traj),
        anneal=(whole_intervals(protocol.anneal_duration_ps / dt_ps, traj)
                if protocol.anneal_duration_ps else 0),
    )


def heat_removal_statement(protocol: DepositionProtocol, substrate: Substrate) -> str:
    """One sentence saying where the heat of condensation goes (for outputs and captions)."""
    damping = f"damping {protocol.bath_damping_ps:g} ps"
    target = f"{protocol.temperature_K:g} K"
    if protocol.heat_removal == "substrate-layers":
        return (
            f"Langevin bath ({target}, {damping}) on the slab's {substrate.thermostatted_layers} "
            f"thermostatted planes above {substrate.fixed_layers} fixed plane(s); "
            "deposited atoms evolve at constant energy (NVE)"
        )
    if protocol.heat_removal == "wall-layer":
        return (
            f"Langevin bath ({target}, {damping}) on the deposit's atoms within "
            f"{protocol.wall_layer_thickness_A:g} A of the inert wall; the rest NVE"
        )
    anchor = (
        f"reaching within {protocol.wall_layer_thickness_A:g} A of the inert wall"
        if substrate.kind == "inert-wall"
        else "touching the slab"
    )
    return (
        f"weak Langevin bath ({target}, {damping}) on the deposit: every atom of a cluster "
        f"(atoms within 3.5 A) {anchor}; atoms in flight and clusters in the vapour are "
        "not thermostatted"
    )


LAMMPS_HEAT_ROUTES = {
    "substrate-layers": "layers",
    "wall-layer": "wall",
    "langevin-bath": "condensed",
}


def deposition_parameters(
    protocol: DepositionProtocol,
    geometry: DepositionGeometry,
    potential: PotentialSetup,
    data_file: str,
    seed: int,
) -> dict[str, str | int | float]:
    """Values of the LAMMPS variables that ``deposit.lammps`` expects, in the preset's units."""
    units = lammps_units(potential.units)
    steps = deposition_steps(protocol)
    substrate = geometry.substrate
    length = 1.0 / units.distance_to_A
    speed = incident_speed_A_per_ps(protocol.incident_energy_eV, protocol.mass_amu)
    return {
        **potential_parameters(potential, protocol.timestep_fs),
        "data_file": data_file,
        "temperature": protocol.temperature_K,
        "anneal_T": protocol.anneal_temperature_K,
        **derived_seeds(seed),
        "substrate_atoms": geometry.substrate_atoms,
        "inert_wall": int(substrate.kind == "inert-wall"),
        "wall_epsilon": substrate.wall_epsilon_eV / units.energy_to_eV,
        "wall_sigma": substrate.wall_sigma_A * length,
        "wall_cutoff": substrate.wall_cutoff_A * length,
        "fixed_top": geometry.fixed_top_A * length,
        "bath_top": geometry.bath_top_A * length,
        "heat_route": LAMMPS_HEAT_ROUTES[protocol.heat_removal],
        "wall_layer_top": (geometry.box_lo_A[2] + protocol.wall_layer_thickness_A) * length,
        # langevin-bath: clusters reaching below this belong to the deposit
        "anchor_top": (
            geometry.box_lo_A[2] + protocol.wall_layer_thickness_A
            if substrate.kind == "inert-wall"
            else geometry.surface_z_A + 1.0
        ) * length,
        "condensed_cutoff": 3.5 * length,
        "bath_damping": protocol.bath_damping_ps / units.time_to_ps,
        "deposit_atoms": protocol.deposited_atoms,
        "insert_every": steps.insert_every,
        "insertion_lo": geometry.insertion_lo_A * length,
        "insertion_hi": geometry.insertion_hi_A * length,
        "incident_speed": speed * length * units.time_to_ps,
        "insert_min_distance": protocol.min_insert_distance_A * length,
        "deposit_end": steps.deposit_end,
        "relax_end": steps.relax_end,
        "anneal_end": steps.total,
        "trajectory_every": steps.trajectory_every,
        "thermo_every": steps.thermo_every,
        "average_every": steps.average_every,
        "average_samples": steps.average_samples,
        "restart_every": steps.restart_every,
        "walltime_budget_s": protocol.walltime_budget_s,
        **FRESH_START,
    }


def run_deposition(
    data_file: str | Path,
    geometry: DepositionGeometry,
    work_dir: str | Path,
    protocol: DepositionProtocol,
    potential: PotentialSetup,
    seed: int,
    thermo_out: str | Path,
    trajectory_out: str | Path,
    final_data_out: str | Path,
    log_file: str | Path,
    n_ranks: int = 1,
    mpi_launcher: str | None = None,
    template_dir: str | Path = TEMPLATE_DIR,
) -> dict[str, float]:
    """Deposit, relax and (optionally) anneal; resume from the newest restart if any.

    Outputs appear only once LAMMPS has finished every stage (see
    :func:`glassy_li.lammps.run.run_lammps_restartable` for resume rules and exceptions).
    """
    parameters = deposition_parameters(
        protocol, geometry, potential, str(Path(data_file).resolve()), seed
    )
    return run_and_publish(
        work_dir,
        parameters,
        DEPOSITION_TEMPLATES,
        deposition_steps(protocol).total,
        potential,
        thermo_out,
        trajectory_out,
        final_data_out,
        log_file,
        DEPOSITION_STAGES,
        n_ranks=n_ranks,
        mpi_launcher=mpi_launcher,
        template_dir=template_dir,
        walltime_budget_s=protocol.walltime_budget_s,
        # half the deposit on average (atoms in flight are nearly free)
        throughput_atoms=geometry.substrate_atoms + protocol.deposited_atoms / 2,
        kind="deposition",
    )
