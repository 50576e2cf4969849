"""Regenerate a committed campaign's statistics from its committed per-run table.

``docs/results/<campaign>/tables/campaign.tsv`` holds one row per run (its outcome, times and
final values); every statistic on the results page is computed from it.  When the statistics
change (a corrected estimator), the campaign's statistics tables and table-made figures are
rewritten from that table without redoing any MD:

    glassy-li regenerate-statistics docs/results/threshold [more folders] [--page]

What needs per-frame traces that the folder does not hold is not recomputed, and says so:
the MFPT fits (``mfpt_fits.tsv`` is removed; the page marks the series "withdrawn"), and the
any-crystal incubation times and reversions of runs from before those checks (their
``outcome_basis`` reads "bcc only, reversion not checked"; the any-crystal outcome comes
from the final window).  ``made_with.json`` records the regeneration (commit and date) beside
the original campaign's.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from glassy_li.analysis.aggregate import (
    critical_size_by_hold,
    critical_size_table,
    incubation_statistics,
    summarise_sizes,
)
from glassy_li.config.compose import coupling_label
from glassy_li.core.yaml_files import load_yaml

__all__ = ["REGENERATED_TABLES", "regenerate_statistics"]

REGENERATED_TABLES = (
    "summary_by_size.tsv",
    "incubation_statistics.tsv",
    "survival_curves.tsv",
    "critical_size.tsv",
    "critical_size_by_hold.tsv",
)
"""The tables rewritten from ``campaign.tsv``."""
FIGURE_NAMES = {
    "incubation": "incubation_vs_size",
    "size": "crystallinity_vs_size",
    "density": "crystallinity_vs_density",
    "phase": "phase_map",
    "survival": "survival_curves",
    "coupling": "coupling_comparison",
    "critical": "critical_size",
}
"""``glassy_li.figures.plots.campaign_figures`` names -> figure files."""


def _write(table: pd.DataFrame, path: Path) -> None:
    partial = path.with_suffix(".tsv.partial")
    table.to_csv(partial, sep="\t", index=False, float_format="%.6g")
    partial.replace(path)


def regenerate_statistics(folder: str | Path, commit: str, log=print) -> list[Path]:
    """Rewrite the statistics tables (:data:`REGENERATED_TABLES`) and the table-made figures
    of one committed campaign folder from its ``tables/campaign.tsv`` and ``config.yaml``;
    remove its old-estimator ``mfpt_fits.tsv``; record the regeneration in
    ``made_with.json``.  Returns the files written."""
    root = Path(folder)
    tables = root / "tables"
    campaign_path = tables / "campaign.tsv"
    if not campaign_path.is_file():
        raise FileNotFoundError(f"{campaign_path}: no per-run table to regenerate from")
    config = load_yaml((root / "config.yaml").read_text())
    settings = config["statistics"]
    confidence = float(settings["confidence"])
    campaign = pd.read_csv(campaign_path, sep="\t")
    written: list[Path] = []
    statistics, curves = incubation_statistics(campaign, confidence)
    outputs = {
        "summary_by_size.tsv": summarise_sizes(campaign),
        "incubation_statistics.tsv": statistics,
        "survival_curves.tsv": curves,
        "critical_size.tsv": critical_size_table(campaign, settings["bulk_density_g_cm3"],
                                                 confidence),
        "critical_size_by_hold.tsv": critical_size_by_hold(
            campaign, settings["critical_size_holds_ps"], settings["bulk_density_g_cm3"],
            confidence),
    }
    for name, table in outputs.items():
        _write(table, tables / name)
        written.append(tables / name)
    log(f"{root.name}: {len(campaign)} runs; rewrote {', '.join(outputs)}")
    old_mfpt = tables / "mfpt_fits.tsv"
    if old_mfpt.is_file():
        old = pd.read_csv(old_mfpt, sep="\t")
        if "estimator" not in old:
            old_mfpt.unlink()
            log(f"{root.name}: removed mfpt_fits.tsv (old estimator; the per-frame traces a "
                "corrected fit needs are not committed)")
    written += _figures(root, campaign, outputs, config)
    made_path = root / "made_with.json"
    made = json.loads(made_path.read_text())
    made["statistics_regenerated"] = {
        "commit": commit,
        "date": datetime.date.today().isoformat(),
        "command": f"glassy-li regenerate-statistics docs/results/{root.name}",
        "from": "tables/campaign.tsv (no MD rerun)",
    }
    made_path.write_text(json.dumps(made, indent=2) + "\n")
    written.append(made_path)
    return written


def _figures(root: Path, campaign: pd.DataFrame, outputs: dict[str, pd.DataFrame],
             config: dict) -> list[Path]:
    """The campaign figures made from the tables alone, rewritten where the folder has them
    (PNG only: the page links PNGs)."""
    import matplotlib.pyplot as plt  # noqa: PLC0415 (matplotlib only when needed)

    from glassy_li.figures.plots import campaign_figures  # noqa: PLC0415

    figures = root / "figures"
    present = {p.stem for p in figures.glob("*.png")}
    wanted = {name for name, stem in FIGURE_NAMES.items() if stem in present}
    if not wanted or "coupling" not in campaign:
        return []
    md = config["md"]
    base = coupling_label({key: md[key] for key in ("thermostat", "thermostat_damping_ps",
                                                    "atom_flux_atoms_per_ps")})
    written = []
    for name, figure in campaign_figures(
        campaign, outputs["incubation_statistics.tsv"], outputs["survival_curves.tsv"],
        outputs["critical_size.tsv"], float(config["incubation"]["threshold"]),
        config["campaign_name"], base, config["figures"]["size_axis"],
    ):
        if name in wanted:
            path = figures / f"{FIGURE_NAMES[name]}.png"
            figure.savefig(path, dpi=150, bbox_inches="tight")
            written.append(path)
        plt.close(figure)
    return written


def regenerate_all(folders: Iterable[str | Path], commit: str, log=print) -> list[Path]:
    """:func:`regenerate_statistics` of each folder with a ``tables/campaign.tsv``."""
    written: list[Path] = []
    for folder in folders:
        if (Path(folder) / "tables" / "campaign.tsv").is_file():
            written += regenerate_statistics(folder, commit, log)
        else:
            log(f"{Path(folder).name}: no tables/campaign.tsv (a deposition-only entry), left")
    return written
