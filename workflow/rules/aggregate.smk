rule summarise_run:
    """Incubation time (censored where needed) and final values of one run."""
    input:
        structure="results/runs/{run}/structure.tsv",
        thermo="results/runs/{run}/thermo.tsv",
    output:
        summary="results/runs/{run}/summary.json",
    params:
        run=run_info,
        incubation=config["incubation"],
        boundaries=stage_boundaries,
    log:
        "results/logs/summarise_run/{run}.log",
    benchmark:
        "results/benchmarks/summarise_run/{run}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    script:
        "../scripts/summarise_run.py"


rule campaign_table:
    """One row per run, and a per-size summary over replicas."""
    input:
        summaries=all_runs("results/runs/{run}/summary.json"),
    output:
        campaign=report(
            "results/tables/campaign.tsv",
            caption="../report/campaign_table.rst",
            category="Tables",
        ),
        by_size=report(
            "results/tables/summary_by_size.tsv",
            caption="../report/summary_by_size.rst",
            category="Tables",
        ),
    log:
        "results/logs/campaign_table.log",
    benchmark:
        "results/benchmarks/campaign_table.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    script:
        "../scripts/campaign_table.py"
