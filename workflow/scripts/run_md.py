"""Snakemake wrapper: run the three MD stages of one ensemble with LAMMPS."""

from glassy_li.config.potential_setup import PotentialSetup
from glassy_li.core.logs import redirect_to_log
from glassy_li.lammps.run import run_snakemake_job
from glassy_li.md.protocol import MDProtocol, run_md
from glassy_li.structure.early_stop import SettleRule

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    potential = PotentialSetup(**snakemake.params.potential)
    log(f"potential: {potential.name} ({potential.pair_style}, units {potential.units})")
    figures = run_snakemake_job(
        snakemake,
        run_md,
        MDProtocol(**snakemake.params.protocol),
        log,
        data_file=snakemake.input.data,
        potential=potential,
        seed=int(snakemake.params.seed),
        settle_rule=(
            None if snakemake.params.settle is None
            else SettleRule.from_dict(snakemake.params.settle)
        ),
    )
    if "settled_step" in figures:
        log(f"outcome settled: the hold ended early, at step {figures['settled_step']}")
    log(
        f"MD finished: {figures['steps']} steps x {figures['atoms']} atoms in "
        f"{figures['wall_s']:.1f} s = {figures['atom_steps_per_s']:.3g} atom-steps/s"
    )
