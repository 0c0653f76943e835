"""Writing a model directory: what every flavor records, and no half-written model on error."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mlharbor.exceptions import MlharborException
from mlharbor.models.model import Model
from mlharbor.models.model_dir import model_directory, record_inputs


def test_a_written_directory_gets_its_mlmodel_and_size(tmp_path: Path) -> None:
    target = tmp_path / "model"
    seen: list[object] = []
    example = pd.DataFrame({"x": [1.0, 2.0]})
    with model_directory(target, None) as draft:
        code = record_inputs(
            draft,
            metadata={"team": "ml"},
            code_paths=None,
            input_example=example,
            signature=None,
            infer_signature=lambda data: seen.append(data) or None,
        )
        (Path(draft.directory) / "model.bin").write_bytes(b"weights")
    assert code is None
    pd.testing.assert_frame_equal(seen[0], example)
    saved = Model.load(str(target))
    assert saved.metadata == {"team": "ml"}
    assert saved.model_size_bytes is not None
    assert saved.model_size_bytes > len(b"weights")
    assert (target / "input_example.json").is_file()


def test_a_given_signature_or_no_example_means_no_inference(tmp_path: Path) -> None:
    from mlharbor.models import infer_signature

    given = infer_signature(pd.DataFrame({"x": [1.0]}))
    calls: list[object] = []
    for name, example, signature in (("given", pd.DataFrame({"x": [1.0]}), given),
                                     ("none", None, None)):  # fmt: skip
        with model_directory(tmp_path / name, None) as draft:
            record_inputs(
                draft,
                metadata=None,
                code_paths=None,
                input_example=example,
                signature=signature,
                infer_signature=calls.append,
            )
            assert draft.model.signature is signature
    assert calls == []


def test_an_error_removes_the_directory(tmp_path: Path) -> None:
    target = tmp_path / "model"

    def write_half() -> None:
        with model_directory(target, None):
            (target / "partial.bin").write_bytes(b"half")
            raise RuntimeError("serialization failed")

    with pytest.raises(RuntimeError, match="serialization failed"):
        write_half()
    assert not target.exists()


def test_a_non_empty_target_is_refused(tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "other.txt").write_text("keep me")
    with (
        pytest.raises(MlharborException, match="already exists"),
        model_directory(tmp_path / "model", None),
    ):
        pass
    assert (tmp_path / "model" / "other.txt").read_text() == "keep me"
