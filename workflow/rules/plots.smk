# Figures of the nucleation campaign (the helpers that pick what they show: common.smk).


rule plot_traces:
    """(a) T, PE, crystallinity and largest embryo versus time for the runs of one size."""
    input:
        thermo=[f"results/runs/{md_folder(run)}/thermo.tsv" for run in RUN_JOBS.trace_runs()],
        structure=[f"results/runs/{run}/structure.tsv" for run in RUN_JOBS.trace_runs()],
    output:
        png=report(
            f"{OUT}/figures/traces.png",
            caption="../report/traces.rst",
            category="Figures",
        ),
        svg=f"{OUT}/figures/traces.svg",
    log:
        f"{OUT}/logs/plots/traces.log",
    benchmark:
        f"{OUT}/benchmarks/plots/traces.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        runs=RUN_JOBS.trace_run_info(),
        boundaries=[RUN_JOBS.boundaries_of(run) for run in RUN_JOBS.trace_runs()],
        threshold=config["incubation"]["threshold"],
        title=lambda wildcards: (
            f"{config['campaign_name']}: the "
            f"{int(RUN_JOBS.main_grid.loc[RUN_JOBS.trace_runs()[0], 'ensemble_size_atoms'])}-atom runs"
        ),
    script:
        "../scripts/plot_traces.py"


rule plot_campaign:
    """Incubation (Kaplan-Meier), crystallinity versus size and density, phase map, survival
    curves, coupling comparison, critical size per metal."""
    input:
        campaign=f"{OUT}/tables/campaign.tsv",
        statistics=f"{OUT}/tables/incubation_statistics.tsv",
        survival=f"{OUT}/tables/survival_curves.tsv",
        critical=f"{OUT}/tables/critical_size.tsv",
    output:
        incubation_png=report(
            f"{OUT}/figures/incubation_vs_size.png",
            caption="../report/incubation_vs_size.rst",
            category="Figures",
        ),
        incubation_svg=f"{OUT}/figures/incubation_vs_size.svg",
        size_png=report(
            f"{OUT}/figures/crystallinity_vs_size.png",
            caption="../report/crystallinity_vs_size.rst",
            category="Figures",
        ),
        size_svg=f"{OUT}/figures/crystallinity_vs_size.svg",
        density_png=report(
            f"{OUT}/figures/crystallinity_vs_density.png",
            caption="../report/crystallinity_vs_density.rst",
            category="Figures",
        ),
        density_svg=f"{OUT}/figures/crystallinity_vs_density.svg",
        phase_png=report(
            f"{OUT}/figures/phase_map.png",
            caption="../report/phase_map.rst",
            category="Figures",
        ),
        phase_svg=f"{OUT}/figures/phase_map.svg",
        survival_png=report(
            f"{OUT}/figures/survival_curves.png",
            caption="../report/survival_curves.rst",
            category="Figures",
        ),
        survival_svg=f"{OUT}/figures/survival_curves.svg",
        coupling_png=report(
            f"{OUT}/figures/coupling_comparison.png",
            caption="../report/coupling_comparison.rst",
            category="Figures",
        ),
        coupling_svg=f"{OUT}/figures/coupling_comparison.svg",
        critical_png=report(
            f"{OUT}/figures/critical_size.png",
            caption="../report/critical_size_figure.rst",
            category="Figures",
        ),
        critical_svg=f"{OUT}/figures/critical_size.svg",
    log:
        f"{OUT}/logs/plots/campaign.log",
    benchmark:
        f"{OUT}/benchmarks/plots/campaign.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        threshold=config["incubation"]["threshold"],
        size_axis=config["figures"]["size_axis"],
        base_coupling=RUN_JOBS.base_coupling,
        title=config["campaign_name"],
    script:
        "../scripts/plot_campaign.py"
