"""Deposition MD and its analysis: substrates, counts of atoms, restarts, deposit measures.

Physics invariants: a bcc slab built for each surface orientation is a piece of the bcc
lattice (nearest neighbours at a sqrt(3)/2, 8 of them inside, across the periodic x/y
boundaries too); LAMMPS inserts atoms at the configured rate and none is lost (retained +
reflected = inserted); the fixed planes do not move; an epitaxial bcc film on the slab reads
bcc, flat (zero roughness), without voids, one crystalline domain, no dislocations; a random
deposit does not read crystalline.
"""

import json
import math

import numpy as np
import pandas as pd
import pytest

from glassy_li.config.compose import schema_defaults
from glassy_li.deposition.analysis import (
    DepositAnalysisSettings,
    analyse_deposit_frame,
    analyse_deposition,
    deposition_by_rate,
    dislocation_line_length_A,
    summarise_deposition,
)
from glassy_li.deposition.deposit import (
    SURFACE_CELLS,
    DepositionGeometry,
    DepositionProtocol,
    Substrate,
    bcc_slab,
    build_substrate,
    deposition_steps,
    flight_time_ps,
    run_deposition,
    write_deposition_data,
)
from glassy_li.lammps.run import WalltimeReached
from glassy_li.plan.campaign import Campaign
from glassy_li.structure.identify import Frame, StructureSettings, read_lammps_dump

A = 3.51


@pytest.mark.parametrize("orientation", sorted(SURFACE_CELLS))
def test_bcc_slab_is_a_periodic_piece_of_the_bcc_lattice(orientation):
    positions, plane, (lx, ly) = bcc_slab(A, orientation, 3, 3, 8)
    spacing = SURFACE_CELLS[orientation]["plane_spacing"] * A
    # equal planes at the stated spacing
    counts = np.bincount(plane)
    assert len(counts) == 8 and np.all(counts == counts[0])
    assert np.allclose(positions[:, 2], plane * spacing, atol=1e-6)
    # two atoms per cubic cell: N = 2 V / a^3
    assert len(positions) == pytest.approx(2 * lx * ly * 8 * spacing / A**3, abs=1e-6)
    # nearest neighbours at a sqrt(3)/2, also through the periodic x, y boundaries: the
    # middle planes' atoms have all 8 (first-shell neighbours lie up to 1 plane away for
    # (100) and (110), up to 3 planes for (111))
    delta = positions[:, None, :] - positions[None, :, :]
    delta[..., 0] -= lx * np.round(delta[..., 0] / lx)
    delta[..., 1] -= ly * np.round(delta[..., 1] / ly)
    distance = np.linalg.norm(delta, axis=-1) + np.eye(len(positions)) * 99
    assert distance.min() == pytest.approx(A * math.sqrt(3) / 2, abs=1e-6)
    neighbours = (distance < A * math.sqrt(3) / 2 + 0.01).sum(axis=1)
    middle = (plane == 3) | (plane == 4)
    assert np.all(neighbours[middle] == 8)
    assert np.all(neighbours <= 8)


def deposition_protocol(**values) -> DepositionProtocol:
    """A DepositionProtocol of ``values``; the fields they leave out take the schema's
    defaults (deposition section, structure.averaging_window_ps, md.walltime_budget_s), a
    1 fs timestep, Li's mass and substrate-layers heat removal, as a campaign would."""
    defaults = schema_defaults()
    deposition = defaults["deposition"]
    fields = {
        **{key: deposition[key] for key in (
            "temperature_K", "incident_energy_eV", "bath_damping_ps", "wall_layer_thickness_A",
            "relax_duration_ps", "anneal_temperature_K", "anneal_duration_ps",
            "trajectory_interval_ps", "thermo_interval_ps", "restart_interval_ps",
            "min_insert_distance_A")},
        "averaging_window_ps": defaults["structure"]["averaging_window_ps"],
        "walltime_budget_s": defaults["md"]["walltime_budget_s"],
        "timestep_fs": 1.0,
        "mass_amu": 6.94,
        "heat_removal": "substrate-layers",
    }
    return DepositionProtocol(**{**fields, **values})


