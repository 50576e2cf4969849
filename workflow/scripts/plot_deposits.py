"""Snakemake wrapper: (Fig 7) the final deposits side by side, one per rate."""

import json

from glassy_li.core.logs import redirect_to_log
from glassy_li.figures.deposition_plots import plot_deposits
from glassy_li.figures.plots import save

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    panels = []
    for png, info_path, summary_path in zip(
        snakemake.input.png, snakemake.input.info, snakemake.input.summaries, strict=True
    ):
        with open(info_path) as handle, open(summary_path) as summary:
            panels.append((png, json.load(handle), json.load(summary)))
    fig = plot_deposits(panels, snakemake.params.title)
    save(fig, snakemake.output.png, snakemake.output.svg)
    log(f"{len(panels)} deposits drawn")
