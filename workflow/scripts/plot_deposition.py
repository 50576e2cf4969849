"""Snakemake wrapper: deposition measures versus rate, and time traces."""

import pandas as pd

from glassy_li.core.logs import redirect_to_log
from glassy_li.figures.deposition_plots import plot_deposition_traces, plot_deposition_vs_rate
from glassy_li.figures.plots import save

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    runs = pd.read_csv(snakemake.input.runs, sep="\t")
    fig = plot_deposition_vs_rate(runs, snakemake.params.title)
    save(fig, snakemake.output.versus_rate, snakemake.output.versus_rate_svg)
    frames = [pd.read_csv(path, sep="\t") for path in snakemake.input.frames]
    fig = plot_deposition_traces(snakemake.params.runs, frames, snakemake.params.title)
    save(fig, snakemake.output.traces, snakemake.output.traces_svg)
    log(f"{len(runs)} runs plotted")
