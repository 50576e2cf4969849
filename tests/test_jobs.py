"""What the nucleation campaign's rules ask of its runs (glassy_li.plan.jobs.RunJobs), checked
in process on the default campaign: the run a job names, its protocol, resources that cover
the work, and the runs the figures show."""

from __future__ import annotations

import copy
from pathlib import Path
from types import SimpleNamespace

import pytest

from glassy_li.checks.jobs import CheckJobs
from glassy_li.config.compose import load_config
from glassy_li.md.protocol import stage_steps
from glassy_li.plan.campaign import md_folder
from glassy_li.plan.jobs import FIGURES, TABLES, RunJobs
from glassy_li.report.jobs import DEPOSITION_FIGURES, PageJobs
from glassy_li.report.results_page import PAGE_TABLES
from glassy_li.study import Study

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def jobs() -> RunJobs:
    config = load_config(REPO / "config" / "potentials.yaml", REPO / "config" / "config.yaml")
    return RunJobs(Study.from_config(config).nucleation)


def test_a_job_names_its_run_by_analysis_folder_or_md_folder(jobs):
    run_id = jobs.runs.index[0]
    md, ana = run_id.rsplit("/ana-", 1)
    assert jobs.run_of(SimpleNamespace(md=md, ana=ana)) == run_id
    assert jobs.run_of(SimpleNamespace(md=md)) == run_id  # the MD job: its first run
    info = jobs.md_run_info(SimpleNamespace(md=md))
    assert info["run_id"] == md_folder(run_id) == md  # no analysis folder in an MD param
    assert info["seed"] == jobs.runs.loc[run_id, "seed"]
    assert set(jobs.md_runs) == {md_folder(run) for run in jobs.runs.index}


def test_stage_boundaries_rise_to_the_runs_total_time(jobs):
    run_id = jobs.runs.index[0]
    times = list(jobs.boundaries_of(run_id).values())
    assert times == sorted(times) and times[0] == 0
    protocol = jobs.protocol_of(run_id)
    # stages end on a frame of both output cadences: the end lies within a frame of nominal
    assert protocol.total_duration_ps <= times[-1]
    assert times[-1] < protocol.total_duration_ps + protocol.trajectory_interval_ps


def test_resources_cover_the_longest_run(jobs):
    """Each MD job asks for at most md.max_runtime_minutes; the retries let the longest run
    finish in capped jobs; more atom-steps never ask for less time or memory."""
    md = jobs.config["md"]
    longest = max(map(jobs.md_needed_minutes, jobs.runs.index))
    for run_id in jobs.runs.index:
        wildcards = SimpleNamespace(md=md_folder(run_id))
        assert 0 < jobs.md_runtime_minutes(wildcards) <= md["max_runtime_minutes"]
    assert (jobs.md_retries() + 1) * md["max_runtime_minutes"] >= longest
    sizes = jobs.main_grid.sort_values("ensemble_size_atoms")  # one protocol, rising sizes
    needs = [jobs.md_needed_minutes(run) for run in sizes.index]
    assert needs == sorted(needs) and needs[-1] > needs[0]
    mems = [jobs.mem_mb_for(int(n)) for n in sizes["ensemble_size_atoms"]]
    assert mems == sorted(mems)
    run_id = sizes.index[-1]
    protocol = jobs.protocol_of(run_id)
    atom_steps = stage_steps(protocol).total * int(sizes.loc[run_id, "ensemble_size_atoms"])
    assert jobs.md_needed_minutes(run_id) == jobs.needed_minutes(atom_steps,
                                                                 sizes.loc[run_id, "potential"])


def test_the_figures_show_main_grid_runs(jobs):
    grid = jobs.main_grid
    assert set(grid["group"]) == {"grid"} and set(grid["coupling"]) == {jobs.base_coupling}
    traces = jobs.trace_runs()
    size = jobs.config["figures"]["trace_size_atoms"] or grid["ensemble_size_atoms"].max()
    assert set(grid.loc[traces, "ensemble_size_atoms"]) == {size}
    assert len(traces) == (grid["ensemble_size_atoms"] == size).sum()
    assert jobs.snapshot_run() == traces[0]
    rendered = jobs.rendered_runs()
    rendered_sizes = list(grid.loc[rendered, "ensemble_size_atoms"])
    assert rendered_sizes == sorted(set(grid["ensemble_size_atoms"]))  # one per size, in order
    assert set(grid.loc[rendered, "replica"]) == {0}


def test_final_outputs_name_every_table_figure_and_provenance(jobs):
    outputs = jobs.final_outputs("landing.rst")
    out = jobs.out
    assert all(f"{out}/tables/{name}.tsv" in outputs for name in TABLES)
    assert all(f"{out}/figures/{name}.{ext}" in outputs for name in FIGURES
               for ext in ("png", "svg"))
    provenance = [path for path in outputs if path.endswith("/provenance.json")]
    assert len(provenance) == len(jobs.runs) and "landing.rst" in outputs


