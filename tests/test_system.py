"""Initial configurations: count, density and minimum distance, for both initial states."""

import numpy as np
import pytest

from glassy_li.md.system import (
    box_edge_A,
    density_g_cm3,
    generate_system,
    min_image_distances,
    read_lammps_data,
    write_lammps_data,
)

LI_MASS = 6.94


@pytest.mark.parametrize("state", ["gas", "droplet", "seeded-droplet"])
@pytest.mark.parametrize(("n_atoms", "density"), [(100, 0.0534), (700, 0.0534), (300, 0.2136)])
def test_written_box_has_count_density_and_min_distance(tmp_path, state, n_atoms, density):
    min_distance = 2.2
    system = generate_system(
        n_atoms, density, state, seed=7, mass_amu=LI_MASS, min_distance_A=min_distance
    )
    path = tmp_path / "system.data"
    write_lammps_data(system, path)
    back = read_lammps_data(path)  # check what LAMMPS will read, not the object in memory
    assert back.n_atoms == n_atoms
    rho = density_g_cm3(back.n_atoms, back.mass_amu, back.box_edge_A**3)
    assert rho == pytest.approx(density, rel=1e-3)
    assert np.all((back.positions_A >= 0) & (back.positions_A < back.box_edge_A))
    assert min_image_distances(back.positions_A, back.box_edge_A).min() >= min_distance - 1e-6


def test_droplet_is_compact_and_centred_gas_fills_box():
    n, rho = 400, 0.0534
    droplet = generate_system(n, rho, "droplet", seed=1, mass_amu=LI_MASS)
    gas = generate_system(n, rho, "gas", seed=1, mass_amu=LI_MASS)
    edge = droplet.box_edge_A
    # sphere of liquid density 0.512 g/cm3: radius from its volume
    radius = box_edge_A(n, LI_MASS, 0.512) * (3 / (4 * np.pi)) ** (1 / 3)
    r = np.linalg.norm(droplet.positions_A - edge / 2, axis=1)
    assert r.max() <= radius + 1e-9
    assert np.linalg.norm(droplet.positions_A.mean(axis=0) - edge / 2) < 0.1 * radius
    # the gas is spread over the box: its spread is that of a uniform distribution
    assert gas.positions_A.std(axis=0) == pytest.approx(np.full(3, edge / np.sqrt(12)), rel=0.15)


def test_same_seed_same_system_other_seed_other_system():
    a = generate_system(50, 0.0534, "gas", seed=3)
    b = generate_system(50, 0.0534, "gas", seed=3)
    c = generate_system(50, 0.0534, "gas", seed=4)
    assert np.array_equal(a.positions_A, b.positions_A)
    assert not np.allclose(a.positions_A, c.positions_A)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_atoms": 0}, "n_atoms"),
        ({"packing_density_g_cm3": 0.0}, "density"),
        ({"initial_state": "crystal"}, "initial_state"),
        ({"min_distance_A": 6.0, "packing_density_g_cm3": 0.534}, "min_distance_A"),
    ],
)
def test_impossible_requests_fail_with_a_message(kwargs, message):
    args = {"n_atoms": 200, "packing_density_g_cm3": 0.0534, "initial_state": "gas", "seed": 1}
    args.update(kwargs)
    with pytest.raises((ValueError, RuntimeError), match=message):
        generate_system(**args)
