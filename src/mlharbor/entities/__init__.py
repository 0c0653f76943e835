"""Plain data objects (frozen dataclasses) that every layer shares; no I/O here."""

from mlharbor.entities.dataset import (
    Dataset,
    DatasetInput,
    DatasetSummary,
    InputTag,
    LoggedModelInput,
    LoggedModelOutput,
)
from mlharbor.entities.enums import LifecycleStage, LoggedModelStatus, RunStatus, ViewType
from mlharbor.entities.experiment import Experiment, ExperimentTag
from mlharbor.entities.file_info import FileInfo
from mlharbor.entities.logged_model import (
    LoggedModel,
    LoggedModelParameter,
    LoggedModelTag,
    ModelRegistration,
)
from mlharbor.entities.metric import Metric, Param, RunTag
from mlharbor.entities.model_registry import (
    ModelVersion,
    ModelVersionStage,
    ModelVersionStatus,
    ModelVersionTag,
    RegisteredModel,
    RegisteredModelAlias,
    RegisteredModelTag,
)
from mlharbor.entities.paged_list import PagedList
from mlharbor.entities.run import Run, RunData, RunInfo, RunInputs, RunOutputs
from mlharbor.entities.source_type import SourceType
from mlharbor.entities.trace import Trace, TraceInfo

__all__ = [
    "Dataset",
    "DatasetInput",
    "DatasetSummary",
    "Experiment",
    "ExperimentTag",
    "FileInfo",
    "InputTag",
    "LifecycleStage",
    "LoggedModel",
    "LoggedModelInput",
    "LoggedModelOutput",
    "LoggedModelParameter",
    "LoggedModelStatus",
    "LoggedModelTag",
    "Metric",
    "ModelRegistration",
    "ModelVersion",
    "ModelVersionStage",
    "ModelVersionStatus",
    "ModelVersionTag",
    "PagedList",
    "Param",
    "RegisteredModel",
    "RegisteredModelAlias",
    "RegisteredModelTag",
    "Run",
    "RunData",
    "RunInfo",
    "RunInputs",
    "RunOutputs",
    "RunStatus",
    "RunTag",
    "SourceType",
    "Trace",
    "TraceInfo",
    "ViewType",
]
