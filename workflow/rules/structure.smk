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
        runtime=analysis_runtime_minutes,
        mem_mb=analysis_mem_mb,
    params:
        settings=run_structure_settings,
        clock=run_clock,
        boundaries=stage_boundaries,
    script:
        "../scripts/identify_structure.py"
