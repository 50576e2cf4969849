"""A study: one campaign config, composed and validated once, and the campaigns it holds.

A campaign file (``config/*.yaml``) defines two campaigns that share its potential, metal and
analysis settings: the nucleation campaign (:class:`glassy_li.plan.campaign.Campaign`: droplets
and gas heated, quenched and held) and the deposition campaign
(:class:`glassy_li.deposition.campaign.DepositionCampaign`: the paper's Fig 7).  ``Study``
validates the config for both (the schema, then each campaign's own checks) and holds them, so
that the workflow's rules and the ``glassy-li`` command read one object.  It sits above the
stage subpackages, as the command does.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glassy_li.config.compose import compose_config
from glassy_li.config.potential_files import PotentialFiles
from glassy_li.core.project import REPO_ROOT
from glassy_li.deposition.campaign import DepositionCampaign, validate_deposition
from glassy_li.plan.campaign import Campaign

__all__ = ["Study"]


@dataclass(frozen=True)
class Study:
    """A validated campaign config and its nucleation and deposition campaigns."""

    nucleation: Campaign
    deposition: DepositionCampaign

    @property
    def config(self) -> dict[str, Any]:
        """The validated config, every default filled in (shared by both campaigns)."""
        return self.nucleation.config

    @property
    def files(self) -> PotentialFiles:
        """The store of potential files named by address and checksum."""
        assert self.nucleation.files is not None  # Campaign fills it in
        return self.nucleation.files

    @property
    def project_root(self) -> Path | None:
        return self.nucleation.project_root

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Any],
        files: PotentialFiles | None = None,
        project_root: str | Path | None = None,
        *,
        in_place: bool = False,
        **options: Any,
    ) -> Study:
        """Validate a composed ``config`` for both campaigns (a copy, or ``config`` itself
        when ``in_place``) and hold them.  ``files`` and ``options`` (``download``,
        ``on_plan``) as :meth:`glassy_li.plan.campaign.Campaign.from_config`.

        Raises
        ------
        glassy_li.config.compose.ConfigError
            naming the first offending key and its value.
        """
        checked = config if in_place else copy.deepcopy(dict(config))
        nucleation = Campaign.from_config(checked, files, project_root, in_place=True, **options)
        validate_deposition(nucleation.config, nucleation.files, nucleation.project_root)
        return cls(
            nucleation,
            DepositionCampaign(nucleation.config, nucleation.files, nucleation.project_root),
        )

    @classmethod
    def from_files(
        cls,
        paths: Sequence[str | Path] | str | Path,
        overrides: Mapping[str, Any] | None = None,
        project_root: str | Path | None = None,
        **options: Any,
    ) -> Study:
        """A study composed from campaign files as ``snakemake --configfile`` would
        (:func:`glassy_li.config.compose.compose_config`: presets, the ``extends`` chain, then
        ``overrides`` as ``--config`` gives them), then validated (:meth:`from_config`)."""
        campaign_files = [paths] if isinstance(paths, str | Path) else list(paths)
        root = Path(project_root) if project_root is not None else None
        config = compose_config(campaign_files, overrides, root if root is not None else REPO_ROOT)
        return cls.from_config(config, project_root=root, in_place=True, **options)
