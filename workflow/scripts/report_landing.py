"""Snakemake wrapper: the report's landing text, from the campaign's own tables."""

import pandas as pd

from glassy_li.analysis.report_text import write_landing_text
from glassy_li.core.logs import redirect_to_log
from glassy_li.figures.plots import transition_criterion

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    text = write_landing_text(
        snakemake.input.statistics,
        snakemake.input.critical,
        snakemake.output.landing,
        campaign_name=snakemake.params.campaign_name,
        criterion=transition_criterion(pd.read_csv(snakemake.input.campaign, sep="\t")),
        made_with=snakemake.params.made_with,
        workflow_rst=snakemake.input.workflow,
        by_hold_tsv=snakemake.input.by_hold,
    )
    log(text.split("----")[0])
