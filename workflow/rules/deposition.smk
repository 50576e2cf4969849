# The deposition campaign's rules (helpers: deposition_common.smk); its own target,
# `snakemake --cores 2 deposition`.


rule build_substrate:
    """The substrate (a bcc slab, or none for the inert wall) and the box of one run."""
    output:
        data="results/runs/{dep}/substrate.data",
        geometry="results/runs/{dep}/geometry.json",
    log:
        "results/logs/build_substrate/{dep}.log",
    benchmark:
        "results/benchmarks/build_substrate/{dep}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        substrate=lambda wildcards: dataclasses.asdict(deposition_substrate(wildcards)),
        deposited_atoms=config["deposition"]["deposited_atoms"],
        mass_amu=lambda wildcards: deposition_protocol_of(wildcards.dep).mass_amu,
        atom_style=lambda wildcards: deposition_potential(wildcards)["atom_style"],
    script:
        "../scripts/build_substrate.py"


rule run_deposition:
    """Deposit atoms at the run's rate, relax (and anneal if configured) with LAMMPS.

    LAMMPS works in results/runs/{dep}/md and keeps its restart files there: a
    killed job resumes from the newest one when the workflow runs again.
    """
    input:
        data="results/runs/{dep}/substrate.data",
        geometry="results/runs/{dep}/geometry.json",
        template=template("deposit.lammps"),
        stage=template("deposit_stage.lammps"),
        shared=SHARED_TEMPLATE_PATHS,
    output:
        thermo="results/runs/{dep}/thermo.tsv",
        trajectory="results/runs/{dep}/trajectory.lammpstrj",
        final="results/runs/{dep}/final.data",
        performance="results/runs/{dep}/md_performance.json",
    log:
        "results/logs/run_deposition/{dep}.log",
    benchmark:
        "results/benchmarks/run_deposition/{dep}.tsv"
    retries: RUN_JOBS.retries_for(max(map(deposition_needed_minutes, DEPOSITION_RUNS.index), default=0))
    conda:
        "../../envs/glassy-li.yaml"
    threads: config["md"]["mpi_ranks"]
    resources:
        tasks=config["md"]["mpi_ranks"],
        cpus_per_task=1,
        mpi=RUN_JOBS.md_mpi_launcher,
        runtime=deposition_runtime_minutes,
        mem_mb=deposition_mem_mb,
    params:
        work_dir=lambda wildcards: f"results/runs/{wildcards.dep}/md",
        protocol=deposition_protocol_dict,
        potential=deposition_potential,
        seed=lambda wildcards: int(DEPOSITION_RUNS.loc[wildcards.dep, "seed"]),
    script:
        "../scripts/run_deposition.py"


rule analyse_deposition:
    """Per frame: atoms retained / reflected / in flight, structure of the deposit, crystalline
    domains, roughness, porosity and dislocations; the final frame as the run's summary."""
    input:
        trajectory="results/runs/{dep}/trajectory.lammpstrj",
        geometry="results/runs/{dep}/geometry.json",
        thermo="results/runs/{dep}/thermo.tsv",
    output:
        frames="results/runs/{dep}/frames.tsv",
        summary="results/runs/{dep}/summary.json",
    log:
        "results/logs/analyse_deposition/{dep}.log",
    benchmark:
        "results/benchmarks/analyse_deposition/{dep}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    resources:
        cpus_per_task=1,
        runtime=60,
        mem_mb=2000,
    params:
        run=deposition_run_info,
        protocol=deposition_protocol_dict,
        structure=deposition_structure_settings,
        analysis=deposition_analysis_settings,
    script:
        "../scripts/analyse_deposition.py"


rule render_deposit:
    """The final deposit seen from the side, atoms coloured by structure type."""
    input:
        trajectory="results/runs/{dep}/trajectory.lammpstrj",
        geometry="results/runs/{dep}/geometry.json",
    output:
        png=f"{OUT}/renders/{{dep}}/final_deposit.png",
        info=f"{OUT}/renders/{{dep}}/final_deposit.json",
    log:
        f"{OUT}/logs/render_deposit/{{dep}}.log",
    benchmark:
        f"{OUT}/benchmarks/render_deposit/{{dep}}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        structure=deposition_structure_settings,
        size_px=config["deposition"]["render_size_px"],
    script:
        "../scripts/render_deposit.py"


