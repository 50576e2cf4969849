"""Campaign figures (seaborn/matplotlib, headless), each saved as PNG and SVG.

Traces of the runs of one size; one run's traces with rendered snapshots (Fig 3A); the
rendered final embryo per size, whole and sliced (Fig 3B); incubation time versus size with
the Kaplan-Meier median and interval, censored runs marked, and the fraction transformed
(Fig 3C); final crystallinity versus size (Fig 3D) and versus packing density; the size x
density phase map; survival curves per size; the thermostat-coupling / atom-flux comparison;
the critical size per metal.  The deposition campaign's figures are in
:mod:`glassy_li.figures.deposition_plots`, which shares the conventions and helpers below.

Conventions shared by the figures: the axes take the canvas and legends sit below them
(``fig.legend(loc="outside lower center")`` under constrained layout); sizes (and rates) go
on a log axis when they span a decade (max / min >= 10); every crystallinity axis names the
structure it counts; a run whose largest cluster percolates through the periodic box (a
network, not an embryo; run-table column ``percolating``) is boxed in black.  The size axis of
Fig 3C and 3D is ``figures.size_axis``: the ensemble size put in the box, or the largest
embryo that formed (each run's final-window mean).
"""

from __future__ import annotations

import math
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
import matplotlib.text  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from glassy_li.analysis.aggregate import percolating  # noqa: E402
from glassy_li.analysis.incubation import CENSORED, CRYSTALLINE_AT_REFERENCE, TRANSFORMED  # noqa: E402
from glassy_li.analysis.report_text import outcome_label  # noqa: E402
from glassy_li.analysis.statistics import proportion_interval  # noqa: E402

__all__ = [
    "SIZE_AXES",
    "campaign_figures",
    "plot_coupling_comparison",
    "plot_critical_size",
    "plot_crystallinity_vs_density",
    "plot_final_embryos",
    "plot_phase_map",
    "plot_size_melting",
    "plot_survival_curves",
    "plot_trace_snapshots",
    "plot_crystallinity_vs_size",
    "plot_incubation_vs_size",
    "plot_traces",
    "overlapping_texts",
    "save",
]

STATUS_STYLE = {
    TRANSFORMED: {"marker": "o", "filled": True, "label": "transformed"},
    CENSORED: {"marker": "^", "filled": False, "label": "not transformed by the run's end"},
    CRYSTALLINE_AT_REFERENCE: {"marker": "P", "filled": True,
                               "label": "crystalline at the reference time"},
}
SIZE_AXES = {
    "ensemble_size_atoms": "ensemble size (atoms in the box)",
    "largest_embryo_atoms": "largest embryo formed (atoms, final-window mean)",
}
"""``figures.size_axis`` values and their axis labels."""
_SIZE_COLUMNS = {
    "ensemble_size_atoms": "ensemble_size_atoms",
    "largest_embryo_atoms": "final_largest_embryo_atoms",
}
PERCOLATING_LABEL = "boxed: largest cluster percolates (a network, not an embryo)"
_RC = {
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 7.5,
    "legend.title_fontsize": 8,
    "figure.titlesize": 10,
}


def _theme() -> None:
    sns.set_theme(style="ticks", context="paper", rc=_RC)


def save(fig: plt.Figure, png: str | Path, svg: str | Path) -> None:
    """Write the figure as PNG (150 dpi) and SVG, then close it."""
    fig.savefig(png, dpi=150, bbox_inches="tight")
    fig.savefig(svg, bbox_inches="tight")
    plt.close(fig)


def _drawn_tick_labels(axis) -> list:
    """The tick labels of ``axis`` that are drawn (ticks inside the view, labels visible)."""
    low, high = sorted(axis.get_view_interval())
    margin = 1e-9 * (high - low)
    drawn = []
    for ticks, locs in ((axis.get_major_ticks(), axis.get_majorticklocs()),
                        (axis.get_minor_ticks(), axis.get_minorticklocs())):
        for tick, loc in zip(ticks, locs, strict=False):
            if low - margin <= loc <= high + margin:
                drawn += [label for label in (tick.label1, tick.label2)
                          if label.get_visible() and label.get_text().strip()]
    return drawn


def overlapping_texts(fig: plt.Figure, tolerance_px: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of drawn, non-empty texts of ``fig`` (tick labels, axis labels, titles, legend
    entries, annotations) whose boxes overlap: what a figure must not have."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    tick_labels, drawn = set(), []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                tick_labels.update((id(tick.label1), id(tick.label2)))
            if ax.get_visible():
                drawn += _drawn_tick_labels(axis)
    texts = [t for t in fig.findobj(matplotlib.text.Text) if id(t) not in tick_labels]
    boxes = []
    for text in texts + drawn:
        if not text.get_visible() or not text.get_text().strip():
            continue
        axes = getattr(text, "axes", None)
        if axes is not None and not axes.get_visible():
            continue
        box = text.get_window_extent(renderer)
        if box.width > 0 and box.height > 0:
            boxes.append((text.get_text(), box.padded(-tolerance_px)))
    pairs = []
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:]:
            if box_a.overlaps(box_b):
                pairs.append((a, b))
    return pairs


