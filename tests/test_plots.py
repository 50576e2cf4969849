"""Every figure from synthetic campaign tables (tests/synthetic_campaign.py): the data drawn
(a marker per run, the series means, the Kaplan-Meier steps and their counts), no overlapping
text, axes that dominate the canvas, sizes on a log axis only where they span a decade,
crystallinity axes that name the structure they count, percolating runs marked.  Whether a
figure reads well is still for a person to look at: ``python -m tests.synthetic_campaign
OUT`` draws them all into OUT."""

from __future__ import annotations

import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from glassy_li.figures import deposition_plots, plots
from glassy_li.figures.plots import overlapping_texts, spans_decade

from .synthetic_campaign import BOUNDARIES, deposition_tables, li_campaign, metals_campaign

BASE = "nose-hoover-0.1ps"


def campaign_figures(campaign, size_axis="ensemble_size_atoms"):
    """The figures of ``rule plot_campaign`` (same selections), by name."""
    statistics, curves = campaign.statistics()
    return plots.campaign_figures(campaign.table, statistics, curves, campaign.critical(), 0.5,
                                  "t", BASE, size_axis)


@pytest.fixture(scope="module")
def li():
    return li_campaign()


@pytest.fixture(scope="module")
def metals():
    return metals_campaign()


def check(fig, name):
    overlaps = overlapping_texts(fig)
    plt.close(fig)
    assert not overlaps, f"{name}: overlapping texts {overlaps}"


@pytest.mark.parametrize("campaign_name", ["li", "metals"])
def test_campaign_figures_have_no_overlapping_text(request, campaign_name):
    for name, fig in campaign_figures(request.getfixturevalue(campaign_name)):
        check(fig, name)


@pytest.mark.parametrize("campaign_name", ["li", "metals"])
def test_size_figures_on_the_largest_embryo_axis_have_no_overlapping_text(request,
                                                                          campaign_name):
    """The two figures campaign_figures' size_axis changes, on the largest-embryo axis."""
    campaign = request.getfixturevalue(campaign_name)
    main = campaign.table[campaign.table["coupling"] == BASE]
    statistics, _ = campaign.statistics()
    check(plots.plot_incubation_vs_size(main, statistics.merge(
        main[plots.COUPLING_KEYS].drop_duplicates()), "t", "largest_embryo_atoms"), "incubation")
    check(plots.plot_crystallinity_vs_size(main, 0.5, "t", "largest_embryo_atoms"), "size")


def test_incubation_axes_dominate_and_legend_sits_below(li):
    table = li.table
    statistics, _ = li.statistics()
    fig = plots.plot_incubation_vs_size(table[table["coupling"] == BASE], statistics, "t")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    canvas = fig.get_tightbbox(renderer)
    main_axes = fig.axes[0].get_window_extent(renderer)
    legend = fig.legends[0].get_window_extent(renderer)
    assert main_axes.width > 0.75 * canvas.width * fig.dpi  # tightbbox is in inches
    assert legend.y1 <= fig.axes[1].get_tightbbox(renderer).y0 + 1  # below the axes
    plt.close(fig)


def test_size_axis_is_logarithmic_only_across_a_decade(li):
    table = li.table
    assert spans_decade([100, 1500]) and not spans_decade([100, 700])
    wide = plots.plot_crystallinity_vs_size(table, 0.5, "t")
    assert wide.axes[0].get_xscale() == "log"
    narrow = plots.plot_crystallinity_vs_size(
        table[table["ensemble_size_atoms"].isin([300, 700])], 0.5, "t")
    assert narrow.axes[0].get_xscale() == "linear"
    plt.close("all")


def test_size_axis_can_be_the_embryo_that_formed(li):
    table = li.table
    fig = plots.plot_crystallinity_vs_size(table, 0.5, "t", "largest_embryo_atoms")
    assert fig.axes[0].get_xlabel().startswith("largest embryo formed")
    x = np.concatenate([c.get_offsets()[:, 0] for c in fig.axes[0].collections
                        if len(c.get_offsets())])
    # points sit at the embryos' sizes (within the series offsets), not at the ensemble sizes
    assert np.nanmin(x) < 0.5 * table["ensemble_size_atoms"].min()
    plt.close(fig)
    with pytest.raises(ValueError, match="size_axis"):
        plots.plot_incubation_vs_size(table, li.statistics()[0], "t", "diameter")