rule record_deposition_provenance:
    """Config values, seeds, LAMMPS/OVITO versions and potential checksums of one run."""
    input:
        summary="results/runs/{dep}/summary.json",
        record_geometry="results/runs/{dep}/geometry.json",
        data="results/runs/{dep}/substrate.data",
    output:
        provenance="results/runs/{dep}/provenance.json",
    log:
        "results/logs/record_deposition_provenance/{dep}.log",
    benchmark:
        "results/benchmarks/record_deposition_provenance/{dep}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        run=deposition_run_info,
        sections=lambda wildcards: {
            "deposition_protocol": deposition_protocol_dict(wildcards),
            "potential": deposition_potential(wildcards),
            "structure": deposition_structure_settings(wildcards),
            "deposit_analysis": deposition_analysis_settings(wildcards),
        },
        potential_files=lambda wildcards: DEPOSITION.preset_files(),
        lammps_dir=lambda wildcards: f"results/runs/{wildcards.dep}/md",
    script:
        "../scripts/record_provenance.py"


rule deposition_table:
    """One row per deposition run (final frame), and per substrate and rate: replica mean,
    standard deviation and standard error of each measure."""
    input:
        summaries=PAGE_JOBS.deposition_run_files("summary.json"),
    output:
        runs=report(
            f"{OUT}/tables/deposition_runs.tsv",
            caption="../report/deposition_runs.rst",
            category="Deposition",
        ),
        by_rate=report(
            f"{OUT}/tables/deposition_by_rate.tsv",
            caption="../report/deposition_by_rate.rst",
            category="Deposition",
        ),
    log:
        f"{OUT}/logs/deposition_table.log",
    benchmark:
        f"{OUT}/benchmarks/deposition_table.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    script:
        "../scripts/deposition_table.py"


rule plot_deposits:
    """(Fig 7) the final deposits side by side, one per rate (first replica), by structure."""
    input:
        png=[f"{OUT}/renders/{dep}/final_deposit.png" for dep in rendered_deposits()],
        info=[f"{OUT}/renders/{dep}/final_deposit.json" for dep in rendered_deposits()],
        summaries=[f"results/runs/{dep}/summary.json" for dep in rendered_deposits()],
    output:
        png=report(
            f"{OUT}/figures/deposits_by_rate.png",
            caption="../report/deposits_by_rate.rst",
            category="Deposition",
        ),
        svg=f"{OUT}/figures/deposits_by_rate.svg",
    log:
        f"{OUT}/logs/plots/deposits_by_rate.log",
    benchmark:
        f"{OUT}/benchmarks/plots/deposits_by_rate.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        title=f"{config['campaign_name']}: final deposits per rate",
    script:
        "../scripts/plot_deposits.py"


rule plot_deposition:
    """Roughness, crystallinity, porosity and defects versus rate (replicas shown), and the
    time traces of every run."""
    input:
        runs=f"{OUT}/tables/deposition_runs.tsv",
        frames=PAGE_JOBS.deposition_run_files("frames.tsv"),
    output:
        versus_rate=report(
            f"{OUT}/figures/deposition_vs_rate.png",
            caption="../report/deposition_vs_rate.rst",
            category="Deposition",
        ),
        versus_rate_svg=f"{OUT}/figures/deposition_vs_rate.svg",
        traces=report(
            f"{OUT}/figures/deposition_traces.png",
            caption="../report/deposition_traces.rst",
            category="Deposition",
        ),
        traces_svg=f"{OUT}/figures/deposition_traces.svg",
    log:
        f"{OUT}/logs/plots/deposition.log",
    benchmark:
        f"{OUT}/benchmarks/plots/deposition.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        runs=[json.loads(DEPOSITION_RUNS.loc[dep].to_json()) for dep in DEPOSITION_RUNS.index],
        title=f"{config['campaign_name']}: deposition",
    script:
        "../scripts/plot_deposition.py"


rule deposition:
    """The deposition campaign alone: tables and figures."""
    input:
        PAGE_JOBS.deposition_outputs(),
