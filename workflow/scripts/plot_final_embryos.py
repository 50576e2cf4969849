"""Snakemake wrapper: Fig 3B, the rendered final embryos of every size."""

import json

from glassy_li.core.logs import redirect_to_log
from glassy_li.figures.plots import plot_final_embryos, save

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    panels = []
    for run, whole, cut, info_path in zip(
        snakemake.params.runs,
        snakemake.input.whole,
        snakemake.input.slice,
        snakemake.input.info,
        strict=True,
    ):
        with open(info_path) as handle:
            panels.append((run, whole, cut, json.load(handle)))
    figure = plot_final_embryos(panels, snakemake.params.slice_thickness_A, snakemake.params.title)
    save(figure, snakemake.output.png, snakemake.output.svg)
    log(f"{len(panels)} embryos -> {snakemake.output.png}")
