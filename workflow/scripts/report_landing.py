"""Snakemake wrapper: the report's landing text, from the campaign's own tables."""

import pandas as pd

from glassy_li.analysis.report_text import write_landing_text
from glassy_li.core.logs import redirect_to_log
from glassy_li.figures.plots import transition_criterion
from glassy_li.report.captions import deposition_made_with, made_with
from glassy_li.study import Study

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    # the settings statement is made here, from the validated config: no rule's parameter
    study = Study.from_config(
        snakemake.config, project_root=snakemake.params.project_root, download=False
    )
    statement = made_with(study.nucleation)
    if study.deposition.enabled:
        statement += " " + deposition_made_with(study.deposition)
    text = write_landing_text(
        snakemake.input.statistics,
        snakemake.input.critical,
        snakemake.output.landing,
        campaign_name=snakemake.params.campaign_name,
        criterion=transition_criterion(pd.read_csv(snakemake.input.campaign, sep="\t")),
        made_with=statement,
        workflow_rst=snakemake.input.workflow,
        by_hold_tsv=snakemake.input.by_hold,
    )
    log(text.split("----")[0])
