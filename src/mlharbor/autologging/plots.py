"""Charts autologging saves as artifacts."""

from __future__ import annotations

from typing import Any

__all__ = ["plot_importance"]


def plot_importance(scores: dict[str, Any], kind: str, path: str) -> None:
    """A horizontal bar chart of ``scores`` (one value, or one per class, per feature), the
    most important feature on top, saved as PNG at ``path``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import numpy as np

    names = list(scores)
    values = np.array([np.atleast_1d(scores[n]) for n in names], dtype=float)
    order = np.argsort(np.abs(values).sum(axis=1))
    values = values[order]
    classes = values.shape[1] if values.ndim == 2 and values.size else 1
    height = (
        4.8 + (0.1 * len(names) if len(names) > 10 else 0) + (0.1 * classes if classes > 1 else 0)
    )
    figure, axes = plt.subplots(figsize=(6.4, height))
    try:
        rows = np.arange(len(names))
        bar = 0.5 / max(classes - 1, 1) if classes > 1 else 0.5
        offsets = np.linspace(-0.25, 0.25, classes) if classes > 1 else [0.0]
        for index, offset in enumerate(offsets):
            label = f"Class {index}" if classes > 1 else None
            axes.barh(rows + offset, values[:, index], height=bar, align="center", label=label)
        axes.set_yticks(rows)
        axes.set_yticklabels([names[i] for i in order])
        axes.set_xlabel("Importance")
        axes.set_title(f"Feature Importance ({kind})")
        if classes > 1:
            axes.legend()
        figure.tight_layout()
        figure.savefig(path)
    finally:
        plt.close(figure)