def _hide_overlapping_ticklabels(fig: plt.Figure) -> None:
    """Safety net: hide any tick label that would overlap the one kept before it."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = _drawn_tick_labels(axis)
            boxes = [label.get_window_extent(renderer) for label in labels]
            order = np.argsort([(b.x0 if axis is ax.xaxis else b.y0) for b in boxes])
            kept = None
            for k in order:
                if kept is not None and boxes[k].overlaps(kept):
                    labels[k].set_visible(False)
                else:
                    kept = boxes[k]


def _finish(fig: plt.Figure) -> plt.Figure:
    sns.despine(fig)
    _hide_overlapping_ticklabels(fig)
    return fig


def _run_label(run: Mapping[str, object]) -> str:
    group = str(run["group"])
    prefix = "" if group == "grid" else f"{group}, "
    rho = run["packing_density_g_cm3"]
    return f"{prefix}{run['initial_state']}, {rho:g} g/cm$^3$, replica {run['replica']}"


def _structure_of(runs) -> str:
    """The reference structure(s) of runs (a table or run dicts): e.g. ``bcc``."""
    if isinstance(runs, pd.DataFrame):
        names = runs["reference_structure"] if "reference_structure" in runs else []
    else:
        names = [r.get("reference_structure", "bcc") for r in runs]
    found = sorted({str(n) for n in names}) or ["bcc"]
    return "/".join(found)


def transition_criterion(campaign: pd.DataFrame) -> str:
    """What counts as a transition in these runs, e.g. ``bcc crystallinity >= 0.5``: the
    order parameter (named by the structure it counts) and the threshold of the run rows."""
    if not len(campaign) or "order_parameter" not in campaign:
        return "transition"
    order = str(campaign["order_parameter"].iloc[0])
    threshold = float(campaign["threshold"].iloc[0]) if "threshold" in campaign else np.nan
    names = {
        "crystallinity": f"{_structure_of(campaign)} crystallinity",
        "any_crystal_crystallinity": "any-crystal crystallinity",
        "largest_reference_domain_atoms": f"largest {_structure_of(campaign)} domain (atoms)",
        "largest_bcc_domain_atoms": "largest bcc domain (atoms)",
    }
    return f"{names.get(order, order)} >= {threshold:g}"


def crystallinity_label(structure: str, prefix: str = "", newline: bool = True,
                        short: bool = False) -> str:
    """Axis label of the normalised order parameter, naming the structure it counts."""
    sep = "\n" if newline else " "
    if short:
        return f"{prefix}{structure} crystallinity{sep}(/ perfect sphere)"
    return f"{prefix}{structure} crystallinity{sep}(largest embryo / perfect {structure} sphere)"


def any_crystal_label(structure: str, prefix: str = "", newline: bool = True) -> str:
    sep = "\n" if newline else " "
    return (f"{prefix}any-crystal crystallinity, bcc+fcc+hcp{sep}"
            f"(largest embryo / perfect {structure} sphere)")


def _percolating_handle() -> matplotlib.lines.Line2D:
    return matplotlib.lines.Line2D([], [], ls="", marker="s", ms=10, mfc="none", mec="black",
                                   mew=1.0, label=PERCOLATING_LABEL)


def _box_percolating(ax: plt.Axes, x, y, size: float = 110) -> None:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x):
        ax.scatter(x, y, marker="s", s=size, facecolors="none", edgecolors="black",
                   linewidths=1.0, zorder=4)


def _status_handles(statuses: Sequence[str], labels: Mapping[str, str] | None = None) -> list:
    handles = []
    for status, style in STATUS_STYLE.items():
        if status in set(statuses):
            handles.append(matplotlib.lines.Line2D(
                [], [], ls="", marker=style["marker"], ms=7, color="dimgrey",
                mfc="dimgrey" if style["filled"] else "none",
                label=(labels or {}).get(status, style["label"])))
    return handles


def _status_scatter(ax, x, y, statuses, colour, size: float = 38, zorder: int = 3) -> None:
    x, y, statuses = np.asarray(x, float), np.asarray(y, float), np.asarray(statuses)
    for status, style in STATUS_STYLE.items():
        sel = statuses == status
        if sel.any():
            ax.scatter(x[sel], y[sel], marker=style["marker"], s=size,
                       facecolors=colour if style["filled"] else "none", edgecolors=colour,
                       linewidths=1.1, zorder=zorder)


def spans_decade(values) -> bool:
    """Whether positive ``values`` span a factor of 10 or more (then: a log axis)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    return bool(len(v)) and v.max() / v.min() >= 10


def _plain(value: float, _position=None) -> str:
    return f"{value:g}"


