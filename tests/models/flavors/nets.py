"""A tiny torch module importable by module path, so a pickled instance loads in another
interpreter (the reference MLflow venv runs with the repository root on ``PYTHONPATH``)."""

from __future__ import annotations

import torch


class TwoLayerNet(torch.nn.Module):
    """Four features in, three scores out."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = torch.nn.Linear(4, 8)
        self.out = torch.nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scores: torch.Tensor = self.out(torch.relu(self.hidden(x)))
        return scores


def trained_net() -> TwoLayerNet:
    """A net with fixed seeded weights (training adds nothing to a format test)."""
    torch.manual_seed(7)
    return TwoLayerNet().eval()
