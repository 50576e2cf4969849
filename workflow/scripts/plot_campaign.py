"""Snakemake wrapper: the campaign-level figures from the campaign and statistics tables."""

import pandas as pd

from glassy_li.core.logs import redirect_to_log
from glassy_li.figures.plots import campaign_figures, save

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    params, out = snakemake.params, snakemake.output
    campaign = pd.read_csv(snakemake.input.campaign, sep="\t")
    figures = campaign_figures(
        campaign,
        pd.read_csv(snakemake.input.statistics, sep="\t"),
        pd.read_csv(snakemake.input.survival, sep="\t"),
        pd.read_csv(snakemake.input.critical, sep="\t"),
        params.threshold,
        params.title,
        params.base_coupling,
        params.size_axis,
    )
    for name, figure in figures:
        save(figure, out[f"{name}_png"], out[f"{name}_svg"])
    main = campaign["coupling"] == params.base_coupling
    log(f"figures from {len(campaign)} runs ({main.sum()} with coupling {params.base_coupling}); "
        f"size axis: {params.size_axis}")