def _value_axis(ax: plt.Axes, values, ticks=None, which: str = "x") -> None:
    """A size (or rate) axis: log where the values span a decade, linear otherwise; ticks at
    ``ticks`` (e.g. the sizes run) or placed automatically, labelled as plain numbers."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    set_scale, set_lim = ((ax.set_xscale, ax.set_xlim) if which == "x"
                          else (ax.set_yscale, ax.set_ylim))
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if not len(v):
        return
    log = spans_decade(v)
    low, high = v.min(), v.max()
    if log:
        set_scale("log")
        set_lim(low / 1.3, high * 1.3)
    else:
        pad = 0.1 * (high - low) if high > low else 0.1 * high
        set_lim(low - pad, high + pad)
    if ticks is not None:
        ticks = sorted({float(t) for t in ticks if np.isfinite(t)})
        axis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
    elif log:
        axis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(_plain))
    axis.set_minor_locator(matplotlib.ticker.NullLocator())


def _jitter(values: np.ndarray, rng: np.random.Generator, scale: float = 0.04) -> np.ndarray:
    return values * (1.0 + rng.uniform(-scale, scale, len(values)))


SERIES_KEYS = ["metal", "potential", "group", "initial_state", "packing_density_g_cm3",
               "final_temperature_K"]
"""Columns that define a series over ensemble sizes in the size figures."""
FLOAT_SERIES_KEYS = ("packing_density_g_cm3", "final_temperature_K")


def _series_label(values: Mapping[str, object], shown: Sequence[str]) -> str:
    parts = []
    if "metal" in shown or "potential" in shown:
        parts.append(f"{values['metal']} ({values['potential']})")
    if "group" in shown:
        parts.append(str(values["group"]))
    if "initial_state" in shown:
        parts.append(str(values["initial_state"]))
    if "packing_density_g_cm3" in shown:
        parts.append(f"{float(values['packing_density_g_cm3']):g} g/cm$^3$")
    if "final_temperature_K" in shown:
        parts.append(f"held at {float(values['final_temperature_K']):.0f} K")
    return ", ".join(parts)


def _series(campaign: pd.DataFrame) -> list[tuple[tuple, str, pd.DataFrame]]:
    """``(key, label, runs)`` per series; labels name only what differs between series."""
    groups = list(campaign.groupby(SERIES_KEYS, sort=True))
    varying = [k for k in SERIES_KEYS if campaign[k].nunique() > 1] or SERIES_KEYS
    return [
        (keys, _series_label(dict(zip(SERIES_KEYS, keys, strict=True)), varying), runs)
        for keys, runs in groups
    ]


def _series_offsets(n: int, step: float = 0.035) -> list[float]:
    """Multiplicative offsets in size, so that series at one size sit side by side."""
    return [1.0 + step * (i - (n - 1) / 2) for i in range(n)]


def _matching(table: pd.DataFrame, key: tuple) -> pd.DataFrame:
    values = dict(zip(SERIES_KEYS, key, strict=True))
    mask = np.ones(len(table), dtype=bool)
    for column, value in values.items():
        if column in FLOAT_SERIES_KEYS:
            mask &= np.isclose(table[column].astype(float), float(value))
        else:
            mask &= (table[column] == value).to_numpy()
    return table[mask]


def _legend_below(fig: plt.Figure, handles: Sequence, ncol: int = 2) -> None:
    if handles:
        fig.legend(handles=list(handles), loc="outside lower center", ncol=ncol,
                   frameon=False, handletextpad=0.4, columnspacing=1.5)


def _series_handle(colour, label: str) -> matplotlib.lines.Line2D:
    return matplotlib.lines.Line2D([], [], color=colour, marker="o", ms=6, lw=1.2, label=label)


def plot_traces(
    traces: Sequence[tuple[Mapping[str, object], pd.DataFrame, pd.DataFrame]],
    boundaries: Mapping[str, float],
    threshold: float,
    title: str,
) -> plt.Figure:
    """(a) T, PE/atom, crystallinity and largest embryo versus time, one line per run.

    ``traces`` holds ``(run, thermo, structure)`` for each run shown.  The crystallinity
    panel draws the reference structure's (solid) and any crystal's (dashed, when the table
    has it); frames whose largest cluster percolates are boxed on the embryo panel.
    """
    _theme()
    fig, axes = plt.subplots(4, 1, figsize=(7.0, 9.0), sharex=True, layout="constrained")
    palette = sns.color_palette("colorblind", max(1, len(traces)))
    structure_name = _structure_of([run for run, _, _ in traces])
    handles = []
    any_crystal = any_percolating = False
    for colour, (run, thermo, structure) in zip(palette, traces, strict=False):
        axes[0].plot(thermo["time_ps"], thermo["temperature_K"], color=colour, lw=0.8)
        axes[1].plot(thermo["time_ps"], thermo["pe_eV_per_atom"], color=colour, lw=0.8)
        axes[2].plot(structure["time_ps"], structure["crystallinity"], color=colour, lw=1.0)
        if "any_crystal_crystallinity" in structure:
            any_crystal = True
            axes[2].plot(structure["time_ps"], structure["any_crystal_crystallinity"],
                         color=colour, lw=0.8, ls="--")
        axes[3].plot(structure["time_ps"], structure["largest_embryo_atoms"], color=colour,
                     lw=1.0)
        if "largest_cluster_percolates" in structure:
            flagged = structure[structure["largest_cluster_percolates"].astype(bool)]
            any_percolating |= not flagged.empty
            _box_percolating(axes[3], flagged["time_ps"], flagged["largest_embryo_atoms"], 40)
        handles.append(matplotlib.lines.Line2D([], [], color=colour, lw=1.2,
                                               label=_run_label(run)))
    axes[0].set_ylabel("T (K)")
    axes[1].set_ylabel("PE (eV/atom)")
    axes[2].set_ylabel(crystallinity_label(structure_name, short=True))
    axes[2].axhline(threshold, color="grey", ls=":", lw=1)
    axes[3].set_ylabel("largest embryo (atoms)")
    axes[3].set_xlabel("time (ps)")
    for ax in axes:
        for name in ("quench", "equilibrate"):
            ax.axvline(boundaries[name], color="black", ls="--", lw=0.6)
    span = max(boundaries["end"] - boundaries["heat"], 1e-9)
    for index, (name, start, stop) in enumerate((
        ("heat", boundaries["heat"], boundaries["quench"]),
        ("quench", boundaries["quench"], boundaries["equilibrate"]),
        ("hold", boundaries["equilibrate"], boundaries["end"]),
    )):
        if stop > start:
            # short stages' names side by side would overprint: stagger them
            height = 1.02 + (0.09 if (stop - start) / span < 0.12 and index % 2 else 0.0)
            axes[0].text((start + stop) / 2, height, name,
                         transform=axes[0].get_xaxis_transform(), ha="center", va="bottom",
                         fontsize=8)
    extra = [matplotlib.lines.Line2D([], [], color="grey", ls=":", lw=1,
                                     label=f"threshold {threshold:g}")]
    if any_crystal:
        extra.append(matplotlib.lines.Line2D(
            [], [], color="dimgrey", ls="--", lw=0.8,
            label=f"dashed: any crystal (bcc+fcc+hcp) / perfect {structure_name} sphere"))
    if any_percolating:
        extra.append(_percolating_handle())
    _legend_below(fig, handles + extra, ncol=2)
    fig.suptitle(title)
    return _finish(fig)


def plot_incubation_vs_size(
    campaign: pd.DataFrame,
    statistics: pd.DataFrame,
    title: str,
    size_axis: str = "ensemble_size_atoms",
) -> plt.Figure:
    """(Fig 3C) Incubation time versus size (top) and the fraction of runs crystalline by
    their end (bottom: transformed or crystalline at the reference time, Wilson 95%
    interval), one colour per series.

    Replicas are points (censored runs as open triangles at their censoring time); the
    Kaplan-Meier median with its interval is a diamond with a bar (an arrow where the upper
    limit was not reached); where fewer than half the runs transformed there is no median,
    and an arrow from the longest time observed says it lies beyond.  ``size_axis``:
    ``ensemble_size_atoms`` or ``largest_embryo_atoms`` (each run at its final largest
    embryo; medians at the group's mean, the bar spanning its replicas).
    """
    if size_axis not in SIZE_AXES:
        raise ValueError(f"size_axis must be one of {sorted(SIZE_AXES)}, got {size_axis!r}")
    _theme()
    fig, (ax, ax_fraction) = plt.subplots(
        2, 1, figsize=(6.4, 6.4), sharex=True, height_ratios=[3.0, 1.2], layout="constrained"
    )
    x_column = _SIZE_COLUMNS[size_axis]
    rng = np.random.default_rng(0)
    series = _series(campaign)
    palette = sns.color_palette("colorblind", max(1, len(series)))
    offsets = _series_offsets(len(series))
    percolates = percolating(campaign)
    observed = [campaign[["incubation_time_ps", "censored_at_ps"]].to_numpy(float).ravel()]
    for column in ("observed_ps_max", "km_median_upper_ps"):
        if column in statistics:
            observed.append(statistics[column].to_numpy(float))
    values = np.concatenate(observed)
    y_top = float(np.nanmax(values[np.isfinite(values)], initial=1.0)) * 1.12
    arrow = 0.07 * y_top
    x_all: list[float] = []
    handles, medians, no_median, open_upper = [], False, False, False
    for colour, offset, (key, label, runs) in zip(palette, offsets, series, strict=False):
        handles.append(_series_handle(colour, label))
        x = runs[x_column].to_numpy(float) * offset
        if size_axis == "ensemble_size_atoms":
            x = _jitter(x, rng, 0.012)
        status = runs["status"].to_numpy()
        y = np.select([status == TRANSFORMED, status == CENSORED],
                      [runs["incubation_time_ps"], runs["censored_at_ps"]], 0.0)
        _status_scatter(ax, x, y, status, colour)
        flagged = percolates.loc[runs.index].to_numpy()
        _box_percolating(ax, x[flagged], y[flagged])
        x_all.extend(x)
        stats = _matching(statistics, key).sort_values("ensemble_size_atoms")
        for _, row in stats.iterrows():
            size = row["ensemble_size_atoms"]
            members = runs[runs["ensemble_size_atoms"] == size]
            if size_axis == "ensemble_size_atoms":
                xs, xerr = size * offset, None
            else:
                embryo = members[x_column].to_numpy(float)
                if not np.isfinite(embryo).any():
                    continue
                xs = np.nanmean(embryo) * offset
                xerr = [[xs - np.nanmin(embryo) * offset], [np.nanmax(embryo) * offset - xs]]
            x_all.append(xs)
            median = row["km_median_incubation_ps"]
            if np.isfinite(median):
                lower = row["km_median_lower_ps"]
                upper = row["km_median_upper_ps"]
                low_err = median - lower if np.isfinite(lower) else 0.0
                high_err = upper - median if np.isfinite(upper) else 0.0
                if not np.isfinite(upper):  # the interval runs past the longest time observed
                    open_upper = True
                    ax.errorbar([xs], [median], yerr=[[0.0], [y_top - median]], color=colour,
                                lw=1.3, lolims=True, zorder=5)
                ax.errorbar([xs], [median], yerr=[[low_err], [high_err]], xerr=xerr,
                            color=colour, marker="D", ms=7, mfc="white", mew=1.5, capsize=3,
                            lw=1.3, zorder=6)
                medians = True
            elif np.isfinite(row.get("observed_ps_max", np.nan)):
                no_median = True
                ax.errorbar([xs], [row["observed_ps_max"]], yerr=[[0.0], [arrow]], xerr=xerr,
                            color=colour, marker="_", ms=12, mew=1.5, lw=1.3, lolims=True,
                            zorder=5)
            # crystalline by the end: transformed, or crystalline at the reference time
            n_runs = len(members)
            k = int(members["status"].isin([TRANSFORMED, CRYSTALLINE_AT_REFERENCE]).sum())
            fraction, low, high = proportion_interval(k, n_runs)
            # (rounding can leave the Wilson bounds a hair beyond the fraction at 0 or 1)
            ax_fraction.errorbar([xs], [fraction],
                                 yerr=[[max(fraction - low, 0.0)], [max(high - fraction, 0.0)]],
                                 color=colour, marker="o", ms=5, capsize=2, lw=1.0, ls="")
    ticks = sorted(campaign["ensemble_size_atoms"].unique()) if x_column == (
        "ensemble_size_atoms") else None
    _value_axis(ax_fraction, x_all, ticks)
    ax.set_ylim(-0.04 * y_top, y_top + arrow * 0.5)
    ax.set_ylabel("incubation time (ps)")
    ax_fraction.set_ylim(-0.08, 1.08)
    ax_fraction.set_yticks([0, 0.5, 1])
    ax_fraction.set_ylabel(f"fraction with\n{transition_criterion(campaign)}\nby run end",
                           fontsize=8)
    ax_fraction.set_xlabel(SIZE_AXES[size_axis])
    handles += _status_handles(campaign["status"].unique(), {
        TRANSFORMED: "transformed, at its incubation time",
        CENSORED: "censored: at the run's end, no transition",
        CRYSTALLINE_AT_REFERENCE: "crystalline at the reference time (t = 0)",
    })
    confidence = float(statistics["confidence"].iloc[0]) if len(statistics) else 0.95
    if medians:
        handles.append(matplotlib.lines.Line2D(
            [], [], color="dimgrey", marker="D", mfc="white", mew=1.5, ms=7, lw=1.3,
            label=f"Kaplan-Meier median, {confidence:.0%} interval"
            + (" (arrow: open above)" if open_upper else "")))
    if no_median:
        handles.append(matplotlib.lines.Line2D(
            [], [], color="dimgrey", marker=r"$\uparrow$", ms=10, ls="",
            label="no median (under half transformed): later than this"))
    if percolates.any():
        handles.append(_percolating_handle())
    _legend_below(fig, handles, ncol=2)
    fig.suptitle(f"{title}: incubation time versus size")
    return _finish(fig)


def plot_survival_curves(
    curves: pd.DataFrame, statistics: pd.DataFrame, title: str, criterion: str = "transition"
) -> plt.Figure:
    """Kaplan-Meier survival S(t) (probability of no transition by t), one line per size,
    one panel per (metal, potential, initial state, density) of the main grid, at most four
    panels a row; bands: pointwise intervals; each panel's legend below it gives the runs
    transformed per size."""
    _theme()
    keys = ["metal", "potential", "initial_state", "packing_density_g_cm3"]
    keys = [k for k in keys if k in curves]
    panels = list(curves.groupby(keys, sort=True))
    several_metals = "metal" in curves and curves["metal"].nunique() > 1
    n = max(1, len(panels))
    ncols = min(4, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(max(3.6 * ncols, 5.0), 4.3 * nrows),
                             squeeze=False, sharey=True, layout="constrained")
    sizes = sorted(curves["ensemble_size_atoms"].unique())
    palette = dict(zip(sizes, sns.color_palette("viridis", len(sizes)), strict=True))
    for ax, (key, panel) in zip(axes.ravel(), panels, strict=False):
        values = dict(zip(keys, key, strict=True))
        handles = []
        for size, curve in panel.groupby("ensemble_size_atoms"):
            t = np.append(curve["time_ps"].to_numpy(), curve["observed_until_ps"].iloc[0])
            s = np.append(curve["survival"].to_numpy(), curve["survival"].iloc[-1])
            lo = np.append(curve["lower"].to_numpy(), curve["lower"].iloc[-1])
            hi = np.append(curve["upper"].to_numpy(), curve["upper"].iloc[-1])
            mask = statistics["ensemble_size_atoms"] == size
            for column, value in values.items():
                mask &= (np.isclose(statistics[column], value)
                         if column == "packing_density_g_cm3" else statistics[column] == value)
            stats = statistics[mask]
            n_runs = int(stats["n_runs"].sum())
            n_events = int(stats["n_transformed"].sum())
            colour = palette[size]
            line = ax.step(t, s, where="post", color=colour, lw=1.4,
                           label=f"N = {size}: {n_events}/{n_runs} transformed")[0]
            ax.fill_between(t, lo, hi, step="post", color=colour, alpha=0.15, lw=0)
            ax.plot(t[-1], s[-1], marker="|", ms=10, mew=1.5, color=colour)
            handles.append(line)
        ax.axhline(0.5, color="grey", ls=":", lw=1)
        ax.set_ylim(-0.03, 1.05)
        ax.set_xlabel("time since reference (ps)")
        metal = f"{values['metal']} ({values['potential']}), " if several_metals else ""
        ax.set_title(f"{metal}{values['initial_state']}, "
                     f"{values['packing_density_g_cm3']:g} g/cm$^3$")
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16),
                  frameon=False, ncol=1)
    for ax in axes.ravel()[len(panels):]:
        ax.set_visible(False)
    for row in axes:
        row[0].set_ylabel("P(no transition by t)")
    fig.suptitle(f"{title}: Kaplan-Meier survival, transition = {criterion} (band: pointwise "
                 "interval; |: end of observation; dotted: median)", fontsize=9)
    return _finish(fig)


def plot_phase_map(campaign: pd.DataFrame, threshold: float, title: str) -> plt.Figure:
    """Size x density map: colour the final crystallinity of each replica, marker whether it
    is crystalline (circle) or not (cross); replicas side by side within a cell; runs whose
    largest cluster percolates boxed."""
    _theme()
    sizes = sorted(campaign["ensemble_size_atoms"].unique())
    densities = sorted(campaign["packing_density_g_cm3"].unique())
    fig, ax = plt.subplots(
        figsize=(max(5.5, 1.1 * len(sizes) + 2.8), max(3.6, 0.8 * len(densities) + 2.4)),
        layout="constrained",
    )
    top = float(campaign["final_crystallinity"].max(skipna=True) or 1.0)
    norm = matplotlib.colors.Normalize(0.0, max(1.0, top if np.isfinite(top) else 1.0))
    cmap = plt.get_cmap("viridis")
    percolates = percolating(campaign)
    for (size, rho), runs in campaign.groupby(["ensemble_size_atoms", "packing_density_g_cm3"]):
        xi, yi = sizes.index(size), densities.index(rho)
        offsets = np.linspace(-0.22, 0.22, len(runs)) if len(runs) > 1 else np.zeros(1)
        for offset, (index, run) in zip(offsets, runs.iterrows(), strict=True):
            crystalline = run["status"] in (TRANSFORMED, CRYSTALLINE_AT_REFERENCE)
            value = run["final_crystallinity"]
            colour = cmap(norm(value)) if np.isfinite(value) else (0.7, 0.7, 0.7, 1.0)
            ax.scatter(xi + offset, yi, s=90, marker="o" if crystalline else "X",
                       color=colour, edgecolors="black", linewidths=0.5, zorder=3)
            if percolates.loc[index]:
                _box_percolating(ax, [xi + offset], [yi], 200)
    ax.set_xticks(range(len(sizes)), [str(s) for s in sizes])
    ax.set_yticks(range(len(densities)), [f"{d:g}" for d in densities])
    ax.set_xlim(-0.6, len(sizes) - 0.4)
    ax.set_ylim(-0.6, len(densities) - 0.4)
    ax.set_xlabel("ensemble size (atoms)")
    ax.set_ylabel("packing density (g/cm$^3$)")
    structure = _structure_of(campaign)
    mappable = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(mappable, ax=ax, label=crystallinity_label(structure, "final "),
                 fraction=0.05, aspect=25, pad=0.02)
    handles = [
        matplotlib.lines.Line2D([], [], ls="", marker="o", ms=8, color="grey", mec="black",
                                label=f"{transition_criterion(campaign)} (transformed or "
                                "at the reference time)"),
        matplotlib.lines.Line2D([], [], ls="", marker="X", ms=8, color="grey", mec="black",
                                label="never reached it (censored)"),
    ]
    if percolates.any():
        handles.append(_percolating_handle())
    _legend_below(fig, handles, ncol=2 if len(handles) < 3 else 1)
    ax.set_title(f"{title}: one marker per replica; grey: no embryo")
    return _finish(fig)


def plot_coupling_comparison(campaign: pd.DataFrame, title: str) -> plt.Figure:
    """Final crystallinity, largest embryo and hold temperature per coupling (thermostat,
    damping, atom flux; one row each, the runs transformed beside its name), at every
    (size, density) run with more than one coupling."""
    _theme()
    keys = ["ensemble_size_atoms", "packing_density_g_cm3", "initial_state"]
    compared = campaign.groupby(keys)["coupling"].transform("nunique") > 1
    data = campaign[compared].copy()
    order = sorted(data["coupling"].unique())
    if data.empty:
        fig, ax = plt.subplots(figsize=(6.0, 1.6), layout="constrained")
        ax.text(0.5, 0.5, "no coupling sweep in this campaign (config: coupling_sweep)",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        fig.suptitle(title)
        return fig
    fig, axes = plt.subplots(1, 3, figsize=(10.0, 1.9 + 0.5 * max(len(order), 2)),
                             sharey=True, layout="constrained")
    structure = _structure_of(data)
    points = list(data.groupby(keys, sort=True))
    palette = sns.color_palette("colorblind", max(1, len(points)))
    dodge = np.linspace(-0.22, 0.22, len(points)) if len(points) > 1 else np.zeros(1)
    percolates = percolating(data)
    rng = np.random.default_rng(0)
    ticklabels = []
    for coupling in order:
        runs = data[data["coupling"] == coupling]
        ticklabels.append(f"{coupling}\n({(runs['status'] == TRANSFORMED).sum()}/{len(runs)} "
                          "transformed)")
    handles = []
    several_states = data["initial_state"].nunique() > 1
    for colour, shift, ((size, rho, state), runs) in zip(palette, dodge, points, strict=False):
        label = f"N = {size}, {rho:g} g/cm$^3$" + (f", {state}" if several_states else "")
        handles.append(_series_handle(colour, label))
        y = np.array([order.index(c) for c in runs["coupling"]], dtype=float) + shift
        y += rng.uniform(-0.05, 0.05, len(y))
        flagged = percolates.loc[runs.index].to_numpy()
        for ax, column in zip(axes, ("final_crystallinity", "final_largest_embryo_atoms",
                                     "final_temperature_measured_K"), strict=True):
            x = runs[column].to_numpy(float)
            _status_scatter(ax, x, y, runs["status"].to_numpy(), colour, size=30)
            _box_percolating(ax, x[flagged], y[flagged], 80)
    top = float(np.nanmax(data["final_crystallinity"].to_numpy(float), initial=1.0))
    axes[0].set_xlim(-0.03, max(1.05, top * 1.05))
    for ax, label in zip(axes, (crystallinity_label(structure, "final "),
                                "final largest embryo (atoms)", "hold temperature (K)"),
                         strict=True):
        ax.set_xlabel(label)
        ax.grid(axis="y", color="0.92", lw=0.6)
    axes[0].set_yticks(range(len(order)), ticklabels, fontsize=7.5)
    axes[0].set_ylim(len(order) - 0.5, -0.5)
    handles += _status_handles(data["status"].unique())
    if percolates.any():
        handles.append(_percolating_handle())
    _legend_below(fig, handles, ncol=3)
    fig.suptitle(f"{title}: thermostat coupling and atom flux compared (paired seeds)")
    return _finish(fig)


def plot_crystallinity_vs_size(
    campaign: pd.DataFrame,
    threshold: float,
    title: str,
    size_axis: str = "ensemble_size_atoms",
) -> plt.Figure:
    """(Fig 3D) Final crystallinity versus size, one colour per series (metal, potential,
    state, density): the reference structure's (a), any crystal's (b: bcc + fcc + hcp, when
    the table has it) and the raw reference-structure fraction of the largest embryo (c).
    Points: replicas (marker: outcome; boxed: percolating); lines: series means per
    ensemble size.  ``size_axis`` as in :func:`plot_incubation_vs_size`."""
    if size_axis not in SIZE_AXES:
        raise ValueError(f"size_axis must be one of {sorted(SIZE_AXES)}, got {size_axis!r}")
    _theme()
    structure = _structure_of(campaign)
    panels = [("final_crystallinity", crystallinity_label(structure, "final "))]
    if ("final_any_crystal_crystallinity" in campaign
            and campaign["final_any_crystal_crystallinity"].notna().any()):
        panels.append(("final_any_crystal_crystallinity", any_crystal_label(structure, "final ")))
    panels.append(("final_reference_fraction_largest_embryo",
                   f"final raw {structure} fraction\nof the largest embryo"))
    fig, axes = plt.subplots(1, len(panels), figsize=(3.5 * len(panels), 4.3), squeeze=False,
                             sharex=True, layout="constrained")
    axes = axes[0]
    x_column = _SIZE_COLUMNS[size_axis]
    order_parameter = (campaign["order_parameter"].iloc[0] if "order_parameter" in campaign
                       and len(campaign) else "crystallinity")
    series = _series(campaign)
    palette = sns.color_palette("colorblind", max(1, len(series)))
    offsets = _series_offsets(len(series), 0.025)
    percolates = percolating(campaign)
    handles = []
    x_all: list[float] = []
    for colour, offset, (_, label, runs) in zip(palette, offsets, series, strict=False):
        handles.append(_series_handle(colour, label))
        x = runs[x_column].to_numpy(float) * offset
        x_all.extend(x)
        flagged = percolates.loc[runs.index].to_numpy()
        means = runs.groupby("ensemble_size_atoms").agg(
            {x_column: "mean", **{column: "mean" for column, _ in panels}})
        for ax, (column, _) in zip(axes, panels, strict=True):
            y = runs[column].to_numpy(float)
            _status_scatter(ax, x, y, runs["status"].to_numpy(), colour, size=32)
            _box_percolating(ax, x[flagged], y[flagged], 90)
            ax.plot(means[x_column] * offset, means[column], color=colour, lw=1.1, zorder=2)
    for ax, (column, label) in zip(axes, panels, strict=True):
        ax.set_ylabel(label)
        ax.set_xlabel(SIZE_AXES[size_axis])
        top = float(np.nanmax(campaign[column].to_numpy(float), initial=1.0))
        ax.set_ylim(-0.03, max(1.05, top * 1.05))
        if column == f"final_{order_parameter}":
            ax.axhline(threshold, color="grey", ls=":", lw=1)
    ticks = sorted(campaign["ensemble_size_atoms"].unique()) if x_column == (
        "ensemble_size_atoms") else None
    _value_axis(axes[0], x_all, ticks)
    handles += _status_handles(campaign["status"].unique())
    handles.append(matplotlib.lines.Line2D([], [], color="grey", ls=":", lw=1,
                                           label=f"incubation threshold {threshold:g}"))
    if percolates.any():
        handles.append(_percolating_handle())
    _legend_below(fig, handles, ncol=3)
    fig.suptitle(f"{title}: final crystallinity versus size (means over the final window)")
    return _finish(fig)


def plot_crystallinity_vs_density(campaign: pd.DataFrame, title: str) -> plt.Figure:
    """Final crystallinity versus packing density (grid runs), one colour per ensemble size
    (line: replica mean; band: replica range; points: replicas, boxed where the largest
    cluster percolates); line style per metal (several metals: density as a fraction of each
    metal's bulk) or initial state."""
    _theme()
    grid = campaign[campaign["group"] == "grid"]
    several_metals = grid["metal"].nunique() > 1
    x = "packing_density_fraction_of_bulk" if several_metals else "packing_density_g_cm3"
    style_key = "metal" if several_metals else "initial_state"
    fig, ax = plt.subplots(figsize=(6.4, 5.0), layout="constrained")
    sizes = sorted(grid["ensemble_size_atoms"].unique())
    palette = dict(zip(sizes, sns.color_palette("viridis", max(1, len(sizes))), strict=False))
    styles = dict(zip(sorted(grid[style_key].unique()), ["-", "--", ":", "-."] * 4,
                      strict=False))
    percolates = percolating(grid)
    handles = []
    for (size, style), runs in grid.groupby(["ensemble_size_atoms", style_key]):
        colour = palette[size]
        stats = runs.groupby(x)["final_crystallinity"].agg(["mean", "min", "max"])
        ax.plot(stats.index, stats["mean"], color=colour, ls=styles[style], marker="o",
                ms=4, lw=1.3)
        ax.fill_between(stats.index, stats["min"], stats["max"], color=colour, alpha=0.15,
                        lw=0)
        flagged = percolates.loc[runs.index].to_numpy()
        _box_percolating(ax, runs[x].to_numpy(float)[flagged],
                         runs["final_crystallinity"].to_numpy(float)[flagged], 70)
    for size in sizes:
        handles.append(matplotlib.lines.Line2D([], [], color=palette[size], lw=1.5,
                                               label=f"N = {size}"))
    if len(styles) > 1:
        for name, style in styles.items():
            handles.append(matplotlib.lines.Line2D([], [], color="dimgrey", ls=style,
                                                   label=str(name)))
    if percolates.any():
        handles.append(_percolating_handle())
    _value_axis(ax, grid[x], sorted(grid[x].unique()) if grid[x].nunique() <= 8 else None)
    top = float(np.nanmax(grid["final_crystallinity"].to_numpy(float), initial=1.0))
    ax.set_ylim(-0.03, max(1.05, top * 1.05))
    ax.set_xlabel("packing density (fraction of bulk)" if several_metals
                  else "packing density (g/cm$^3$)")
    ax.set_ylabel(crystallinity_label(_structure_of(grid), "final "))
    _legend_below(fig, handles, ncol=min(4, max(1, len(sizes))))
    ax.set_title(f"{title}: lines, replica mean; bands, replica range")
    return _finish(fig)


def plot_critical_size(critical: pd.DataFrame, title: str) -> plt.Figure:
    """The critical size per series and outcome (reference structure, any crystal): in atoms
    and as the diameter (nm) of a sphere at the metal's bulk density.  A resolved size is a
    point with its profile-likelihood interval (an open end drawn as an arrow); separated
    outcomes a bar over their interval without a point; none (all) ordered an arrow from the
    bound; "not resolved" is written, not drawn."""
    _theme()
    grid = critical[critical["group"] == "grid"].reset_index(drop=True)
    if "outcome" not in grid:
        grid = grid.assign(outcome="reference", critical_size_status="resolved")
    labels = [
        f"{row.metal} ({row.potential}), {row.initial_state}, "
        f"{row.packing_density_g_cm3:g} g/cm$^3$"
        + (f", {row.final_temperature_K:.0f} K" if "final_temperature_K" in grid else "")
        + f"\n{outcome_label(row._asdict())}"
        for row in grid.itertuples()
    ]
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 1.5 + 0.62 * max(1, len(grid))), sharey=True,
                             layout="constrained")
    palette = sns.color_palette("colorblind", 2)
    colours = {"reference": palette[0], "any crystal": palette[1]}
    for ax, value, low, high, unit in (
        (axes[0], "critical_size_atoms", "critical_size_lower_atoms",
         "critical_size_upper_atoms", "critical size (atoms)"),
        (axes[1], "critical_diameter_nm", "critical_diameter_lower_nm",
         "critical_diameter_upper_nm", "critical diameter (nm, sphere at bulk density)"),
    ):
        extent: list[float] = []
        texts: list[tuple[int, str, object, float]] = []
        for y, row in grid.iterrows():
            colour = colours.get(row["outcome"], "0.3")
            status = row["critical_size_status"]
            lo, hi = float(row[low]), float(row[high])
            if status == "resolved":
                centre = float(row[value])
                ax.errorbar(centre, y, xerr=[[centre - lo if np.isfinite(lo) else 0.0],
                                             [hi - centre if np.isfinite(hi) else 0.0]],
                            fmt="o", color=colour, capsize=3)
                extent += [centre, lo, hi]
                for end, sign in ((lo, -1), (hi, 1)):
                    if not np.isfinite(end):  # open: an arrow from the point
                        tip = centre * 1.8 ** sign
                        ax.annotate("", (tip, y), xytext=(centre, y), arrowprops={
                            "arrowstyle": "-|>", "color": colour, "lw": 1.0})
                        extent.append(tip)
            elif status == "separated":
                ax.plot([lo, hi], [y, y], color=colour, lw=5, alpha=0.6,
                        solid_capstyle="butt")
                texts.append((y, "separated: between these sizes", colour,
                              math.sqrt(lo * hi)))
                extent += [lo, hi]
            elif status in ("above", "below"):
                bound = lo if status == "above" else hi
                tip = bound * (1.8 if status == "above" else 1 / 1.8)
                ax.annotate("", (tip, y), xytext=(bound, y),
                            arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.3})
                ax.plot([bound], [y], "|", color=colour, ms=10, mew=1.5)
                texts.append((y, f"{'>' if status == 'above' else '<'} {bound:.4g} "
                                 f"({int(row['n_crystalline'])}/{int(row['n_runs'])} ordered)",
                              colour, bound))
                extent += [bound, tip]
            else:
                texts.append((y, "not resolved", "0.3", math.nan))
        finite = [v for v in extent if np.isfinite(v) and v > 0]
        left, right = (min(finite) / 2.5, max(finite) * 2.5) if finite else (10.0, 1e4)
        for y, text, colour, at in texts:
            ax.annotate(text, (at if np.isfinite(at) else math.sqrt(left * right), y),
                        xytext=(0, -6),
                        textcoords="offset points", ha="center", va="top", fontsize=7,
                        color=colour)
        ax.set_xlabel(unit)
        ax.set_xscale("log")
        ax.set_xlim(left, right)
        subs = (1.0, 2.0, 5.0) if np.log10(right / left) <= 2.5 else (1.0,)
        ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=subs))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(_plain))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.grid(axis="x", color="0.9", lw=0.6)
    axes[0].set_yticks(range(len(grid)), labels, fontsize=7)
    axes[0].set_ylim(-0.6, len(grid) - 0.3)
    axes[0].invert_yaxis()
    confidence = grid["confidence"].iloc[0] if len(grid) else 0.95
    fig.suptitle(f"{title}: critical size (logistic, {confidence:.0%} penalised profile-likelihood "
                 "interval; bars: separated outcomes; arrows: bounds)", fontsize=9)
    return _finish(fig)


