"""Campaign figures (seaborn/matplotlib, headless), each saved as PNG and SVG.

Traces of the runs of one size; one run's traces with rendered snapshots (Fig 3A); the
rendered final embryo per size, whole and sliced (Fig 3B); incubation time versus size with
the Kaplan-Meier median and interval, censored runs marked (Fig 3C); final crystallinity
versus size (Fig 3D) and versus packing density; the size x density phase map; survival
curves per size; the thermostat-coupling / atom-flux comparison.  Deposition campaign: the
final deposits per rate (Fig 7), roughness / crystallinity / porosity / defects versus rate,
and time traces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.cm  # noqa: E402
import matplotlib.colors  # noqa: E402
import matplotlib.image  # noqa: E402
import matplotlib.lines  # noqa: E402
import matplotlib.patches  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from .incubation import CENSORED, CRYSTALLINE_AT_REFERENCE, TRANSFORMED  # noqa: E402
from .statistics import sphere_diameter_nm  # noqa: E402

__all__ = [
    "plot_coupling_comparison",
    "plot_deposition_traces",
    "plot_deposition_vs_rate",
    "plot_deposits",
    "plot_crystallinity_vs_density",
    "plot_final_embryos",
    "plot_phase_map",
    "plot_survival_curves",
    "plot_trace_snapshots",
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


SERIES_KEYS = ["metal", "potential", "group", "initial_state", "packing_density_g_cm3"]
"""Columns that define a series over ensemble sizes in the size figures."""


def _series_name(metal: str, potential: str, group: str, state: str, rho: float) -> str:
    return f"{metal} ({potential}) {group}: {state}, rho={rho:g}"


def _series_column(campaign: pd.DataFrame) -> pd.Series:
    return pd.Series(
        [_series_name(*values) for values in campaign[SERIES_KEYS].itertuples(index=False)],
        index=campaign.index,
    )


def plot_incubation_vs_size(
    campaign: pd.DataFrame, statistics: pd.DataFrame, title: str
) -> plt.Figure:
    """(Fig 3C) Incubation time versus ensemble size: replicas as points (censored runs as
    open triangles at their censoring time), Kaplan-Meier median with its interval; where
    no median exists the figure says so at that size."""
    sns.set_theme(style="ticks", context="paper")
    fig, ax = plt.subplots(figsize=(7, 4.8))
    rng = np.random.default_rng(0)
    groups = list(campaign.groupby(SERIES_KEYS))
    palette = sns.color_palette("colorblind", max(1, len(groups)))
    y_top = float(np.nanmax(campaign[["incubation_time_ps", "censored_at_ps"]].to_numpy(float),
                            initial=1.0))
    for index, (colour, ((metal, potential, group, state, rho), runs)) in enumerate(
        zip(palette, groups, strict=False)
    ):
        name = _series_name(metal, potential, group, state, rho)
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
        stats = statistics[
            (statistics["metal"] == metal)
            & (statistics["potential"] == potential)
            & (statistics["group"] == group)
            & (statistics["initial_state"] == state)
            & np.isclose(statistics["packing_density_g_cm3"], rho)
        ].sort_values("ensemble_size_atoms")
        med = stats.dropna(subset=["km_median_incubation_ps"])
        if not med.empty:
            upper = med["km_median_upper_ps"].fillna(y_top * 1.1)
            ax.errorbar(
                med["ensemble_size_atoms"],
                med["km_median_incubation_ps"],
                yerr=[
                    med["km_median_incubation_ps"] - med["km_median_lower_ps"],
                    upper - med["km_median_incubation_ps"],
                ],
                color=colour,
                lw=1.2,
                capsize=3,
                marker="D",
                label=f"{name} - Kaplan-Meier median, {stats['confidence'].iloc[0]:.0%} interval",
            )
        for _, row in stats[stats["km_median_incubation_ps"].isna()].iterrows():
            ax.annotate(
                f"no median\n{row['n_transformed']}/{row['n_runs']} transformed",
                (row["ensemble_size_atoms"], row["observed_ps_max"]),
                xytext=(0, 8 + 18 * index),
                textcoords="offset points",
                ha="center",
                fontsize=6,
                color=colour,
            )
    _log_axis_at(ax, campaign["ensemble_size_atoms"])
    ax.set_ylim(0, y_top * (1.3 + 0.12 * len(groups)))
    ax.set_xlabel("ensemble size (atoms)")
    ax.set_ylabel("incubation time (ps)")
    ax.set_title(
        title + "\nopen triangles: censored at the run's end (the transition, if any, is later)",
        fontsize=9,
    )
    ax.legend(fontsize=6, loc="center left", bbox_to_anchor=(1.01, 0.5))
    sns.despine(fig)
    fig.tight_layout()
    return fig


def plot_survival_curves(
    curves: pd.DataFrame, statistics: pd.DataFrame, title: str
) -> plt.Figure:
    """Kaplan-Meier survival S(t) (probability of no transition by t), one line per size,
    one panel per (initial state, density) of the main grid; bands: pointwise intervals."""
    sns.set_theme(style="ticks", context="paper")
    panels = list(curves.groupby(["initial_state", "packing_density_g_cm3"]))
    fig, axes = plt.subplots(
        1, max(1, len(panels)), figsize=(4.2 * max(1, len(panels)), 3.8), squeeze=False
    )
    sizes = sorted(curves["ensemble_size_atoms"].unique())
    palette = dict(zip(sizes, sns.color_palette("viridis", len(sizes)), strict=True))
    for ax, ((state, rho), panel) in zip(axes[0], panels, strict=False):
        for size, curve in panel.groupby("ensemble_size_atoms"):
            t = np.append(curve["time_ps"].to_numpy(), curve["observed_until_ps"].iloc[0])
            s = np.append(curve["survival"].to_numpy(), curve["survival"].iloc[-1])
            lo = np.append(curve["lower"].to_numpy(), curve["lower"].iloc[-1])
            hi = np.append(curve["upper"].to_numpy(), curve["upper"].iloc[-1])
            stats = statistics[
                (statistics["ensemble_size_atoms"] == size)
                & (statistics["initial_state"] == state)
                & np.isclose(statistics["packing_density_g_cm3"], rho)
            ]
            n_runs = int(stats["n_runs"].sum())
            n_events = int(stats["n_transformed"].sum())
            colour = palette[size]
            ax.step(t, s, where="post", color=colour,
                    label=f"N={size} ({n_events}/{n_runs} transformed)")
            ax.fill_between(t, lo, hi, step="post", color=colour, alpha=0.15, lw=0)
            ax.plot(t[-1], s[-1], marker="|", ms=10, color=colour)  # end of observation
        ax.axhline(0.5, color="grey", ls=":", lw=1)
        ax.set_ylim(-0.02, 1.05)
        ax.set_xlabel("time since reference (ps)")
        ax.set_title(f"{state}, rho={rho:g} g/cm$^3$", fontsize=9)
        ax.legend(fontsize=6, loc="lower left")
    axes[0][0].set_ylabel("P(no transition by t)")
    fig.suptitle(title + " - Kaplan-Meier survival; |: end of observation", fontsize=9)
    sns.despine(fig)
    fig.tight_layout()
    return fig


def plot_phase_map(campaign: pd.DataFrame, threshold: float, title: str) -> plt.Figure:
    """Size x density map: colour the final crystallinity of each replica, marker whether it
    transformed (circle) or not (cross); replicas side by side within a cell."""
    sns.set_theme(style="ticks", context="paper")
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    sizes = sorted(campaign["ensemble_size_atoms"].unique())
    densities = sorted(campaign["packing_density_g_cm3"].unique())
    norm = matplotlib.colors.Normalize(0.0, max(1.0, float(campaign["final_crystallinity"]
                                                           .max(skipna=True) or 1.0)))
    cmap = plt.get_cmap("viridis")
    for (size, rho), runs in campaign.groupby(["ensemble_size_atoms", "packing_density_g_cm3"]):
        xi, yi = sizes.index(size), densities.index(rho)
        offsets = np.linspace(-0.15, 0.15, len(runs)) if len(runs) > 1 else np.zeros(1)
        for offset, (_, run) in zip(offsets, runs.iterrows(), strict=True):
            crystalline = run["status"] in (TRANSFORMED, CRYSTALLINE_AT_REFERENCE)
            value = run["final_crystallinity"]
            colour = cmap(norm(value)) if np.isfinite(value) else (0.7, 0.7, 0.7, 1.0)
            ax.scatter(xi + offset, yi, s=120, marker="o" if crystalline else "X",
                       color=colour, edgecolors="black", linewidths=0.5)
    ax.set_xticks(range(len(sizes)), [str(s) for s in sizes])
    ax.set_yticks(range(len(densities)), [f"{d:g}" for d in densities])
    ax.set_xlim(-0.6, len(sizes) - 0.4)
    ax.set_ylim(-0.6, len(densities) - 0.4)
    ax.set_xlabel("ensemble size (atoms)")
    ax.set_ylabel("packing density (g/cm$^3$)")
    mappable = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(mappable, ax=ax, label="final crystallinity (bcc / perfect sphere)")
    handles = [
        matplotlib.lines.Line2D([], [], ls="", marker="o", color="grey", label="crystalline"),
        matplotlib.lines.Line2D([], [], ls="", marker="X", color="grey",
                                label=f"not transformed (threshold {threshold:g})"),
    ]
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(0, -0.15), ncol=2)
    ax.set_title(title + "\none marker per replica", fontsize=9)
    fig.tight_layout()
    return fig


def plot_coupling_comparison(campaign: pd.DataFrame, title: str) -> plt.Figure:
    """Final crystallinity, largest embryo and hold temperature per coupling (thermostat,
    damping, atom flux), at every (size, density) run with more than one coupling."""
    sns.set_theme(style="ticks", context="paper")
    keys = ["ensemble_size_atoms", "packing_density_g_cm3", "initial_state"]
    compared = campaign.groupby(keys)["coupling"].transform("nunique") > 1
    data = campaign[compared].copy()
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.2))
    if data.empty:
        for ax in axes:
            ax.text(0.5, 0.5, "no coupling sweep in this campaign\n(config: coupling_sweep)",
                    ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
        fig.suptitle(title)
        return fig
    data["point"] = (
        "N=" + data["ensemble_size_atoms"].astype(str) + ", rho="
        + data["packing_density_g_cm3"].map("{:g}".format)
    )
    data["outcome"] = np.where(data["status"] == TRANSFORMED, "transformed", "not transformed")
    order = sorted(data["coupling"].unique())
    for ax, column, label in (
        (axes[0], "final_crystallinity", "final crystallinity"),
        (axes[1], "final_largest_embryo_atoms", "final largest embryo (atoms)"),
        (axes[2], "final_temperature_measured_K", "hold temperature (K)"),
    ):
        sns.stripplot(data=data, x="coupling", y=column, hue="point", order=order,
                      dodge=True, ax=ax, size=6, legend=ax is axes[0])
        ax.set_xlabel("")
        ax.set_ylabel(label)
        ax.tick_params(axis="x", rotation=60, labelsize=7)
    for i, coupling in enumerate(order):
        runs = data[data["coupling"] == coupling]
        axes[0].annotate(
            f"{(runs['status'] == TRANSFORMED).sum()}/{len(runs)}",
            (i, 1.0), xycoords=("data", "axes fraction"), ha="center", va="bottom", fontsize=7,
        )
    axes[0].legend(fontsize=6, loc="upper right")
    fig.suptitle(title + " - numbers: runs transformed / runs", fontsize=9)
    sns.despine(fig)
    fig.tight_layout()
    return fig


def plot_crystallinity_vs_size(campaign: pd.DataFrame, threshold: float, title: str) -> plt.Figure:
    """(c) Final crystallinity (normalised) versus ensemble size, one series per metal,
    potential, state and density; the raw reference-structure fraction beside."""
    sns.set_theme(style="ticks", context="paper")
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    data = campaign.assign(series=_series_column(campaign))
    # series that coincide (e.g. several metals all amorphous) are offset a little in size
    names = list(dict.fromkeys(data["series"]))
    offsets = {name: 1.0 + 0.03 * (i - (len(names) - 1) / 2) for i, name in enumerate(names)}
    data["ensemble_size_atoms"] = data["ensemble_size_atoms"] * data["series"].map(offsets)
    structures = "/".join(sorted(campaign["reference_structure"].unique()))
    for ax, column, label in (
        (axes[0], "final_crystallinity",
         f"final crystallinity ({structures} / perfect sphere)"),
        (axes[1], "final_reference_fraction_largest_embryo",
         f"raw {structures} fraction of largest embryo"),
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
        _log_axis_at(ax, campaign["ensemble_size_atoms"])
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
    several_metals = grid["metal"].nunique() > 1
    x = "packing_density_fraction_of_bulk" if several_metals else "packing_density_g_cm3"
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    sns.lineplot(
        data=grid,
        x=x,
        y="final_crystallinity",
        hue="ensemble_size_atoms",
        style="metal" if several_metals else "initial_state",
        estimator="mean",
        errorbar=("pi", 100),
        marker="o",
        palette="viridis",
        ax=ax,
    )
    _log_axis_at(ax, grid[x])
    ax.set_ylim(-0.02, max(1.05, float(grid["final_crystallinity"].max()) * 1.05))
    ax.set_xlabel("packing density (fraction of bulk)" if several_metals
                  else "packing density (g/cm$^3$)")
    ax.set_ylabel("final crystallinity (reference structure / perfect sphere)")
    ax.set_title(title + "\nlines: replica mean; bands: replica range", fontsize=9)
    ax.legend(fontsize=7, title="size (atoms)", title_fontsize=7)
    sns.despine(fig)
    fig.tight_layout()
    return fig


def plot_critical_size(critical: pd.DataFrame, title: str) -> plt.Figure:
    """The critical size per metal (and potential, state, density): in atoms and as the
    diameter (nm) of a sphere at the metal's bulk density, with the bootstrap interval; a
    series without a fit says why (e.g. none or all of its runs crystalline)."""
    sns.set_theme(style="ticks", context="paper")
    grid = critical[critical["group"] == "grid"].reset_index(drop=True)
    labels = [
        f"{row.metal} ({row.potential})\n{row.initial_state}, "
        f"{row.packing_density_g_cm3:g} g/cm3"
        for row in grid.itertuples()
    ]
    fig, axes = plt.subplots(1, 2, figsize=(10, 1.6 + 0.55 * max(1, len(grid))), sharey=True)
    palette = sns.color_palette("colorblind", max(1, grid["metal"].nunique()))
    colours = dict(zip(sorted(grid["metal"].unique()), palette, strict=False))
    for ax, value, low, high, unit in (
        (axes[0], "critical_size_atoms", "critical_size_lower_atoms",
         "critical_size_upper_atoms", "critical size (atoms)"),
        (axes[1], "critical_diameter_nm", "critical_diameter_lower_nm",
         "critical_diameter_upper_nm", "critical diameter (nm, sphere at bulk density)"),
    ):
        bounds: list[float] = []
        for y, row in grid.iterrows():
            colour = colours[row["metal"]]
            if np.isfinite(row[value]):
                lower = row[value] - row[low] if np.isfinite(row[low]) else 0.0
                upper = row[high] - row[value] if np.isfinite(row[high]) else 0.0
                ax.errorbar(row[value], y, xerr=[[lower], [upper]], fmt="o", color=colour,
                            capsize=3)
            else:
                # no fit: the critical size lies beyond the sizes run (a bound, drawn as an
                # arrow from the largest size if none crystallised, the smallest if all did)
                sizes = [int(v) for v in str(row["sizes_atoms"]).split(",")]
                none = row["n_crystalline"] == 0
                bound_atoms = max(sizes) if none else min(sizes)
                bound = bound_atoms if value.endswith("atoms") else sphere_diameter_nm(
                    bound_atoms, row["mass_amu"], row["bulk_density_g_cm3"])
                ax.annotate(
                    "", (bound * (1.6 if none else 0.6), y), xytext=(bound, y),
                    arrowprops={"arrowstyle": "->", "color": colour},
                )
                ax.plot([bound], [y], "|", color=colour, ms=10)
                ax.annotate(
                    f"{'>' if none else '<'} {bound:.3g}: {row['n_crystalline']}/"
                    f"{row['n_runs']} runs crystalline (sizes {row['sizes_atoms']})",
                    (bound, y), xytext=(0, 7), textcoords="offset points", ha="center",
                    fontsize=6, color=colour,
                )
                bounds.append(bound)
        ax.set_xlabel(unit)
        ax.set_xscale("log")
        finite = [v for v in [*grid[value], *grid[low], *grid[high], *bounds] if np.isfinite(v)]
        if finite:
            ax.set_xlim(min(finite) / 3, max(finite) * 3)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axes[0].set_yticks(range(len(grid)), labels, fontsize=7)
    axes[0].set_ylim(-0.7, len(grid) - 0.3)
    axes[0].invert_yaxis()
    confidence = grid["confidence"].iloc[0] if len(grid) else 0.95
    fig.suptitle(f"{title}: critical size per metal (logistic fit, {confidence:.0%} bootstrap "
                 "interval)", fontsize=9)
    sns.despine(fig)
    fig.tight_layout()
    return fig


def _structure_legend(fig: plt.Figure) -> None:
    from .render import STRUCTURE_COLOURS  # noqa: PLC0415
    from .structure import STRUCTURE_NAMES  # noqa: PLC0415

    handles = [
        matplotlib.patches.Patch(color=STRUCTURE_COLOURS[i], label=name)
        for i, name in STRUCTURE_NAMES.items()
    ]
    fig.legend(handles=handles, loc="lower center", ncol=5, fontsize=8, frameon=False)


def plot_final_embryos(
    panels: Sequence[tuple[Mapping[str, object], str | Path, str | Path, Mapping[str, object]]],
    slice_thickness_A: float,
    title: str,
) -> plt.Figure:
    """(Fig 3B) per size: the rendered final embryo whole (top) and sliced (bottom).

    ``panels`` holds ``(run, whole_png, slice_png, info)`` with ``info`` as written by the
    render rule (embryo atoms, structure fractions).
    """
    n = max(1, len(panels))
    fig, axes = plt.subplots(2, n, figsize=(2.6 * n, 5.8), squeeze=False)
    for column, (run, whole, cut, info) in enumerate(panels):
        fractions = info["fractions"]
        axes[0][column].imshow(matplotlib.image.imread(whole))
        axes[0][column].set_title(
            f"N = {run['ensemble_size_atoms']}\nembryo {info['embryo_atoms']} atoms, "
            f"bcc {fractions['bcc']:.0%}",
            fontsize=8,
        )
        axes[1][column].imshow(matplotlib.image.imread(cut))
        axes[1][column].set_title(f"slice {slice_thickness_A:g} A thick", fontsize=7)
    for ax in axes.ravel():
        ax.set_axis_off()
    _structure_legend(fig)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def plot_trace_snapshots(
    run: Mapping[str, object],
    thermo: pd.DataFrame,
    structure: pd.DataFrame,
    boundaries: Mapping[str, float],
    snapshots: Sequence[tuple[float, str | Path, Mapping[str, object]]],
    threshold: float,
    title: str,
) -> plt.Figure:
    """(Fig 3A) one run: temperature, crystallinity and largest embryo versus time, with the
    rendered largest embryo at ``snapshots`` = ``(time_ps, png, info)`` marked on the traces."""
    sns.set_theme(style="ticks", context="paper")
    n = max(1, len(snapshots))
    fig = plt.figure(figsize=(max(7.5, 2.0 * n), 8.5))
    grid = fig.add_gridspec(4, n, height_ratios=[1, 1, 1, 1.4])
    trace_axes = [fig.add_subplot(grid[i, :]) for i in range(3)]
    for ax in trace_axes[1:]:
        ax.sharex(trace_axes[0])
    trace_axes[0].plot(thermo["time_ps"], thermo["temperature_K"], lw=0.8, color="C3")
    trace_axes[0].set_ylabel("T (K)")
    trace_axes[1].plot(structure["time_ps"], structure["crystallinity"], lw=1.0, color="C0")
    trace_axes[1].axhline(threshold, color="grey", ls=":", lw=1)
    trace_axes[1].set_ylabel("crystallinity")
    trace_axes[2].plot(structure["time_ps"], structure["largest_embryo_atoms"], lw=1.0,
                       color="C2")
    trace_axes[2].set_ylabel("largest embryo\n(atoms)")
    trace_axes[2].set_xlabel("time (ps)")
    for ax in trace_axes:
        for name in ("quench", "equilibrate"):
            ax.axvline(boundaries[name], color="black", ls="--", lw=0.6)
        for k, (time_ps, _, _) in enumerate(snapshots):
            ax.axvline(time_ps, color="C1", lw=0.8, alpha=0.7)
            if ax is trace_axes[0]:
                ax.text(time_ps, 1.02, chr(ord("a") + k), transform=ax.get_xaxis_transform(),
                        ha="center", fontsize=8, color="C1")
    for k, (time_ps, png, info) in enumerate(snapshots):
        ax = fig.add_subplot(grid[3, k])
        ax.imshow(matplotlib.image.imread(png))
        ax.set_axis_off()
        ax.set_title(
            f"({chr(ord('a') + k)}) {time_ps:g} ps\n{info['embryo_atoms']} atoms, "
            f"bcc {info['fractions']['bcc']:.0%}",
            fontsize=7,
        )
    _structure_legend(fig)
    label = _run_label(run)
    fig.suptitle(f"{title}\n{label}, N={run['ensemble_size_atoms']}", fontsize=8)
    sns.despine(fig)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def plot_deposits(
    panels: Sequence[tuple[str | Path, Mapping[str, object], Mapping[str, object]]],
    title: str,
) -> plt.Figure:
    """(Fig 7) rendered final deposits side by side; ``panels`` holds
    ``(png, render_info, run_summary)`` in the order drawn (fastest rate first)."""
    n = max(1, len(panels))
    fig, axes = plt.subplots(1, n, figsize=(2.8 * n, 3.9), squeeze=False)
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
    fig.tight_layout(rect=(0, 0.06, 1, 0.93))
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
    sns.set_theme(style="ticks", context="paper")
    fig, axes = plt.subplots(2, 3, figsize=(10, 6), squeeze=False)
    rng = np.random.default_rng(0)
    for k, (substrate, group) in enumerate(runs.groupby("substrate", sort=False)):
        colour = f"C{k}"
        label = f"{substrate} ({group['heat_removal'].iloc[0]})"
        for ax, (column, ylabel) in zip(axes.ravel(), DEPOSITION_PANELS, strict=True):
            values = pd.to_numeric(group[column], errors="coerce")
            rates = group["rate_atoms_per_ps"].to_numpy(dtype=float)
            first_panel = column == DEPOSITION_PANELS[0][0]
            jittered = _jitter(rates, rng, 0.03)
            ax.scatter(jittered, values, s=14, color=colour, alpha=0.7,
                       label=label if first_panel else None)
            stats = values.groupby(rates).agg(["mean", "std", "count"])
            sem = stats["std"] / np.sqrt(stats["count"])
            ax.errorbar(stats.index, stats["mean"], yerr=sem, color=colour, lw=1.2, capsize=3)
            ax.set_ylabel(ylabel)
            ax.set_xscale("log")
            ax.set_xlim(min(rates) / 1.3, max(rates) * 1.3)
            ax.set_xticks(sorted(set(rates)))
            ax.set_xticklabels([f"{r:g}" for r in sorted(set(rates))])
            ax.minorticks_off()
            if values.isna().all():
                ax.text(0.5, 0.5, "not measured\n(no crystal for DXA)" if "disloc" in column
                        else "no data", transform=ax.transAxes, ha="center", fontsize=8,
                        color="grey")
    for ax in axes[1]:
        ax.set_xlabel("deposition rate (Li/ps on the box)")
    axes[0][0].legend(fontsize=7)
    fig.suptitle(title + "\npoints: replicas; lines: replica mean +- standard error", fontsize=9)
    sns.despine(fig)
    fig.tight_layout()
    return fig


def plot_deposition_traces(
    runs: Sequence[Mapping[str, object]], frames: Sequence[pd.DataFrame], title: str
) -> plt.Figure:
    """Per run against time: atoms retained and reflected, crystalline fraction, roughness;
    one colour per rate, one line style per substrate."""
    sns.set_theme(style="ticks", context="paper")
    fig, axes = plt.subplots(4, 1, figsize=(7.5, 9), sharex=True)
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
    axes[0].legend(fontsize=7, ncol=2)
    fig.suptitle(title + ": traces (every replica)", fontsize=9)
    sns.despine(fig)
    fig.tight_layout()
    return fig
