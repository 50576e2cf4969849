rule results_page:
    """docs/results/ (committed): this campaign's tables, figures, config, size-dependent
    melting and every run's provenance (the grid's unless results_page.grid is false, and the
    deposition series' when deposition is enabled) copied into docs/results/<campaign>/, then
    the page docs/results/README.md rewritten from every campaign folder there
    (glassy_li.report.results_page).
    """
    input:
        tables=PAGE_JOBS.page_files("tables"),
        config=f"{OUT}/tables/config.yaml",
        figures=PAGE_JOBS.page_files("figures"),
        provenance=PAGE_JOBS.page_files("provenance"),
        performance=PAGE_JOBS.page_files("performance"),
        melting=PAGE_JOBS.page_files("melting"),
    output:
        page="docs/results/README.md",
        folder=directory(f"docs/results/{config['campaign_name']}"),
    log:
        f"{OUT}/logs/results_page.log",
    benchmark:
        f"{OUT}/benchmarks/results_page.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        command=PAGE_JOBS.results_page_command(workflow.overwrite_configfiles or [], PROJECT_ROOT),
        project_root=str(PROJECT_ROOT),
        allow_uncommitted=config["results_page"]["allow_uncommitted"],
    script:
        "../scripts/results_page.py"


RULE_GRAPH_TARGETS = [
    "all",
    "deposition",
    "results_page",
    "nucleation_model",
    "potential_checks",
    "size_melting",
    "interface_melting",
    "interface_melting_report",
    "free_energy_melting",
    "timestep_study",
]
"""The targets whose rules docs/rulegraph.svg draws (the default campaign's)."""


rule rule_graph:
    """docs/rulegraph.svg (committed): the rules behind the default campaign's targets and
    what feeds what, from `snakemake --rulegraph`, drawn by Graphviz's dot (Debian package
    graphviz). `snakemake --cores 1 -f rule_graph` regenerates it.
    """
    output:
        "docs/rulegraph.svg",
    log:
        "results/logs/rule_graph.log",
    benchmark:
        "results/benchmarks/rule_graph.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        python=sys.executable,
        targets=" ".join(RULE_GRAPH_TARGETS),
    shell:
        "{params.python} -m snakemake --rulegraph --nolock -- {params.targets} 2> {log} "
        "| dot -Tsvg > {output}"
