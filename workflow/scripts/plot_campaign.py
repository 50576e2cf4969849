"""Snakemake wrapper: figures (b)-(d) from the campaign table."""

import pandas as pd

from glassy_li.logs import redirect_to_log
from glassy_li.plots import (
    plot_crystallinity_vs_density,
    plot_crystallinity_vs_size,
    plot_incubation_vs_size,
    save,
)

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    campaign = pd.read_csv(snakemake.input.campaign, sep="\t")
    title = snakemake.params.title
    out = snakemake.output
    save(plot_incubation_vs_size(campaign, title), out.incubation_png, out.incubation_svg)
    save(
        plot_crystallinity_vs_size(campaign, snakemake.params.threshold, title),
        out.size_png,
        out.size_svg,
    )
    save(plot_crystallinity_vs_density(campaign, title), out.density_png, out.density_svg)
    log(f"figures from {len(campaign)} runs written")
