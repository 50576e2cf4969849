"""Cut the validation data of tests/validation/test_default_droplets.py from a finished
default campaign (its provenance: tests/validation/README.md).

    python tests/validation/make_reference.py RESULTS_DIR [OUT_DIR]

RESULTS_DIR is the ``results`` folder of `snakemake --cores 2` run on the default campaign
(config/config.yaml); OUT_DIR defaults to tests/validation/data/default_droplets. For each
reference run (REFERENCE_RUNS) it keeps the last trajectory frame (time-averaged positions
included), the thermo rows of the first 2 ps and the last row of its structure table, and
writes them with ``runs.tsv`` (one row per run: its id and the campaign's outcome).
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pandas as pd

REFERENCE_RUNS = {
    "large": ("grid", 1500, 0),
    "small": ("grid", 100, 0),
    "control": ("control-bcc-seed", 700, 0),
}
"""name: (group, ensemble size in atoms, replica) of the runs kept."""
THERMO_PS = 2.0
"""Thermo rows kept from the start of each run (ps)."""
OUTCOME_COLUMNS = ["run_id", "group", "ensemble_size_atoms", "replica", "seed", "status",
                   "final_crystallinity", "final_bcc_fraction_largest_embryo"]


def last_frame(trajectory: Path) -> str:
    """The text of the last frame of a LAMMPS text dump."""
    text = trajectory.read_text()
    return text[text.rindex("ITEM: TIMESTEP"):]


def main(results: Path, out: Path) -> None:
    campaign = pd.read_csv(results / "default" / "tables" / "campaign.tsv", sep="\t")
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, (group, size, replica) in REFERENCE_RUNS.items():
        (row,) = campaign[(campaign["group"] == group)
                          & (campaign["ensemble_size_atoms"] == size)
                          & (campaign["replica"] == replica)].to_dict("records")
        analysis = results / "runs" / row["run_id"]
        md = analysis.parent
        with gzip.open(out / f"{name}.final_frame.lammpstrj.gz", "wt") as handle:
            handle.write(last_frame(md / "trajectory.lammpstrj"))
        thermo = pd.read_csv(md / "thermo.tsv", sep="\t")
        thermo[thermo["time_ps"] <= THERMO_PS].to_csv(out / f"{name}.thermo_first_2ps.tsv",
                                                      sep="\t", index=False)
        structure = pd.read_csv(analysis / "structure.tsv", sep="\t")
        structure.tail(1).to_csv(out / f"{name}.structure_last_frame.tsv", sep="\t",
                                 index=False)
        rows.append({"name": name, **{key: row[key] for key in OUTCOME_COLUMNS}})
        summary = json.loads((analysis / "summary.json").read_text())
        print(f"{name}: {row['run_id']} {summary['status']}")
    pd.DataFrame(rows).to_csv(out / "runs.tsv", sep="\t", index=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]),
         Path(sys.argv[2]) if len(sys.argv) > 2
         else Path(__file__).parent / "data" / "default_droplets")
