"""Snakemake wrapper: write the initial configuration of one run as a LAMMPS data file."""

from glassy_li.core.logs import redirect_to_log
from glassy_li.md.system import density_g_cm3, generate_system, write_lammps_data

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    run, system = snakemake.params.run, snakemake.params.system
    generated = generate_system(
        n_atoms=int(run["ensemble_size_atoms"]),
        packing_density_g_cm3=float(run["packing_density_g_cm3"]),
        initial_state=run["initial_state"],
        seed=int(run["seed"]),
        mass_amu=float(snakemake.params.potential["mass_amu"]),
        min_distance_A=float(system["min_distance_A"]),
        droplet_density_g_cm3=float(system["droplet_density_g_cm3"]),
        seed_fraction=float(system["seed_fraction"]),
    )
    write_lammps_data(
        generated, snakemake.output.data, atom_style=snakemake.params.potential["atom_style"]
    )
    rho = density_g_cm3(generated.n_atoms, generated.mass_amu, generated.box_edge_A**3)
    log(
        f"{generated.n_atoms} atoms ({run['initial_state']}), box edge "
        f"{generated.box_edge_A:.4f} A, density {rho:.6g} g/cm3 -> {snakemake.output.data}"
    )