def test_deposition_steps_give_the_rate_and_whole_frames():
    protocol = deposition_protocol(rate_atoms_per_ps=0.25, deposited_atoms=30,
                                  trajectory_interval_ps=5, relax_duration_ps=7)
    steps = deposition_steps(protocol)
    assert steps.insert_every == 4000  # 1 fs steps, 4 ps apart
    assert steps.deposit == 120_000  # 30 atoms x 4 ps, whole 5 ps frames
    assert steps.relax == 10_000  # 7 ps rounded up to whole frames
    assert steps.stage_of_step(120_000) == "deposit"
    assert steps.stage_of_step(125_000) == "relax"


def test_inert_wall_box_leaves_room_and_states_its_geometry():
    positions, geometry = build_substrate(Substrate(kind="inert-wall", lateral_size_A=20), 200)
    assert len(positions) == 0 and geometry.substrate_atoms == 0
    dense_thickness = 200 * Substrate().atomic_volume_A3 / 400
    assert geometry.insertion_lo_A > 2.5 * dense_thickness
    assert geometry.box_hi_A[2] > geometry.insertion_hi_A
    assert geometry.lateral_area_nm2 == pytest.approx(4.0)
    again = DepositionGeometry.from_dict(json.loads(json.dumps(geometry.to_dict())))
    assert again == geometry


# -- LAMMPS runs -------------------------------------------------------------------------------

def _deposit(tmp_path, potential, substrate, protocol, seed=5, name="run"):
    positions, geometry = build_substrate(substrate, protocol.deposited_atoms)
    folder = tmp_path / name
    folder.mkdir()
    write_deposition_data(positions, geometry, folder / "substrate.data",
                          folder / "geometry.json", protocol.mass_amu)
    outputs = {key: folder / f"{key}.out" for key in ("thermo", "trajectory", "final")}

    def run():
        return run_deposition(
            folder / "substrate.data", geometry, folder / "md", protocol, potential, seed,
            outputs["thermo"], outputs["trajectory"], outputs["final"], folder / "log.txt",
        )

    return geometry, outputs, run


@pytest.fixture
def default_potential(repo):
    campaign = Campaign.from_files(repo / "config" / "potentials.yaml",
                                   repo / "config" / "config.yaml")
    return campaign.preset("meam-baskes1992", repo)


@pytest.mark.validation
def test_atoms_arrive_at_the_rate_and_none_is_lost_on_a_slab(tmp_path, default_potential):
    substrate = Substrate(kind="bcc-slab", orientation="100", lateral_size_A=10.5, layers=5)
    protocol = deposition_protocol(rate_atoms_per_ps=2.0, deposited_atoms=16,
                                  relax_duration_ps=8, trajectory_interval_ps=1,
                                  averaging_window_ps=0.5, thermo_interval_ps=0.5,
                                  anneal_duration_ps=2, anneal_temperature_K=600)
    geometry, outputs, run = _deposit(tmp_path, default_potential, substrate, protocol)
    run()
    thermo = pd.read_csv(outputs["thermo"], sep="\t")
    assert list(thermo["stage"].unique()) == ["deposit", "relax", "anneal"]
    assert thermo["time_ps"].iloc[-1] == pytest.approx(8 + 8 + 2)
    # the anneal's bath heats the slab's thermostatted planes: the deposit warms
    relax = thermo.loc[thermo["stage"] == "relax", "deposit_temperature_K"].mean()
    anneal = thermo.loc[thermo["stage"] == "anneal", "deposit_temperature_K"].mean()
    assert anneal > relax + 50
    depositing = thermo[thermo["time_ps"] <= protocol.deposited_atoms / protocol.rate_atoms_per_ps]
    expected = np.minimum(depositing["time_ps"] * protocol.rate_atoms_per_ps,
                          protocol.deposited_atoms)
    assert np.all(np.abs(depositing["inserted"] - expected) <= 1)
    assert thermo["inserted"].iloc[-1] == protocol.deposited_atoms
    frames = list(read_lammps_dump(outputs["trajectory"]))
    first, last = frames[0], frames[-1]
    fixed = first.unwrapped_A[:, 2] < geometry.fixed_top_A
    assert fixed.sum() == 2 * 9  # two (100) planes of 3 x 3 atoms
    assert np.allclose(first.unwrapped_A[fixed], last.unwrapped_A[:len(first.ids)][fixed])
    table = analyse_deposition(outputs["trajectory"], geometry, StructureSettings(),
                               DepositAnalysisSettings(), protocol)
    counted = table["retained_atoms"] + table["reflected_atoms"] + table["in_flight_atoms"]
    assert np.all(counted == table["inserted_atoms"])
    final = table.iloc[-1]
    assert final["in_flight_atoms"] == 0  # the relax stage outlasts the flight time
    assert final["retained_atoms"] + final["reflected_atoms"] == protocol.deposited_atoms
    assert final["retained_atoms"] >= protocol.deposited_atoms - 2  # Li sticks to Li


