"""The ingest step: read the dataset (csv, parquet, or a custom loader) into ``ingested_data``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, NotImplementedFeature
from mlharbor.recipes.cards import Card, dataframe_preview, dataframe_schema
from mlharbor.recipes.steps.base import StepContext, StepSpec

__all__ = ["INGEST", "OUTPUT", "data_signature"]

OUTPUT = "ingested_data.pkl"
_BUILTIN = ("csv", "parquet")
_UNSUPPORTED = ("spark_sql", "delta")


def _locations(ctx: StepContext, location: Any) -> list[str]:
    if location is None:
        return []
    values = location if isinstance(location, list) else [location]
    resolved = []
    for value in values:
        text = str(value)
        # URLs and absolute paths are used as given; relative paths are relative to the recipe.
        if "://" in text or Path(text).is_absolute():
            resolved.append(text)
        else:
            resolved.append(str((ctx.root / text).resolve()))
    return resolved


def _builtin_files(path: str, file_format: str) -> list[str]:
    folder = Path(path)
    if folder.is_dir():
        return sorted(str(p) for p in folder.glob(f"*.{file_format}"))
    return [path]


def _read_builtin(path: str, file_format: str) -> Any:
    import pandas as pd

    if file_format == "csv":
        return pd.read_csv(path)
    return pd.read_parquet(path)


def data_signature(root: Path, config: dict[str, Any]) -> list[list[Any]]:
    """Size and modification time of the local files the ingest step reads.

    Part of the step's fingerprint, so replacing the data file re-runs ingest.
    """
    location = ((config.get("steps") or {}).get("ingest") or {}).get("location")
    values = location if isinstance(location, list) else [location] if location else []
    signature: list[list[Any]] = []
    for value in values:
        path = Path(str(value)) if Path(str(value)).is_absolute() else root / str(value)
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                stat = file.stat()
                signature.append([str(file), stat.st_size, stat.st_mtime_ns])
    return signature


def _execute(ctx: StepContext) -> Card:
    import pandas as pd

    config = ctx.step_config("ingest")
    using = config.get("using")
    loader_name = config.get("loader_method")
    locations = _locations(ctx, config.get("location"))
    if using in _UNSUPPORTED:
        raise NotImplementedFeature(f"steps.ingest.using: {using!r} needs Spark, not supported")
    if using in _BUILTIN and not loader_name:
        if not locations:
            raise InvalidParameterValue(f"steps.ingest.using: {using!r} needs a 'location'")
        files = [f for loc in locations for f in _builtin_files(loc, using)]
        if not files:
            raise InvalidParameterValue(f"No .{using} files found at {locations}")
        frames = [_read_builtin(f, using) for f in files]
    elif loader_name:
        loader = ctx.user_function("ingest", str(loader_name), "steps.ingest.loader_method")
        targets: list[str | None] = [*locations] or [None]
        frames = [loader(loc, using) for loc in targets]
    else:
        raise InvalidParameterValue(
            "steps.ingest needs 'using: csv' or 'using: parquet' with a 'location', or a "
            "'loader_method' defined in steps/ingest.py"
        )
    for frame in frames:
        if not isinstance(frame, pd.DataFrame):
            raise InvalidParameterValue(
                f"The ingest loader must return a pandas DataFrame, got {type(frame).__name__}"
            )
    data = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    data.to_pickle(ctx.outputs / OUTPUT)

    card = Card("Ingest")
    card.add_fields(
        "Summary",
        {
            "source": ", ".join(locations) or f"steps/ingest.py:{loader_name}",
            "format": using or "custom",
            "rows": len(data),
            "columns": len(data.columns),
        },
    )
    card.add_table("Schema", *dataframe_schema(data))
    card.add_table("Preview", *dataframe_preview(data))
    return card


INGEST = StepSpec(
    name="ingest",
    config_keys=(),
    code_files=("ingest",),
    execute=_execute,
    inputs=data_signature,
)
