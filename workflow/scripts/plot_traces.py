"""Snakemake wrapper: figure (a), time traces of the runs of one size."""

import pandas as pd

from glassy_li.core.logs import redirect_to_log
from glassy_li.figures.plots import plot_traces, save

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    traces = [
        (run, pd.read_csv(thermo, sep="\t"), pd.read_csv(structure, sep="\t"))
        for run, thermo, structure in zip(
            snakemake.params.runs, snakemake.input.thermo, snakemake.input.structure, strict=True
        )
    ]
    figure = plot_traces(
        traces, snakemake.params.boundaries[0], snakemake.params.threshold, snakemake.params.title
    )
    save(figure, snakemake.output.png, snakemake.output.svg)
    log(f"{len(traces)} runs -> {snakemake.output.png}")