@pytest.mark.validation
def test_atoms_bouncing_off_a_weak_wall_are_counted_not_lost(tmp_path, default_potential):
    """A wall that barely binds (epsilon 2 meV, ~0.1 kT) and fast atoms (0.5 eV): atoms
    bounce off it and stay in the box under the reflecting top wall, where they are counted."""
    substrate = Substrate(kind="inert-wall", lateral_size_A=30, wall_epsilon_eV=0.002)
    protocol = deposition_protocol(rate_atoms_per_ps=0.5, deposited_atoms=6,
                                  incident_energy_eV=0.5, heat_removal="wall-layer",
                                  relax_duration_ps=10, trajectory_interval_ps=1,
                                  averaging_window_ps=0.5)
    geometry, outputs, run = _deposit(tmp_path, default_potential, substrate, protocol)
    run()
    thermo = pd.read_csv(outputs["thermo"], sep="\t")
    table = analyse_deposition(outputs["trajectory"], geometry, StructureSettings(),
                               DepositAnalysisSettings(), protocol)
    final = table.iloc[-1]
    assert thermo["inserted"].iloc[-1] == protocol.deposited_atoms  # none lost
    assert final["reflected_atoms"] > 0
    assert final["retained_atoms"] + final["reflected_atoms"] == protocol.deposited_atoms


@pytest.mark.faults
def test_a_deposition_stopped_at_its_walltime_resumes_to_the_same_count(
    tmp_path, default_potential
):
    """Stopped by its wall-clock budget mid-deposition, the run resumes from its restart:
    fix deposit goes on counting (no atom inserted twice or skipped), frames are not repeated."""
    substrate = Substrate(kind="bcc-slab", orientation="100", lateral_size_A=10.5, layers=5)
    protocol = deposition_protocol(rate_atoms_per_ps=1.0, deposited_atoms=20,
                                  relax_duration_ps=8, trajectory_interval_ps=1,
                                  averaging_window_ps=0.5, restart_interval_ps=1,
                                  walltime_budget_s=1.0)
    geometry, outputs, run = _deposit(tmp_path, default_potential, substrate, protocol)
    stops = 0
    while True:
        try:
            figures = run()
            break
        except WalltimeReached:
            stops += 1
            assert stops < 40
    assert stops >= 1 and figures["resumed_from_step"] > 0
    thermo = pd.read_csv(outputs["thermo"], sep="\t")
    assert thermo["step"].is_unique
    expected = np.minimum(thermo["time_ps"] * protocol.rate_atoms_per_ps,
                          protocol.deposited_atoms)
    assert np.all(np.abs(thermo["inserted"] - expected) <= 1)
    steps = [frame.step for frame in read_lammps_dump(outputs["trajectory"])]
    assert steps == sorted(set(steps)) and steps[-1] == deposition_steps(protocol).total
    ids = list(read_lammps_dump(outputs["trajectory"]))[-1].ids
    assert np.array_equal(ids, np.arange(1, geometry.substrate_atoms + 21))


# -- analysis of synthetic deposits --------------------------------------------------------------

def _slab_with_film(film_planes: int, orientation: str = "110"):
    """A 6-plane bcc slab with ``film_planes`` more bcc planes on it, as substrate + deposit."""
    substrate = Substrate(kind="bcc-slab", orientation=orientation, lateral_size_A=14,
                          layers=6, fixed_layers=2, thermostatted_layers=2)
    px, py = SURFACE_CELLS[orientation]["periods"]
    cells = round(14 / (px * A)), round(14 / (py * A))
    positions, plane, (lx, ly) = bcc_slab(A, orientation, *cells, 6 + film_planes)
    _, geometry = build_substrate(substrate, int((plane >= 6).sum()))
    assert geometry.box_hi_A[0] == pytest.approx(lx) and geometry.box_hi_A[1] == pytest.approx(ly)
    order = np.argsort(plane, kind="stable")  # substrate ids first
    return positions[order], plane[order], geometry


