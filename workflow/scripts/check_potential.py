"""Snakemake wrapper: checks of one potential preset against its metal."""

import json
from pathlib import Path

from glassy_li.checks.potential_checks import MeltingSettings, check_potential, melting_point
from glassy_li.config.metals import Metal
from glassy_li.config.potential_setup import PotentialSetup
from glassy_li.core.logs import redirect_to_log

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    params = snakemake.params
    potential = PotentialSetup(**params.potential)
    metal = Metal(**params.metal)
    log(f"checking preset {potential.name} ({potential.pair_style}, units {potential.units}) "
        f"against {metal.name} ({metal.reference_structure})")
    template_dir = Path(snakemake.input.template).parent
    figures = check_potential(
        potential,
        metal,
        timestep_fs=float(params.timestep_fs),
        work_dir=Path(params.work_dir) / "checks",
        log_file=snakemake.log[0],
        nve_duration_ps=float(params.nve_duration_ps),
        throughput_steps=int(params.throughput_steps),
        template_dir=template_dir,
    )
    log(json.dumps(figures))
    if params.melting:
        figures.update(melting_point(
            potential,
            metal,
            timestep_fs=float(params.timestep_fs),
            work_dir=Path(params.work_dir) / "melting",
            log_file=snakemake.log[0],
            settings=MeltingSettings(coexistence_ps=float(params.coexistence_ps),
                                     cells_across=int(params.melting_cells_across)),
            template_dir=template_dir,
            progress=log,
            start_K=params.melting_start_K,
        ))
    else:
        log("melting point not measured (potential_checks.melting_point_skip)")
    with open(snakemake.output.figures, "w") as handle:
        json.dump(figures, handle, indent=2)
    log(json.dumps(figures))
