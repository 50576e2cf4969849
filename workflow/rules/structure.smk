rule identify_structure:
    """Per frame: structure fractions (PTM on time-averaged positions), embryos, order parameter."""
    input:
        trajectory="results/runs/{md}/trajectory.lammpstrj",
    output:
        structure="results/runs/{md}/ana-{ana}/structure.tsv",
    log:
        "results/logs/identify_structure/{md}/ana-{ana}.log",
    benchmark:
        "results/benchmarks/identify_structure/{md}/ana-{ana}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    resources:
        cpus_per_task=1,
        runtime=RUN_JOBS.analysis_runtime_minutes,
        mem_mb=RUN_JOBS.analysis_mem_mb,
    params:
        settings=RUN_JOBS.run_structure_settings,
        clock=RUN_JOBS.run_clock,
        boundaries=RUN_JOBS.stage_boundaries,
    script:
        "../scripts/identify_structure.py"
