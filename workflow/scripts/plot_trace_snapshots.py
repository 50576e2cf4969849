"""Snakemake wrapper: Fig 3A, one run's traces with rendered snapshots along them."""

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from glassy_li.core.logs import redirect_to_log
from glassy_li.figures.plots import plot_trace_snapshots, save
from glassy_li.figures.render import render_embryo
from glassy_li.structure.identify import StructureSettings, read_lammps_dump

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    params = snakemake.params
    settings = StructureSettings(**params.settings)
    structure = pd.read_csv(snakemake.input.structure, sep="\t")
    # snapshots evenly spread over the run, the last frame included
    picks = np.unique(
        np.linspace(0, len(structure) - 1, params.n_snapshots).round().astype(int)
    ) if params.n_snapshots else np.zeros(0, int)
    wanted = set(structure["step"].iloc[picks])
    time_of_step = dict(zip(structure["step"], structure["time_ps"], strict=True))
    snapshots = []
    with tempfile.TemporaryDirectory() as scratch:
        for frame in read_lammps_dump(snakemake.input.trajectory):
            if frame.step not in wanted:
                continue
            whole = Path(scratch) / f"snapshot-{frame.step}.png"
            view = render_embryo(frame, settings, whole, Path(scratch) / "slice.png",
                                 size_px=params.size_px)
            info = {"embryo_atoms": len(view.types), "fractions": view.fractions}
            snapshots.append((round(float(time_of_step[frame.step]), 6), whole, info))
            log(f"snapshot at step {frame.step}: {info}")
        figure = plot_trace_snapshots(
            params.run,
            pd.read_csv(snakemake.input.thermo, sep="\t"),
            structure,
            params.boundaries,
            snapshots,
            params.threshold,
            params.title,
        )
        save(figure, snakemake.output.png, snakemake.output.svg)
    log(f"{len(snapshots)} snapshots -> {snakemake.output.png}")
