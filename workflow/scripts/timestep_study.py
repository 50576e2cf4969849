"""Snakemake wrapper: which timestep one preset can take (glassy_li.checks.timestep_study)."""

from glassy_li.checks.timestep_study import (
    TimestepStudySettings,
    choose_timesteps,
    measure_timesteps,
    summarise,
)
from glassy_li.config.metals import Metal
from glassy_li.config.potential_setup import PotentialSetup
from glassy_li.core.logs import redirect_to_log

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    params = snakemake.params
    overrides = {key: tuple(value) if isinstance(value, list) else value
                 for key, value in dict(params.settings).items()}
    settings = TimestepStudySettings(**overrides)
    runs = measure_timesteps(
        PotentialSetup(**params.potential), Metal(**params.metal),
        float(params.melting_point_K), params.work_dir, snakemake.log[0], settings,
        progress=log,
    )
    summary = summarise(runs)
    runs.to_csv(snakemake.output.runs, sep="\t", index=False, float_format="%.6g")
    summary.to_csv(snakemake.output.summary, sep="\t", index=False, float_format="%.6g")
    choose_timesteps(summary, settings).to_csv(snakemake.output.choice, sep="\t", index=False)
