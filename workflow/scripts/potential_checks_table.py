"""Snakemake wrapper: the table of preset checks, as TSV and Markdown."""

import json
import platform

import pandas as pd

from glassy_li.checks.potential_checks import markdown_report
from glassy_li.core.logs import redirect_to_log

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    rows = []
    for path in snakemake.input.figures:
        with open(path) as handle:
            rows.append(json.load(handle))
    pd.DataFrame(rows).to_csv(snakemake.output.table, sep="\t", index=False, float_format="%.6g")
    machine = f"{platform.machine()} {platform.processor() or ''}".strip()
    with open(snakemake.output.markdown, "w") as handle:
        handle.write(markdown_report(
            rows, dict(snakemake.params.citations), machine, dict(snakemake.params.metal_citations)
        ))
    log(f"{len(rows)} presets checked")
