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
        figures=expand(
            "results/potential_checks/{preset}.json", preset=CHECK_JOBS.checked_presets()
        ),
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
            for name in CHECK_JOBS.checked_presets()
        },
        metal_citations={
            name: metal.get("citation", "") for name, metal in config["metals"].items()
        },
    script:
        "../scripts/potential_checks_table.py"


rule cluster_melting:
    """The caloric curve of one free cluster of {n_atoms} atoms of a preset's metal, heated
    in steps (its structure at each step confirms the melt)."""
    input:
        template=template("cluster_melting.lammps"),
        potential_include=template("potential.lammps"),
    output:
        curve="results/potential_checks/size_melting/{preset}/N-{n_atoms}.tsv",
    log:
        "results/logs/cluster_melting/{preset}/N-{n_atoms}.log",
    benchmark:
        "results/benchmarks/cluster_melting/{preset}/N-{n_atoms}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        potential=lambda wildcards: dataclasses.asdict(CAMPAIGN.preset(wildcards.preset)),
        metal=lambda wildcards: dataclasses.asdict(CAMPAIGN.metal(wildcards.preset)),
        structure=lambda wildcards: dataclasses.asdict(
            CAMPAIGN.structure_settings(wildcards.preset)
        ),
        settings=CHECK_JOBS.size_melting_settings(),
        bulk_melting_K=lambda wildcards: CHECK_JOBS.size_melting_heating_reference_K(
            wildcards.preset
        ),
        timestep_fs=lambda wildcards: CAMPAIGN.timestep_fs(wildcards.preset),
        work_dir=lambda wildcards: f"results/potential_checks/size_melting/{wildcards.preset}/N-{wildcards.n_atoms}",
    script:
        "../scripts/cluster_melting.py"


rule size_melting_figure:
    """Melting point versus cluster size, the T_m(N) fit with its interval, and N*, the size
    whose melting point is this campaign's hold temperature."""
    input:
        curves=lambda wildcards: expand(
            "results/potential_checks/size_melting/{preset}/N-{n_atoms}.tsv",
            preset=wildcards.preset,
            n_atoms=config["potential_checks"]["size_melting"]["sizes_atoms"],
        ),
    output:
        table=f"{OUT}/tables/size_melting_{{preset}}.tsv",
        fit=f"{OUT}/tables/size_melting_fit_{{preset}}.tsv",
        png=report(
            f"{OUT}/figures/size_melting_{{preset}}.png",
            caption="../report/size_melting.rst",
            category="Potentials",
        ),
        svg=f"{OUT}/figures/size_melting_{{preset}}.svg",
    log:
        f"{OUT}/logs/size_melting/{{preset}}.log",
    benchmark:
        f"{OUT}/benchmarks/size_melting/{{preset}}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        preset=lambda wildcards: wildcards.preset,
        bulk_melting_K=lambda wildcards: config["potential_presets"][wildcards.preset][
            "melting_point_K"
        ],
        bulk_interval_K=lambda wildcards: config["potential_presets"][wildcards.preset].get(
            "melting_point_interval_K"
        ),
        holds_K=lambda wildcards: CAMPAIGN.final_temperatures_K(wildcards.preset),
        confidence=config["statistics"]["confidence"],
        title=lambda wildcards: f"{config['campaign_name']}: melting of free {CAMPAIGN.metal(wildcards.preset).name} clusters ({wildcards.preset})",
    script:
        "../scripts/size_melting.py"


rule size_melting:
    """Size-dependent melting of the campaign's preset(s) (potential_checks.size_melting)."""
    input:
        CHECK_JOBS.size_melting_outputs(OUT),


rule interface_melting_point:
    """The bulk melting point of one preset by the interface-velocity method, starting the
    search at {start_K} K (glassy_li.checks.interface_melting): every run and the fit."""
    input:
        template=template("interface_velocity.lammps"),
        potential_include=template("potential.lammps"),
    output:
        runs="results/potential_checks/interface_melting/{preset}/from-{start_K}K.tsv",
        summary="results/potential_checks/interface_melting/{preset}/from-{start_K}K.json",
    log:
        "results/logs/interface_melting/{preset}/from-{start_K}K.log",
    benchmark:
        "results/benchmarks/interface_melting/{preset}/from-{start_K}K.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    threads: config["potential_checks"]["interface_melting"]["mpi_ranks"]
    params:
        potential=lambda wildcards: dataclasses.asdict(CAMPAIGN.preset(wildcards.preset)),
        metal=lambda wildcards: dataclasses.asdict(CAMPAIGN.metal(wildcards.preset)),
        settings=lambda wildcards: CHECK_JOBS.interface_melting_settings(wildcards.preset),
        timestep_fs=lambda wildcards: config["potential_presets"][wildcards.preset]["timestep_fs"],
        work_dir=lambda wildcards: f"results/potential_checks/interface_melting/{wildcards.preset}/runs",
    script:
        "../scripts/interface_melting.py"


