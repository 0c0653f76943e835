"""Which logged models and datasets a run already links, so fluent metrics link new ones.

MLflow's rules: a metric goes to the explicit ``model_id``, else the active model, else every
model the run logged at the metric's step; an explicit or active model the run does not yet
know becomes a run input, and so does a metric's dataset. The active run keeps its links in
memory (updated as models are logged) so logging a metric costs no extra lookup.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from mlharbor.entities import LoggedModelOutput, Run

__all__ = ["RunLinks"]


@dataclass
class RunLinks:
    """Model inputs, dataset inputs and model outputs of one run (mutable, thread-safe)."""

    model_inputs: set[str] = field(default_factory=set)
    datasets: set[tuple[str, str]] = field(default_factory=set)
    model_outputs: list[LoggedModelOutput] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def of(cls, run: Run) -> RunLinks:
        return cls(
            model_inputs={m.model_id for m in run.inputs.model_inputs},
            datasets={(d.dataset.name, d.dataset.digest) for d in run.inputs.dataset_inputs},
            model_outputs=list(run.outputs.model_outputs),
        )

    def models_at(self, step: int) -> list[str]:
        """Models the run logged at ``step``, in logging order."""
        with self.lock:
            return [o.model_id for o in self.model_outputs if o.step == step]

    def unknown_models(self, model_ids: Iterable[str | None]) -> list[str]:
        """Of ``model_ids``, those neither input nor output of the run (first time only)."""
        with self.lock:
            known = self.model_inputs | {o.model_id for o in self.model_outputs}
            fresh = list(dict.fromkeys(m for m in model_ids if m and m not in known))
            self.model_inputs.update(fresh)
            return fresh

    def claim_dataset(self, name: str, digest: str) -> bool:
        """True the first time the run meets dataset ``(name, digest)``."""
        with self.lock:
            if (name, digest) in self.datasets:
                return False
            self.datasets.add((name, digest))
            return True

    def add_output(self, output: LoggedModelOutput) -> None:
        with self.lock:
            self.model_outputs.append(output)
