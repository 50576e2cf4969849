"""Config validation: bad values fail before any job, naming the key; runs and seeds."""

import copy
import re
import subprocess
import sys

import pytest

from glassy_li.config.compose import ConfigError, load_config
from glassy_li.plan.campaign import Campaign, md_folder
from glassy_li.study import Study


@pytest.fixture
def config(default_config_files):
    return load_config(*default_config_files)


@pytest.mark.parametrize(
    ("section", "key", "value", "named"),
    [
        ("system", "ensemble_sizes_atoms", [100, -5], "system.ensemble_sizes_atoms[1]"),
        ("system", "packing_densities_g_cm3", [0.0], "system.packing_densities_g_cm3[0]"),
        (None, "potential", "eam-nonexistent", "potential"),
        ("md", "quench_rate_K_per_ps", -1, "md.quench_rate_K_per_ps"),
        ("structure", "method", "voronoi", "structure.method"),
        ("incubation", "reference", "yesterday", "incubation.reference"),
        ("md", "thermostat_damping_ps", -0.1, "md.thermostat_damping_ps"),
        ("md", "atom_flux_atoms_per_ps", -2, "md.atom_flux_atoms_per_ps"),
        ("md", "thermostat", "berendsen", "md.thermostat"),
        ("incubation", "threshold", 1.5, "incubation.threshold"),
        ("incubation", "threshold", -0.2, "incubation.threshold"),
        ("statistics", "confidence", 1.2, "statistics.confidence"),
        ("figures", "trace_size_atoms", 123, "figures.trace_size_atoms"),
        ("md", "mpi_launcher", "", "md.mpi_launcher"),
    ],
)
def test_bad_values_name_their_key(config, section, key, value, named):
    bad = copy.deepcopy(config)
    (bad[section] if section else bad)[key] = value
    with pytest.raises(ConfigError) as error:
        Study.from_config(bad)
    assert f"'{named}'" in str(error.value)
    assert str(value if not isinstance(value, list) else value[-1]) in str(error.value)


@pytest.mark.parametrize(
    ("coupling", "named", "value"),
    [
        ({"thermostat": "langevin", "thermostat_damping_ps": -1.0},
         "coupling_sweep.couplings[1].thermostat_damping_ps", "-1.0"),
        ({"thermostat": "nose-hoover", "atom_flux_atoms_per_ps": -0.5},
         "coupling_sweep.couplings[1].atom_flux_atoms_per_ps", "-0.5"),
        ({"thermostat_damping_ps": 0.2}, "coupling_sweep.couplings[1]", "thermostat"),
    ],
)
def test_bad_coupling_is_refused_naming_its_key(config, coupling, named, value):
    bad = copy.deepcopy(config)
    bad["coupling_sweep"] = {"couplings": [{"thermostat": "none"}, coupling]}
    with pytest.raises(ConfigError) as error:
        Study.from_config(bad)
    assert f"'{named}'" in str(error.value)
    assert value in str(error.value)


def test_coupling_sweep_adds_paired_runs(config):
    sweep = copy.deepcopy(config)
    sweep["coupling_sweep"] = {
        "ensemble_sizes_atoms": [300],
        "packing_densities_g_cm3": [0.0534],
        "couplings": [{"thermostat": "langevin"}, {"thermostat": "none"}],
    }
    base = copy.deepcopy(config)
    base["coupling_sweep"] = {"couplings": []}
    runs, base_runs = Campaign.from_config(sweep).runs(), Campaign.from_config(base).runs()
    assert len(runs) == len(base_runs) + 2 * config["replicas"]
    at_point = runs[(runs["ensemble_size_atoms"] == 300)
                    & (runs["packing_density_g_cm3"] == 0.0534) & (runs["group"] == "grid")]
    assert set(at_point["thermostat"]) == {"nose-hoover", "langevin", "none"}
    # every coupling runs on the same seeds: a paired comparison
    assert at_point.groupby("replica")["seed"].nunique().eq(1).all()
    # unset values of a coupling come from the md section
    assert set(at_point["thermostat_damping_ps"]) == {config["md"]["thermostat_damping_ps"]}


def test_missing_potential_file_names_path_and_preset(config, tmp_path):
    bad = copy.deepcopy(config)
    bad["potential_presets"]["mine"] = {
        **bad["potential_presets"]["meam-baskes1992"],
        "files": {"library": str(tmp_path / "absent.meam")},
    }
    bad["potential"] = "mine"
    with pytest.raises(ConfigError, match=r"absent\.meam.*'mine'"):
        Study.from_config(bad)


