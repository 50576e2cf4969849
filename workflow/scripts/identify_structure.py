"""Snakemake wrapper: structure identification on every frame of one trajectory."""

import time

from glassy_li.core.clock import StepClock
from glassy_li.core.logs import redirect_to_log
from glassy_li.structure.identify import StructureSettings, analyse_trajectory

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    settings = StructureSettings(**snakemake.params.settings)
    boundaries = snakemake.params.boundaries
    clock = StepClock.of(dict(snakemake.params.clock))

    def stage_of_step(step: int) -> str:
        """Stage a frame belongs to; a frame on a boundary ends the stage before it."""
        t = clock.time_ps(step) + 1e-9
        if t <= boundaries["quench"]:
            return "heat"
        return "quench" if t <= boundaries["equilibrate"] else "equilibrate"

    start = time.perf_counter()
    table = analyse_trajectory(
        snakemake.input.trajectory, settings, clock, stage_of_step, progress=log
    )
    partial = snakemake.output.structure + ".partial"
    table.to_csv(partial, sep="\t", index=False, float_format="%.6g")
    __import__("os").replace(partial, snakemake.output.structure)
    log(f"{len(table)} frames analysed in {time.perf_counter() - start:.1f} s")