def test_crystallinity_axes_name_their_structure_and_percolation_is_marked(li, metals):
    for name, fig in campaign_figures(li):
        texts = [ax.get_ylabel() for ax in fig.axes] + [ax.get_xlabel() for ax in fig.axes]
        for text in texts:
            if "crystallinity" in text:
                assert "bcc" in text, (name, text)
        legend_texts = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
        if name in ("incubation", "size", "phase", "density"):
            assert plots.PERCOLATING_LABEL in legend_texts, name
        plt.close(fig)
    fig = plots.plot_crystallinity_vs_size(metals.table, 0.5, "t")
    assert fig.axes[0].get_ylabel().startswith("final bcc/hcp crystallinity")
    assert "any-crystal" in fig.axes[1].get_ylabel()
    plt.close(fig)


def test_traces_have_no_overlapping_text(li):
    runs = [r for r in li.runs if r["ensemble_size_atoms"] == 1500 and r["coupling"] == BASE]
    traces = [(r, li.thermo[r["run_id"]], li.structure[r["run_id"]]) for r in runs]
    fig = plots.plot_traces(traces, BOUNDARIES, 0.5, "t: runs of 1500 atoms")
    assert fig.axes[2].get_ylabel().startswith("bcc crystallinity")
    check(fig, "traces")


@pytest.fixture(scope="module")
def picture(tmp_path_factory):
    """A stand-in for a rendered embryo: a blue disc on white."""
    path = tmp_path_factory.mktemp("renders") / "embryo.png"
    y, x = np.mgrid[-1:1:160j, -1:1:160j]
    image = np.ones((160, 160, 3))
    image[x * x + y * y < 0.5] = (0.2, 0.4, 0.9)
    matplotlib.image.imsave(path, image)
    return path


def test_rendered_figures_have_no_overlapping_text(li, picture):
    fractions = {"other": 0.5, "fcc": 0.02, "hcp": 0.01, "bcc": 0.45, "ico": 0.02}
    info = {"embryo_atoms": 650, "fractions": fractions}
    run = next(r for r in li.runs if r["ensemble_size_atoms"] == 1500)
    snapshots = [(t, picture, info) for t in (0.0, 40.0, 80.0, 130.0)]
    check(plots.plot_trace_snapshots(run, li.thermo[run["run_id"]], li.structure[run["run_id"]],
                                     BOUNDARIES, snapshots, 0.5, "t"), "trace_snapshots")
    sized = [r for r in li.runs if r["replica"] == 0 and r["coupling"] == BASE
             and r["group"] == "grid" and r["packing_density_g_cm3"] == 0.0534]
    check(plots.plot_final_embryos([(r, picture, picture, info) for r in sized], 5.0, "t"),
          "final_embryos")
    runs, frames, dicts = deposition_tables()
    summaries = [{**r, "rms_roughness_nm": 0.3, "porosity": 0.02} for r in dicts[::2]]
    panels = [(picture, info, s) for s in summaries[:3]]
    check(deposition_plots.plot_deposits(panels, "t"), "deposits")
    check(deposition_plots.plot_deposition_vs_rate(runs, "t"), "deposition_vs_rate")
    check(deposition_plots.plot_deposition_traces(dicts, frames, "t"), "deposition_traces")


def test_the_overlap_check_sees_overlaps():
    fig, ax = plt.subplots()
    ax.text(0.5, 0.5, "no median\n0/2 transformed")
    ax.text(0.52, 0.5, "no median\n0/3 transformed")
    assert overlapping_texts(fig) == [("no median\n0/2 transformed", "no median\n0/3 transformed")]
    ax.set_xlim(0, 1)
    ax.set_xticks([0.5, 0.501])  # two tick labels on top of each other
    assert ("0.500", "0.501") in overlapping_texts(fig)
    plt.close(fig)