def test_default_campaign_runs_paths_and_seeds(config):
    campaign = Campaign.from_config(config)
    runs = campaign.runs()
    grid = runs[(runs["group"] == "grid") & (runs["coupling"] == runs["coupling"].iloc[0])]
    system = config["system"]
    n_points = len(system["ensemble_sizes_atoms"]) * len(system["packing_densities_g_cm3"])
    assert len(grid) == n_points * len(system["initial_states"]) * config["replicas"]
    # one seed per run, shared only by the couplings of the same point and replica
    point = runs["run_id"].str.replace(r"/coup-[^/]+", "", regex=True)
    assert runs.assign(point=point).groupby("seed")["point"].nunique().eq(1).all()
    for run_id, run in runs.iterrows():
        for part in (
            run["initial_state"],
            run["potential"],
            f"N-{run['ensemble_size_atoms']}",
            f"rho-{run['packing_density_g_cm3']:g}",
            f"seed-{run['seed']}",
        ):
            assert part in run_id
    # reproducible: the same config gives the same seeds
    assert Campaign.from_config(config).runs()["seed"].equals(runs["seed"])
    # and the base seed changes them
    other = copy.deepcopy(config)
    other["base_seed"] += 1
    assert not set(Campaign.from_config(other).runs()["seed"]) & set(runs["seed"])


def test_paper_profile_is_the_papers_protocol(repo, shared_potentials):
    config = load_config(repo / "config" / "potentials.yaml", repo / "config" / "paper.yaml")
    campaign = Campaign.from_config(config)
    md = config["md"]
    assert (md["heat_temperature_K"], md["heat_duration_ps"]) == (500, 100)
    assert (md["quench_rate_K_per_ps"], md["final_temperature_K"]) == (1, 300)
    assert md["equilibrate_duration_ps"] == 5000
    sizes = config["system"]["ensemble_sizes_atoms"]
    assert min(sizes) == 100 and max(sizes) == 2000 and 700 in sizes
    assert config["system"]["packing_densities_g_cm3"] == [0.0534]
    assert config["system"]["initial_states"] == ["gas"]
    assert len(campaign.runs()) == len(sizes) * config["replicas"]
    assert config["potential"] == "reaxff"
    potential = campaign.potential()
    assert (potential.units, potential.atom_style) == ("real", "charge")
    assert potential.pair_coeff.endswith("ffield.reax.Li_Aryanfar2015 Li")
    assert campaign.timestep_fs() == 0.25


BAD_OVERRIDES = [
    ("system: {ensemble_sizes_atoms: [-5]}", "system.ensemble_sizes_atoms[0]"),
    ("system: {packing_densities_g_cm3: [0]}", "system.packing_densities_g_cm3[0]"),
    ("potential: no-such-potential", "potential"),
    ("md: {thermostat_damping_ps: -0.1}", "md.thermostat_damping_ps"),
    ("coupling_sweep: {couplings: [{thermostat: none, atom_flux_atoms_per_ps: -1}]}",
     "coupling_sweep.couplings[0].atom_flux_atoms_per_ps"),
    ("incubation: {threshold: 1.5}", "incubation.threshold"),
]
"""Campaign files with one bad value, and the key the refusal must name."""