def test_check_jobs_default_to_the_campaigns_presets_and_the_metals_melting_point(jobs):
    checks = CheckJobs(jobs.campaign)
    config = jobs.config
    sizes = config["potential_checks"]["size_melting"]
    chosen = copy.deepcopy(config)
    chosen["potential_checks"]["presets"] = ["meam-cui2012"]
    chosen["potential_checks"]["size_melting"]["presets"] = ["meam-cui2012"]
    picked = CheckJobs(Study.from_config(chosen).nucleation)
    assert picked.checked_presets() == ["meam-cui2012"]
    assert picked.size_melting_presets() == ["meam-cui2012"]
    every = copy.deepcopy(config)
    every["potential_checks"]["presets"] = []
    every["potential_checks"]["size_melting"]["presets"] = None
    defaults = CheckJobs(Study.from_config(every).nucleation)
    assert defaults.checked_presets() == sorted(config["potential_presets"])  # all of them
    assert defaults.size_melting_presets() == jobs.campaign.potential_names  # the campaign's
    outputs = checks.size_melting_outputs("results/x")
    assert len(outputs) == 3 * len(checks.size_melting_presets())
    edited = copy.deepcopy(config)
    edited["potential_checks"]["interface_melting"]["presets"] = {
        "eam-nichol2016-li": None,
        "meam-cui2012": {"starts_K": [430, 450.4], "production_ps": 77.0},
    }
    edited["potential_checks"]["size_melting"].update(start_K=300.0, stop_K=700.0)
    other = CheckJobs(Study.from_config(edited).nucleation)
    li_K = jobs.campaign.metal("eam-nichol2016-li").melting_point_K
    assert other.interface_melting_starts() == [
        ("eam-nichol2016-li", round(li_K)), ("meam-cui2012", 430), ("meam-cui2012", 450)]
    assert other.interface_melting_settings("meam-cui2012")["production_ps"] == 77.0  # its own
    assert "starts_K" not in other.interface_melting_settings("meam-cui2012")
    assert other.size_melting_heating_reference_K("eam-nichol2016-li") is None  # fixed grid
    assert checks.size_melting_heating_reference_K("eam-nichol2016-li") == (
        None if sizes["start_K"] is not None and sizes["stop_K"] is not None
        else config["potential_presets"]["eam-nichol2016-li"]["melting_point_K"])


def test_the_page_copies_the_grids_files_and_the_deposition_series(jobs):
    def pages(config):
        study = Study.from_config(config)
        runs = RunJobs(study.nucleation)
        return PageJobs(runs, CheckJobs(study.nucleation), study.deposition)

    page = pages(jobs.config)
    out = jobs.out
    assert page.page_files("provenance")[: len(jobs.runs)] == jobs.all_runs(
        "results/runs/{run}/provenance.json")
    deposition_runs = len(page.deposition_runs)
    assert deposition_runs > 0  # the default campaign deposits
    assert len(page.page_files("provenance")) == len(jobs.runs) + deposition_runs
    assert [f"{out}/tables/{name}" for name in PAGE_TABLES] == page.page_files("tables")[
        : len(PAGE_TABLES)]
    assert page.page_files("figures")[-len(DEPOSITION_FIGURES):] == [
        f"{out}/figures/{name}.png" for name in DEPOSITION_FIGURES]
    no_grid = copy.deepcopy(jobs.config)
    no_grid["results_page"]["grid"] = False
    assert pages(no_grid).page_files("provenance") == page.deposition_run_files("provenance.json")
    assert pages(no_grid).page_files("melting") == []
    no_deposition = copy.deepcopy(jobs.config)
    no_deposition["deposition"]["enabled"] = False
    alone = pages(no_deposition)
    assert alone.deposition_outputs() == []
    assert alone.page_files("performance") == jobs.all_runs(
        "results/runs/{md}/md_performance.json")
    with pytest.raises(ValueError, match="'movies' is not one of"):
        page.page_files("movies")
    assert page.results_page_command([REPO / "config" / "density.yaml"], REPO) == (
        "snakemake --cores 2 --configfile config/density.yaml -- results_page")
    assert page.results_page_command([], REPO) == "snakemake --cores 2 -- results_page"


def test_the_model_reads_every_training_table_and_the_held_out_ones_that_ran(jobs, tmp_path):
    config = copy.deepcopy(jobs.config)
    config["nucleation_model"].update(results_dir=str(tmp_path), training_campaigns=["a", "b"],
                                      held_out_campaigns=["ran", "not-yet"])
    (tmp_path / "ran" / "tables").mkdir(parents=True)
    (tmp_path / "ran" / "tables" / "campaign.tsv").write_text("run_id\n")
    study = Study.from_config(config)
    page = PageJobs(RunJobs(study.nucleation), CheckJobs(study.nucleation), study.deposition)
    assert page.nucleation_model_inputs(held_out=False) == [
        str(tmp_path / name / "tables" / "campaign.tsv") for name in ("a", "b")]
    assert page.nucleation_model_inputs(held_out=True) == [
        str(tmp_path / "ran" / "tables" / "campaign.tsv")]
