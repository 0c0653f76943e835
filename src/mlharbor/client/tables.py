"""Tables and streams as run artifacts: ``log_table``, ``load_table`` and ``log_stream``.

A table is stored the way MLflow stores it (JSON ``{"columns": [...], "data": [[...]]}`` or
Parquet), grows when logged again under the same name, and is listed in the run tag
``mlflow.loggedArtifacts`` so ``load_table`` (ours or MLflow's) finds the runs that have it.
Image cells are stored as PNG files with a small WebP preview next to the table.
"""

from __future__ import annotations

import io
import json
import os
import posixpath
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from mlharbor.client._values import validate_run_id
from mlharbor.client.paging import collect_pages
from mlharbor.entities import FileInfo, PagedList, Run
from mlharbor.exceptions import InvalidParameterValue, MlharborException, ResourceDoesNotExist
from mlharbor.utils.paths import validate_relative_path

if TYPE_CHECKING:
    import pandas

__all__ = ["LOGGED_ARTIFACTS_TAG", "TableMethods"]

LOGGED_ARTIFACTS_TAG = "mlflow.loggedArtifacts"
_TABLE_SUFFIXES = (".json", ".parquet")
_RUNS_PAGE = 1000


def _is_image(value: Any) -> bool:
    return all(callable(getattr(value, name, None)) for name in ("save", "resize")) and hasattr(
        value, "size"
    )


def _read_table(local_path: str) -> pandas.DataFrame:
    import pandas as pd

    if local_path.endswith(".json"):
        return pd.read_json(local_path, orient="split")
    return pd.read_parquet(local_path)


def _to_frame(data: Any) -> pandas.DataFrame:
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data.copy()
    if not isinstance(data, dict):
        raise InvalidParameterValue("data must be a pandas.DataFrame or a dictionary")
    try:
        return pd.DataFrame(data)
    except ValueError:
        # All scalars ({"question": "..."}): one row.
        return pd.DataFrame([data])


def _checked_table_file(artifact_file: str) -> str:
    normalized = validate_relative_path(artifact_file)
    if not normalized:
        raise InvalidParameterValue(f"Invalid artifact file path: '{artifact_file}'")
    if not normalized.endswith(_TABLE_SUFFIXES):
        raise ValueError(
            f"Invalid artifact file path '{artifact_file}'. Please ensure the file you are trying "
            "to log as a table has a file name with either '.json' or '.parquet' extension."
        )
    return normalized


