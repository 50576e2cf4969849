"""Figures of the deposition campaign (the paper's Fig 7), each saved as PNG and SVG with
:func:`glassy_li.figures.plots.save`: the final deposits per rate side by side, roughness /
crystallinity / porosity / defects versus rate, and the time traces of every run.  They
share the nucleation figures' conventions (:mod:`glassy_li.figures.plots`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from glassy_li.figures.plots import (  # shared conventions and helpers
    _finish,
    _jitter,
    _legend_below,
    _structure_legend,
    _theme,
    _value_axis,
)

__all__ = ["plot_deposition_traces", "plot_deposition_vs_rate", "plot_deposits"]


def plot_deposits(
    panels: Sequence[tuple[str | Path, Mapping[str, object], Mapping[str, object]]],
    title: str,
) -> plt.Figure:
    """(Fig 7) rendered final deposits side by side; ``panels`` holds
    ``(png, render_info, run_summary)`` in the order drawn (fastest rate first)."""
    _theme()
    n = max(1, len(panels))
    fig, axes = plt.subplots(1, n, figsize=(max(2.8 * n, 5.6), 4.2), squeeze=False,
                             layout="constrained")
    fig.get_layout_engine().set(h_pad=0.08)
    images = _common_crop([matplotlib.image.imread(png) for png, _, _ in panels])
    for ax, image, (_, info, summary) in zip(axes[0], images, panels, strict=False):
        ax.imshow(image)
        fractions = info["fractions"]
        roughness = summary.get("rms_roughness_nm")
        porosity = summary.get("porosity")
        ax.set_title(
            f"{summary['substrate']}, {summary['rate_atoms_per_ps']:g} Li/ps\n"
            f"({summary['rate_atoms_per_nm2_per_ps']:.3g} /nm2/ps)\n"
            f"bcc {fractions['bcc']:.0%}, crystalline "
            f"{fractions['bcc'] + fractions['fcc'] + fractions['hcp']:.0%}\n"
            f"roughness {_fmt(roughness, '.3f')} nm, porosity {_fmt(porosity, '.3f')}",
            fontsize=7,
        )
    for ax in axes.ravel():
        ax.set_axis_off()
    _structure_legend(fig)
    fig.suptitle(title + " (side view along y, vapour not drawn; first replica)", fontsize=9)
    return fig


def _common_crop(images: Sequence[np.ndarray], margin_px: int = 6) -> list[np.ndarray]:
    """Crop images of one size to the union of their non-white areas (same rows and columns
    for all, so pictures rendered at one scale keep it)."""
    if not images or len({image.shape for image in images}) != 1:
        return list(images)
    ink = np.zeros(images[0].shape[:2], dtype=bool)
    for image in images:
        ink |= np.asarray(image)[..., :3].min(axis=-1) < 0.98
    if not ink.any():
        return list(images)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    top, bottom = max(rows[0] - margin_px, 0), rows[-1] + margin_px + 1
    left, right = max(cols[0] - margin_px, 0), cols[-1] + margin_px + 1
    return [image[top:bottom, left:right] for image in images]


def _fmt(value: object, spec: str) -> str:
    return "n/a" if value is None or pd.isna(value) else format(float(value), spec)


DEPOSITION_PANELS = (
    ("rms_roughness_nm", "RMS roughness (nm)"),
    ("fraction_crystalline", "crystalline fraction\n(bcc + fcc + hcp)"),
    ("fraction_bcc", "bcc fraction"),
    ("porosity", "porosity"),
    ("dislocation_density_per_m2", "dislocation density (1/m2)"),
    ("crystalline_domains", "crystalline domains\n(>= min_domain_atoms)"),
)


def plot_deposition_vs_rate(runs: pd.DataFrame, title: str) -> plt.Figure:
    """Final roughness, crystallinity, porosity and defects versus deposition rate: every
    replica as a point, the replica mean +- standard error as a line, one colour per
    substrate."""
    _theme()
    fig, axes = plt.subplots(2, 3, figsize=(10, 6.2), squeeze=False, layout="constrained")
    rng = np.random.default_rng(0)
    all_rates = runs["rate_atoms_per_ps"].to_numpy(dtype=float)
    handles = []
    for k, (substrate, group) in enumerate(runs.groupby("substrate", sort=False)):
        colour = f"C{k}"
        label = f"{substrate} ({group['heat_removal'].iloc[0]})"
        handles.append(matplotlib.lines.Line2D([], [], color=colour, marker="o", ms=4,
                                               label=label))
        for ax, (column, ylabel) in zip(axes.ravel(), DEPOSITION_PANELS, strict=True):
            values = pd.to_numeric(group[column], errors="coerce")
            rates = group["rate_atoms_per_ps"].to_numpy(dtype=float)
            jittered = _jitter(rates, rng, 0.03)
            ax.scatter(jittered, values, s=14, color=colour, alpha=0.7)
            stats = values.groupby(rates).agg(["mean", "std", "count"])
            sem = stats["std"] / np.sqrt(stats["count"])
            ax.errorbar(stats.index, stats["mean"], yerr=sem, color=colour, lw=1.2, capsize=3)
            ax.set_ylabel(ylabel)
            _value_axis(ax, all_rates, sorted(set(all_rates)))
    for ax, (column, _) in zip(axes.ravel(), DEPOSITION_PANELS, strict=True):
        if pd.to_numeric(runs[column], errors="coerce").isna().all():
            ax.text(0.5, 0.5, "not measured\n(no crystal for DXA)" if "disloc" in column
                    else "no data", transform=ax.transAxes, ha="center", fontsize=8,
                    color="grey")
    for ax in axes[1]:
        ax.set_xlabel("deposition rate (Li/ps on the box)")
    _legend_below(fig, handles, ncol=4)
    fig.suptitle(title + ": points, replicas; lines, replica mean +- standard error", fontsize=9)
    return _finish(fig)


def plot_deposition_traces(
    runs: Sequence[Mapping[str, object]], frames: Sequence[pd.DataFrame], title: str
) -> plt.Figure:
    """Per run against time: atoms retained and reflected, crystalline fraction, roughness;
    one colour per rate, one line style per substrate."""
    _theme()
    fig, axes = plt.subplots(4, 1, figsize=(7.0, 9), sharex=True, layout="constrained")
    rates = sorted({float(r["rate_atoms_per_ps"]) for r in runs}, reverse=True)
    substrates = list(dict.fromkeys(str(r["substrate"]) for r in runs))
    styles = ["-", "--", ":", "-."]
    for run, table in zip(runs, frames, strict=True):
        colour = f"C{rates.index(float(run['rate_atoms_per_ps']))}"
        style = styles[substrates.index(str(run["substrate"])) % len(styles)]
        first = int(run["replica"]) == 0
        label = f"{run['substrate']}, {float(run['rate_atoms_per_ps']):g} Li/ps" if first else None
        kwargs = {"color": colour, "ls": style, "lw": 0.9, "alpha": 0.8}
        axes[0].plot(table["time_ps"], table["retained_atoms"], label=label, **kwargs)
        axes[1].plot(table["time_ps"], table["reflected_atoms"], **kwargs)
        axes[2].plot(table["time_ps"], table["fraction_crystalline"], **kwargs)
        axes[3].plot(table["time_ps"], table["rms_roughness_nm"], **kwargs)
    for ax, ylabel in zip(axes, ("atoms retained", "atoms reflected", "crystalline fraction",
                                 "RMS roughness (nm)"), strict=True):
        ax.set_ylabel(ylabel)
    axes[-1].set_xlabel("time (ps)")
    handles, labels = axes[0].get_legend_handles_labels()
    _legend_below(fig, [h for h, _ in zip(handles, labels, strict=True)], ncol=3)
    fig.suptitle(title + ": traces (every replica)", fontsize=9)
    return _finish(fig)
