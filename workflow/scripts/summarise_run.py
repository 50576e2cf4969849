"""Snakemake wrapper: incubation time and final values of one run."""

import json

import pandas as pd

from glassy_li.analysis.aggregate import IncubationSettings, summarise_run
from glassy_li.core.logs import redirect_to_log

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    row = summarise_run(
        structure=pd.read_csv(snakemake.input.structure, sep="\t"),
        thermo=pd.read_csv(snakemake.input.thermo, sep="\t"),
        run=snakemake.params.run,
        settings=IncubationSettings.from_config(snakemake.params.incubation),
        boundaries=snakemake.params.boundaries,
    )
    with open(snakemake.output.summary, "w") as handle:
        json.dump(row, handle, indent=2, default=float)
    log(f"{row['run_id']}: {row['status']}, final crystallinity {row['final_crystallinity']:.3f}")
