"""Snakemake wrapper: render the final frame's largest embryo, whole and sliced."""

import json

from glassy_li.core.logs import redirect_to_log
from glassy_li.figures.render import render_embryo
from glassy_li.structure.identify import StructureSettings, read_lammps_dump

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    frame = None
    for frame in read_lammps_dump(snakemake.input.trajectory):  # noqa: B007 - keep the last
        pass
    if frame is None:
        raise ValueError(f"{snakemake.input.trajectory} holds no frame")
    view = render_embryo(
        frame,
        StructureSettings(**snakemake.params.settings),
        snakemake.output.whole,
        snakemake.output.slice,
        size_px=snakemake.params.size_px,
        slice_thickness_A=snakemake.params.slice_thickness_A,
    )
    info = {
        "step": frame.step,
        "embryo_atoms": len(view.types),
        "atoms_in_box": view.n_atoms_total,
        "fractions": view.fractions,
    }
    with open(snakemake.output.info, "w") as handle:
        json.dump(info, handle, indent=2)
    log(f"rendered the largest embryo ({len(view.types)} atoms) of step {frame.step}: {info}")