rule interface_melting:
    """Interface-velocity melting points of potential_checks.interface_melting.presets."""
    input:
        CHECK_JOBS.interface_melting_outputs(),


rule interface_melting_report:
    """The melting-point table (every preset and start) and each preset's v(T) figure."""
    input:
        summaries=CHECK_JOBS.interface_melting_outputs(),
    output:
        table="results/potential_checks/interface_melting/melting_points.tsv",
        markdown="results/potential_checks/interface_melting/melting_points.md",
        figures=directory("results/potential_checks/interface_melting/figures"),
    log:
        "results/logs/interface_melting/report.log",
    benchmark:
        "results/benchmarks/interface_melting/report.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        authors_K={
            preset: config["potential_presets"][preset].get("authors_melting_point_K")
            for preset in config["potential_checks"]["interface_melting"]["presets"]
        },
        references={
            preset: CAMPAIGN.metal(preset).reference_structure
            for preset in config["potential_checks"]["interface_melting"]["presets"]
        },
    script:
        "../scripts/interface_melting_report.py"


rule free_energy_melting_point:
    """The bulk melting point of one preset from calphy's free energies (glassy_li.checks.free_energy):
    the crossing of the solid's and the liquid's G(T), per seed and combined."""
    output:
        table="results/potential_checks/free_energy_melting/{preset}.tsv",
        summary="results/potential_checks/free_energy_melting/{preset}.json",
    log:
        "results/logs/free_energy_melting/{preset}.log",
    benchmark:
        "results/benchmarks/free_energy_melting/{preset}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    threads: 1
    params:
        # the plain pair style: calphy starts LAMMPS itself, without the OPENMP package set up
        potential=lambda wildcards: dataclasses.asdict(CAMPAIGN.preset(wildcards.preset))
        | {"pair_style": config["potential_presets"][wildcards.preset]["pair_style"]},
        metal=lambda wildcards: dataclasses.asdict(CAMPAIGN.metal(wildcards.preset)),
        settings=CHECK_JOBS.free_energy_melting_settings(),
        timestep_fs=lambda wildcards: config["potential_presets"][wildcards.preset]["timestep_fs"],
        work_dir=lambda wildcards: f"results/potential_checks/free_energy_melting/{wildcards.preset}/runs",
    script:
        "../scripts/free_energy_melting.py"


rule free_energy_melting:
    """Free-energy (calphy) melting points of potential_checks.free_energy_melting.presets."""
    input:
        CHECK_JOBS.free_energy_melting_outputs(),


rule timestep_study_preset:
    """Which timestep one preset can take (glassy_li.checks.timestep_study): every start, state,
    timestep and ensemble, the summary and the choice. With the plain pair style: an
    accelerated variant computes the same forces."""
    input:
        templates=[template("timestep_state.lammps"), template("timestep_run.lammps")],
        potential_include=template("potential.lammps"),
    output:
        runs="results/potential_checks/timestep_study/{preset}/runs.tsv",
        summary="results/potential_checks/timestep_study/{preset}/summary.tsv",
        choice="results/potential_checks/timestep_study/{preset}/choice.tsv",
    log:
        "results/logs/timestep_study/{preset}.log",
    benchmark:
        "results/benchmarks/timestep_study/{preset}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    threads: 1
    params:
        potential=lambda wildcards: dataclasses.asdict(CAMPAIGN.preset(wildcards.preset))
        | {"pair_style": config["potential_presets"][wildcards.preset]["pair_style"]},
        metal=lambda wildcards: dataclasses.asdict(CAMPAIGN.metal(wildcards.preset)),
        melting_point_K=lambda wildcards: config["potential_presets"][wildcards.preset][
            "melting_point_K"
        ],
        settings=lambda wildcards: CHECK_JOBS.timestep_study_settings(wildcards.preset),
        work_dir=lambda wildcards: f"results/potential_checks/timestep_study/{wildcards.preset}/runs",
    script:
        "../scripts/timestep_study.py"


rule timestep_study:
    """The timestep studies of potential_checks.timestep_study.presets: the drift table."""
    input:
        summaries=CHECK_JOBS.timestep_study_outputs("summary.tsv"),
        choices=CHECK_JOBS.timestep_study_outputs("choice.tsv"),
    output:
        table="results/potential_checks/timestep_study/drift_table.tsv",
        markdown="results/potential_checks/timestep_study/drift_table.md",
    log:
        "results/logs/timestep_study/report.log",
    benchmark:
        "results/benchmarks/timestep_study/report.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    script:
        "../scripts/timestep_study_report.py"