COUPLING_KEYS = ["thermostat", "thermostat_damping_ps", "atom_flux_atoms_per_ps"]


def campaign_figures(
    campaign: pd.DataFrame,
    statistics: pd.DataFrame,
    survival: pd.DataFrame,
    critical: pd.DataFrame,
    threshold: float,
    title: str,
    base_coupling: str,
    size_axis: str = "ensemble_size_atoms",
):
    """The campaign-level figures from the campaign tables, as ``(name, figure)`` pairs:
    ``incubation, size, density, phase, survival, coupling, critical`` (the names of
    ``rule plot_campaign``'s outputs).  The size and density figures show the md-section
    coupling (``base_coupling``) only; the coupling sweep has its own figure."""
    main = campaign[campaign["coupling"] == base_coupling]
    couplings = main[COUPLING_KEYS].drop_duplicates()
    main_stats = statistics.merge(couplings)
    main_curves = survival.merge(main_stats[[*SERIES_KEYS, "ensemble_size_atoms",
                                             *COUPLING_KEYS]])
    yield "incubation", plot_incubation_vs_size(main, main_stats, title, size_axis)
    yield "size", plot_crystallinity_vs_size(main, threshold, title, size_axis)
    yield "density", plot_crystallinity_vs_density(main, title)
    yield "phase", plot_phase_map(main[main["group"] == "grid"], threshold, title)
    yield "survival", plot_survival_curves(main_curves[main_curves["group"] == "grid"],
                                           main_stats, title, transition_criterion(main))
    yield "coupling", plot_coupling_comparison(campaign[campaign["group"] == "grid"], title)
    yield "critical", plot_critical_size(critical.merge(couplings), title)


