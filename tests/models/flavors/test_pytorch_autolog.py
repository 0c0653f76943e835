"""PyTorch Lightning autologging (seed 002 §4.3): real Lightning training on CPU, tiny data."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import EarlyStopping
from torch.utils.data import DataLoader, TensorDataset

import mlharbor as mlflow
from mlharbor.client.client import MlharborClient

_ADAM_PARAMS = {"epochs", "optimizer_name", "lr", "betas", "eps", "weight_decay", "amsgrad"}


class SeedModel(pl.LightningModule):
    """The seed's module, plus a ``forward`` and a validation loss."""

    def __init__(self, lr: float = 0.001) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.model = torch.nn.Linear(10, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.model(x)
        return out

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = batch
        loss = torch.nn.functional.cross_entropy(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        x, y = batch
        self.log("val_loss", torch.nn.functional.cross_entropy(self(x), y))

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), lr=self.hparams["lr"])


class BrokenModel(SeedModel):
    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        raise RuntimeError("training blew up")


@pytest.fixture
def train_dataloader() -> DataLoader[Any]:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(64, 10, generator=generator)
    return DataLoader(TensorDataset(x, (x[:, 0] > 0).long()), batch_size=16)


@pytest.fixture
def autologging(workdir: Path) -> Iterator[None]:
    """Autologging on for one test; ``Trainer.fit`` is restored afterwards."""
    mlflow.pytorch.autolog()
    yield
    mlflow.pytorch.autolog(disable=True)


def _trainer(max_epochs: int = 2, **kwargs: Any) -> pl.Trainer:
    kwargs.setdefault("logger", False)
    kwargs.setdefault("enable_model_summary", False)
    return pl.Trainer(max_epochs=max_epochs, enable_progress_bar=False, **kwargs)


def _artifacts(client: MlharborClient, run_id: str, path: str | None = None) -> set[str]:
    found: set[str] = set()
    for item in client.list_artifacts(run_id, path):
        found |= _artifacts(client, run_id, item.path) if item.is_dir else {item.path}
    return found


def test_seed_002_lightning(autologging: None, train_dataloader: DataLoader[Any]) -> None:
    torch.manual_seed(0)
    model = SeedModel()
    trainer = pl.Trainer(max_epochs=3, enable_progress_bar=False)  # the seed's default logger
    trainer.fit(model, train_dataloader)

    run = mlflow.last_active_run()
    assert run is not None
    assert mlflow.active_run() is None
    client = MlharborClient()
    run = client.get_run(run.info.run_id)
    assert run.info.status == "FINISHED"
    params = run.data.params
    assert set(params) >= _ADAM_PARAMS
    assert (params["epochs"], params["optimizer_name"], params["lr"]) == ("3", "Adam", "0.001")
    assert params["betas"] == "(0.9, 0.999)"
    assert run.data.tags["Mode"] == "training"
    assert run.data.tags["mlflow.autologging"] == "pytorch"
    history = client.get_metric_history(run.info.run_id, "train_loss")
    assert sorted({m.step for m in history}) == [0, 1, 2]
    assert "model_summary.txt" in _artifacts(client, run.info.run_id)
    summary = client.download_artifacts(run.info.run_id, "model_summary.txt")
    assert "Linear" in Path(summary).read_text()

    (output,) = run.outputs.model_outputs
    loaded = mlflow.pytorch.load_model(f"models:/{output.model_id}")
    x = torch.randn(5, 10)
    model.eval()
    with torch.no_grad():
        assert torch.allclose(loaded(x), model(x))
    # the signature comes from the first forward call during training
    info = mlflow.models.get_model_info(f"models:/{output.model_id}")
    assert info.signature is not None
    predicted = mlflow.pyfunc.load_model(f"models:/{output.model_id}").predict(x.numpy())
    np.testing.assert_allclose(np.asarray(predicted), model(x).detach().numpy(), rtol=1e-5)


