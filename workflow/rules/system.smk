rule generate_system:
    """N atoms at random in a cubic periodic box of exactly the packing density."""
    output:
        data="results/runs/{md}/system.data",
    log:
        "results/logs/generate_system/{md}.log",
    benchmark:
        "results/benchmarks/generate_system/{md}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        run=RUN_JOBS.md_run_info,
        system=RUN_JOBS.system_settings,
        potential=RUN_JOBS.run_potential,
    script:
        "../scripts/generate_system.py"
