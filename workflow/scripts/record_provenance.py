"""Snakemake wrapper: the provenance record of one run."""

import json

from glassy_li.logs import redirect_to_log
from glassy_li.md import MDProtocol, PotentialSetup, lammps_parameters
from glassy_li.provenance import run_provenance

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    params = snakemake.params
    variables = lammps_parameters(
        MDProtocol(**params.protocol),
        PotentialSetup(**params.potential),
        snakemake.input.data,
        int(params.run["seed"]),
    )
    seeds = {
        "system_placement": int(params.run["seed"]),
        **{key: int(variables[key]) for key in ("velocity_seed", "langevin_seed", "flux_seed")},
    }
    record = run_provenance(
        run=params.run,
        config_sections={
            "md_protocol": params.protocol,
            "potential": params.potential,
            "structure": params.structure,
            "incubation": params.incubation,
        },
        potential_files=params.potential_files,
        seeds=seeds,
        lammps_log=params.lammps_log,
    )
    with open(snakemake.output.provenance, "w") as handle:
        json.dump(record, handle, indent=2)
    log(f"{params.run['run_id']}: {record['software']['lammps_run']}, "
        f"OVITO {record['software']['ovito_module']}, seeds {seeds}")