def test_fit_inside_a_run_logs_into_it(
    autologging: None, train_dataloader: DataLoader[Any]
) -> None:
    with mlflow.start_run() as run:
        _trainer(max_epochs=2).fit(SeedModel(), train_dataloader, train_dataloader)
        assert mlflow.active_run() is not None
    client = MlharborClient()
    data = client.get_run(run.info.run_id).data
    assert data.params["epochs"] == "2"
    assert {"train_loss", "val_loss"} <= set(data.metrics)
    assert [m.step for m in client.get_metric_history(run.info.run_id, "val_loss")] == [0, 1]
    assert "mlflow.autologging" not in data.tags
    # the best val_loss checkpoint, as MLflow's default checkpoint=True does
    assert data.tags["mlflow.latest_checkpoint_artifact"] == "checkpoints/latest_checkpoint.pth"
    artifacts = _artifacts(client, run.info.run_id)
    assert "checkpoints/latest_checkpoint_metrics.json" in artifacts
    assert len(client.search_runs([run.info.experiment_id])) == 1


def test_failing_fit_fails_the_run_it_started(
    autologging: None, train_dataloader: DataLoader[Any]
) -> None:
    with pytest.raises(RuntimeError, match="training blew up"):
        _trainer().fit(BrokenModel(), train_dataloader)
    run = mlflow.last_active_run()
    assert run is not None
    assert run.info.status == "FAILED"
    assert mlflow.active_run() is None


def test_early_stopping(autologging: None, train_dataloader: DataLoader[Any]) -> None:
    torch.manual_seed(0)
    # a min_delta no epoch can beat: training stops after patience + 1 epochs
    stop = EarlyStopping("val_loss", patience=1, min_delta=10.0)
    with mlflow.start_run() as run:
        trainer = _trainer(max_epochs=20, callbacks=[stop])
        trainer.fit(SeedModel(lr=0.5), train_dataloader, train_dataloader)
    client = MlharborClient()
    data = client.get_run(run.info.run_id).data
    assert {k: data.params[k] for k in ("monitor", "mode", "patience", "min_delta")} == {
        "monitor": "val_loss",
        "mode": "min",
        "patience": "1",
        "min_delta": "-10.0",
    }
    assert data.params["stopped_epoch"] == "0"  # logged before training, as MLflow does
    assert data.metrics["stopped_epoch"] == 1.0
    assert data.metrics["restored_epoch"] == 0.0
    assert data.metrics["wait_count"] == 1.0
    assert data.metrics["best_score"] == pytest.approx(
        client.get_metric_history(run.info.run_id, "val_loss")[0].value
    )
    artifacts = _artifacts(client, run.info.run_id)
    assert any(a.startswith("restored_model_checkpoint/") for a in artifacts)


def test_step_metrics_and_every_checkpoint(
    workdir: Path, train_dataloader: DataLoader[Any]
) -> None:
    mlflow.pytorch.autolog(log_every_n_step=2, log_models=False, checkpoint_save_best_only=False)
    try:
        with mlflow.start_run() as run:
            _trainer(max_epochs=2).fit(SeedModel(), train_dataloader)
    finally:
        mlflow.pytorch.autolog(disable=True)
    client = MlharborClient()
    # 4 batches an epoch: steps 1, 3, 5, 7 are every second one
    steps = [m.step for m in client.get_metric_history(run.info.run_id, "train_loss")]
    assert steps == [1, 3, 5, 7]
    assert not client.get_run(run.info.run_id).outputs.model_outputs
    artifacts = _artifacts(client, run.info.run_id)
    assert {"checkpoints/epoch_0/checkpoint.pth", "checkpoints/epoch_1/checkpoint.pth"} <= artifacts


