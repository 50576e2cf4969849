rule summarise_run:
    """Incubation time (censored where needed) and final values of one run."""
    input:
        structure="results/runs/{md}/ana-{ana}/structure.tsv",
        thermo="results/runs/{md}/thermo.tsv",
    output:
        summary="results/runs/{md}/ana-{ana}/summary.json",
    log:
        "results/logs/summarise_run/{md}/ana-{ana}.log",
    benchmark:
        "results/benchmarks/summarise_run/{md}/ana-{ana}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        run=RUN_JOBS.run_info,
        incubation=config["incubation"],
        boundaries=RUN_JOBS.stage_boundaries,
    script:
        "../scripts/summarise_run.py"


rule campaign_table:
    """One row per run, and a per-size summary over replicas."""
    input:
        summaries=RUN_JOBS.all_runs("results/runs/{run}/summary.json"),
    output:
        campaign=report(
            f"{OUT}/tables/campaign.tsv",
            caption="../report/campaign_table.rst",
            category="Tables",
        ),
        by_size=report(
            f"{OUT}/tables/summary_by_size.tsv",
            caption="../report/summary_by_size.rst",
            category="Tables",
        ),
    log:
        f"{OUT}/logs/campaign_table.log",
    benchmark:
        f"{OUT}/benchmarks/campaign_table.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    script:
        "../scripts/campaign_table.py"


rule incubation_statistics:
    """Kaplan-Meier incubation statistics, Wedekind first-passage fits, critical size."""
    input:
        campaign=f"{OUT}/tables/campaign.tsv",
        structures=RUN_JOBS.all_runs("results/runs/{run}/structure.tsv"),
    output:
        statistics=report(
            f"{OUT}/tables/incubation_statistics.tsv",
            caption="../report/incubation_statistics.rst",
            category="Tables",
        ),
        survival=report(
            f"{OUT}/tables/survival_curves.tsv",
            caption="../report/survival_table.rst",
            category="Tables",
        ),
        mfpt_fits=report(
            f"{OUT}/tables/mfpt_fits.tsv",
            caption="../report/mfpt_fits.rst",
            category="Tables",
        ),
        mfpt_curves=f"{OUT}/tables/mfpt_curves.tsv",
        critical_size=report(
            f"{OUT}/tables/critical_size.tsv",
            caption="../report/critical_size.rst",
            category="Tables",
        ),
        critical_size_by_hold=report(
            f"{OUT}/tables/critical_size_by_hold.tsv",
            caption="../report/critical_size_by_hold.rst",
            category="Tables",
        ),
    log:
        f"{OUT}/logs/incubation_statistics.log",
    benchmark:
        f"{OUT}/benchmarks/incubation_statistics.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        run_ids=list(RUNS.index),
        statistics=config["statistics"],
    script:
        "../scripts/incubation_statistics.py"


rule campaign_config:
    """The merged, validated config (defaults filled in) that made this campaign."""
    output:
        config=report(
            f"{OUT}/tables/config.yaml",
            caption="../report/config.rst",
            category="Config",
        ),
    log:
        f"{OUT}/logs/campaign_config.log",
    benchmark:
        f"{OUT}/benchmarks/campaign_config.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        config=config,
    script:
        "../scripts/campaign_config.py"


rule record_provenance:
    """Config values, seeds, LAMMPS/OVITO versions and potential checksums of one run."""
    input:
        performance="results/runs/{md}/md_performance.json",
        structure="results/runs/{md}/ana-{ana}/structure.tsv",
        data="results/runs/{md}/system.data",
    output:
        provenance="results/runs/{md}/ana-{ana}/provenance.json",
    log:
        "results/logs/record_provenance/{md}/ana-{ana}.log",
    benchmark:
        "results/benchmarks/record_provenance/{md}/ana-{ana}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        run=RUN_JOBS.run_info,
        sections=lambda wildcards: {
            "md_protocol": RUN_JOBS.run_protocol(wildcards),
            "potential": RUN_JOBS.run_potential(wildcards),
            "system": RUN_JOBS.system_settings(wildcards),
            "structure": RUN_JOBS.run_structure_settings(wildcards),
            "incubation": config["incubation"],
        },
        potential_files=RUN_JOBS.run_potential_files,
        lammps_dir=lambda wildcards: f"results/runs/{wildcards.md}/md",
    script:
        "../scripts/record_provenance.py"


rule report_landing:
    """The report's first page: runs transformed per size, median incubation times and the
    critical size with their intervals, written from this campaign's tables."""
    input:
        campaign=f"{OUT}/tables/campaign.tsv",
        statistics=f"{OUT}/tables/incubation_statistics.tsv",
        critical=f"{OUT}/tables/critical_size.tsv",
        by_hold=f"{OUT}/tables/critical_size_by_hold.tsv",
        workflow=str(PROJECT_ROOT / "workflow" / "report" / "workflow.rst"),
    output:
        landing=REPORT_LANDING,
    log:
        f"{OUT}/logs/report_landing.log",
    benchmark:
        f"{OUT}/benchmarks/report_landing.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        campaign_name=config["campaign_name"],
        # the deposition settings the page states (the nucleation ones reach it through the
        # tables): the page is rewritten when they change, the prose itself is no param
        deposition=config["deposition"],
        # the project root: where workflow/report/workflow.rst lives
        project_root=lambda wildcards, input: str(Path(input.workflow).parents[2]),
    script:
        "../scripts/report_landing.py"