def _frame(positions, step=100_000):
    ids = np.arange(1, len(positions) + 1)
    return Frame(step=step, box_lo_A=np.zeros(3), box_hi_A=np.ones(3), ids=ids,
                 unwrapped_A=positions, averaged_A=positions)


def _analyse(frame, geometry, previous_ids=None):
    protocol = deposition_protocol(rate_atoms_per_ps=1.0, deposited_atoms=geometry.deposited_atoms)
    flight = flight_time_ps(geometry, protocol.incident_energy_eV, protocol.mass_amu)
    return analyse_deposit_frame(frame, geometry, StructureSettings(), DepositAnalysisSettings(),
                                 deposition_steps(protocol), 1e-3, flight,
                                 previous_ids if previous_ids is not None else frame.ids)


def test_an_epitaxial_bcc_film_reads_bcc_flat_dense_one_domain_without_dislocations():
    positions, plane, geometry = _slab_with_film(6)
    row = _analyse(_frame(positions), geometry)
    deposited = geometry.deposited_atoms
    assert row["inserted_atoms"] == row["retained_atoms"] == deposited
    assert row["reflected_atoms"] == 0
    # the film's top plane (surface) and the plane below it lack neighbours for PTM's
    # second shell; the four planes under them are bulk bcc
    assert row["fraction_bcc"] >= 4 / 6 - 1e-9
    assert row["fraction_fcc"] == row["fraction_hcp"] == 0
    assert row["crystalline_domains"] == row["bcc_domains"] == 1
    assert row["largest_bcc_domain_atoms"] >= 4 / 6 * deposited
    assert row["rms_roughness_nm"] == pytest.approx(0.0, abs=1e-9)
    assert row["mean_height_nm"] == pytest.approx(6 * SURFACE_CELLS["110"]["plane_spacing"]
                                                  * A / 10)
    assert row["porosity"] == pytest.approx(0.0, abs=1e-9)
    assert row["dislocation_density_per_m2"] == 0.0 and row["dislocation_note"] == "DXA (bcc)"


def test_a_random_deposit_is_not_crystalline_and_dxa_says_why_it_cannot_run():
    positions, plane, geometry = _slab_with_film(5)
    rng = np.random.default_rng(3)
    film = plane >= 6
    lo = positions[film].min(axis=0)
    hi = positions[film].max(axis=0)
    hi[2] = lo[2] + 1.6 * (hi[2] - lo[2])
    # random sequential placement no closer than 2.6 A (a dense random gas on the slab,
    # packing fraction ~0.25, below the jamming limit)
    placed = []
    for _ in range(200_000):
        if len(placed) == film.sum():
            break
        trial = lo + rng.random(3) * (hi - lo)
        box = np.array(geometry.box_hi_A[:2])
        others = np.vstack([positions[~film], *placed]) if placed else positions[~film]
        d = others - trial
        d[:, :2] -= box * np.round(d[:, :2] / box)
        if np.linalg.norm(d, axis=1).min() > 2.6:
            placed.append(trial[None])
    assert len(placed) == film.sum()
    random = positions.copy()
    random[film] = np.vstack(placed)
    row = _analyse(_frame(random), geometry)
    assert row["retained_atoms"] == film.sum()
    assert row["fraction_bcc"] < 0.1
    assert row["crystalline_domains"] == row["bcc_domains"] == 0
    assert math.isnan(row["dislocation_density_per_m2"])
    assert "no crystal for DXA" in row["dislocation_note"]
    assert row["rms_roughness_nm"] > 0.02


def test_vapour_atoms_are_in_flight_then_reflected():
    positions, plane, geometry = _slab_with_film(4)
    atom_above = np.array([[5.0, 5.0, geometry.insertion_lo_A - 10]])
    with_vapour = np.vstack([positions, atom_above])
    # the vapour atom is the last deposited (id N): inserted at step 1 + (k - 1) x 1000
    k = len(with_vapour) - geometry.substrate_atoms
    inserted_step = 1 + (k - 1) * 1000
    just_after = _analyse(_frame(with_vapour, step=inserted_step + 500), geometry)
    assert just_after["in_flight_atoms"] == 1 and just_after["reflected_atoms"] == 0
    much_later = _analyse(_frame(with_vapour, step=inserted_step + 60_000), geometry)
    assert much_later["in_flight_atoms"] == 0 and much_later["reflected_atoms"] == 1
    assert much_later["retained_atoms"] == k - 1


