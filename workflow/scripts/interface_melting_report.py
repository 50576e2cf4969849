"""Snakemake wrapper: the interface-velocity melting-point table and v(T) figures."""

import json
from pathlib import Path

import pandas as pd

from glassy_li.checks.interface_melting import (
    combined_summary,
    markdown_table,
    plot_velocities,
    summary_row,
)
from glassy_li.core.logs import redirect_to_log

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    rows, by_preset = [], {}
    for path in map(Path, snakemake.input.summaries):
        summary = json.loads(path.read_text())
        preset = path.parent.name
        runs = pd.read_csv(path.with_suffix(".tsv"), sep="\t")
        rows.append(summary_row(summary, snakemake.params.authors_K.get(preset)))
        by_preset.setdefault(preset, []).append((runs, summary))
    for preset, entries in by_preset.items():
        if len(entries) > 1:  # one fit of every start's grid runs as well
            combined = combined_summary(entries, snakemake.params.references[preset])
            rows.append(summary_row(combined, snakemake.params.authors_K.get(preset)))
            log(f"{preset}, all starts: {combined['melting_point_K']:.1f} "
                f"[{combined['lower_K']:.1f}, {combined['upper_K']:.1f}] K ({combined['status']})")
    table = pd.DataFrame(rows)
    table.to_csv(snakemake.output.table, sep="\t", index=False, float_format="%.6g")
    Path(snakemake.output.markdown).write_text(markdown_table(table))
    folder = Path(snakemake.output.figures)
    folder.mkdir(parents=True, exist_ok=True)
    for preset, entries in by_preset.items():
        runs = pd.concat([r for r, _ in entries]).drop_duplicates(
            subset=["role", "orientation", "temperature_K", "seed"])
        plot_velocities(runs, [s for _, s in entries], folder / f"{preset}.png",
                        f"{preset}: interface velocity (PE-calibrated solid fraction)")
        log(f"{preset}: {[round(s['melting_point_K'], 1) for _, s in entries]}")