def _structure_legend(fig: plt.Figure) -> None:
    from glassy_li.figures.render import STRUCTURE_COLOURS  # noqa: PLC0415
    from glassy_li.structure.identify import STRUCTURE_NAMES  # noqa: PLC0415

    handles = [
        matplotlib.patches.Patch(color=STRUCTURE_COLOURS[i], label=name)
        for i, name in STRUCTURE_NAMES.items()
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=5, fontsize=8, frameon=False,
               title="structure type (PTM)")


def plot_final_embryos(
    panels: Sequence[tuple[Mapping[str, object], str | Path, str | Path, Mapping[str, object]]],
    slice_thickness_A: float,
    title: str,
) -> plt.Figure:
    """(Fig 3B) per size: the rendered final embryo whole (top) and sliced (bottom).

    ``panels`` holds ``(run, whole_png, slice_png, info)`` with ``info`` as written by the
    render rule (embryo atoms, structure fractions).
    """
    _theme()
    n = max(1, len(panels))
    fig, axes = plt.subplots(2, n, figsize=(max(2.6 * n, 5.2), 6.0), squeeze=False,
                             layout="constrained")
    for column, (run, whole, cut, info) in enumerate(panels):
        axes[0][column].imshow(matplotlib.image.imread(whole))
        axes[0][column].set_title(
            f"N = {run['ensemble_size_atoms']}\nembryo {info['embryo_atoms']} atoms\n"
            f"{_composition(info['fractions'])}",
            fontsize=8,
        )
        axes[1][column].imshow(matplotlib.image.imread(cut))
        axes[1][column].set_title(f"slice {slice_thickness_A:g} A thick", fontsize=7)
    for ax in axes.ravel():
        ax.set_axis_off()
    _structure_legend(fig)
    fig.suptitle(title, fontsize=9)
    return fig


