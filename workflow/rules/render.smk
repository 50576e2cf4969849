# Rendered embryos (OVITO; the helpers that pick which runs are rendered: common.smk).


rule render_final_embryo:
    """The final frame's largest embryo, atoms coloured by structure type: whole and sliced."""
    input:
        trajectory="results/runs/{md}/trajectory.lammpstrj",
    output:
        whole=f"{OUT}/renders/{{md}}/ana-{{ana}}/final_embryo_whole.png",
        slice=f"{OUT}/renders/{{md}}/ana-{{ana}}/final_embryo_slice.png",
        info=f"{OUT}/renders/{{md}}/ana-{{ana}}/final_embryo.json",
    log:
        f"{OUT}/logs/render_final_embryo/{{md}}/ana-{{ana}}.log",
    benchmark:
        f"{OUT}/benchmarks/render_final_embryo/{{md}}/ana-{{ana}}.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        settings=RUN_JOBS.run_structure_settings,
        size_px=config["figures"]["render_size_px"],
        slice_thickness_A=config["figures"]["slice_thickness_A"],
    script:
        "../scripts/render_final_embryo.py"


rule plot_final_embryos:
    """(Fig 3B) the rendered final embryos of every size side by side."""
    input:
        whole=[f"{OUT}/renders/{run}/final_embryo_whole.png" for run in RUN_JOBS.rendered_runs()],
        slice=[f"{OUT}/renders/{run}/final_embryo_slice.png" for run in RUN_JOBS.rendered_runs()],
        info=[f"{OUT}/renders/{run}/final_embryo.json" for run in RUN_JOBS.rendered_runs()],
    output:
        png=report(
            f"{OUT}/figures/final_embryos.png",
            caption="../report/final_embryos.rst",
            category="Figures",
        ),
        svg=f"{OUT}/figures/final_embryos.svg",
    log:
        f"{OUT}/logs/plots/final_embryos.log",
    benchmark:
        f"{OUT}/benchmarks/plots/final_embryos.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        runs=[RUN_JOBS.info(run) for run in RUN_JOBS.rendered_runs()],
        slice_thickness_A=config["figures"]["slice_thickness_A"],
        title=RUN_JOBS.render_title(),
    script:
        "../scripts/plot_final_embryos.py"


rule plot_trace_snapshots:
    """(Fig 3A) one run's traces with rendered snapshots of its largest embryo along them."""
    input:
        thermo=f"results/runs/{md_folder(RUN_JOBS.snapshot_run())}/thermo.tsv",
        structure=f"results/runs/{RUN_JOBS.snapshot_run()}/structure.tsv",
        trajectory=f"results/runs/{md_folder(RUN_JOBS.snapshot_run())}/trajectory.lammpstrj",
    output:
        png=report(
            f"{OUT}/figures/trace_snapshots.png",
            caption="../report/trace_snapshots.rst",
            category="Figures",
        ),
        svg=f"{OUT}/figures/trace_snapshots.svg",
    log:
        f"{OUT}/logs/plots/trace_snapshots.log",
    benchmark:
        f"{OUT}/benchmarks/plots/trace_snapshots.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        run=RUN_JOBS.info(RUN_JOBS.snapshot_run()),
        boundaries=RUN_JOBS.boundaries_of(RUN_JOBS.snapshot_run()),
        settings=dataclasses.asdict(
            CAMPAIGN.structure_settings(RUNS.loc[RUN_JOBS.snapshot_run(), "potential"])
        ),
        n_snapshots=config["figures"]["trace_snapshots"],
        size_px=config["figures"]["render_size_px"],
        threshold=config["incubation"]["threshold"],
        title=f"{config['campaign_name']}: {RUN_JOBS.snapshot_run()}",
    script:
        "../scripts/plot_trace_snapshots.py"
