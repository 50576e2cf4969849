# Checks of potential presets (`snakemake potential_checks`): computed once per preset,
# under results/potential_checks/, shared by every campaign.


rule check_potential:
    """Lattice constants, cohesive energy, NVE drift, throughput and melting point of one
    preset, against its metal's experimental values."""
    input:
        template=template("check_potential.lammps"),
        melting_template=template("check_melting.lammps"),
        potential_include=template("potential.lammps"),
    output:
        figures="results/potential_checks/{preset}.json",
    log:
        "results/logs/check_potential/{preset}.log",
    benchmark:
        "results/benchmarks/check_potential/{preset}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        potential=lambda wildcards: dataclasses.asdict(CAMPAIGN.preset(wildcards.preset)),
        metal=lambda wildcards: dataclasses.asdict(CAMPAIGN.metal(wildcards.preset)),
        melting=lambda wildcards: wildcards.preset
        not in config["potential_checks"]["melting_point_skip"],
        coexistence_ps=config["potential_checks"]["coexistence_ps"],
        melting_start_K=lambda wildcards: config["potential_presets"][wildcards.preset].get(
            "melting_point_K"
        ),
        melting_cells_across=config["potential_checks"]["melting_cells_across"],
        timestep_fs=lambda wildcards: config["potential_presets"][wildcards.preset]["timestep_fs"],
        work_dir=lambda wildcards: f"results/potential_checks/{wildcards.preset}",
        nve_duration_ps=config["potential_checks"]["nve_duration_ps"],
        throughput_steps=config["potential_checks"]["throughput_steps"],
    script:
        "../scripts/check_potential.py"


rule potential_checks:
    """The preset table: results/potential_checks/potential_checks.tsv and a Markdown version."""
    input:
        figures=expand("results/potential_checks/{preset}.json", preset=checked_presets()),
    output:
        table=report(
            "results/potential_checks/potential_checks.tsv",
            caption="../report/potential_checks.rst",
            category="Potentials",
        ),
        markdown="results/potential_checks/potentials.md",
    log:
        "results/logs/potential_checks.log",
    benchmark:
        "results/benchmarks/potential_checks.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        citations={
            name: config["potential_presets"][name].get("citation", "")
            for name in checked_presets()
        },
        metal_citations={
            name: metal.get("citation", "") for name, metal in config["metals"].items()
        },
    script:
        "../scripts/potential_checks_table.py"
