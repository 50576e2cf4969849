"""Snakemake wrapper: the deposition runs' final values, and their replica statistics per rate."""

from glassy_li.analysis.aggregate import read_summaries
from glassy_li.core.logs import redirect_to_log
from glassy_li.deposition.analysis import deposition_by_rate

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    runs = read_summaries(snakemake.input.summaries).sort_values(
        ["substrate", "rate_atoms_per_ps", "replica"], ascending=[True, False, True]
    )
    runs.to_csv(snakemake.output.runs, sep="\t", index=False, float_format="%.6g")
    by_rate = deposition_by_rate(runs)
    by_rate.to_csv(snakemake.output.by_rate, sep="\t", index=False, float_format="%.6g")
    log(f"{len(runs)} runs; per rate:\n{by_rate.to_string()}")
