"""Snakemake wrapper: the timestep studies' drift table (markdown and TSV) and choices."""

from pathlib import Path

import pandas as pd

from glassy_li.checks.timestep_study import choice_markdown, drift_table, markdown_table
from glassy_li.core.logs import redirect_to_log

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    summary = pd.concat([pd.read_csv(path, sep="\t") for path in snakemake.input.summaries])
    choices = pd.concat([pd.read_csv(path, sep="\t") for path in snakemake.input.choices])
    drift_table(summary).to_csv(snakemake.output.table, sep="\t", index=False,
                                float_format="%.6g")
    text = markdown_table(summary) + "\n" + choice_markdown(choices)
    Path(snakemake.output.markdown).write_text(text)
    log(text)
