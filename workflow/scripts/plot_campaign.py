"""Snakemake wrapper: the campaign-level figures from the campaign and statistics tables."""

import pandas as pd

from glassy_li.logs import redirect_to_log
from glassy_li.plots import (
    plot_coupling_comparison,
    plot_critical_size,
    plot_crystallinity_vs_density,
    plot_crystallinity_vs_size,
    plot_incubation_vs_size,
    plot_phase_map,
    plot_survival_curves,
    save,
)

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    params, out = snakemake.params, snakemake.output
    campaign = pd.read_csv(snakemake.input.campaign, sep="\t")
    statistics = pd.read_csv(snakemake.input.statistics, sep="\t")
    survival = pd.read_csv(snakemake.input.survival, sep="\t")
    critical = pd.read_csv(snakemake.input.critical, sep="\t")
    # size and density figures: the md-section coupling only (the sweep has its own figure)
    main = campaign[campaign["coupling"] == params.base_coupling]
    main_stats = statistics.merge(
        main[["thermostat", "thermostat_damping_ps", "atom_flux_atoms_per_ps"]].drop_duplicates()
    )
    main_curves = survival.merge(main_stats[["group", "metal", "potential", "initial_state",
                                             "packing_density_g_cm3", "ensemble_size_atoms",
                                             "thermostat", "thermostat_damping_ps",
                                             "atom_flux_atoms_per_ps"]])
    grid_curves = main_curves[main_curves["group"] == "grid"]
    title, threshold, size_axis = params.title, params.threshold, params.size_axis
    save(plot_incubation_vs_size(main, main_stats, title, size_axis), out.incubation_png,
         out.incubation_svg)
    save(plot_crystallinity_vs_size(main, threshold, title, size_axis), out.size_png,
         out.size_svg)
    save(plot_crystallinity_vs_density(main, title), out.density_png, out.density_svg)
    save(plot_phase_map(main[main["group"] == "grid"], threshold, title), out.phase_png,
         out.phase_svg)
    save(plot_survival_curves(grid_curves, main_stats, title), out.survival_png,
         out.survival_svg)
    save(plot_coupling_comparison(campaign[campaign["group"] == "grid"], title),
         out.coupling_png, out.coupling_svg)
    save(plot_critical_size(critical.merge(
        main[["thermostat", "thermostat_damping_ps", "atom_flux_atoms_per_ps"]].drop_duplicates()
    ), title), out.critical_png, out.critical_svg)
    log(f"figures from {len(campaign)} runs ({len(main)} with coupling {params.base_coupling}); "
        f"size axis: {size_axis}")
