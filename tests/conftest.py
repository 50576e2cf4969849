"""Shared fixtures: paths of the repository and of the optional ../shared data."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_POTENTIALS = REPO.parent / "shared" / "potentials"


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def default_config_files(repo: Path) -> list[Path]:
    return [repo / "config" / "potentials.yaml", repo / "config" / "config.yaml"]


@pytest.fixture
def shared_potentials() -> Path:
    """``../shared/potentials`` beside the checkout; tests needing it skip when it is absent."""
    if not SHARED_POTENTIALS.is_dir():
        pytest.skip(f"needs the shared potential files at {SHARED_POTENTIALS} (absent here)")
    return SHARED_POTENTIALS
