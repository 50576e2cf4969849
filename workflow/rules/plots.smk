rule plot_traces:
    """(a) T, PE, crystallinity and largest embryo versus time for the runs of one size."""
    input:
        thermo=[f"results/runs/{run}/thermo.tsv" for run in trace_runs()],
        structure=[f"results/runs/{run}/structure.tsv" for run in trace_runs()],
    output:
        png=report(
            "results/figures/traces.png",
            caption="../report/traces.rst",
            category="Figures",
        ),
        svg="results/figures/traces.svg",
    params:
        runs=trace_run_info(),
        boundaries=[boundaries_of(run) for run in trace_runs()],
        threshold=config["incubation"]["threshold"],
        title=lambda wildcards: (
            f"{config['campaign_name']}: the "
            f"{int(MAIN_GRID.loc[trace_runs()[0], 'ensemble_size_atoms'])}-atom runs"
        ),
        made_with=made_with(),
    log:
        "results/logs/plots/traces.log",
    benchmark:
        "results/benchmarks/plots/traces.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    script:
        "../scripts/plot_traces.py"


rule plot_campaign:
    """Incubation (Kaplan-Meier), crystallinity versus size and density, phase map, survival
    curves, coupling comparison, critical size per metal."""
    input:
        campaign="results/tables/campaign.tsv",
        statistics="results/tables/incubation_statistics.tsv",
        survival="results/tables/survival_curves.tsv",
        critical="results/tables/critical_size.tsv",
    output:
        incubation_png=report(
            "results/figures/incubation_vs_size.png",
            caption="../report/incubation_vs_size.rst",
            category="Figures",
        ),
        incubation_svg="results/figures/incubation_vs_size.svg",
        size_png=report(
            "results/figures/crystallinity_vs_size.png",
            caption="../report/crystallinity_vs_size.rst",
            category="Figures",
        ),
        size_svg="results/figures/crystallinity_vs_size.svg",
        density_png=report(
            "results/figures/crystallinity_vs_density.png",
            caption="../report/crystallinity_vs_density.rst",
            category="Figures",
        ),
        density_svg="results/figures/crystallinity_vs_density.svg",
        phase_png=report(
            "results/figures/phase_map.png",
            caption="../report/phase_map.rst",
            category="Figures",
        ),
        phase_svg="results/figures/phase_map.svg",
        survival_png=report(
            "results/figures/survival_curves.png",
            caption="../report/survival_curves.rst",
            category="Figures",
        ),
        survival_svg="results/figures/survival_curves.svg",
        coupling_png=report(
            "results/figures/coupling_comparison.png",
            caption="../report/coupling_comparison.rst",
            category="Figures",
        ),
        coupling_svg="results/figures/coupling_comparison.svg",
        critical_png=report(
            "results/figures/critical_size.png",
            caption="../report/critical_size_figure.rst",
            category="Figures",
        ),
        critical_svg="results/figures/critical_size.svg",
    params:
        threshold=config["incubation"]["threshold"],
        size_axis=config["figures"]["size_axis"],
        base_coupling=BASE_COUPLING,
        title=config["campaign_name"],
        made_with=made_with(),
    log:
        "results/logs/plots/campaign.log",
    benchmark:
        "results/benchmarks/plots/campaign.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    script:
        "../scripts/plot_campaign.py"