@pytest.mark.parametrize(("override", "named"), BAD_OVERRIDES)
def test_a_bad_campaign_file_is_refused_naming_its_key(repo, tmp_path, override, named):
    """In process, as the workflow composes and validates a --configfile (glassy_li.study)."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(override + "\n")
    with pytest.raises(ConfigError) as error:
        Study.from_files([bad], None, repo, download=False)
    assert f"'{named}'" in str(error.value)


@pytest.mark.workflow
def test_snakemake_refuses_bad_config_before_any_job(repo, tmp_path):
    """End to end, once: Snakemake stops before any job with the one-line error and nothing
    else on stderr (no traceback)."""
    override, named = BAD_OVERRIDES[0]
    bad = tmp_path / "bad.yaml"
    bad.write_text(override + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--configfile", str(bad), "--directory",
         str(repo), "-s", str(repo / "Snakefile")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    text = result.stdout + result.stderr
    assert f"config key '{named}'" in text
    assert "Job stats" not in text  # nothing was scheduled
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"config key '{named}': "), lines
    assert "Traceback" not in text


@pytest.mark.workflow
def test_slurm_profile_plans_the_paper_campaign_with_resources(repo, shared_potentials):
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--workflow-profile", "profiles/slurm",
         "--configfile", "config/paper.yaml"],
        cwd=repo, capture_output=True, text=True, timeout=300, check=False,
    )
    text = result.stdout + result.stderr
    assert result.returncode == 0, text[-3000:]
    md_jobs = [line for line in text.splitlines() if "resources:" in line and "tasks=" in line]
    assert len(md_jobs) == 24  # 8 sizes x 3 replicas
    for line in md_jobs:
        runtime = int(re.search(r"runtime=(\d+)", line).group(1))
        assert 10 < runtime <= 2880  # capped at md.max_runtime_minutes
        assert "mem_mb=" in line and "cpus_per_task=1" in line
        assert "tasks=2" in line and "mpi=srun --mpi=pmi2" in line  # paper.yaml: 2 ranks
    structure_jobs = text.count("rule identify_structure:")
    assert structure_jobs == 24


@pytest.mark.parametrize(
    ("change", "named", "value"),
    [
        ({"rates_atoms_per_ps": [1.0, -0.5]}, "deposition.rates_atoms_per_ps[1]", "-0.5"),
        ({"rates_atoms_per_ps": [2000.0]}, "deposition.rates_atoms_per_ps", "2000.0"),
        ({"potential": "eam-nonexistent"}, "deposition.potential", "eam-nonexistent"),
        ({"heat_removal": "substrate-layers"}, "deposition.heat_removal", "inert-wall"),
        ({"heat_removal": "sideways"}, "deposition.heat_removal", "sideways"),
        ({"heat_removal": "langevin-bath"}, "deposition.heat_removal", "langevin-bath"),
        ({"relax_duration_ps": 1.0}, "deposition.relax_duration_ps", "1.0"),
        ({"substrates": [{"kind": "bcc-slab", "orientation": "211"}]},
         "deposition.substrates[0].orientation", "211"),
        ({"substrates": [{"kind": "bcc-slab", "layers": 4, "fixed_layers": 2,
                          "thermostatted_layers": 2}]}, "deposition.substrates[0].layers", "4"),
        ({"substrates": [{"kind": "bcc-slab", "thermostatted_layers": 0}]},
         "deposition.substrates[0].thermostatted_layers", "0"),
        ({"substrates": [{"kind": "graphene"}]}, "deposition.substrates[0].kind", "graphene"),
        ({"trajectory_interval_ps": 1.0}, "deposition.trajectory_interval_ps", "1.0"),
    ],
)
def test_bad_deposition_values_name_their_key(config, change, named, value):
    bad = copy.deepcopy(config)
    bad["deposition"].update(change)
    with pytest.raises(ConfigError) as error:
        Study.from_config(bad)
    assert f"'{named}'" in str(error.value)
    assert value in str(error.value)


def test_deposition_runs_pair_replicas_across_rates(config):
    runs = Study.from_config(config).deposition.deposition_runs()
    deposition = config["deposition"]
    assert len(runs) == len(deposition["rates_atoms_per_ps"]) * deposition["replicas"]
    assert runs.groupby("replica")["seed"].nunique().eq(1).all()
    assert runs["seed"].nunique() == deposition["replicas"]
    disabled = copy.deepcopy(config)
    disabled["deposition"]["enabled"] = False
    assert Study.from_config(disabled).deposition.deposition_runs().empty


@pytest.mark.parametrize(
    ("study", "key", "value"),
    [
        ("system:\n  ensemble_sizes_atoms: [100, -5]\n", "system.ensemble_sizes_atoms[1]", "-5"),
        ("potential: no-such-preset\n", "potential", "no-such-preset"),
        ("md:\n  hold_ps: 5\n", "md.hold_ps", "5"),  # a misspelt key
        ("potential_checks:\n  presets: [nope]\n", "potential_checks.presets", "nope"),
        ("replicas_per_size:\n  - {ensemble_size_atoms: 650, replicas: 6}\n",
         "replicas_per_size[0].ensemble_size_atoms", "650"),
    ],
)
def test_a_bad_key_is_named_in_one_line(repo, tmp_path, study, key, value):
    """Schema errors (a negative size, a misspelt key) and semantic ones (unknown presets):
    one line naming the key path and the value, as Snakemake prints it before any job (the
    end-to-end test below shows Snakemake prints this message and nothing else)."""
    overlay = tmp_path / "bad.yaml"
    overlay.write_text("campaign_name: bad\n" + study)
    with pytest.raises(ConfigError) as error:
        Study.from_files([overlay], None, repo, download=False)
    message = str(error.value)
    assert "\n" not in message and message.startswith(f"config key '{key}': ")
    assert value in message


def test_a_study_does_not_inherit_the_default_campaigns_extras(repo, tmp_path):
    """Without `extends`, a study starts from the schema's defaults (no positive control, no
    deposition); `extends: default` inherits config/config.yaml, explicitly. A study that
    names no campaign is named after its file (so it never writes over another's results)."""
    plain = tmp_path / "plain.yaml"
    plain.write_text("campaign_name: plain\nsystem:\n  ensemble_sizes_atoms: [200]\n")
    study = Campaign.from_files(plain)
    assert study.config["positive_controls"] == []
    assert study.config["deposition"]["enabled"] is False
    assert set(study.runs()["group"]) == {"grid"}
    inherits = tmp_path / "inherits.yaml"
    inherits.write_text("extends: default\n")
    inherited = Campaign.from_files(inherits)
    assert inherited.config["campaign_name"] == "inherits"  # the name is not inherited
    assert inherited.config["deposition"]["enabled"] is True
    assert "control-bcc-seed" in set(inherited.runs()["group"])
    unnamed = tmp_path / "my-study.yaml"
    unnamed.write_text("replicas: 1\n")
    assert Campaign.from_files(unnamed).config["campaign_name"] == "my-study"
    loop = tmp_path / "loop.yaml"
    loop.write_text(f"extends: {loop}\n")
    with pytest.raises(ConfigError, match="config key 'extends': .*loop"):
        Campaign.from_files(loop)


def test_runs_of_different_protocols_never_share_a_folder(config):
    """Run paths end in digests of what their files depend on: a longer hold gives other MD
    folders; a longer restart interval (no change to the physics) or 10.0 for 10 the same
    ones; another incubation threshold the same MD folders with another analysis inside."""
    runs = Campaign.from_config(config).runs().index
    longer = copy.deepcopy(config)
    longer["md"]["equilibrate_duration_ps"] = 500
    assert not set(Campaign.from_config(longer).runs().index) & set(runs)
    restarts = copy.deepcopy(config)
    restarts["md"]["restart_interval_ps"] = 50
    assert list(Campaign.from_config(restarts).runs().index) == list(runs)
    floats = copy.deepcopy(config)
    floats["md"]["heat_duration_ps"] = float(config["md"]["heat_duration_ps"])  # 10 or 10.0
    assert list(Campaign.from_config(floats).runs().index) == list(runs)
    # another analysis: the same MD folders, another analysis folder inside each
    analysis = copy.deepcopy(config)
    analysis["incubation"]["threshold"] = 0.4
    reanalysed = Campaign.from_config(analysis).runs().index
    assert [md_folder(run) for run in reanalysed] == [md_folder(run) for run in runs]
    assert not set(reanalysed) & set(runs)


@pytest.mark.parametrize("extends", ["", "extends: default\n"])
def test_a_study_giving_kelvins_replaces_the_inherited_fractions(tmp_path, extends):
    """Of a temperature (or density) pair, the layer that sets one replaces the other: a
    study's final_temperature_K needs no `final_temperature_fraction_of_melting: null`."""
    study = tmp_path / "kelvins.yaml"
    study.write_text(extends + "md:\n  final_temperature_K: 300\n"
                     "system:\n  packing_densities_fraction_of_bulk: [0.1]\n")
    campaign = Campaign.from_files(study)
    heat_K, final_K = campaign.temperatures_K()
    assert final_K == 300
    melting_K = campaign.config["potential_presets"][campaign.config["potential"]][
        "melting_point_K"]
    assert heat_K == pytest.approx(1.10 * melting_K)  # the fraction the study did not replace
    assert campaign.packing_densities_g_cm3() == [pytest.approx(0.0534)]


def test_two_positive_controls_may_not_share_a_label(config):
    config["positive_controls"] = [dict(config["positive_controls"][0]) for _ in range(2)]
    with pytest.raises(ConfigError, match=r"config key 'positive_controls\[1\]\.label'"):
        Campaign.from_config(config)


def test_more_replicas_at_one_size_add_runs_and_keep_the_others(tmp_path):
    """replicas_per_size raises the count at one size only; replicas 0-2 keep their folders."""
    base = tmp_path / "base.yaml"
    base.write_text("campaign_name: base\nsystem:\n  ensemble_sizes_atoms: [200, 700]\n")
    more = tmp_path / "more.yaml"
    more.write_text(
        "extends: " + str(base) + "\ncampaign_name: more\n"
        "replicas_per_size:\n  - {ensemble_size_atoms: 700, replicas: 6}\n"
    )
    before = Campaign.from_files(base).runs()
    after = Campaign.from_files(more).runs()
    assert after.groupby("ensemble_size_atoms").size().to_dict() == {200: 3, 700: 6}
    assert set(before["run_id"]) < set(after["run_id"])


def test_early_stopping_puts_the_analysis_settings_in_the_md_digest(tmp_path):
    """With md.end_hold_when_settled the MD depends on the threshold (it decides where the
    hold ends): a new threshold is a new MD folder.  Without it, only a new analysis one."""
    def md_folders(text: str) -> set[str]:
        path = tmp_path / "study.yaml"
        path.write_text("campaign_name: study\n" + text)
        return {md_folder(run_id) for run_id in Campaign.from_files(path).runs()["run_id"]}

    plain = md_folders("")
    assert md_folders("incubation:\n  threshold: 0.6\n") == plain
    early = md_folders("md:\n  end_hold_when_settled: true\n")
    assert early.isdisjoint(plain)
    assert md_folders(
        "md:\n  end_hold_when_settled: true\nincubation:\n  threshold: 0.6\n"
    ).isdisjoint(early)


def test_a_list_of_hold_temperatures_is_a_campaign_dimension_on_the_same_seeds(tmp_path):
    """md.final_temperature_fraction_of_melting: [0.55, 0.66] runs every size at both hold
    temperatures (paired: the same seeds), each in its own folder; one value keeps the paths
    of before."""
    study = tmp_path / "two.yaml"
    study.write_text(
        "campaign_name: two\nsystem:\n  ensemble_sizes_atoms: [200]\n"
        "md:\n  final_temperature_fraction_of_melting: [0.55, 0.66]\n"
    )
    campaign = Campaign.from_files(study)
    runs = campaign.runs()
    melting = campaign.config["potential_presets"][campaign.potential_name]["melting_point_K"]
    assert sorted(runs["final_temperature_K"].unique()) == pytest.approx(
        [0.55 * melting, 0.66 * melting]
    )
    assert runs["run_id"].is_unique and len(runs) == 6
    seeds = runs.groupby("final_temperature_K")["seed"].apply(sorted).tolist()
    assert seeds[0] == seeds[1]
    one = tmp_path / "one.yaml"
    one.write_text(
        "campaign_name: one\nsystem:\n  ensemble_sizes_atoms: [200]\n"
        "md:\n  final_temperature_fraction_of_melting: 0.66\n"
    )
    assert set(Campaign.from_files(one).runs()["run_id"]) <= set(runs["run_id"])


@pytest.mark.parametrize("template", ["md.lammps", "stage.lammps", "outputs.lammps"])
def test_editing_a_lammps_template_moves_the_runs_to_new_folders(
    config, tmp_path, monkeypatch, template
):
    """A run id names all of its MD's code: the content of every template and include of
    its input is in the MD folder's digest, so an edited template (a comment will do) can
    never leave two outcomes under one run id.  Deposition runs too."""
    from glassy_li.lammps import run as lammps_run  # noqa: PLC0415

    def deposition_ids() -> list[str]:
        return list(Study.from_config(config).deposition.deposition_runs()["run_id"])

    runs, deposition = list(Campaign.from_config(config).runs().index), deposition_ids()
    copied = tmp_path / "templates"
    copied.mkdir()
    for path in lammps_run.TEMPLATE_DIR.glob("*.lammps"):
        (copied / path.name).write_bytes(path.read_bytes())
    monkeypatch.setattr(lammps_run, "TEMPLATE_DIR", copied)
    # an identical copy names the same folders: the digest is of content, not of a path
    assert list(Campaign.from_config(config).runs().index) == runs
    with open(copied / template, "a") as handle:
        handle.write("# an edit\n")
    edited = list(Campaign.from_config(config).runs().index)
    assert len(edited) == len(runs)
    assert not {md_folder(r) for r in edited} & {md_folder(r) for r in runs}
    if template == "outputs.lammps":  # an include the deposition input shares
        assert deposition and not set(deposition_ids()) & set(deposition)
    else:
        assert deposition_ids() == deposition


def test_the_analysis_folder_names_the_analysis_code(config, monkeypatch):
    """Another version of the analysis code is another analysis folder in the same MD
    folder (the MD is kept, the analysis redone)."""
    from glassy_li.plan import campaign as campaign_module  # noqa: PLC0415

    runs = list(Campaign.from_config(config).runs().index)
    monkeypatch.setattr(campaign_module, "analysis_code_digest", lambda: "0badc0de")
    other = list(Campaign.from_config(config).runs().index)
    assert [md_folder(r) for r in other] == [md_folder(r) for r in runs]
    assert not set(other) & set(runs)
