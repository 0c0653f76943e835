"""Hyperparameter sweeps with a controller on the tracking server, configured as in W&B.

``mlharbor.sweep(config, experiment_name=...)`` creates a sweep, ``mlharbor.agent(sweep_id,
function=train, count=N)`` runs trials, and ``mlharbor.sweep_config()`` gives the running
trial's parameters. Every trial is an ordinary child run of the sweep's parent run.
"""

from mlharbor.sweeps.agent import SweepParams, TrialStopped, agent, sweep, sweep_config

__all__ = ["SweepParams", "TrialStopped", "agent", "sweep", "sweep_config"]
