"""Snakemake wrapper: the provenance record of one deposition run."""

import json

from glassy_li.deposition import (
    DepositionGeometry,
    DepositionProtocol,
    deposition_parameters,
)
from glassy_li.logs import redirect_to_log
from glassy_li.md import PotentialSetup
from glassy_li.provenance import run_provenance

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    params = snakemake.params
    with open(snakemake.input.geometry) as handle:
        geometry = DepositionGeometry.from_dict(json.load(handle))
    variables = deposition_parameters(
        DepositionProtocol(**params.protocol),
        geometry,
        PotentialSetup(**params.potential),
        snakemake.input.data,
        int(params.run["seed"]),
    )
    seeds = {key: int(variables[key]) for key in ("velocity_seed", "deposit_seed", "bath_seed")}
    record = run_provenance(
        run=params.run,
        config_sections={
            "deposition_protocol": params.protocol,
            "geometry": geometry.to_dict(),
            "potential": params.potential,
            "structure": params.structure,
            "deposit_analysis": params.analysis,
        },
        potential_files=params.potential_files,
        seeds=seeds,
        lammps_log=params.lammps_log,
    )
    with open(snakemake.output.provenance, "w") as handle:
        json.dump(record, handle, indent=2)
    log(f"{params.run['run_id']}: {record['software']['lammps_run']}, "
        f"OVITO {record['software']['ovito_module']}, seeds {seeds}")