def test_summary_and_replica_statistics():
    positions, plane, geometry = _slab_with_film(4)
    protocol = deposition_protocol(rate_atoms_per_ps=0.5, deposited_atoms=geometry.deposited_atoms)
    table = pd.DataFrame([{**_analyse(_frame(positions), geometry), "frame": 0, "stage": "relax"}])
    thermo = pd.DataFrame({"inserted": [geometry.deposited_atoms]})
    rows = []
    for replica, roughness in enumerate((0.1, 0.3)):
        run = {"substrate": "bcc110", "heat_removal": "substrate-layers", "potential": "p",
               "rate_atoms_per_ps": 0.5, "replica": replica}
        summary = summarise_deposition(table, thermo, run, protocol, geometry)
        summary["rms_roughness_nm"] = roughness
        rows.append(summary)
    assert rows[0]["rate_atoms_per_nm2_per_ps"] == pytest.approx(
        0.5 / geometry.lateral_area_nm2)
    assert "Langevin bath" in rows[0]["heat_removal_statement"]
    stats = deposition_by_rate(pd.DataFrame(rows)).iloc[0]
    assert stats["replicas"] == 2
    assert stats["rms_roughness_nm_mean"] == pytest.approx(0.2)
    assert stats["rms_roughness_nm_sd"] == pytest.approx(math.sqrt(0.02))
    assert stats["rms_roughness_nm_sem"] == pytest.approx(0.1)


def test_dxa_finds_a_screw_dislocation_of_the_crystals_length():
    """A 1/2<111> screw dislocation made by its displacement field, u_z = b theta / 2 pi, in a
    bcc crystal periodic along the line (24 (111) planes = 4 repeats): DXA traces one line
    as long as the crystal; the perfect crystal has none."""
    positions, _, (lx, ly) = bcc_slab(A, "111", 8, 5, 24)
    length = 24 * SURFACE_CELLS["111"]["plane_spacing"] * A
    burgers = A * math.sqrt(3) / 2
    theta = np.arctan2(positions[:, 1] - (ly / 2 + 0.27), positions[:, 0] - (lx / 2 + 0.31))
    screw = positions.copy()
    screw[:, 2] = np.mod(screw[:, 2] + burgers * theta / (2 * math.pi), length)
    lo, edges = np.array([-5.0, -5.0, 0.0]), np.array([lx + 10, ly + 10, length])
    pbc = (False, False, True)
    assert dislocation_line_length_A(positions, lo, edges, pbc) == 0.0
    assert dislocation_line_length_A(screw, lo, edges, pbc) == pytest.approx(length, rel=0.05)


@pytest.mark.validation
def test_langevin_bath_route_holds_the_deposit_near_its_target(tmp_path, default_potential):
    """The weak bath on every condensed atom and the wall's lowest layer: the deposit grows
    on the wall (a lone adatom there, with no neighbour, must still lose its adsorption
    energy, or it bounces off and the film grows in the vapour) and ends near 300 K."""
    substrate = Substrate(kind="inert-wall", lateral_size_A=12)
    protocol = deposition_protocol(rate_atoms_per_ps=2.0, deposited_atoms=16,
                                  heat_removal="langevin-bath", bath_damping_ps=0.5,
                                  relax_duration_ps=20, trajectory_interval_ps=1,
                                  averaging_window_ps=0.5, thermo_interval_ps=0.5)
    geometry, outputs, run = _deposit(tmp_path, default_potential, substrate, protocol)
    run()
    (tmp_path / "run" / "md" / "params.lammps").read_text().index('"condensed"')
    thermo = pd.read_csv(outputs["thermo"], sep="\t")
    assert thermo["inserted"].iloc[-1] == 16
    late = thermo[thermo["time_ps"] >= 24]
    assert late["condensed_mobile_atoms"].min() >= 14
    assert late["deposit_temperature_K"].mean() == pytest.approx(300, abs=90)
    final = analyse_deposition(outputs["trajectory"], geometry, StructureSettings(),
                               DepositAnalysisSettings(), protocol).iloc[-1]
    assert final["retained_atoms"] >= 15 and final["mean_height_nm"] < 1.0