def _composition(fractions: Mapping[str, float]) -> str:
    """E.g. ``bcc 45%, fcc+hcp 3%``: the crystal content of a rendered embryo."""
    close_packed = fractions.get("fcc", 0.0) + fractions.get("hcp", 0.0)
    return f"bcc {fractions['bcc']:.0%}, fcc+hcp {close_packed:.0%}"


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
    _theme()
    n = max(1, len(snapshots))
    fig = plt.figure(figsize=(max(7.0, 2.0 * n), 9.0), layout="constrained")
    grid = fig.add_gridspec(4, n, height_ratios=[1, 1, 1, 1.5])
    trace_axes = [fig.add_subplot(grid[i, :]) for i in range(3)]
    for ax in trace_axes[1:]:
        ax.sharex(trace_axes[0])
    trace_axes[0].plot(thermo["time_ps"], thermo["temperature_K"], lw=0.8, color="C3")
    trace_axes[0].set_ylabel("T (K)")
    structure_name = _structure_of([run])
    trace_axes[1].plot(structure["time_ps"], structure["crystallinity"], lw=1.0, color="C0")
    if "any_crystal_crystallinity" in structure:
        trace_axes[1].plot(structure["time_ps"], structure["any_crystal_crystallinity"],
                           lw=0.9, ls="--", color="C4")
    trace_axes[1].axhline(threshold, color="grey", ls=":", lw=1)
    trace_axes[1].set_ylabel(f"{structure_name}\ncrystallinity")
    trace_axes[1].set_title(
        f"solid: {structure_name} / perfect {structure_name} sphere"
        + ("; dashed: any crystal (bcc+fcc+hcp)" if "any_crystal_crystallinity" in structure
           else "") + f"; dotted: threshold {threshold:g}", fontsize=7, loc="left")
    trace_axes[2].plot(structure["time_ps"], structure["largest_embryo_atoms"], lw=1.0,
                       color="C2")
    trace_axes[2].set_ylabel("largest embryo\n(atoms)")
    if "largest_cluster_percolates" in structure:
        flagged = structure[structure["largest_cluster_percolates"].astype(bool)]
        _box_percolating(trace_axes[2], flagged["time_ps"], flagged["largest_embryo_atoms"], 40)
        if not flagged.empty:
            trace_axes[2].set_title(PERCOLATING_LABEL, fontsize=7, loc="left")
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
            f"({chr(ord('a') + k)}) {time_ps:g} ps\n{info['embryo_atoms']} atoms\n"
            f"{_composition(info['fractions'])}",
            fontsize=7,
        )
    _structure_legend(fig)
    label = _run_label(run)
    fig.suptitle(f"{title}\n{label}, N = {run['ensemble_size_atoms']}", fontsize=9)
    return _finish(fig)


