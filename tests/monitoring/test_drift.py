"""``data_drift``: the verdicts on synthetic data, options, bad input, and the reports."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mlharbor.client.client import MlharborClient
from mlharbor.exceptions import MlharborException
from mlharbor.monitoring import SMALL_SAMPLE_ROWS, data_drift
from tests.monitoring.conftest import frame


def test_same_distribution_does_not_drift() -> None:
    report = data_drift(frame(500, seed=1), frame(500, seed=2))
    assert not report.dataset_drift
    assert report.number_of_drifted_columns == 0
    assert report.share_of_drifted_columns == 0.0
    assert {n: c.stattest for n, c in report.columns.items()} == {"age": "ks", "plan": "chisquare"}
    assert report.columns["age"].statistic > 0.05


def test_shifted_mean_drifts_and_matches_scipy() -> None:
    reference, current = frame(500, seed=1), frame(500, seed=2, shift=5.0)
    report = data_drift(reference, current)
    age = report.columns["age"]
    assert age.drift_detected
    assert age.column_type == "numerical"
    assert age.statistic == pytest.approx(stats.ks_2samp(reference.age, current.age).pvalue)
    assert not report.columns["plan"].drift_detected
    # one of two columns drifted: exactly the default share of 0.5
    assert report.share_of_drifted_columns == 0.5
    assert report.dataset_drift


def test_categorical_shift_drifts() -> None:
    report = data_drift(frame(500, seed=1), frame(500, seed=2, weights=(0.2, 0.3, 0.5)))
    plan = report.columns["plan"]
    assert plan.drift_detected
    assert plan.column_type == "categorical"
    assert plan.statistic < 1e-6
    shares = plan.current_summary["distribution"]
    assert shares["pro"] == pytest.approx(0.5, abs=0.06)


def test_new_category_counts_as_drift() -> None:
    reference = pd.DataFrame({"c": ["a", "b"] * 100})
    current = pd.DataFrame({"c": ["a", "b", "new"] * 60})
    assert data_drift(reference, current).columns["c"].drift_detected


def test_large_samples_use_distances() -> None:
    rows = SMALL_SAMPLE_ROWS + 1
    same = data_drift(frame(rows, seed=1), frame(rows, seed=2))
    assert {n: c.stattest for n, c in same.columns.items()} == {
        "age": "wasserstein",
        "plan": "jensenshannon",
    }
    assert not same.dataset_drift
    moved = data_drift(frame(rows, seed=1), frame(rows, seed=2, shift=3.0, weights=(0.1, 0.3, 0.6)))
    age = moved.columns["age"]
    reference, current = frame(rows, seed=1), frame(rows, seed=2, shift=3.0)
    expected = stats.wasserstein_distance(reference.age, current.age) / np.std(reference.age)
    assert age.statistic == pytest.approx(expected)
    assert age.statistic > 0.1
    assert moved.columns["plan"].statistic > 0.1
    assert moved.number_of_drifted_columns == 2


def test_psi_and_overrides() -> None:
    reference, current = frame(500, seed=1), frame(500, seed=2, shift=5.0)
    report = data_drift(reference, current, stattest="psi")
    assert {c.stattest for c in report.columns.values()} == {"psi"}
    assert report.columns["age"].drift_detected
    assert not report.columns["plan"].drift_detected
    # a threshold above every score turns the distance test's verdict around
    lenient = data_drift(reference, current, stattest={"age": "psi"}, threshold={"age": 10.0})
    assert lenient.columns["age"].threshold == 10.0
    assert not lenient.columns["age"].drift_detected
    assert lenient.columns["plan"].stattest == "chisquare"
    # a p-value threshold of 0 never flags drift
    assert not data_drift(reference, current, threshold=0.0).dataset_drift


def test_columns_types_and_drift_share() -> None:
    reference = frame(300, seed=1).assign(code=[1, 2, 3] * 100)
    current = frame(300, seed=2, shift=5.0).assign(code=[1, 2, 3] * 100)
    report = data_drift(
        reference, current, columns=["age", "code"], column_types={"code": "categorical"}
    )
    assert list(report.columns) == ["age", "code"]
    assert report.columns["code"].stattest == "chisquare"
    assert report.columns["code"].statistic == pytest.approx(1.0)
    assert not data_drift(reference, current, drift_share=0.9).dataset_drift


def test_missing_values_are_left_out_and_counted() -> None:
    reference = pd.DataFrame({"x": [1.0, 2.0, np.nan, 3.0] * 50})
    current = pd.DataFrame({"x": [1.0, 2.0, 3.0, None] * 50})
    column = data_drift(reference, current).columns["x"]
    assert column.reference_summary["missing"] == 50
    assert column.reference_summary["count"] == 150
    assert not column.drift_detected


@pytest.mark.parametrize(
    ("reference", "current", "options", "message"),
    [
        ([1, 2], pd.DataFrame({"a": [1]}), {}, "must be a pandas DataFrame"),
        (pd.DataFrame({"a": [1.0]}), pd.DataFrame({"a": []}), {}, "has no rows"),
        (pd.DataFrame({"a": [1.0]}), pd.DataFrame({"b": [1.0]}), {}, "missing from the current"),
        (pd.DataFrame({"a": [1.0]}), pd.DataFrame({"a": [1.0]}), {"columns": ["z"]}, "reference"),
        (pd.DataFrame({"a": [1.0]}), pd.DataFrame({"a": [1.0]}), {"stattest": "t"}, "Unknown"),
        (pd.DataFrame({"a": ["x"]}), pd.DataFrame({"a": ["y"]}), {"stattest": "ks"}, "cannot"),
        (pd.DataFrame({"a": [1.0]}), pd.DataFrame({"a": [np.nan]}), {}, "no values"),
        (pd.DataFrame({"a": [1.0]}), pd.DataFrame({"a": [1.0]}), {"drift_share": 0}, "drift_share"),
        (
            pd.DataFrame({"a": [1.0]}),
            pd.DataFrame({"a": [1.0]}),
            {"column_types": {"a": "text"}},
            "Unknown column type",
        ),
        (
            pd.DataFrame({"a": [1.0]}),
            pd.DataFrame({"a": ["one"]}),
            {"column_types": {"a": "numerical"}},
            "not numbers",
        ),
        (
            pd.DataFrame({"a": [1.0]}),
            pd.DataFrame({"a": [1.0]}),
            {"threshold": {"b": 0.1}},
            "not compared",
        ),
        (pd.DataFrame([[1, 2]], columns=["a", "a"]), pd.DataFrame({"a": [1]}), {}, "duplicate"),
    ],
)
def test_bad_input_is_an_invalid_parameter(
    reference: object, current: object, options: dict[str, object], message: str
) -> None:
    with pytest.raises(MlharborException, match=message) as caught:
        data_drift(reference, current, **options)  # type: ignore[arg-type]
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"


def test_dates_are_skipped_unless_named() -> None:
    dates = pd.date_range("2024-01-01", periods=100)
    data = pd.DataFrame({"when": dates, "x": np.arange(100.0)})
    assert list(data_drift(data, data).columns) == ["x"]
    with pytest.raises(MlharborException, match="dates or times"):
        data_drift(data, data, columns=["when"])


def test_json_round_trips(tmp_path: Path) -> None:
    report = data_drift(frame(200, seed=1), frame(200, seed=2, shift=5.0))
    loaded = json.loads(report.to_json())
    assert loaded == json.loads(json.dumps(report.to_dict()))
    assert loaded["dataset_drift"] is True
    assert loaded["columns"]["age"]["score_kind"] == "p_value"
    assert math.isclose(loaded["columns"]["age"]["statistic"], report.columns["age"].statistic)


def test_html_escapes_hostile_names_and_values(tmp_path: Path) -> None:
    hostile = '<script>alert("x")</script>'
    reference = pd.DataFrame({hostile: ["<b>a</b>", "&b"] * 30, "n": np.arange(60.0)})
    current = pd.DataFrame(
        {hostile: ["<b>a</b>", "<img src=x onerror=1>"] * 30, "n": np.arange(60.0)}
    )
    path = tmp_path / "report.html"
    data_drift(reference, current).save_html(str(path))
    page = path.read_text(encoding="utf-8")
    assert "<script" not in page
    assert "<img" not in page
    assert "<b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=1&gt;" in page
    # self-contained: no external resources of any kind
    assert "http://" not in page
    assert "https://" not in page
    assert "<link" not in page


def test_log_to_run_writes_metrics_and_artifacts(workdir: Path) -> None:
    import mlharbor

    report = data_drift(frame(200, seed=1), frame(200, seed=2, shift=5.0))
    with mlharbor.start_run() as run:
        assert report.log_to_run() == run.info.run_id
    client = MlharborClient()
    metrics = client.get_run(run.info.run_id).data.metrics
    assert metrics["drift.share_of_drifted_columns"] == 0.5
    assert metrics["drift.dataset_drift"] == 1.0
    assert metrics["drift.age.statistic"] == pytest.approx(report.columns["age"].statistic)
    assert metrics["drift.plan.drift_detected"] == 0.0
    files = {f.path for f in client.list_artifacts(run.info.run_id, "drift")}
    assert files == {"drift/report.html", "drift/report.json"}
    local = client.download_artifacts(run.info.run_id, "drift/report.json", str(workdir))
    assert json.loads(Path(local).read_text())["number_of_drifted_columns"] == 1


def test_log_to_run_without_active_run_starts_and_ends_one(workdir: Path) -> None:
    import mlharbor

    weird = pd.DataFrame({"a b?": [1.0, 2.0] * 20})
    run_id = data_drift(weird, weird).log_to_run(prefix="nightly")
    assert mlharbor.active_run() is None
    run = MlharborClient().get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.metrics["nightly.a b_.statistic"] == 1.0
    with pytest.raises(MlharborException, match="prefix"):
        data_drift(weird, weird).log_to_run(run_id=run_id, prefix="../x")
