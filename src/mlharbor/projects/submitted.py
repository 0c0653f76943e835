"""Handles on launched project runs (``mlflow.projects.SubmittedRun``)."""

from __future__ import annotations

import abc
import contextlib
import os
import signal
import subprocess

from mlharbor.entities import RunStatus

__all__ = ["LocalSubmittedRun", "SubmittedRun"]


class SubmittedRun(abc.ABC):
    """A project run that has been launched; poll, wait for or cancel it."""

    @property
    @abc.abstractmethod
    def run_id(self) -> str:
        """The id of the tracking run the project logs to."""

    @abc.abstractmethod
    def wait(self) -> bool:
        """Block until the run ends; True when it succeeded."""

    @abc.abstractmethod
    def get_status(self) -> str:
        """``RUNNING``, ``FINISHED`` or ``FAILED``."""

    @abc.abstractmethod
    def cancel(self) -> None:
        """Stop the run (and everything it started), waiting until it is gone."""


class LocalSubmittedRun(SubmittedRun):
    """A run whose command is a local child process, leader of its own process group."""

    def __init__(self, run_id: str, process: subprocess.Popen[bytes]) -> None:
        self._run_id = run_id
        self.command_proc = process

    @property
    def run_id(self) -> str:
        return self._run_id

    def wait(self) -> bool:
        return self.command_proc.wait() == 0

    def get_status(self) -> str:
        code = self.command_proc.poll()
        if code is None:
            return RunStatus.RUNNING.value
        return RunStatus.FINISHED.value if code == 0 else RunStatus.FAILED.value

    def cancel(self) -> None:
        if self.command_proc.poll() is not None:
            return
        # The child leads its own group, so the whole tree it started goes with it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.command_proc.pid, signal.SIGTERM)
        self.command_proc.wait()
