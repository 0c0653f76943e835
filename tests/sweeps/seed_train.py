"""Seed 004 §3.6's sweep, as a user runs it with mlharbor instead of wandb.

The configuration is the seed's, verbatim. The training function is the seed's with W&B's
calls mapped: the agent already started the run (no ``wandb.init()``), ``wandb.config`` is
``mlharbor.sweep_config()`` and ``wandb.log`` is ``mlharbor.log_metrics``. The seed leaves
``SimpleNet`` and ``run_epoch`` undefined; here they are a small deterministic stand-in whose
validation accuracy depends on the hyperparameters.
"""

from __future__ import annotations

import math
import sys

import mlharbor as wandb

sweep_config = {
    "method": "bayes",  # random, grid, bayes
    "metric": {"name": "val_accuracy", "goal": "maximize"},
    "parameters": {
        "learning_rate": {
            "distribution": "log_uniform_values",
            "min": 1e-5,
            "max": 1e-1,
        },
        "batch_size": {"values": [16, 32, 64, 128]},
        "hidden_dim": {"values": [64, 128, 256, 512]},
        "dropout": {
            "distribution": "uniform",
            "min": 0.1,
            "max": 0.5,
        },
    },
}


class SimpleNet:
    def __init__(self, input_dim: int, hidden_dim: int, output_dim: int) -> None:
        self.capacity = math.log2(hidden_dim) / 9


def run_epoch(model: SimpleNet, lr: float, dropout: float, batch_size: int, epoch: int):
    quality = model.capacity - abs(math.log10(lr) + 3) / 4 - abs(dropout - 0.3) - batch_size / 1000
    val_acc = 1 / (1 + math.exp(-(quality * 3 + epoch / 5)))
    return 1 - val_acc + 0.05, 1 - val_acc, val_acc


def train_sweep() -> None:
    config = wandb.sweep_config()
    model = SimpleNet(input_dim=784, hidden_dim=config.hidden_dim, output_dim=10)
    for epoch in range(10):
        train_loss, val_loss, val_acc = run_epoch(
            model, config.learning_rate, config.dropout, config.batch_size, epoch
        )
        wandb.log_metrics(
            {"train_loss": train_loss, "val_loss": val_loss, "val_accuracy": val_acc}, step=epoch
        )


if __name__ == "__main__":
    # python seed_train.py SWEEP_ID COUNT: one agent process
    wandb.agent(sys.argv[1], function=train_sweep, count=int(sys.argv[2]))
