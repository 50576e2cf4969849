"""Snakemake wrapper: melting point per cluster size, the T_m(N) fit, and (for this
campaign's hold temperature(s)) the size N* below which a held embryo is liquid."""

import pandas as pd

from glassy_li.checks.cluster_melting import hold_critical_sizes, size_melting_table
from glassy_li.core.logs import redirect_to_log
from glassy_li.figures.plots import plot_size_melting, save

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    params = snakemake.params
    curves = [pd.read_csv(path, sep="\t") for path in snakemake.input.curves]
    interval = params.bulk_interval_K
    # T_bulk carries the interface-velocity interval where the preset records one, else free
    bulk = (float(params.bulk_melting_K), *map(float, interval)) if interval else None
    table, fit = size_melting_table(curves, bulk, params.confidence)
    table.to_csv(snakemake.output.table, sep="\t", index=False, float_format="%.6g")
    summary = [{"preset": params.preset, **fit, **hold_critical_sizes(fit, hold_K)}
               for hold_K in params.holds_K]  # one row per hold temperature
    pd.DataFrame(summary).to_csv(snakemake.output.fit, sep="\t", index=False,
                                 float_format="%.6g")
    save(plot_size_melting(table, fit, params.holds_K, params.title),
         snakemake.output.png, snakemake.output.svg)
    log(table.to_string())
    log(str(summary))
