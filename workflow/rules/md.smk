rule run_md:
    """Heat, quench and equilibrate one ensemble with LAMMPS (threads = MPI ranks).

    LAMMPS works in results/runs/{md}/md, outside the declared outputs, and keeps its restart
    files there: a killed job resumes from the newest one when the workflow runs again.  With
    md.end_hold_when_settled the job watches its trajectory and ends the hold once the run's
    outcome is settled (glassy_li.structure.early_stop).
    """
    input:
        data="results/runs/{md}/system.data",
        template=template("md.lammps"),
        stage=template("stage.lammps"),
        thermostat=template("thermostat.lammps"),
        shared=SHARED_TEMPLATE_PATHS,
    output:
        thermo="results/runs/{md}/thermo.tsv",
        trajectory="results/runs/{md}/trajectory.lammpstrj",
        final="results/runs/{md}/final.data",
        performance="results/runs/{md}/md_performance.json",
    log:
        "results/logs/run_md/{md}.log",
    benchmark:
        "results/benchmarks/run_md/{md}.tsv"
    retries: retries_for(max(map(md_needed_minutes, RUNS.index), default=0))
    conda:
        "../../envs/glassy-li.yaml"
    threads: config["md"]["mpi_ranks"]
    resources:
        tasks=config["md"]["mpi_ranks"],
        cpus_per_task=1,
        mpi=md_mpi_launcher,
        runtime=md_runtime_minutes,
        mem_mb=md_mem_mb,
    params:
        work_dir=lambda wildcards: f"results/runs/{wildcards.md}/md",
        protocol=run_protocol,
        potential=run_potential,
        seed=lambda wildcards: int(run_info(wildcards)["seed"]),
        settle=run_settle_rule,
    script:
        "../scripts/run_md.py"