def test_lightning_package_is_patched_too(
    autologging: None, train_dataloader: DataLoader[Any]
) -> None:
    import lightning

    class Module(lightning.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(10, 2)

        def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
            x, y = batch
            loss = torch.nn.functional.cross_entropy(self.layer(x), y)
            self.log("loss", loss)
            return loss

        def configure_optimizers(self) -> torch.optim.Optimizer:
            return torch.optim.SGD(self.parameters(), lr=0.1)

    trainer = lightning.Trainer(
        max_epochs=1, logger=False, enable_progress_bar=False, enable_model_summary=False
    )
    trainer.fit(Module(), train_dataloader)
    run = mlflow.last_active_run()
    assert run is not None
    client = MlharborClient()
    data = client.get_run(run.info.run_id).data
    assert data.params["optimizer_name"] == "SGD"
    assert "loss" in data.metrics
    assert "model_summary.txt" in _artifacts(client, run.info.run_id)


def test_disable_restores_plain_fit(workdir: Path, train_dataloader: DataLoader[Any]) -> None:
    import lightning

    originals = (pl.Trainer.fit, lightning.Trainer.fit)
    mlflow.pytorch.autolog()
    assert pl.Trainer.fit is not originals[0]
    assert lightning.Trainer.fit is not originals[1]
    mlflow.pytorch.autolog(disable=True)
    assert (pl.Trainer.fit, lightning.Trainer.fit) == originals
    _trainer(max_epochs=1).fit(SeedModel(), train_dataloader)
    assert mlflow.last_active_run() is None


def test_without_lightning_only_warns(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    original = pl.Trainer.fit
    for name in ("pytorch_lightning", "lightning.pytorch"):
        monkeypatch.setitem(sys.modules, name, None)  # makes the import fail
    with caplog.at_level(logging.WARNING, logger="mlharbor.autologging"):
        mlflow.pytorch.autolog()
    mlflow.pytorch.autolog(disable=True)
    assert pl.Trainer.fit is original
    assert "only PyTorch Lightning" in caplog.text


# the same training, run under the reference MLflow and under mlharbor (``mlflow`` is either)
_TRAINING = """
import torch, pytorch_lightning as pl
from pytorch_lightning.callbacks import EarlyStopping
from torch.utils.data import DataLoader, TensorDataset

class Net(pl.LightningModule):
    def __init__(self, lr=0.5):
        super().__init__()
        self.save_hyperparameters()
        self.layer = torch.nn.Linear(10, 2)
    def forward(self, x):
        return self.layer(x)
    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.cross_entropy(self(x), y)
        self.log("train_loss", loss)
        return loss
    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.cross_entropy(self(x), y))
    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)

def train():
    torch.manual_seed(0)
    x = torch.randn(64, 10)
    loader = DataLoader(TensorDataset(x, (x[:, 0] > 0).long()), batch_size=16)
    stop = EarlyStopping("val_loss", patience=1, min_delta=10.0)
    trainer = pl.Trainer(max_epochs=5, logger=False, enable_progress_bar=False,
                         enable_model_summary=False, callbacks=[stop])
    mlflow.pytorch.autolog()
    trainer.fit(Net(), loader, loader)
    return mlflow.last_active_run().info.run_id

def summary(client, run_id):
    def artifacts(path=None):
        found = []
        for item in client.list_artifacts(run_id, path):
            found += artifacts(item.path) if item.is_dir else [item.path]
        return found
    run = client.get_run(run_id)
    return {
        "params": sorted(run.data.params),
        "metrics": {k: [m.step for m in client.get_metric_history(run_id, k)]
                    for k in run.data.metrics},
        "values": dict(run.data.metrics),
        "tags": {k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.")
                 or k in ("mlflow.autologging", "mlflow.latest_checkpoint_artifact")},
        "artifacts": sorted(artifacts()),
        "models": len(run.outputs.model_outputs),
    }
"""


@pytest.mark.interop
def test_autolog_matches_mlflow(mlflow_python: str, workdir: Path) -> None:
    script = (
        "import json, warnings\nwarnings.simplefilter('ignore')\nimport mlflow\n"
        "mlflow.set_tracking_uri('sqlite:///reference.db')\n"
        + _TRAINING
        + "print(json.dumps(summary(mlflow.MlflowClient(), train())))\n"
    )
    # its own directory: Lightning writes checkpoints under the working directory
    reference = workdir / "reference"
    reference.mkdir()
    result = subprocess.run(
        [mlflow_python, "-c", script], capture_output=True, text=True, timeout=300, cwd=reference
    )
    assert result.returncode == 0, result.stderr[-3000:]
    theirs = json.loads(result.stdout.strip().splitlines()[-1])
    namespace: dict[str, Any] = {"mlflow": mlflow, "__name__": "lightning_interop"}
    try:
        exec(_TRAINING, namespace)
        ours = namespace["summary"](MlharborClient(), namespace["train"]())
    finally:
        mlflow.pytorch.autolog(disable=True)
    assert ours["params"] == theirs["params"]
    assert ours["metrics"] == theirs["metrics"]
    assert ours["values"] == pytest.approx(theirs["values"], rel=1e-5)
    assert ours["tags"] == theirs["tags"]
    assert ours["artifacts"] == theirs["artifacts"]
    assert ours["models"] == theirs["models"] == 1
