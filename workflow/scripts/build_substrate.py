"""Snakemake wrapper: build one deposition run's substrate and box."""

from glassy_li.core.logs import redirect_to_log
from glassy_li.deposition.deposit import Substrate, build_substrate, write_deposition_data

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    substrate = Substrate(**snakemake.params.substrate)
    positions, geometry = build_substrate(substrate, int(snakemake.params.deposited_atoms))
    write_deposition_data(
        positions,
        geometry,
        snakemake.output.data,
        snakemake.output.geometry,
        mass_amu=float(snakemake.params.mass_amu),
        atom_style=snakemake.params.atom_style,
    )
    log(
        f"{substrate.label}: {geometry.substrate_atoms} substrate atoms, box "
        f"{geometry.box_lo_A} .. {geometry.box_hi_A} A, surface at z = "
        f"{geometry.surface_z_A:.2f} A, insertion band {geometry.insertion_lo_A:.1f}-"
        f"{geometry.insertion_hi_A:.1f} A, lateral area {geometry.lateral_area_nm2:.2f} nm2"
    )
