"""Snakemake wrapper: deposit, relax (and anneal) one run with LAMMPS."""

import json

from glassy_li.config.potential_setup import PotentialSetup
from glassy_li.core.logs import redirect_to_log
from glassy_li.deposition.deposit import (
    DepositionGeometry,
    DepositionProtocol,
    deposition_steps,
    heat_removal_statement,
    run_deposition,
)
from glassy_li.lammps.run import run_snakemake_job

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    protocol = DepositionProtocol(**snakemake.params.protocol)
    potential = PotentialSetup(**snakemake.params.potential)
    with open(snakemake.input.geometry) as handle:
        geometry = DepositionGeometry.from_dict(json.load(handle))
    steps = deposition_steps(protocol)
    rate = 1.0 / (steps.insert_every * protocol.timestep_ps)
    log(
        f"{protocol.deposited_atoms} atoms at {rate:g} atoms/ps "
        f"({rate / geometry.lateral_area_nm2:.4g} atoms/nm2/ps), one every "
        f"{steps.insert_every} steps; stages: deposit {steps.deposit}, relax {steps.relax}, "
        f"anneal {steps.anneal} steps"
    )
    log(f"heat removal: {heat_removal_statement(protocol, geometry.substrate)}")
    log(f"potential: {potential.name} ({potential.pair_style}, units {potential.units})")
    figures = run_snakemake_job(
        snakemake,
        run_deposition,
        protocol,
        log,
        data_file=snakemake.input.data,
        geometry=geometry,
        potential=potential,
        seed=int(snakemake.params.seed),
    )
    log(
        f"deposition finished: {figures['steps']} steps in {figures['wall_s']:.1f} s = "
        f"{figures['atom_steps_per_s']:.3g} atom-steps/s (mean atom count)"
    )
