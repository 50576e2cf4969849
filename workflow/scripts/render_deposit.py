"""Snakemake wrapper: render one run's final deposit from the side, coloured by structure."""

import json

from glassy_li.core.logs import redirect_to_log
from glassy_li.deposition.deposit import DepositionGeometry
from glassy_li.figures.render import render_deposit
from glassy_li.structure.identify import StructureSettings, read_lammps_dump

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    frame = previous = None
    for current in read_lammps_dump(snakemake.input.trajectory):
        previous, frame = frame, current
    if frame is None:
        raise ValueError(f"{snakemake.input.trajectory} holds no frame")
    with open(snakemake.input.geometry) as handle:
        geometry = DepositionGeometry.from_dict(json.load(handle))
    info = render_deposit(
        frame,
        geometry,
        StructureSettings(**snakemake.params.structure),
        snakemake.output.png,
        size_px=snakemake.params.size_px,
        previous_ids=previous.ids if previous is not None else None,
    )
    with open(snakemake.output.info, "w") as handle:
        json.dump(info, handle, indent=2)
    log(f"rendered the deposit of step {frame.step}: {info}")
