"""Snakemake wrapper: analyse every frame of one deposition run and summarise the last."""

import json
import os
import time

import pandas as pd

from glassy_li.core.logs import redirect_to_log
from glassy_li.deposition.analysis import (
    DepositAnalysisSettings,
    analyse_deposition,
    summarise_deposition,
)
from glassy_li.deposition.deposit import DepositionGeometry, DepositionProtocol
from glassy_li.structure.identify import StructureSettings

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    protocol = DepositionProtocol(**snakemake.params.protocol)
    with open(snakemake.input.geometry) as handle:
        geometry = DepositionGeometry.from_dict(json.load(handle))
    start = time.perf_counter()
    frames = analyse_deposition(
        snakemake.input.trajectory,
        geometry,
        StructureSettings(**snakemake.params.structure),
        DepositAnalysisSettings(**snakemake.params.analysis),
        protocol,
        progress=log,
    )
    summary = summarise_deposition(
        frames, pd.read_csv(snakemake.input.thermo, sep="\t"), snakemake.params.run,
        protocol, geometry,
    )
    if summary["headroom_nm"] < 0.5:
        log(
            f"WARNING: the deposit came within {summary['headroom_nm']:.2f} nm of the insertion "
            "band: atoms no longer arrive from well above the surface (deposit fewer atoms, "
            "or widen the substrate)"
        )
    partial = snakemake.output.frames + ".partial"
    frames.to_csv(partial, sep="\t", index=False, float_format="%.6g")
    os.replace(partial, snakemake.output.frames)
    with open(snakemake.output.summary + ".partial", "w") as handle:
        json.dump(summary, handle, indent=2)
    os.replace(snakemake.output.summary + ".partial", snakemake.output.summary)
    log(f"{len(frames)} frames analysed in {time.perf_counter() - start:.1f} s; final: {summary}")
