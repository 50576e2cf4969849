rule check_potential:
    """bcc lattice constant, cohesive energy, NVE drift and throughput of one preset."""
    input:
        template="workflow/templates/check_potential.lammps",
    output:
        figures="results/potential_checks/{preset}.json",
    params:
        potential=lambda wildcards: dataclasses.asdict(CAMPAIGN.preset(wildcards.preset)),
        timestep_fs=lambda wildcards: config["potential_presets"][wildcards.preset]["timestep_fs"],
        work_dir=lambda wildcards: f"results/potential_checks/{wildcards.preset}",
        nve_duration_ps=config["potential_checks"]["nve_duration_ps"],
        throughput_steps=config["potential_checks"]["throughput_steps"],
    log:
        "results/logs/check_potential/{preset}.log",
    benchmark:
        "results/benchmarks/check_potential/{preset}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    script:
        "../scripts/check_potential.py"


rule potential_checks:
    """The preset table: results/tables/potential_checks.tsv and a Markdown version."""
    input:
        figures=expand("results/potential_checks/{preset}.json", preset=checked_presets()),
    output:
        table=report(
            "results/tables/potential_checks.tsv",
            caption="../report/potential_checks.rst",
            category="Potentials",
        ),
        markdown="results/potential_checks/potentials.md",
    params:
        citations={
            name: config["potential_presets"][name].get("citation", "")
            for name in checked_presets()
        },
    log:
        "results/logs/potential_checks.log",
    benchmark:
        "results/benchmarks/potential_checks.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    script:
        "../scripts/potential_checks_table.py"