def test_hold_temperatures_are_separate_series_named_by_their_kelvins():
    """Two hold temperatures of one campaign are two series (never pooled), labelled by
    what differs between them."""
    runs = pd.DataFrame({
        "metal": "Li", "potential": "p", "group": "grid", "initial_state": "droplet",
        "packing_density_g_cm3": 0.0534, "final_temperature_K": [358.05, 358.05, 429.66],
        "ensemble_size_atoms": [400, 700, 400],
    })
    series = plots._series(runs)
    assert [label for _, label, _ in series] == ["held at 358 K", "held at 430 K"]
    assert [len(members) for _, _, members in series] == [2, 1]


def run_markers(ax) -> np.ndarray:
    """(x, y) of the run markers drawn on ``ax`` (the status scatters at zorder 3; the boxes
    drawn over percolating runs are left out)."""
    points = [c.get_offsets() for c in ax.collections
              if c.get_zorder() == 3 and len(c.get_offsets())]
    return np.concatenate(points) if points else np.empty((0, 2))


def test_crystallinity_vs_size_draws_every_run_and_each_series_mean(li):
    """The data drawn, not only the layout: one marker per run at its final value, and one
    line per series through its mean at each size (an empty or shuffled figure fails)."""
    table = li.table
    fig = plots.plot_crystallinity_vs_size(table, 0.5, "t")
    columns = ["final_crystallinity", "final_any_crystal_crystallinity",
               "final_reference_fraction_largest_embryo"]
    assert len(fig.axes) >= len(columns)
    for ax, column in zip(fig.axes, columns, strict=False):
        markers = run_markers(ax)
        assert len(markers) == len(table)
        np.testing.assert_allclose(np.sort(markers[:, 1]), np.sort(table[column].to_numpy(float)))
        means = [runs.groupby("ensemble_size_atoms")[column].mean().to_numpy()
                 for _, _, runs in plots._series(table)]
        # data lines only (the threshold's axhline is drawn in axes coordinates)
        drawn = [line.get_ydata() for line in ax.lines if line.get_transform() == ax.transData]
        np.testing.assert_allclose(np.sort(np.concatenate(drawn)),
                                   np.sort(np.concatenate(means)))
    plt.close(fig)


def test_survival_curves_draw_each_sizes_kaplan_meier_steps_and_counts(li):
    """One step line per size and panel through the table's survival values (from 1, ending
    at the end of observation), labelled with the statistics table's transformed/runs."""
    statistics, curves = li.statistics()
    fig = plots.plot_survival_curves(curves, statistics, "t")
    keys = [k for k in ("metal", "potential", "initial_state", "packing_density_g_cm3")
            if k in curves]
    panels = list(curves.groupby(keys, sort=True))
    visible = [ax for ax in fig.axes if ax.get_visible() and ax.get_legend() is not None]
    assert len(visible) == len(panels)
    for ax, (_, panel) in zip(visible, panels, strict=True):
        steps = {line.get_label(): line for line in ax.lines
                 if line.get_label().startswith("N = ")}
        assert len(steps) == panel["ensemble_size_atoms"].nunique()
        for size, curve in panel.groupby("ensemble_size_atoms"):
            label = next(name for name in steps if name.startswith(f"N = {size}:"))
            x, y = steps[label].get_xdata(), steps[label].get_ydata()
            np.testing.assert_allclose(y[:-1], curve["survival"])
            np.testing.assert_equal(x[-1], curve["observed_until_ps"].iloc[0])
            assert y[0] <= 1.0
            row = statistics[(statistics["ensemble_size_atoms"] == size)
                             & (statistics["initial_state"] == curve["initial_state"].iloc[0])
                             & np.isclose(statistics["packing_density_g_cm3"],
                                          curve["packing_density_g_cm3"].iloc[0])]
            if "potential" in curve:
                row = row[row["potential"] == curve["potential"].iloc[0]]
            assert label.endswith(f"{int(row['n_transformed'].sum())}/"
                                  f"{int(row['n_runs'].sum())} transformed")
    plt.close(fig)
