"""Potential files named by address and checksum (glassy_li.config.potential_files).

A real HTTP server (``http.server`` on 127.0.0.1, a random free port, in a thread) serves a
copy of ``../shared/potentials/Li_v2.eam.fs`` (Nichol-Ackland EAM, sha256 below, as published
by the NIST repository); pooch is not mocked. Every test starts from an empty temporary cache
with the default mirrors (``$GLASSY_LI_POTENTIALS``, ``../shared/potentials``) switched off
(``potential_default_mirrors: false``), so what is found is what the test put there.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from glassy_li.config.compose import ConfigError, load_config, resolve_potential
from glassy_li.config.potential_files import PotentialFiles, RemoteFile, sha256_of
from glassy_li.core.project import copy_workflow
from glassy_li.plan.campaign import Campaign

SHARED_POTENTIALS = Path(__file__).resolve().parents[1].parent / "shared" / "potentials"
LI_TABLE = "Li_v2.eam.fs"
LI_SHA256 = "e29dda9d2502146ff7fd98d43ad1654491d198b751a6f39c00d46e21c26b0bcf"
PRESET, KEY = "url-li", "table"


@pytest.fixture
def li_table() -> Path:
    """``../shared/potentials/Li_v2.eam.fs``: skipped (with the reason) where absent, but a
    failure under CI=true, where ../shared is always present."""
    path = SHARED_POTENTIALS / LI_TABLE
    if not path.is_file():
        reason = f"needs the shared potential file {path} (absent here)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must provide ../shared/potentials")
        pytest.skip(reason)
    return path


class Server:
    """A static file server on 127.0.0.1 that records the paths it was asked for."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.requests: list[str] = []
        requests = self.requests

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                super().do_GET()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(folder))
        )
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{name}"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    folder = tmp_path / "served"
    folder.mkdir()
    served = Server(folder)
    served.thread.start()
    yield served
    served.httpd.shutdown()
    served.httpd.server_close()


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def campaign_config(
    repo: Path, url: str, cache: Path, mirrors: list[Path] | None = None
) -> dict:
    """The default campaign on a preset whose only file is ``url`` (Li_v2.eam.fs's hash),
    with ``cache`` and only the given mirrors."""
    config = load_config(repo / "config" / "potentials.yaml", repo / "config" / "config.yaml")
    config["potential_presets"][PRESET] = {
        "metal": "Li",
        "units": "metal",
        "atom_style": "atomic",
        "pair_style": "eam/fs",
        "pair_coeff": "* * {table} Li",
        "files": {KEY: {"url": url, "sha256": LI_SHA256}},
        "timestep_fs": 1.0,
        "melting_point_K": 651.0,  # the default campaign's temperatures are fractions of it
    }
    config["potential"] = PRESET
    config["deposition"]["potential"] = None
    config["potential_cache_dir"] = str(cache)
    config["potential_mirrors"] = [str(m) for m in mirrors or []]
    config["potential_default_mirrors"] = False
    return config


def resolved_table(config: dict) -> Path:
    """The workflow's resolution (as common.smk: validation, then the campaign's preset)."""
    campaign = Campaign.from_config(config)
    return Path(campaign.preset_files(PRESET)[KEY])


def test_fetched_file_lands_verified_in_the_cache(repo, tmp_path, server, li_table):
    shutil.copy(li_table, server.folder / LI_TABLE)
    cache = tmp_path / "cache"
    config = campaign_config(repo, server.url(LI_TABLE), cache)
    original = copy.deepcopy(config)

    path = resolved_table(config)

    assert path == cache / LI_SHA256 / LI_TABLE
    assert path.is_absolute() and path.is_file()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == LI_SHA256
    assert path.read_bytes() == li_table.read_bytes()
    # validation fetched it once; the campaign's own resolution found it in the cache
    assert server.requests == [f"/{LI_TABLE}"]
    assert config == original  # the config keeps the spec; resolution returns paths
    # pair_coeff gets the cache path; a later campaign uses the cache, no network
    setup = Campaign.from_config(config).preset(PRESET)
    assert setup.pair_coeff == f"* * {path} Li"
    assert server.requests == [f"/{LI_TABLE}"]
    assert [p.name for p in cache.rglob("*") if p.is_file()] == [LI_TABLE]  # no leftovers


