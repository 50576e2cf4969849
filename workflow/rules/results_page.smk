rule results_page:
    """docs/results/ (committed): this campaign's tables, figures, config, size-dependent
    melting and every run's provenance copied into docs/results/<campaign>/, then the page
    docs/results/README.md rewritten from every campaign folder there (glassy_li.results_page).
    """
    input:
        tables=expand(f"{OUT}/tables/{{name}}", name=PAGE_TABLES),
        config=f"{OUT}/tables/config.yaml",
        figures=expand(f"{OUT}/figures/{{name}}", name=PAGE_FIGURES),
        provenance=all_runs("results/runs/{run}/provenance.json"),
        performance=all_runs("results/runs/{md}/md_performance.json"),
        melting=size_melting_outputs(),
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
    script:
        "../scripts/results_page.py"
