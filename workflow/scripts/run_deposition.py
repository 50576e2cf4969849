"""Snakemake wrapper: deposit, relax (and anneal) one run with LAMMPS."""

import json

from glassy_li.deposition import (
    DepositionGeometry,
    DepositionProtocol,
    deposition_steps,
    heat_removal_statement,
    run_deposition,
)
from glassy_li.lammps_run import PotentialSetup, slurm_run_settings
from glassy_li.logs import redirect_to_log

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    protocol = DepositionProtocol(**snakemake.params.protocol)
    potential = PotentialSetup(**snakemake.params.potential)
    with open(snakemake.input.geometry) as handle:
        geometry = DepositionGeometry.from_dict(json.load(handle))
    protocol, launcher = slurm_run_settings(protocol, snakemake.resources, log)
    steps = deposition_steps(protocol)
    rate = 1.0 / (steps.insert_every * protocol.timestep_ps)
    log(f"protocol: {protocol}")
    log(
        f"{protocol.deposited_atoms} atoms at {rate:g} atoms/ps "
        f"({rate / geometry.lateral_area_nm2:.4g} atoms/nm2/ps), one every "
        f"{steps.insert_every} steps; stages: deposit {steps.deposit}, relax {steps.relax}, "
        f"anneal {steps.anneal} steps"
    )
    log(f"heat removal: {heat_removal_statement(protocol, geometry.substrate)}")
    log(f"potential: {potential.name} ({potential.pair_style}, units {potential.units})")
    figures = run_deposition(
        data_file=snakemake.input.data,
        geometry=geometry,
        work_dir=snakemake.params.work_dir,
        protocol=protocol,
        potential=potential,
        seed=int(snakemake.params.seed),
        thermo_out=snakemake.output.thermo,
        trajectory_out=snakemake.output.trajectory,
        final_data_out=snakemake.output.final,
        log_file=snakemake.log[0],
        n_ranks=snakemake.threads,
        mpi_launcher=launcher,
        template_dir=snakemake.input.template.rsplit("/", 1)[0],
    )
    figures["mpi_ranks"] = snakemake.threads
    with open(snakemake.output.performance, "w") as handle:
        json.dump(figures, handle, indent=2)
    log(
        f"deposition finished: {figures['steps']} steps in {figures['wall_s']:.1f} s = "
        f"{figures['atom_steps_per_s']:.3g} atom-steps/s (mean atom count)"
    )
