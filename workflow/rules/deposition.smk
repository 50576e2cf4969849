# The deposition campaign (the paper's Fig 7): substrate -> LAMMPS deposition -> per-frame
# deposit analysis -> tables, renders and figures versus rate.  Its own target:
# `snakemake --cores 2 deposition` (rule all runs the embryo campaign only).


rule build_substrate:
    """The substrate (a bcc slab, or none for the inert wall) and the box of one run."""
    output:
        data="results/deposition/runs/{dep}/substrate.data",
        geometry="results/deposition/runs/{dep}/geometry.json",
    params:
        substrate=lambda wildcards: dataclasses.asdict(deposition_substrate(wildcards)),
        deposited_atoms=config["deposition"]["deposited_atoms"],
        mass_amu=lambda wildcards: deposition_protocol_of(wildcards.dep).mass_amu,
        atom_style=lambda wildcards: deposition_potential()["atom_style"],
    log:
        "results/logs/build_substrate/{dep}.log",
    benchmark:
        "results/benchmarks/build_substrate/{dep}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    script:
        "../scripts/build_substrate.py"


rule run_deposition:
    """Deposit atoms at the run's rate, relax (and anneal if configured) with LAMMPS.

    LAMMPS works in results/deposition/runs/{dep}/md and keeps its restart files there: a
    killed job resumes from the newest one when the workflow runs again.
    """
    input:
        data="results/deposition/runs/{dep}/substrate.data",
        geometry="results/deposition/runs/{dep}/geometry.json",
        template="workflow/templates/deposit.lammps",
        stage="workflow/templates/deposit_stage.lammps",
    output:
        thermo="results/deposition/runs/{dep}/thermo.tsv",
        trajectory="results/deposition/runs/{dep}/trajectory.lammpstrj",
        final="results/deposition/runs/{dep}/final.data",
        performance="results/deposition/runs/{dep}/md_performance.json",
    params:
        work_dir=lambda wildcards: f"results/deposition/runs/{wildcards.dep}/md",
        protocol=deposition_protocol_dict,
        potential=lambda wildcards: deposition_potential(),
        seed=lambda wildcards: int(DEPOSITION_RUNS.loc[wildcards.dep, "seed"]),
    threads: config["md"]["mpi_ranks"]
    resources:
        tasks=config["md"]["mpi_ranks"],
        cpus_per_task=1,
        mpi=md_mpi_launcher,
        runtime=deposition_runtime_minutes,
        mem_mb=deposition_mem_mb,
    retries: deposition_retries()
    log:
        "results/logs/run_deposition/{dep}.log",
    benchmark:
        "results/benchmarks/run_deposition/{dep}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    script:
        "../scripts/run_deposition.py"


rule analyse_deposition:
    """Per frame: atoms retained / reflected / in flight, structure of the deposit, crystalline
    domains, roughness, porosity and dislocations; the final frame as the run's summary."""
    input:
        trajectory="results/deposition/runs/{dep}/trajectory.lammpstrj",
        geometry="results/deposition/runs/{dep}/geometry.json",
        thermo="results/deposition/runs/{dep}/thermo.tsv",
    output:
        frames="results/deposition/runs/{dep}/frames.tsv",
        summary="results/deposition/runs/{dep}/summary.json",
    params:
        run=lambda wildcards: json.loads(DEPOSITION_RUNS.loc[wildcards.dep].to_json()),
        protocol=deposition_protocol_dict,
        structure=deposition_structure_settings(),
        analysis=dataclasses.asdict(CAMPAIGN.deposit_analysis_settings()),
    resources:
        cpus_per_task=1,
        runtime=60,
        mem_mb=2000,
    log:
        "results/logs/analyse_deposition/{dep}.log",
    benchmark:
        "results/benchmarks/analyse_deposition/{dep}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    script:
        "../scripts/analyse_deposition.py"


rule render_deposit:
    """The final deposit seen from the side, atoms coloured by structure type."""
    input:
        trajectory="results/deposition/runs/{dep}/trajectory.lammpstrj",
        geometry="results/deposition/runs/{dep}/geometry.json",
    output:
        png="results/deposition/runs/{dep}/render/final_deposit.png",
        info="results/deposition/runs/{dep}/render/final_deposit.json",
    params:
        structure=deposition_structure_settings(),
        size_px=config["deposition"]["render_size_px"],
    log:
        "results/logs/render_deposit/{dep}.log",
    benchmark:
        "results/benchmarks/render_deposit/{dep}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    script:
        "../scripts/render_deposit.py"


