rule run_md:
    """Heat, quench and equilibrate one ensemble with LAMMPS (threads = MPI ranks).

    LAMMPS works in results/runs/{run}/md, outside the declared outputs, and keeps its restart
    files there: a killed job resumes from the newest one when the workflow runs again.
    """
    input:
        data="results/runs/{run}/system.data",
        template=template("md.lammps"),
        stage=template("stage.lammps"),
        thermostat=template("thermostat.lammps"),
        shared=SHARED_TEMPLATE_PATHS,
    output:
        thermo="results/runs/{run}/thermo.tsv",
        trajectory="results/runs/{run}/trajectory.lammpstrj",
        final="results/runs/{run}/final.data",
        performance="results/runs/{run}/md_performance.json",
    log:
        "results/logs/run_md/{run}.log",
    benchmark:
        "results/benchmarks/run_md/{run}.tsv"
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
        work_dir=lambda wildcards: f"results/runs/{wildcards.run}/md",
        protocol=run_protocol,
        potential=run_potential,
        seed=lambda wildcards: int(run_info(wildcards)["seed"]),
    script:
        "../scripts/run_md.py"
