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
        title=f"{config['campaign_name']}: runs of {config['figures']['trace_size_atoms'] or 'the largest'} atoms",
    log:
        "results/logs/plots/traces.log",
    benchmark:
        "results/benchmarks/plots/traces.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    script:
        "../scripts/plot_traces.py"


rule plot_campaign:
    """(b) incubation time, (c) crystallinity versus size, (d) crystallinity versus density."""
    input:
        campaign="results/tables/campaign.tsv",
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
    params:
        threshold=config["incubation"]["threshold"],
        title=config["campaign_name"],
    log:
        "results/logs/plots/campaign.log",
    benchmark:
        "results/benchmarks/plots/campaign.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    script:
        "../scripts/plot_campaign.py"