rule record_deposition_provenance:
    """Config values, seeds, LAMMPS/OVITO versions and potential checksums of one run."""
    input:
        summary="results/deposition/runs/{dep}/summary.json",
        geometry="results/deposition/runs/{dep}/geometry.json",
        data="results/deposition/runs/{dep}/substrate.data",
    output:
        provenance="results/deposition/runs/{dep}/provenance.json",
    params:
        run=lambda wildcards: json.loads(DEPOSITION_RUNS.loc[wildcards.dep].to_json()),
        protocol=deposition_protocol_dict,
        potential=lambda wildcards: deposition_potential(),
        potential_files=lambda wildcards: CAMPAIGN.preset_files(
            CAMPAIGN.deposition_potential_name
        ),
        structure=deposition_structure_settings(),
        analysis=dataclasses.asdict(CAMPAIGN.deposit_analysis_settings()),
        lammps_log=lambda wildcards: f"results/deposition/runs/{wildcards.dep}/md/log.lammps",
    log:
        "results/logs/record_deposition_provenance/{dep}.log",
    benchmark:
        "results/benchmarks/record_deposition_provenance/{dep}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    script:
        "../scripts/record_deposition_provenance.py"


rule deposition_table:
    """One row per deposition run (final frame), and per substrate and rate: replica mean,
    standard deviation and standard error of each measure."""
    input:
        summaries=deposition_runs_files("summary.json"),
    output:
        runs=report(
            "results/tables/deposition_runs.tsv",
            caption="../report/deposition_runs.rst",
            category="Deposition",
        ),
        by_rate=report(
            "results/tables/deposition_by_rate.tsv",
            caption="../report/deposition_by_rate.rst",
            category="Deposition",
        ),
    params:
        made_with=deposition_made_with(),
    log:
        "results/logs/deposition_table.log",
    benchmark:
        "results/benchmarks/deposition_table.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    script:
        "../scripts/deposition_table.py"


rule plot_deposits:
    """(Fig 7) the final deposits side by side, one per rate (first replica), by structure."""
    input:
        png=[f"results/deposition/runs/{dep}/render/final_deposit.png" for dep in rendered_deposits()],
        info=[f"results/deposition/runs/{dep}/render/final_deposit.json" for dep in rendered_deposits()],
        summaries=[f"results/deposition/runs/{dep}/summary.json" for dep in rendered_deposits()],
    output:
        png=report(
            "results/figures/deposits_by_rate.png",
            caption="../report/deposits_by_rate.rst",
            category="Deposition",
        ),
        svg="results/figures/deposits_by_rate.svg",
    params:
        title=f"{config['campaign_name']}: final deposits per rate",
        made_with=deposition_made_with(),
    log:
        "results/logs/plots/deposits_by_rate.log",
    benchmark:
        "results/benchmarks/plots/deposits_by_rate.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    script:
        "../scripts/plot_deposits.py"


rule plot_deposition:
    """Roughness, crystallinity, porosity and defects versus rate (replicas shown), and the
    time traces of every run."""
    input:
        runs="results/tables/deposition_runs.tsv",
        frames=deposition_runs_files("frames.tsv"),
    output:
        versus_rate=report(
            "results/figures/deposition_vs_rate.png",
            caption="../report/deposition_vs_rate.rst",
            category="Deposition",
        ),
        versus_rate_svg="results/figures/deposition_vs_rate.svg",
        traces=report(
            "results/figures/deposition_traces.png",
            caption="../report/deposition_traces.rst",
            category="Deposition",
        ),
        traces_svg="results/figures/deposition_traces.svg",
    params:
        runs=[json.loads(DEPOSITION_RUNS.loc[dep].to_json()) for dep in DEPOSITION_RUNS.index],
        title=f"{config['campaign_name']}: deposition",
        made_with=deposition_made_with(),
    log:
        "results/logs/plots/deposition.log",
    benchmark:
        "results/benchmarks/plots/deposition.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    script:
        "../scripts/plot_deposition.py"


rule deposition:
    """The deposition campaign alone: tables and figures."""
    input:
        deposition_outputs(),
