"""Snakemake wrapper: a preset's melting point from calphy's free energies."""

from glassy_li.checks.free_energy import FreeEnergySettings, free_energy_melting_point, summary_json
from glassy_li.config.metals import Metal
from glassy_li.config.potential_setup import PotentialSetup
from glassy_li.core.logs import redirect_to_log

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    params = snakemake.params
    settings = dict(params.settings)
    for key in ("solid_range_K", "liquid_range_K", "seeds"):
        if key in settings:
            settings[key] = tuple(settings[key])
    potential = dict(params.potential)
    potential["extra_commands"] = tuple(potential.get("extra_commands") or ())
    table, summary = free_energy_melting_point(
        PotentialSetup(**potential),
        Metal(**params.metal),
        settings=FreeEnergySettings(**settings),
        timestep_fs=float(params.timestep_fs),
        work_dir=params.work_dir,
        log_file=snakemake.log[0],
        progress=log,
    )
    table.to_csv(snakemake.output.table, sep="\t", index=False, float_format="%.6g")
    with open(snakemake.output.summary, "w") as handle:
        handle.write(summary_json(summary))