def plot_size_melting(
    table: pd.DataFrame, fit: Mapping[str, float], holds_K: Sequence[float], title: str
) -> plt.Figure:
    """Melting point of free clusters versus size (unconfirmed melts hollow), the fit
    ``T_m(N) = T_bulk (1 - c N^(-1/3))`` with its interval, the bulk melting point and the
    campaign's hold temperatures drawn across; below, each fitted size's residual (K) with
    its error bar."""
    _theme()
    fig, (ax, residual_ax) = plt.subplots(2, 1, figsize=(6.4, 5.6), layout="constrained",
                                          sharex=True, height_ratios=(3, 1))
    bulk = fit["bulk_melting_point_K"]
    sizes = np.geomspace(max(10, table["n_atoms"].min() / 2), table["n_atoms"].max() * 4, 200)
    for c, style in ((fit["c"], "-"), (fit.get("c_lower"), ":"), (fit.get("c_upper"), ":")):
        if c is not None and np.isfinite(c):
            ax.plot(sizes, bulk * (1 - c * sizes ** (-1 / 3)), style, color="C0", lw=1.2)
    confirmed = table["confirmed"].astype(bool)
    for mask, face in ((confirmed, "C0"), (~confirmed, "none")):
        part = table[mask]
        ax.errorbar(part["n_atoms"], part["melting_point_K"],
                    yerr=part["melting_point_uncertainty_K"], fmt="o", mfc=face, mec="C0",
                    color="C0", capsize=2)
    ax.axhline(bulk, color="0.4", lw=0.8, ls="--")
    for index, temperature in enumerate(holds_K):
        ax.axhline(temperature, color="C3", lw=1.0, ls=("-", "-.", ":")[index % 3])
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(_plain))
    ax.set_ylabel("melting point (K)")
    if "residual_K" in table:
        fitted = table[confirmed & table["residual_K"].notna()]
        residual_ax.errorbar(fitted["n_atoms"], fitted["residual_K"],
                             yerr=fitted["melting_point_uncertainty_K"], fmt="o", color="C0",
                             capsize=2)
    residual_ax.axhline(0, color="0.4", lw=0.8)
    residual_ax.set_ylabel("residual (K)")
    residual_ax.set_xlabel("cluster size N (atoms)")
    handles = [
        matplotlib.lines.Line2D([], [], color="C0", marker="o", ls="", label="melting point "
                                "(caloric-curve jump, crystal lost)"),
        matplotlib.lines.Line2D([], [], color="C0", marker="o", mfc="none", ls="",
                                label="no crystal to lose (not fitted)"),
        matplotlib.lines.Line2D([], [], color="C0", label=f"fit, c = {fit['c']:.2f} "
                                f"[{fit.get('c_lower', np.nan):.2f}, "
                                f"{fit.get('c_upper', np.nan):.2f}]"),
        matplotlib.lines.Line2D([], [], color="0.4", ls="--", label=f"bulk {bulk:.0f} K"),
        *(matplotlib.lines.Line2D([], [], color="C3", ls=("-", "-.", ":")[index % 3],
                                  label=f"hold {temperature:.0f} K")
          for index, temperature in enumerate(holds_K)),
    ]
    _legend_below(fig, handles)
    fig.suptitle(title, fontsize=9)
    return _finish(fig)
