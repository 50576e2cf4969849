"""Snakemake wrapper: the campaign table (a row per run) and the per-size summary."""

from glassy_li.analysis.aggregate import read_summaries, summarise_sizes
from glassy_li.core.logs import redirect_to_log

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    campaign = read_summaries(snakemake.input.summaries)
    campaign.to_csv(snakemake.output.campaign, sep="\t", index=False, float_format="%.6g")
    by_size = summarise_sizes(campaign)
    by_size.to_csv(snakemake.output.by_size, sep="\t", index=False, float_format="%.6g")
    log(f"{len(campaign)} runs, {len(by_size)} size groups")
    log(by_size.to_string())
