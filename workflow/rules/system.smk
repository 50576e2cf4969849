rule generate_system:
    """N atoms at random in a cubic periodic box of exactly the packing density."""
    output:
        data="results/runs/{run}/system.data",
    log:
        "results/logs/generate_system/{run}.log",
    benchmark:
        "results/benchmarks/generate_system/{run}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        run=run_info,
        system=system_settings,
        potential=run_potential,
    script:
        "../scripts/generate_system.py"
