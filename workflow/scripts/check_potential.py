"""Snakemake wrapper: checks of one potential preset."""

import json

from glassy_li.checks import check_potential
from glassy_li.logs import redirect_to_log
from glassy_li.md import PotentialSetup

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    potential = PotentialSetup(**snakemake.params.potential)
    log(f"checking preset {potential.name} ({potential.pair_style}, units {potential.units})")
    figures = check_potential(
        potential,
        timestep_fs=float(snakemake.params.timestep_fs),
        work_dir=snakemake.params.work_dir,
        log_file=snakemake.log[0],
        nve_duration_ps=float(snakemake.params.nve_duration_ps),
        throughput_steps=int(snakemake.params.throughput_steps),
        template_dir=snakemake.input.template.rsplit("/", 1)[0],
    )
    with open(snakemake.output.figures, "w") as handle:
        json.dump(figures, handle, indent=2)
    log(json.dumps(figures))
