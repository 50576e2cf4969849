"""Snakemake wrapper: Kaplan-Meier statistics, Wedekind fits and the critical size."""

import pandas as pd

from glassy_li.analysis.aggregate import (
    critical_size_by_hold,
    critical_size_table,
    incubation_statistics,
    mfpt_table,
)
from glassy_li.core.logs import redirect_to_log

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    settings = snakemake.params.statistics
    out = snakemake.output
    campaign = pd.read_csv(snakemake.input.campaign, sep="\t")
    structures = {
        run_id: pd.read_csv(path, sep="\t")
        for run_id, path in zip(snakemake.params.run_ids, snakemake.input.structures, strict=True)
    }
    confidence = settings["confidence"]
    stats, curves = incubation_statistics(campaign, confidence)
    stats.to_csv(out.statistics, sep="\t", index=False, float_format="%.6g")
    curves.to_csv(out.survival, sep="\t", index=False, float_format="%.6g")
    log(f"incubation statistics of {len(stats)} groups:")
    log(stats[["metal", "ensemble_size_atoms", "packing_density_g_cm3", "n_runs", "n_transformed",
               "km_median_incubation_ps", "note"]].to_string())
    fits, taus = mfpt_table(
        campaign,
        structures,
        min_replicas=settings["min_replicas_for_mfpt_fit"],
        size_step_atoms=settings["mfpt_size_step_atoms"],
        n_bootstrap=min(settings["bootstrap_samples"], 400),
        confidence=confidence,
        bulk_density_g_cm3=settings["bulk_density_g_cm3"],
    )
    fits.to_csv(out.mfpt_fits, sep="\t", index=False, float_format="%.6g")
    taus.to_csv(out.mfpt_curves, sep="\t", index=False, float_format="%.6g")
    log(f"first-passage fits: {fits['n_star_atoms'].notna().sum()} of {len(fits)} made")
    critical = critical_size_table(campaign, settings["bulk_density_g_cm3"], confidence)
    critical.to_csv(out.critical_size, sep="\t", index=False, float_format="%.6g")
    log(critical.to_string())
    by_hold = critical_size_by_hold(
        campaign, settings["critical_size_holds_ps"], settings["bulk_density_g_cm3"], confidence
    )
    by_hold.to_csv(out.critical_size_by_hold, sep="\t", index=False, float_format="%.6g")
    log(f"critical size by hold: holds {sorted(set(by_hold['hold_ps']))} ps")