class TableMethods:
    """Mixin for the client: needs its artifact methods, ``get_run``, ``set_tag`` and
    ``search_runs``."""

    list_artifacts: Callable[[str, str | None], list[FileInfo]]
    download_artifacts: Callable[[str, str, str | None], str]
    get_run: Callable[[str], Run]
    set_tag: Callable[..., Any]
    search_runs: Callable[..., PagedList[Run]]
    _upload_as: Callable[..., AbstractContextManager[str]]

    def log_stream(
        self, run_id: str, stream: io.BufferedIOBase | io.RawIOBase, artifact_file: str
    ) -> None:
        """Copy a binary stream, in chunks, into the run artifact ``artifact_file``."""
        validate_run_id(run_id)
        with self._upload_as(run_id, artifact_file) as local_file, open(local_file, "wb") as out:
            while chunk := stream.read(1 << 16):
                out.write(chunk)

    def _has_file(self, run_id: str, artifact_file: str) -> bool:
        directory = posixpath.dirname(artifact_file) or None
        return any(
            f.path == artifact_file and not f.is_dir for f in self.list_artifacts(run_id, directory)
        )

    def _read_run_table(self, run_id: str, artifact_file: str) -> pandas.DataFrame:
        with tempfile.TemporaryDirectory(prefix="mlharbor-table-") as tmp:
            return _read_table(self.download_artifacts(run_id, artifact_file, tmp))

    def _store_images(self, run_id: str, frame: pandas.DataFrame, artifact_file: str) -> None:
        from mlharbor.client.artifacts import _preview

        stem = os.path.splitext(artifact_file)[0]
        for column in frame.columns:
            images = frame[column].map(_is_image)
            if not images.any():
                continue
            if not images.all():
                raise ValueError(
                    f"Column `{column}` contains a mix of images and non-images. Please ensure "
                    "that all elements in the column are of the same type."
                )

            def store(image: Any) -> dict[str, str]:
                name = posixpath.join("table_images", stem, str(uuid.uuid4()))
                for suffix, picture in ((".png", image), (".webp", _preview(image))):
                    with self._upload_as(run_id, name + suffix) as local_file:
                        picture.save(local_file)
                return {
                    "type": "image",
                    "filepath": f"{name}.png",
                    "compressed_filepath": f"{name}.webp",
                }

            frame[column] = frame[column].map(store)

    def log_table(self, run_id: str, data: Any, artifact_file: str) -> None:
        """Store a DataFrame (or a dict of columns) as the run table ``artifact_file``.

        Logging again under the same name appends rows. The run tag
        ``mlflow.loggedArtifacts`` records the table for :meth:`load_table`.

        Raises:
            ValueError: for a name not ending in ``.json`` or ``.parquet``.
            InvalidParameterValue: for data that is neither a DataFrame nor a dict.
        """
        import pandas as pd

        validate_run_id(run_id)
        artifact_file = _checked_table_file(artifact_file)
        frame = _to_frame(data)
        self._store_images(run_id, frame, artifact_file)
        if self._has_file(run_id, artifact_file):
            frame = pd.concat(
                [self._read_run_table(run_id, artifact_file), frame], ignore_index=True
            )
        with self._upload_as(run_id, artifact_file) as local_file:
            try:
                if local_file.endswith(".json"):
                    frame.to_json(local_file, orient="split", index=False, date_format="iso")
                else:
                    frame.to_parquet(local_file, index=False)
            except (TypeError, ValueError, OverflowError) as error:
                raise MlharborException(
                    f"Failed to save {frame} as table as the data is not JSON serializable. "
                    f"Error: {error}"
                ) from error
        recorded = json.loads(self.get_run(run_id).data.tags.get(LOGGED_ARTIFACTS_TAG, "[]"))
        entry = {"path": artifact_file, "type": "table"}
        if entry not in recorded:
            recorded.append(entry)
            self.set_tag(run_id, LOGGED_ARTIFACTS_TAG, json.dumps(recorded))

    def load_table(
        self,
        experiment_id: str,
        artifact_file: str,
        run_ids: list[str] | None = None,
        extra_columns: list[str] | None = None,
    ) -> pandas.DataFrame:
        """The rows of table ``artifact_file`` from every run of the experiment that logged
        it (or of ``run_ids``), concatenated; ``extra_columns`` names columns of
        ``search_runs``' DataFrame (``run_id``, ``tags.x``, ...) to add to each row.

        Raises:
            ResourceDoesNotExist: when no run has the table.
        """
        import pandas as pd

        from mlharbor.client.runs_frame import runs_to_frame

        artifact_file = validate_relative_path(artifact_file)
        needle = f'"path"%:%"{artifact_file}",%"type"%:%"table"'.replace("'", "\\'")
        filter_string = f"tags.`{LOGGED_ARTIFACTS_TAG}` LIKE '%{needle}%'"
        if run_ids:
            quoted = ",".join("'" + validate_run_id(r) + "'" for r in run_ids)
            filter_string += f" and attributes.run_id IN ({quoted})"
        runs = runs_to_frame(
            collect_pages(
                lambda size, token: self.search_runs(
                    [str(experiment_id)], filter_string, max_results=size, page_token=token
                ),
                _RUNS_PAGE,
            )
        )
        if runs.empty:
            raise ResourceDoesNotExist("No runs found with the corresponding table artifact.")
        return pd.concat(
            list(self._tables(runs, artifact_file, extra_columns or [])), ignore_index=True
        )

    def _tables(
        self, runs: pandas.DataFrame, artifact_file: str, extra_columns: list[str]
    ) -> Iterator[pandas.DataFrame]:
        for _, run in runs.iterrows():
            run_id = str(run["run_id"])
            if not self._has_file(run_id, artifact_file):
                raise ResourceDoesNotExist(f"Artifact {artifact_file} not found for run {run_id}.")
            table = self._read_run_table(run_id, artifact_file)
            for column in extra_columns:
                # A name the table already uses gets a trailing underscore, as in MLflow.
                table[f"{column}_" if column in table else column] = run[column]
            yield table
