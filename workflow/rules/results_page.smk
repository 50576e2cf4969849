rule results_page:
    """docs/results/ (committed): this campaign's tables, figures, config, size-dependent
    melting and every run's provenance (the grid's unless results_page.grid is false, and the
    deposition series' when deposition is enabled) copied into docs/results/<campaign>/, then
    the page docs/results/README.md rewritten from every campaign folder there
    (glassy_li.report.results_page).
    """
    input:
        tables=page_files("tables"),
        config=f"{OUT}/tables/config.yaml",
        figures=page_files("figures"),
        provenance=page_files("provenance"),
        performance=page_files("performance"),
        melting=page_files("melting"),
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
        command=results_page_command(),
        project_root=str(PROJECT_ROOT),
        allow_uncommitted=config["results_page"]["allow_uncommitted"],
    script:
        "../scripts/results_page.py"
