"""Campaign figures (seaborn/matplotlib, headless), each saved as PNG and SVG.

(a) traces of temperature, potential energy, crystallinity and largest-embryo size versus
time for the runs of one size, stage boundaries marked; (b) incubation time versus ensemble
size, replicas as points, censored runs drawn distinctly at their censoring time, median
line where it is defined; (c) final crystallinity versus ensemble size; (d) final
crystallinity versus packing density, one line per size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from .aggregate import censored_median  # noqa: E402
from .incubation import CENSORED, CRYSTALLINE_AT_REFERENCE, TRANSFORMED  # noqa: E402

__all__ = [
    "plot_crystallinity_vs_density",
    "plot_crystallinity_vs_size",
    "plot_incubation_vs_size",
    "plot_traces",
    "save",
]

STATUS_STYLE = {
    TRANSFORMED: {"marker": "o", "label": "transformed"},
    CENSORED: {"marker": "^", "label": "censored (no transition by run end)"},
    CRYSTALLINE_AT_REFERENCE: {"marker": "s", "label": "crystalline at reference time"},
}


def save(fig: plt.Figure, png: str | Path, svg: str | Path) -> None:
    """Write the figure as PNG (150 dpi) and SVG, then close it."""
    fig.savefig(png, dpi=150, bbox_inches="tight")
    fig.savefig(svg, bbox_inches="tight")
    plt.close(fig)


def _run_label(run: Mapping[str, object]) -> str:
    group = str(run["group"])
    prefix = "" if group == "grid" else f"{group}, "
    rho = run["packing_density_g_cm3"]
    return f"{prefix}{run['initial_state']}, rho={rho:g}, rep {run['replica']}"


def plot_traces(
    traces: Sequence[tuple[Mapping[str, object], pd.DataFrame, pd.DataFrame]],
    boundaries: Mapping[str, float],
    threshold: float,
    title: str,
) -> plt.Figure:
    """(a) T, PE/atom, crystallinity and largest embryo versus time, one line per run.

    ``traces`` holds ``(run, thermo, structure)`` for each run shown.
    """
    sns.set_theme(style="ticks", context="paper")
    fig, axes = plt.subplots(4, 1, figsize=(7.5, 9), sharex=True)
    palette = sns.color_palette("colorblind", max(1, len(traces)))
    for colour, (run, thermo, structure) in zip(palette, traces, strict=False):
        label = _run_label(run)
        axes[0].plot(thermo["time_ps"], thermo["temperature_K"], color=colour, lw=0.8, label=label)
        axes[1].plot(thermo["time_ps"], thermo["pe_eV_per_atom"], color=colour, lw=0.8)
        axes[2].plot(structure["time_ps"], structure["crystallinity"], color=colour, lw=1.0)
        axes[3].plot(structure["time_ps"], structure["largest_embryo_atoms"], color=colour, lw=1.0)
    axes[0].set_ylabel("T (K)")
    axes[1].set_ylabel("PE (eV/atom)")
    axes[2].set_ylabel("crystallinity\n(bcc / perfect sphere)")
    axes[2].axhline(threshold, color="grey", ls=":", lw=1)
    axes[3].set_ylabel("largest embryo (atoms)")
    axes[3].set_xlabel("time (ps)")
    for ax in axes:
        for name in ("quench", "equilibrate"):
            ax.axvline(boundaries[name], color="black", ls="--", lw=0.6)
    for name, start, stop in (
        ("heat", boundaries["heat"], boundaries["quench"]),
        ("quench", boundaries["quench"], boundaries["equilibrate"]),
        ("equilibrate", boundaries["equilibrate"], boundaries["end"]),
    ):
        if stop > start:
            axes[0].text(
                (start + stop) / 2,
                1.02,
                name,
                transform=axes[0].get_xaxis_transform(),
                ha="center",
                va="bottom",
                fontsize=8,
            )
    axes[0].legend(fontsize=6, loc="upper right", ncol=2)
    fig.suptitle(title, y=1.0)
    sns.despine(fig)
    fig.tight_layout()
    return fig


def _log_axis_at(ax: plt.Axes, values: Sequence[float], which: str = "x") -> None:
    """Log scale with a plain tick label at each value that occurs (no minor ticks)."""
    ticks = sorted({float(v) for v in values})
    labels = [f"{v:g}" for v in ticks]
    if which == "x":
        ax.set_xscale("log")
        ax.set_xticks(ticks, labels)
    else:
        ax.set_yscale("log")
        ax.set_yticks(ticks, labels)
    ax.minorticks_off()


def _jitter(values: np.ndarray, rng: np.random.Generator, scale: float = 0.04) -> np.ndarray:
    return values * (1.0 + rng.uniform(-scale, scale, len(values)))


def plot_incubation_vs_size(campaign: pd.DataFrame, title: str) -> plt.Figure:
    """(b) Incubation time versus ensemble size; censored runs at their censoring time."""
    sns.set_theme(style="ticks", context="paper")
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    rng = np.random.default_rng(0)
    groups = list(campaign.groupby(["group", "initial_state", "packing_density_g_cm3"]))
    palette = sns.color_palette("colorblind", max(1, len(groups)))
    for colour, ((group, state, rho), runs) in zip(palette, groups, strict=False):
        name = f"{group}: {state}, rho={rho:g}"
        for status, style in STATUS_STYLE.items():
            sel = runs[runs["status"] == status]
            if sel.empty:
                continue
            if status == TRANSFORMED:
                y = sel["incubation_time_ps"]
            elif status == CENSORED:
                y = sel["censored_at_ps"]
            else:
                y = np.zeros(len(sel))
            filled = status == TRANSFORMED
            ax.scatter(
                _jitter(sel["ensemble_size_atoms"].to_numpy(float), rng),
                y,
                marker=style["marker"],
                s=36,
                facecolors=colour if filled else "none",
                edgecolors=colour,
                label=f"{name} - {style['label']}",
            )
        medians = []
        for size, at_size in runs.groupby("ensemble_size_atoms"):
            medians.append(
                (
                    size,
                    censored_median(
                        at_size["incubation_time_ps"].to_numpy(),
                        at_size["status"].eq(TRANSFORMED).to_numpy(),
                    ),
                )
            )
        med = pd.DataFrame(medians, columns=["size", "median"]).dropna()
        if not med.empty:
            ax.plot(med["size"], med["median"], color=colour, lw=1.2, label=f"{name} - median")
    _log_axis_at(ax, campaign["ensemble_size_atoms"])
    ax.set_ylim(bottom=0)
    ax.set_xlabel("ensemble size (atoms)")
    ax.set_ylabel("incubation time (ps)")
    ax.set_title(
        title + "\nopen triangles: censored at the run's end (transition time is later)", fontsize=9
    )
    ax.legend(fontsize=6, loc="center left", bbox_to_anchor=(1.01, 0.5))
    sns.despine(fig)
    fig.tight_layout()
    return fig


def plot_crystallinity_vs_size(campaign: pd.DataFrame, threshold: float, title: str) -> plt.Figure:
    """(c) Final crystallinity (normalised) versus ensemble size; raw bcc fraction beside."""
    sns.set_theme(style="ticks", context="paper")
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    data = campaign.assign(
        series=campaign["group"]
        + ": "
        + campaign["initial_state"]
        + ", rho="
        + campaign["packing_density_g_cm3"].map("{:g}".format)
    )
    for ax, column, label in (
        (axes[0], "final_crystallinity", "final crystallinity (bcc / perfect sphere)"),
        (axes[1], "final_bcc_fraction_largest_embryo", "raw bcc fraction of largest embryo"),
    ):
        sns.lineplot(
            data=data,
            x="ensemble_size_atoms",
            y=column,
            hue="series",
            estimator="mean",
            errorbar=None,
            marker=None,
            ax=ax,
            legend=False,
        )
        sns.scatterplot(
            data=data,
            x="ensemble_size_atoms",
            y=column,
            hue="series",
            style="status",
            ax=ax,
            s=40,
            legend=ax is axes[1],
        )
        _log_axis_at(ax, data["ensemble_size_atoms"])
        ax.set_ylim(-0.02, max(1.05, float(data[column].max()) * 1.05))
        ax.set_xlabel("ensemble size (atoms)")
        ax.set_ylabel(label)
    axes[0].axhline(threshold, color="grey", ls=":", lw=1)
    axes[1].legend(fontsize=6, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.suptitle(title)
    sns.despine(fig)
    fig.tight_layout()
    return fig


def plot_crystallinity_vs_density(campaign: pd.DataFrame, title: str) -> plt.Figure:
    """(d) Final crystallinity versus packing density, one line per ensemble size (grid runs)."""
    sns.set_theme(style="ticks", context="paper")
    grid = campaign[campaign["group"] == "grid"]
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    sns.lineplot(
        data=grid,
        x="packing_density_g_cm3",
        y="final_crystallinity",
        hue="ensemble_size_atoms",
        style="initial_state",
        estimator="mean",
        errorbar=("pi", 100),
        marker="o",
        palette="viridis",
        ax=ax,
    )
    _log_axis_at(ax, grid["packing_density_g_cm3"])
    ax.set_ylim(-0.02, max(1.05, float(grid["final_crystallinity"].max()) * 1.05))
    ax.set_xlabel("packing density (g/cm$^3$)")
    ax.set_ylabel("final crystallinity (bcc / perfect sphere)")
    ax.set_title(title + "\nlines: replica mean; bands: replica range", fontsize=9)
    ax.legend(fontsize=7, title="size (atoms)", title_fontsize=7)
    sns.despine(fig)
    fig.tight_layout()
    return fig