def test_corrupted_download_is_refused_and_not_kept(repo, tmp_path, server, li_table):
    data = bytearray(li_table.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit of one byte
    (server.folder / LI_TABLE).write_bytes(bytes(data))
    cache = tmp_path / "cache"
    url = server.url(LI_TABLE)

    with pytest.raises(ConfigError) as refused:
        resolved_table(campaign_config(repo, url, cache))

    message = str(refused.value)
    for named in (f"potential_presets.{PRESET}.files.{KEY}", f"preset '{PRESET}'", url,
                  LI_SHA256, hashlib.sha256(bytes(data)).hexdigest(), "Mirrors tried: none"):
        assert named in message
    assert server.requests == [f"/{LI_TABLE}"]
    assert not [p for p in cache.rglob("*") if p.is_file()]  # nothing corrupt was kept


def test_unreachable_address_is_refused_naming_the_mirrors_tried(repo, tmp_path, li_table):
    empty, missing = tmp_path / "empty-mirror", tmp_path / "no-such-mirror"
    empty.mkdir()
    wrong = tmp_path / "wrong-mirror"
    wrong.mkdir()
    (wrong / LI_TABLE).write_text("not the table\n")
    url = f"http://127.0.0.1:{closed_port()}/{LI_TABLE}"

    with pytest.raises(ConfigError) as refused:
        resolved_table(campaign_config(repo, url, tmp_path / "cache", [empty, missing, wrong]))

    message = str(refused.value)
    for named in (f"potential_presets.{PRESET}.files.{KEY}", url, LI_SHA256,
                  f"{empty / LI_TABLE} (absent)", f"{missing} (no such folder)",
                  f"{wrong / LI_TABLE} (sha256 {sha256_of(wrong / LI_TABLE)}: no match)"):
        assert named in message
    assert message.index(str(empty)) < message.index(str(missing)) < message.index(str(wrong))


def test_mirror_hit_uses_no_network(repo, tmp_path, server, li_table):
    """The first mirror copy whose checksum matches is copied into the cache; a wrong copy
    in an earlier mirror is passed over; the address is never contacted."""
    wrong, right = tmp_path / "mirror-wrong", tmp_path / "mirror-right"
    wrong.mkdir()
    right.mkdir()
    (wrong / LI_TABLE).write_bytes(li_table.read_bytes()[:-1])
    shutil.copy(li_table, right / LI_TABLE)
    shutil.copy(li_table, server.folder / LI_TABLE)
    cache = tmp_path / "cache"

    path = resolved_table(campaign_config(repo, server.url(LI_TABLE), cache, [wrong, right]))

    assert server.requests == []
    assert path == cache / LI_SHA256 / LI_TABLE
    assert hashlib.sha256(path.read_bytes()).hexdigest() == LI_SHA256
    assert path.stat().st_ino != (right / LI_TABLE).stat().st_ino  # a copy, not the mirror's


def test_wrong_mirror_copy_alone_means_download(repo, tmp_path, server, li_table):
    wrong = tmp_path / "mirror-wrong"
    wrong.mkdir()
    (wrong / LI_TABLE).write_bytes(li_table.read_bytes() + b"\n")
    shutil.copy(li_table, server.folder / LI_TABLE)

    path = resolved_table(campaign_config(repo, server.url(LI_TABLE), tmp_path / "c", [wrong]))

    assert server.requests == [f"/{LI_TABLE}"]
    assert sha256_of(path) == LI_SHA256


def test_unused_preset_with_unreachable_address_does_not_matter(repo, tmp_path):
    config = campaign_config(
        repo, f"http://127.0.0.1:{closed_port()}/{LI_TABLE}", tmp_path / "cache"
    )
    config["potential"] = "meam-baskes1992"
    campaign = Campaign.from_config(config)
    assert campaign.potential_names == ["meam-baskes1992"]
    assert not (tmp_path / "cache").exists()
    with pytest.raises(ConfigError, match=f"preset '{PRESET}'"):
        campaign.preset(PRESET)  # asked for (e.g. by potential_checks), it is refused


def test_dry_run_mode_fetches_nothing_and_plans(tmp_path, server, li_table):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    shutil.copy(li_table, mirror / LI_TABLE)
    reported = []
    remote = RemoteFile(server.url(LI_TABLE), LI_SHA256)
    for mirrors, copied in (([], None), ([mirror], mirror / LI_TABLE)):
        files = PotentialFiles(tmp_path / "cache", mirrors, download=False,
                               on_plan=reported.append)
        preset = {"pair_coeff": "* * {table} Li", "files": {KEY: {"url": remote.url,
                                                                 "sha256": LI_SHA256}},
                  "units": "metal", "atom_style": "atomic", "pair_style": "eam/fs",
                  "mass_amu": 6.94}
        setup = resolve_potential(PRESET, preset, tmp_path, files)
        assert setup.pair_coeff == f"* * {files.cache_path(remote)} Li"
        assert reported[-1].mirror_copy == copied
        assert str(reported[-1]).startswith("would copy" if copied else "would fetch")
    assert server.requests == []
    assert not (tmp_path / "cache").exists()


def test_mirror_order_config_then_environment_then_shared(tmp_path):
    config = {"potential_mirrors": ["m1", "/abs/m2"], "potential_cache_dir": "c"}
    environ = {"GLASSY_LI_POTENTIALS": os.pathsep.join(["e1", "", "/abs/e2"])}
    files = PotentialFiles.from_config(config, tmp_path, environ=environ)
    assert files.mirrors == (tmp_path / "m1", Path("/abs/m2"), tmp_path / "e1",
                             Path("/abs/e2"), tmp_path.parent / "shared" / "potentials")
    assert files.cache_dir == tmp_path / "c"
    only = PotentialFiles.from_config({**config, "potential_default_mirrors": False},
                                      tmp_path, environ=environ)
    assert only.mirrors == (tmp_path / "m1", Path("/abs/m2"))
    assert PotentialFiles.from_config({}, tmp_path).cache_dir == (
        tmp_path / "resources" / "potentials")


@pytest.mark.parametrize(
    "spec",
    [
        {"url": "http://example.org/Li_v2.eam.fs"},
        {"url": "http://example.org/Li_v2.eam.fs", "sha256": "abc"},
        {"url": "file:///tmp/Li_v2.eam.fs", "sha256": LI_SHA256},
        {"url": "http://example.org/Li_v2.eam.fs", "sha256": LI_SHA256, "md5": "x"},
    ],
)
def test_bad_spec_is_refused_naming_its_key(repo, tmp_path, spec):
    config = campaign_config(repo, "http://unused/", tmp_path / "cache")
    config["potential_presets"][PRESET]["files"][KEY] = spec
    with pytest.raises(ConfigError, match=rf"potential_presets\.{PRESET}\.files\.{KEY}"):
        Campaign.from_config(config)


@pytest.mark.workflow
def test_snakemake_dry_run_downloads_nothing_and_names_the_file(repo, tmp_path, server):
    copy_workflow(tmp_path / "wf", repo)
    url = server.url(LI_TABLE)  # serves nothing: any request is recorded
    (tmp_path / "wf" / "tiny.yaml").write_text(f"""
campaign_name: tiny
replicas: 1
potential: {PRESET}
potential_presets:
  {PRESET}:
    metal: Li
    units: metal
    atom_style: atomic
    pair_style: eam/fs
    pair_coeff: "* * {{table}} Li"
    files:
      table: {{url: "{url}", sha256: {LI_SHA256}}}
    melting_point_K: 651
    timestep_fs: 1.0
potential_cache_dir: resources/potentials
potential_mirrors: []
potential_default_mirrors: false
system:
  initial_states: [droplet]
  ensemble_sizes_atoms: [30]
  packing_densities_g_cm3: [0.0534]
coupling_sweep: {{couplings: []}}
""")
    environment = {k: v for k, v in os.environ.items() if k != "GLASSY_LI_POTENTIALS"}
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--configfile", "tiny.yaml"],
        cwd=tmp_path / "wf", env=environment, capture_output=True, text=True, timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    cache_path = tmp_path / "wf" / "resources" / "potentials" / LI_SHA256 / LI_TABLE
    line = (f"would fetch potential file potential_presets.{PRESET}.files.{KEY} from {url} "
            f"-> {cache_path} (sha256 {LI_SHA256})")
    assert line in output
    assert output.count(line) == 1
    assert server.requests == []
    assert not (tmp_path / "wf" / "resources").exists()


@pytest.mark.validation
def test_lammps_reads_the_fetched_table(repo, tmp_path, server, li_table):
    """The cache's copy is the published table: bcc Li at its 0 K lattice constant, 3.510 A,
    has E = -1.648 eV/atom (../shared/potentials/README.md)."""
    from glassy_li.core.lammps_env import import_lammps  # noqa: PLC0415

    shutil.copy(li_table, server.folder / LI_TABLE)
    setup = Campaign.from_config(
        campaign_config(repo, server.url(LI_TABLE), tmp_path / "cache")
    ).preset(PRESET)
    lmp = import_lammps().lammps(cmdargs=["-log", "none", "-screen", "none"])
    try:
        for command in ("units metal", "atom_style atomic", "boundary p p p",
                        "lattice bcc 3.510", "region box block 0 3 0 3 0 3", "create_box 1 box",
                        "create_atoms 1 box", f"pair_style {setup.pair_style}",
                        f"pair_coeff {setup.pair_coeff}", f"mass 1 {setup.mass_amu}", "run 0"):
            lmp.command(command)
        energy = lmp.get_thermo("pe") / lmp.get_natoms()
    finally:
        lmp.close()
    assert str(tmp_path / "cache" / LI_SHA256 / LI_TABLE) in setup.pair_coeff
    assert energy == pytest.approx(-1.648, abs=5e-4)
