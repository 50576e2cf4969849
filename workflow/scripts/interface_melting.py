"""Snakemake wrapper: a preset's melting point by the interface-velocity method."""

import json
from pathlib import Path

from glassy_li.checks.interface_melting import InterfaceSettings, interface_melting_point
from glassy_li.config.metals import Metal
from glassy_li.config.potential_setup import PotentialSetup
from glassy_li.core.logs import redirect_to_log

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    params = snakemake.params
    settings = dict(params.settings)
    for key in ("orientations", "seeds", "fraction_limits", "cells"):
        if key in settings:
            settings[key] = tuple(settings[key])
    table, summary = interface_melting_point(
        PotentialSetup(**params.potential),
        Metal(**params.metal),
        start_K=float(snakemake.wildcards.start_K),
        timestep_fs=float(params.timestep_fs),
        settings=InterfaceSettings(**settings),
        work_dir=params.work_dir,
        log_file=snakemake.log[0],
        template_dir=Path(snakemake.input.template).parent,
        progress=log,
    )
    table.to_csv(snakemake.output.runs, sep="\t", index=False, float_format="%.6g")
    Path(snakemake.output.summary).write_text(json.dumps(summary, indent=2, default=str))
