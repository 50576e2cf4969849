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
    retries: RUN_JOBS.md_retries()
    conda:
        "../../envs/glassy-li.yaml"
    threads: config["md"]["mpi_ranks"]
    resources:
        tasks=config["md"]["mpi_ranks"],
        cpus_per_task=1,
        mpi=RUN_JOBS.md_mpi_launcher,
        runtime=RUN_JOBS.md_runtime_minutes,
        mem_mb=RUN_JOBS.md_mem_mb,
    params:
        work_dir=lambda wildcards: f"results/runs/{wildcards.md}/md",
        protocol=RUN_JOBS.run_protocol,
        potential=RUN_JOBS.run_potential,
        seed=lambda wildcards: int(RUN_JOBS.run_info(wildcards)["seed"]),
        settle=RUN_JOBS.run_settle_rule,
    script:
        "../scripts/run_md.py"
