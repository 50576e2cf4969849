"""YAML read with libyaml's parser where PyYAML has it (about ten times faster than the pure
Python one, the same safe constructor and so the same values), PyYAML's own otherwise."""

from typing import Any

import yaml

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""The safe loader with the C parser when PyYAML was built with libyaml."""


def load_yaml(text: str) -> Any:
    """The value of YAML ``text`` (safe subset: no Python objects); None for an empty text."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - the safe loader
