"""Model-registry entities: registered models, their versions, tags and aliases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from mlharbor.exceptions import InvalidParameterValue


class ModelVersionStage:
    """The legacy deployment stages of a model version, spelled as MLflow spells them."""

    NONE = "None"
    STAGING = "Staging"
    PRODUCTION = "Production"
    ARCHIVED = "Archived"
    ALL: tuple[str, ...] = (NONE, STAGING, PRODUCTION, ARCHIVED)
    # the targets for which archive_existing_versions is meaningful
    ACTIVE: tuple[str, ...] = (STAGING, PRODUCTION)

    @classmethod
    def canonical(cls, stage: str) -> str:
        """Return the canonical spelling of ``stage`` (matched case-insensitively).

        Raises:
            InvalidParameterValue: ``stage`` names no stage.
        """
        for known in cls.ALL:
            if stage.lower() == known.lower():
                return known
        raise InvalidParameterValue(
            f"Invalid Model Version stage: {stage}. Value must be one of {', '.join(cls.ALL)}."
        )


class ModelVersionStatus:
    PENDING_REGISTRATION = "PENDING_REGISTRATION"
    FAILED_REGISTRATION = "FAILED_REGISTRATION"
    READY = "READY"
    ALL: tuple[str, ...] = (PENDING_REGISTRATION, FAILED_REGISTRATION, READY)


@dataclass(frozen=True)
class RegisteredModelTag:
    key: str
    value: str


@dataclass(frozen=True)
class ModelVersionTag:
    key: str
    value: str


@dataclass(frozen=True)
class RegisteredModelAlias:
    alias: str
    version: str


@dataclass(frozen=True)
class ModelVersion:
    """One numbered version of a registered model; ``version`` is the number as a string."""

    name: str
    version: str
    creation_timestamp: int
    last_updated_timestamp: int
    current_stage: str = ModelVersionStage.NONE
    description: str = ""
    user_id: str | None = None
    source: str = ""
    run_id: str | None = None
    status: str = ModelVersionStatus.READY
    status_message: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    run_link: str = ""
    aliases: tuple[str, ...] = ()
    model_id: str | None = None


@dataclass(frozen=True)
class RegisteredModel:
    """A named model; ``latest_versions`` holds the newest version of each stage."""

    name: str
    creation_timestamp: int
    last_updated_timestamp: int
    description: str | None = None
    user_id: str | None = None
    latest_versions: tuple[ModelVersion, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    # alias -> version number (string)
    aliases: Mapping[str, str] = field(default_factory=dict)
